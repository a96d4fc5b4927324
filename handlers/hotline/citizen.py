"""The citizen's side of the hotline: open a chat, relay messages and edits into the ticket's
topic, rate the help; and the urgent ticket a safety check's "I need help" opens.

A citizen always sees whether what they type goes to staff: the hotline's prompt, the menu
and the FAQ screens say so and carry "End chat". Messages for the topic are queued for the
relay (bot.relay.engine), which sends them as the staff group's budget allows and marks each
delivered with a reaction (handlers.hotline.marks). The first one gets an acknowledgement
with the expected answer time, the hours in the citizen's own time and the numbers to call;
words of urgency (locales/urgency.yaml) mark the ticket urgent and give the citizen the
emergency line at once.
"""

from __future__ import annotations

import contextlib
import logging
import math
from datetime import datetime
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from bot.context import HotlineContext
from bot.i18n import Markup
from bot.notices.schedule import country_zone
from handlers import emergency, keyboards
from handlers.common import answer_query, ascii_int, callback_arg, refuse_button, reply
from handlers.hotline.cards import RATE, staff_t
from handlers.hotline.marks import DELIVERED
from handlers.render import show
from storage.models import Registration, from_iso, to_iso
from storage.relays import EDIT, NOTE, RelayDraft
from storage.tickets import Ticket

log = logging.getLogger(__name__)

# Persisted user_data key (it survives restarts): True from "write to the hotline" until the
# ticket is closed, so the citizen's first message goes to staff before any ticket exists.
# False after "End chat" while the ticket stays open (older versions never wrote False).
HOTLINE_KEY = "hotline"
# Persisted user_data key: when the citizen pressed "End chat" (ISO time). A staff answer
# after it resumes the chat, so a reply to that answer reaches staff and not the FAQ.
ENDED_KEY = "hotline_ended"
# The reaction on each relayed message: "it reached staff" (handlers.hotline.marks makes it);
# the acknowledgement says so in words (hotline-receipt).
RECEIVED = DELIVERED


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


def relay_draft(update: Update, message: Message, name: str, urgent: bool) -> RelayDraft:
    """The citizen's message as the relay queues it (text and caption as HTML)."""
    kind, file_id = _kind(message)
    body = message.text_html if message.text else None
    if message.caption:
        body = message.caption_html
    return RelayDraft(
        kind=kind,
        written_at=message.date,
        message_id=message.message_id,
        body=body,
        file_id=file_id,
        media_group_id=message.media_group_id,
        sender_name=name,
        urgent=urgent,
        update_id=update.update_id,
    )


def _kind(message: Message) -> tuple[str, str | None]:
    """What the message is, and the file an album would need."""
    if message.text:
        return "text", None
    if message.photo:
        return "photo", message.photo[-1].file_id
    for kind in ("video", "document", "audio", "animation", "voice", "sticker", "video_note"):
        attachment = getattr(message, kind)
        if attachment is not None:
            return kind, attachment.file_id
    for kind in ("location", "venue", "contact", "poll", "dice"):
        if getattr(message, kind) is not None:
            return kind, None
    return "other", None


def _urgent(context: HotlineContext, message: Message) -> bool:
    return context.services.urgency.urgent(message.text or message.caption)


async def relay_in(update: Update, context: HotlineContext) -> None:
    """A citizen's message: queued for their ticket's topic, whatever kind it is.

    The relay puts it there as the group's budget allows (bot.relay.engine) and marks it
    delivered; the answer here comes once it is queued, i.e. stored.
    """
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    services = context.services
    desk = services.hotline
    # One read of the registration serves routing, the topic name, the card and the ack.
    reg = await services.registrations.get(user.id)
    country = reg.country if reg else None
    groups = desk.chats_for(country)
    if await desk.bans.is_banned(user.id):
        await reply(update, context.t("hotline-banned"))
        return
    if not groups:
        await reply(update, context.t("hotline-unavailable"))
        return
    if desk.flooding(user.id):
        if desk.tell_flooding(user.id):
            await reply(update, context.t("hotline-flood"))
        return
    now = services.clock.now()
    if await services.citizens.get(user.id) is None:
        # Tickets belong to a citizen row; a first-time user gets one in their language.
        await services.citizens.set_lang(user.id, context.lang, now)
    # A new ticket goes to the least loaded of the country's groups (overflow groups).
    group = services.relay.least_loaded(groups) or groups[0]
    ticket, _ = await services.tickets.open_for(user.id, group, now)
    if not desk.admits(ticket.staff_chat_id, country):
        # An open ticket in a group that has since taken in a member whose scope leaves
        # the citizen's country out: nothing more goes there (the admins were told).
        log.warning("hotline message held: ticket %s's group no longer covers it", ticket.id)
        await reply(update, context.t("hotline-unavailable"))
        return
    urgent = _urgent(context, message)
    await services.relay.enqueue(ticket, [relay_draft(update, message, user.full_name, urgent)])
    await services.tickets.touch(ticket.id, "citizen", now)
    newly_urgent = urgent and await services.tickets.set_urgent(ticket.id, now)
    # The acknowledgement is recorded once sent: a crash before it (the update is handled
    # again at start-up, the message not queued twice) still gets it out.
    if ticket.acked_at is None:
        await reply(update, acknowledgement(context, ticket, reg, now, urgent))
        await services.tickets.set_acked(ticket.id, now)
    elif newly_urgent:
        await reply(update, urgent_line(context, reg))


async def relay_urgent(update: Update, context: HotlineContext) -> None:
    """Words of urgency typed outside the hotline: to staff, not answered from the FAQ."""
    user = update.effective_user
    if user is None or context.user_data is None:
        return
    services = context.services
    reg = await services.registrations.get(user.id)
    banned = await services.hotline.bans.is_banned(user.id)
    if banned or not services.hotline.chats_for(reg.country if reg else None):
        # No one to hand it to here: at least the number to call.
        key = "hotline-banned" if banned else "hotline-unavailable"
        await reply(update, context.t(key) + "\n\n" + urgent_line(context, reg))
        return
    context.user_data[HOTLINE_KEY] = True
    await relay_in(update, context)


def acknowledgement(
    context: HotlineContext, ticket: Ticket, reg: Registration | None, now: datetime, urgent: bool
) -> str:
    """The first message's answer: received, when an answer comes, the numbers to call (the
    urgent line first when the message's words were urgent)."""
    t = context.t
    parts = [f"{t('hotline-ack', ticket=ticket.id)} {t('hotline-receipt')}"]
    if urgent:
        parts.append(urgent_line(context, reg))
    parts.append(expectation(context, reg, now))
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


def urgent_line(context: HotlineContext, reg: Registration | None) -> str:
    """Urgent words: the ticket is marked so, and the number to call now."""
    phone = _emergency_line(context, reg)
    if phone:
        return context.t("hotline-urgent", phone=phone)
    return context.t("hotline-urgent-no-phone")


async def open_urgent(context: HotlineContext, user_id: int, tg_name: str) -> Ticket | None:
    """A citizen answered "I need help" to a safety check: their ticket, flagged urgent.

    None when no staff chat can take it (the caller flags the registration instead).
    """
    services = context.services
    reg = await services.registrations.get(user_id)
    groups = services.hotline.chats_for(reg.country if reg else None)
    if not groups:
        return None
    now = services.clock.now()
    group = services.relay.least_loaded(groups) or groups[0]
    ticket, _ = await services.tickets.open_for(user_id, group, now)
    note = RelayDraft(
        kind=NOTE,
        written_at=now,
        body=staff_t(context)("staff-safety-help", ticket=ticket.id),
        sender_name=tg_name,
        urgent=True,
    )
    await services.relay.enqueue(ticket, [note])
    await services.tickets.touch(ticket.id, "citizen", now)
    await services.tickets.set_urgent(ticket.id, now)
    # The safety check's own answer tells the citizen their call was taken.
    await services.tickets.set_acked(ticket.id, now)
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
    """A citizen edited a message: if it still waits for the topic, it goes as edited;
    if it is there, the new text is posted as a reply to it."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    services = context.services
    ticket = await services.tickets.open_of(user.id)
    new = message.text_html if message.text else (message.caption_html or "")
    if (
        ticket is not None
        and new
        and await services.relay.rewrite(ticket, message.message_id, new)
    ):
        return
    copy_id = (
        await services.tickets.staff_copy_of(ticket.id, message.message_id) if ticket else None
    )
    if ticket is None or copy_id is None or ticket.thread_id is None:
        await reply(update, context.t("edit-ignored"))
        return
    # The text as Telegram shows it: the prefix is the bot's, and a full-length text goes
    # on in further messages rather than the citizen being asked to resend.
    text = staff_t(context)("staff-citizen-edited", text=message.text or message.caption or "")
    edit = RelayDraft(
        kind=EDIT,
        written_at=services.clock.now(),
        message_id=message.message_id,
        body=text,
        reply_to=copy_id,
        update_id=update.update_id,
    )
    await services.relay.enqueue(ticket, [edit])


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
        # Through the relay, as the group's budget allows (the rating itself is stored).
        note = RelayDraft(
            kind=NOTE,
            written_at=context.services.clock.now(),
            body=staff_t(context)("staff-rating", ticket=ticket.id, rating=value),
            update_id=update.update_id,
        )
        await context.services.relay.enqueue(ticket, [note])
