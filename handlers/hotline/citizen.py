"""The citizen's side of the hotline: open a chat, relay messages and edits into the ticket's
topic, rate the help; and the urgent ticket a safety check's "I need help" opens.

A citizen always sees whether what they type goes to staff: the hotline's prompt, the menu
and the FAQ screens say so and carry "End chat"; each relayed message gets a reaction as the
sign that it arrived; the first one an acknowledgement with the expected answer time, the
hours in the citizen's own time and the numbers to call.
"""

from __future__ import annotations

import contextlib
import html
import logging
import math
from datetime import datetime
from typing import Any

from telegram import Message, ReactionTypeEmoji, Update
from telegram.error import BadRequest, TelegramError

from bot.context import HotlineContext
from bot.i18n import Markup
from bot.notices.schedule import country_zone
from bot.reference.telegram_text import MAX_TEXT, split, visible_len
from handlers import emergency, keyboards
from handlers.common import answer_query, ascii_int, callback_arg, refuse_button, reply
from handlers.hotline.cards import RATE, card_text, staff_t, take_markup, topic_name
from handlers.render import show
from storage.models import Registration, from_iso, to_iso
from storage.tickets import Ticket

log = logging.getLogger(__name__)

# Persisted user_data key (it survives restarts): True from "write to the hotline" until the
# ticket is closed, so the citizen's first message goes to staff before any ticket exists.
# False after "End chat" while the ticket stays open (older versions never wrote False).
HOTLINE_KEY = "hotline"
# Persisted user_data key: when the citizen pressed "End chat" (ISO time). A staff answer
# after it resumes the chat, so a reply to that answer reaches staff and not the FAQ.
ENDED_KEY = "hotline_ended"
# The reaction on each relayed message: "it reached staff". The acknowledgement says so in
# words (hotline-receipt); anything else that marks delivery must use the same emoji.
RECEIVED = "👍"
# How Telegram says a topic staff deleted is gone.
TOPIC_GONE = ("thread not found", "topic_id_invalid", "topic_deleted", "message thread")


def end_chat(user_data: dict[str, Any] | None) -> None:
    """The ticket is closed: the citizen's next free messages no longer go to staff."""
    if user_data is not None:
        user_data.pop(HOTLINE_KEY, None)
        user_data.pop(ENDED_KEY, None)


async def is_active(update: Update, context: HotlineContext) -> bool:
    """Whether this citizen's free messages go to the hotline."""
    user = update.effective_user
    if user is None:
        return False
    mode = context.user_data.get(HOTLINE_KEY) if context.user_data else None
    if mode is True:
        return True
    ticket = await context.services.tickets.open_of(user.id)
    if ticket is None:
        return False
    if mode is False:
        # "End chat" holds until staff answer again.
        ended = context.user_data.get(ENDED_KEY) if context.user_data else None
        if not isinstance(ended, str) or ticket.last_staff_at is None:
            return False
        # Both are stored to the second: an answer in the same second counts as after.
        return ticket.last_staff_at >= from_iso(ended)
    return True


def staff_chat_for(context: HotlineContext, reg: Registration | None) -> int | None:
    """The mission group of the citizen's registered country, else the central group."""
    return context.services.hotline.chat_for(reg.country if reg else None)


async def start_hotline(update: Update, context: HotlineContext) -> None:
    """m:hot: the next messages go to consular staff; the screen says so, with "End chat"."""
    await answer_query(update)
    user = update.effective_user
    if user is None or context.user_data is None:
        return
    back = keyboards.back_to_menu(context.t)
    if await context.services.hotline.bans.is_banned(user.id):
        await show(update, context.t("hotline-banned"), back)
        return
    reg = await context.services.registrations.get(user.id)
    if staff_chat_for(context, reg) is None:
        text = context.t("hotline-unavailable")
        lines = emergency.block(context, reg.country if reg else None)
        await show(update, f"{text}\n\n{lines}" if lines else text, back)
        return
    context.user_data[HOTLINE_KEY] = True
    context.user_data.pop(ENDED_KEY, None)
    await show(update, context.t("hotline-intro"), keyboards.hotline_intro(context.t))


async def end_hotline(update: Update, context: HotlineContext) -> None:
    """h:end: free text stops going to staff; an open ticket stays open for their answer."""
    user = update.effective_user
    if user is None or context.user_data is None:
        return
    await answer_query(update)
    services = context.services
    ticket = await services.tickets.open_of(user.id)
    if ticket is None:
        end_chat(context.user_data)
        text = context.t("hotline-ended")
    else:
        context.user_data[HOTLINE_KEY] = False
        context.user_data[ENDED_KEY] = to_iso(services.clock.now())
        text = context.t("hotline-ended-open", ticket=ticket.id)
        if ticket.thread_id is not None:
            # Staff should know why the citizen's replies may stop coming.
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(
                    ticket.staff_chat_id,
                    staff_t(context)("staff-citizen-ended"),
                    message_thread_id=ticket.thread_id,
                )
    registered = await services.registrations.exists(user.id)
    await show(update, text, keyboards.main_menu(context.t, registered))


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
    card = await context.bot.send_message(
        ticket.staff_chat_id,
        await card_text(context, ticket, tg_name, reg),
        message_thread_id=thread,
        reply_markup=take_markup(context, ticket),
    )
    # Kept so that an erasure can blank the card when the topic cannot be deleted.
    await context.services.tickets.set_card(ticket.id, card.message_id)
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
    if await services.hotline.bans.is_banned(user.id):
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
    if not services.hotline.admits(ticket.staff_chat_id, reg.country if reg else None):
        # An open ticket in a group that has since taken in a member whose scope leaves
        # the citizen's country out: nothing more goes there (the admins were told).
        log.warning("hotline message held: ticket %s's group no longer covers it", ticket.id)
        await reply(update, context.t("hotline-unavailable"))
        return
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
        await reply(update, acknowledgement(context, ticket, reg, now))
    await mark_received(update, context, message)


def acknowledgement(
    context: HotlineContext, ticket: Ticket, reg: Registration | None, now: datetime
) -> str:
    """The first message's answer: received, when an answer comes, the numbers to call."""
    t = context.t
    parts = [
        f"{t('hotline-ack', ticket=ticket.id)} {t('hotline-receipt')}",
        expectation(context, reg, now),
    ]
    lines = emergency.block(context, reg.country if reg else None)
    if lines:
        parts.append(lines)
    return "\n\n".join(parts)


def expectation(context: HotlineContext, reg: Registration | None, now: datetime) -> str:
    """When an answer comes: soon during working hours, else at the next opening.

    Hours are said in Astana time, as staff keep them, and in the citizen's own time when
    the registered country's clock differs.
    """
    settings, t = context.settings, context.t
    if settings.is_working_time(now):
        return t("hotline-expect-soon", minutes=settings.hotline_answer_minutes)
    zone = country_zone(reg.country, settings.tz) if reg else settings.tz
    opening = settings.next_opening(now)
    start, end = settings.working_hours.split("-")
    local_hours = ""
    astana_opens = opening.astimezone(settings.tz).strftime("%H:%M")
    opens = astana_opens
    if opening.astimezone(zone).utcoffset() != opening.astimezone(settings.tz).utcoffset():
        first, last = (_local(clock, opening, settings.tz, zone) for clock in (start, end))
        local_hours = t("hotline-local-hours", hours=f"{first}–{last}")
        opens = t(
            "hotline-opens-local",
            astana=astana_opens,
            local=opening.astimezone(zone).strftime("%H:%M"),
        )
    left = max(1, math.ceil((opening - now).total_seconds() / 3600))
    return t(
        "hotline-expect-later",
        hours=settings.working_hours.replace("-", "–"),
        local=Markup(local_hours),
        opens=Markup(opens),
        left=left,
    )


def _local(clock: str, day: datetime, home: Any, zone: Any) -> str:
    """A wall-clock time of the ministry's day, read on the citizen's clock."""
    hour, minute = (int(part) for part in clock.split(":"))
    moment = day.astimezone(home).replace(hour=hour, minute=minute)
    return moment.astimezone(zone).strftime("%H:%M")


async def mark_received(update: Update, context: HotlineContext, message: Message) -> None:
    """The sign a relayed message arrived: a reaction on it, else a short line of text."""
    try:
        await context.bot.set_message_reaction(
            message.chat_id, message.message_id, ReactionTypeEmoji(RECEIVED)
        )
    except TelegramError:
        with contextlib.suppress(TelegramError):
            await reply(update, context.t("hotline-delivered"))


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
    t = staff_t(context)
    # The prefix is the bot's: when it pushes a full-length text over Telegram's limit, the
    # text goes on in further messages rather than the citizen being asked to resend.
    pieces = split(
        message.text or message.caption or "",
        MAX_TEXT,
        first=MAX_TEXT - visible_len(t("staff-citizen-edited", text="")),
    )
    texts = [t("staff-citizen-edited", text=pieces[0]), *map(html.escape, pieces[1:])]
    try:
        for text in texts:
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
    raw_ticket, _, raw_value = (callback_arg(update, RATE) or "").partition(":")
    user = update.effective_user
    ticket_id = ascii_int(raw_ticket, max_digits=12)
    value = ascii_int(raw_value, max_digits=1)
    if user is None or ticket_id is None or value is None or not 1 <= value <= 5:
        await refuse_button(update, context)
        return
    if not await context.services.tickets.rate(ticket_id, user.id, value):
        await refuse_button(update, context)
        return
    await answer_query(update)
    await reply(update, context.t("hotline-rated"))
    ticket = await context.services.tickets.get(ticket_id)
    if ticket is not None and ticket.thread_id is not None:
        text = staff_t(context)("staff-rating", ticket=ticket.id, rating=value)
        # The rating is stored; the topic may be gone.
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                ticket.staff_chat_id, text, message_thread_id=ticket.thread_id
            )
