"""The staff's side of the hotline, in the ticket's forum topic: answers go back to the citizen
anonymously, edits follow them, and the topic commands manage the ticket.

Everything here is done by staff: the sender needs a role whose scope covers the citizen's
country (handlers.roles.group_staff); anyone else in the group is told, once a minute.
"""

from __future__ import annotations

import contextlib
import functools
import html
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.error import Forbidden, TelegramError

from bot.context import HotlineContext
from bot.i18n import DEFAULT_LANG
from bot.reference.telegram_text import MAX_TEXT, utf16_len
from handlers.hotline.albums import collect as collect_album
from handlers.hotline.cards import card_text, rating_markup, staff_t, take_markup
from handlers.hotline.citizen import end_chat
from handlers.roles import GroupStaff, group_staff
from storage.tickets import Ticket

# Commands that only make sense in a topic (or, /queue, in a staff group; desk.py has it).
STAFF_COMMANDS = ("close", "reopen", "card", "ban", "unban", "note", "queue")
MAX_BAN_REASON = 300


def _internal(message: Message) -> bool:
    """A message starting with "!" is a note for colleagues: it stays in the topic."""
    return (message.text or "").startswith("!")


async def _ticket_of_topic(update: Update, context: HotlineContext) -> Ticket | None:
    message = update.effective_message
    if message is None or message.message_thread_id is None:
        return None
    return await context.services.tickets.by_thread(message.chat_id, message.message_thread_id)


async def refuse(update: Update, context: HotlineContext, key: str) -> None:
    """Tell a member of a staff group why nothing was done (at most once a minute each)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if context.services.hotline.refusal_due(message.chat_id, user.id):
        with contextlib.suppress(TelegramError):
            await message.reply_text(staff_t(context)(key))


async def acting_staff(update: Update, context: HotlineContext) -> GroupStaff | None:
    """The sender as staff of this group, or None after telling them they are not."""
    staff = group_staff(update, context)
    if staff is None:
        await refuse(update, context, "staff-group-no-role")
    return staff


TopicCommand = Callable[[Update, HotlineContext, Ticket, Message], Awaitable[None]]


def topic_command(
    command: TopicCommand,
) -> Callable[[Update, HotlineContext], Coroutine[Any, Any, None]]:
    """Resolve the topic's ticket and check the sender may act for its citizen, then run.

    In a topic that is no ticket's, and for a "!" note, nothing happens; a member without a
    role, or whose scope leaves the citizen's country out, is refused.
    """

    @functools.wraps(command)
    async def handler(update: Update, context: HotlineContext) -> None:
        message = update.effective_message
        if message is None or _internal(message):
            return
        ticket = await _ticket_of_topic(update, context)
        if ticket is None:
            return
        staff = await acting_staff(update, context)
        if staff is None:
            return
        reg = await context.services.registrations.get(ticket.user_id)
        if not staff.serves(reg.country if reg else None):
            await refuse(update, context, "staff-out-of-scope")
            return
        await command(update, context, ticket, message)

    return handler


@topic_command
async def relay_out(
    update: Update, context: HotlineContext, ticket: Ticket, message: Message
) -> None:
    """A staff message in a topic: to the citizen, unless it is an internal note."""
    t = staff_t(context)
    if message.media_group_id and ticket.status == "open":
        # An album: its items go to the citizen together, as one album.
        await collect_album(update.update_id, context, ticket, message)
        return
    if ticket.status != "open":
        await message.reply_text(t("staff-ticket-closed-no-send", ticket=ticket.id))
        return
    sender = update.effective_user
    signature = f"\n\n— {sender.first_name}" if sender else ""
    # Unsigned also when the signature would push a full-length answer over the limit: the
    # bot's words give way, the officer's text goes whole.
    signed = (
        context.settings.sign_staff_answers
        and bool(message.text and signature)
        and utf16_len(message.text or "") + utf16_len(signature) <= MAX_TEXT
    )
    try:
        if signed:
            sent = await context.bot.send_message(
                ticket.user_id, message.text_html + html.escape(signature)
            )
            copy_id = sent.message_id
        else:
            copy = await context.bot.copy_message(
                ticket.user_id, message.chat_id, message.message_id
            )
            copy_id = copy.message_id
    except Forbidden:
        await message.reply_text(t("staff-undelivered-blocked"))
        return
    except TelegramError:
        await message.reply_text(t("staff-undelivered"))
        return
    services = context.services
    now = services.clock.now()
    await services.tickets.link(ticket.id, "out", copy_id, message.message_id, now)
    await services.tickets.touch(ticket.id, "staff", now)


@topic_command
async def staff_edit(
    update: Update, context: HotlineContext, ticket: Ticket, message: Message
) -> None:
    """Staff edited an answer: the citizen's copy is edited too (text), or flagged."""
    copy_id = await context.services.tickets.citizen_copy_of(ticket.id, message.message_id)
    if copy_id is None:
        return
    try:
        if message.text:
            await context.bot.edit_message_text(message.text_html, ticket.user_id, copy_id)
        else:
            await message.reply_text(staff_t(context)("staff-edit-not-carried"))
    except TelegramError:
        await message.reply_text(staff_t(context)("staff-edit-not-carried"))


# ---- staff commands in a topic --------------------------------------------------------


@topic_command
async def close(update: Update, context: HotlineContext, ticket: Ticket, message: Message) -> None:
    """/close: close the ticket and ask the citizen to rate the help."""
    t = staff_t(context)
    services = context.services
    if not await services.tickets.set_status(ticket.id, "closed", services.clock.now()):
        await message.reply_text(t("staff-already", ticket=ticket.id))
        return
    end_chat(context.application.user_data.get(ticket.user_id))
    citizen = await services.citizens.get(ticket.user_id)
    ct = services.catalog.translator(citizen.lang if citizen else DEFAULT_LANG)
    try:
        await context.bot.send_message(
            ticket.user_id, ct("hotline-closed", ticket=ticket.id),
            reply_markup=rating_markup(ticket),
        )  # fmt: skip
    except TelegramError:
        await message.reply_text(t("staff-undelivered"))
    await message.reply_text(t("staff-closed", ticket=ticket.id))
    if ticket.thread_id is not None:
        # The topic may already be closed or gone; the ticket is what counts.
        with contextlib.suppress(TelegramError):
            await context.bot.close_forum_topic(ticket.staff_chat_id, ticket.thread_id)


@topic_command
async def reopen(
    update: Update, context: HotlineContext, ticket: Ticket, message: Message
) -> None:
    """/reopen: reopen the topic's ticket."""
    t = staff_t(context)
    services = context.services
    if not await services.tickets.set_status(ticket.id, "open", services.clock.now()):
        await message.reply_text(t("staff-cannot-reopen", ticket=ticket.id))
        return
    if ticket.thread_id is not None:
        with contextlib.suppress(TelegramError):  # already open
            await context.bot.reopen_forum_topic(ticket.staff_chat_id, ticket.thread_id)
    await message.reply_text(t("staff-reopened", ticket=ticket.id))


@topic_command
async def card(update: Update, context: HotlineContext, ticket: Ticket, message: Message) -> None:
    """/card: the citizen card, refreshed."""
    reg = await context.services.registrations.get(ticket.user_id)
    await message.reply_text(
        await card_text(context, ticket, "", reg), reply_markup=take_markup(context, ticket)
    )


@topic_command
async def ban(update: Update, context: HotlineContext, ticket: Ticket, message: Message) -> None:
    """/ban reason: the citizen's messages are no longer relayed."""
    staff = update.effective_user
    if staff is None:
        return
    reason = " ".join(context.args or []).strip()[:MAX_BAN_REASON]
    t = staff_t(context)
    if not reason:
        await message.reply_text(t("staff-ban-usage"))
        return
    services = context.services
    await services.hotline.bans.ban(ticket.user_id, reason, staff.id, services.clock.now())
    await message.reply_text(
        t("staff-banned", ticket=ticket.id, reason=reason) + "\n" + t("staff-ban-kept")
    )


@topic_command
async def unban(update: Update, context: HotlineContext, ticket: Ticket, message: Message) -> None:
    """/unban: relay the citizen's messages again."""
    t = staff_t(context)
    if await context.services.hotline.bans.unban(ticket.user_id):
        await message.reply_text(t("staff-unbanned", ticket=ticket.id))
    else:
        await message.reply_text(t("staff-not-banned", ticket=ticket.id))


@topic_command
async def send_faq(
    update: Update, context: HotlineContext, ticket: Ticket, message: Message
) -> None:
    """/faq <id>: send an FAQ answer to the citizen in their language."""
    t = staff_t(context)
    entry = context.services.faq.entry((context.args or [""])[0])
    if entry is None:
        await message.reply_text(t("staff-faq-usage"))
        return
    citizen = await context.services.citizens.get(ticket.user_id)
    lang = citizen.lang if citizen else DEFAULT_LANG
    text = f"<b>{entry.question[lang]}</b>\n\n{entry.answer[lang]}".replace(
        "{contacts}", ""
    ).replace("{polling}", "")
    try:
        await context.bot.send_message(ticket.user_id, text)
    except TelegramError:
        await message.reply_text(t("staff-undelivered"))
        return
    # An answer like any other: the citizen no longer waits (alarms, response time).
    await context.services.tickets.touch(ticket.id, "staff", context.services.clock.now())
    await message.reply_text(t("staff-faq-sent", entry=entry.id))


async def note(update: Update, context: HotlineContext) -> None:
    """/note text: an internal note; like "!", it stays in the topic."""
