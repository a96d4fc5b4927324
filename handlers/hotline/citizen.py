"""The citizen's side of the hotline: open a chat, relay messages and edits into the ticket's
topic, rate the help; and the urgent ticket a safety check's "I need help" opens.
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError

from bot.context import HotlineContext
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.hotline.cards import RATE, card_text, staff_t, take_markup, topic_name
from storage.models import Registration
from storage.tickets import Ticket

# Persisted user_data key (it survives restarts): True from "write to the hotline" until the
# ticket is closed, so the citizen's first message goes to staff before any ticket exists.
HOTLINE_KEY = "hotline"
# How Telegram says a topic staff deleted is gone.
TOPIC_GONE = ("thread not found", "topic_id_invalid", "topic_deleted", "message thread")


def end_chat(user_data: dict[str, Any] | None) -> None:
    """The ticket is closed: the citizen's next free messages no longer go to staff."""
    if user_data is not None:
        user_data.pop(HOTLINE_KEY, None)


async def is_active(update: Update, context: HotlineContext) -> bool:
    """Whether this citizen's free messages go to the hotline."""
    user = update.effective_user
    if user is None:
        return False
    if context.user_data and context.user_data.get(HOTLINE_KEY):
        return True
    return await context.services.tickets.open_of(user.id) is not None


def staff_chat_for(context: HotlineContext, reg: Registration | None) -> int | None:
    """The mission group of the citizen's registered country, else the central group."""
    return context.services.hotline.chat_for(reg.country if reg else None)


async def start_hotline(update: Update, context: HotlineContext) -> None:
    """m:hot: the next messages go to consular staff."""
    await answer_query(update)
    user = update.effective_user
    if user is None or context.user_data is None:
        return
    if await context.services.tickets.is_banned(user.id):
        await reply(update, context.t("hotline-banned"))
        return
    reg = await context.services.registrations.get(user.id)
    if staff_chat_for(context, reg) is None:
        await reply(update, context.t("hotline-unavailable"))
        return
    context.user_data[HOTLINE_KEY] = True
    await reply(update, context.t("hotline-intro"))


async def _open_topic(
    context: HotlineContext, ticket: Ticket, tg_name: str, reg: Registration | None
) -> int:
    """Create the ticket's topic and post the card; returns the thread id."""
    name = reg.full_name if reg else tg_name
    topic = await context.bot.create_forum_topic(
        ticket.staff_chat_id, topic_name(context, ticket, name, reg)
    )
    thread = topic.message_thread_id
    await context.services.tickets.set_thread(ticket.id, thread)
    await context.bot.send_message(
        ticket.staff_chat_id,
        await card_text(context, ticket, tg_name, reg),
        message_thread_id=thread,
        reply_markup=take_markup(context, ticket),
    )
    return thread


async def _copy_in(context: HotlineContext, ticket: Ticket, message: Message, thread: int) -> int:
    copy = await context.bot.copy_message(
        ticket.staff_chat_id, message.chat_id, message.message_id, message_thread_id=thread
    )
    return copy.message_id


async def relay_in(update: Update, context: HotlineContext) -> None:
    """A citizen's message: into their ticket's topic, whatever kind it is."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    services = context.services
    # One read of the registration serves routing, the topic name, the card and the ack.
    reg = await services.registrations.get(user.id)
    staff_chat = staff_chat_for(context, reg)
    if await services.tickets.is_banned(user.id):
        await reply(update, context.t("hotline-banned"))
        return
    if staff_chat is None:
        await reply(update, context.t("hotline-unavailable"))
        return
    if services.hotline.flooding(user.id):
        await reply(update, context.t("hotline-flood"))
        return
    now = services.clock.now()
    if await services.citizens.get(user.id) is None:
        # Tickets belong to a citizen row; a first-time user gets one in their language.
        await services.citizens.set_lang(user.id, context.lang, now)
    ticket, created = await services.tickets.open_for(user.id, staff_chat, now)
    try:
        thread = ticket.thread_id or await _open_topic(context, ticket, user.full_name, reg)
        try:
            copy_id = await _copy_in(context, ticket, message, thread)
        except BadRequest as exc:
            if not any(part in str(exc).lower() for part in TOPIC_GONE):
                raise
            # Staff deleted the topic: open a new one, say so, and deliver there.
            thread = await _open_topic(context, ticket, user.full_name, reg)
            await context.bot.send_message(
                staff_chat,
                staff_t(context)("staff-topic-recreated", ticket=ticket.id),
                message_thread_id=thread,
            )
            copy_id = await _copy_in(context, ticket, message, thread)
    except TelegramError:
        await reply(update, context.t("hotline-failed"))
        return
    await services.tickets.link(ticket.id, "in", message.message_id, copy_id, now)
    await services.tickets.touch(ticket.id, "citizen", now)
    if created:
        text = context.t("hotline-ack", ticket=ticket.id)
        emergency = _emergency_line(context, reg)
        if emergency:
            text += "\n" + context.t("hotline-ack-emergency", phone=emergency)
        if not context.settings.is_working_time(now):
            text += "\n\n" + context.t("hotline-away", hours=context.settings.working_hours)
        await reply(update, text)


async def open_urgent(context: HotlineContext, user_id: int, tg_name: str) -> Ticket | None:
    """A citizen answered "I need help" to a safety check: their ticket, flagged urgent.

    None when no staff chat can take it (the caller flags the registration instead).
    """
    services = context.services
    reg = await services.registrations.get(user_id)
    staff_chat = staff_chat_for(context, reg)
    if staff_chat is None:
        return None
    now = services.clock.now()
    ticket, _ = await services.tickets.open_for(user_id, staff_chat, now)
    thread = ticket.thread_id or await _open_topic(context, ticket, tg_name, reg)
    await context.bot.send_message(
        staff_chat,
        staff_t(context)("staff-safety-help", ticket=ticket.id),
        message_thread_id=thread,
    )
    await services.tickets.touch(ticket.id, "citizen", now)
    return ticket


def _emergency_line(context: HotlineContext, reg: Registration | None) -> str | None:
    """The emergency number of the mission in the citizen's registered country, if known."""
    info = context.services.directory.get(reg.country) if reg else None
    for mission in info.missions if info else ():
        number = mission.contacts.get("emergency") or mission.contacts.get("hotline")
        if number:
            return number
    return None


async def citizen_edit(update: Update, context: HotlineContext) -> None:
    """A citizen edited a message already in a topic: the new text is posted as a reply."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    tickets = context.services.tickets
    ticket = await tickets.open_of(user.id)
    copy_id = await tickets.staff_copy_of(ticket.id, message.message_id) if ticket else None
    if ticket is None or copy_id is None or ticket.thread_id is None:
        await reply(update, context.t("edit-ignored"))
        return
    text = staff_t(context)("staff-citizen-edited", text=message.text or message.caption or "")
    try:
        await context.bot.send_message(
            ticket.staff_chat_id,
            text,
            message_thread_id=ticket.thread_id,
            reply_to_message_id=copy_id,
        )
    except TelegramError:
        await reply(update, context.t("hotline-failed"))


async def rate(update: Update, context: HotlineContext) -> None:
    """rt:<ticket>:<1-5>: the citizen's rating."""
    ticket_id, _, value = (callback_arg(update, RATE) or "").partition(":")
    user = update.effective_user
    valid = user is not None and ticket_id.isdigit() and value in {"1", "2", "3", "4", "5"}
    if not valid or user is None:
        await refuse_button(update, context)
        return
    if not await context.services.tickets.rate(int(ticket_id), user.id, int(value)):
        await refuse_button(update, context)
        return
    await answer_query(update)
    await reply(update, context.t("hotline-rated"))
    ticket = await context.services.tickets.get(int(ticket_id))
    if ticket is not None and ticket.thread_id is not None:
        text = staff_t(context)("staff-rating", ticket=ticket.id, rating=int(value))
        # The rating is stored; the topic may be gone.
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                ticket.staff_chat_id, text, message_thread_id=ticket.thread_id
            )
