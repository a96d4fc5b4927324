"""What an erasure leaves of a citizen in the staff groups: nothing, where the bot can help it.

Each of the citizen's topics is deleted, with everything in it (the card with name and phone,
the copies of what they wrote and sent, the answers), and the group's General topic says
which ticket went. Renaming the topic and blanking the card would leave the citizen's own
messages and every /card reply behind, so that is only the fallback, for a group where the
bot may not delete: the topic is renamed "data erased", its card edited to say so, staff are
asked to delete it by hand, and it is closed.
"""

from __future__ import annotations

import contextlib
import logging

from telegram.error import TelegramError

from bot.context import HotlineContext
from handlers.hotline.cards import staff_t
from storage.tickets import Ticket

log = logging.getLogger(__name__)


async def erase_topics(context: HotlineContext, tickets: list[Ticket]) -> None:
    """After the database erasure: delete each ticket's topic, or blank it if that fails."""
    t = staff_t(context)
    bot = context.bot
    deleted: dict[int, list[int]] = {}
    for ticket in tickets:
        if ticket.thread_id is None:
            continue
        try:
            await bot.delete_forum_topic(ticket.staff_chat_id, ticket.thread_id)
        except TelegramError as exc:
            log.warning("topic of ticket %s not deleted (%s): blanked", ticket.id, exc.message)
        else:
            deleted.setdefault(ticket.staff_chat_id, []).append(ticket.id)
            continue
        # Each step on its own: one refused (a topic already closed) must not stop the rest.
        chat, thread = ticket.staff_chat_id, ticket.thread_id
        with contextlib.suppress(TelegramError):
            await bot.edit_forum_topic(
                chat, thread, name=t("staff-topic-erased", ticket=ticket.id)
            )
        if ticket.card_message_id is not None:
            erased = t("staff-card-erased", ticket=ticket.id)
            try:
                await bot.edit_message_text(erased, chat, ticket.card_message_id)
            except TelegramError:
                # The card rode on the caption of the citizen's first photo or document.
                with contextlib.suppress(TelegramError):
                    await bot.edit_message_caption(chat, ticket.card_message_id, caption=erased)
        with contextlib.suppress(TelegramError):
            await bot.send_message(chat, t("staff-erased-delete-topic"), message_thread_id=thread)
        with contextlib.suppress(TelegramError):
            await bot.close_forum_topic(chat, thread)
    for chat, numbers in deleted.items():
        listed = ", ".join(f"№{n}" for n in numbers)
        # The General topic: staff who were answering should know why the topic went.
        with contextlib.suppress(TelegramError):
            await bot.send_message(chat, t("staff-erased-topics-deleted", tickets=listed))
