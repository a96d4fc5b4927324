"""How the hotline team's tools write things: durations, officers, topic links, queue lines."""

from __future__ import annotations

import html
from datetime import datetime

from telegram.error import TelegramError

from bot.context import HotlineContext
from bot.i18n import Markup, Translator
from handlers.hotline.cards import topic_name
from storage.desk import Waiting
from storage.models import Registration
from storage.tickets import Ticket

# Supergroup ids are -100 followed by the id that t.me/c/ links use.
_SUPERGROUP = -1_000_000_000_000


def duration(t: Translator, seconds: float | None) -> str:
    """ "25 мин", "2 ч 10 мин", "3 д 4 ч" in the reader's language; "—" when unknown."""
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    if minutes < 60:
        return t("desk-dur-minutes", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return t("desk-dur-hours", hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return t("desk-dur-days", days=days, hours=hours)


def officer_name(context: HotlineContext, user_id: int | None) -> str:
    """A staff member's Telegram name as last seen, else their id."""
    officer = context.services.desk.officer(user_id)
    if officer is not None:
        return officer.name
    return str(user_id) if user_id is not None else "—"


def mention(context: HotlineContext, user_id: int) -> Markup:
    """A mention that notifies the staff member (their name, linked to their account)."""
    name = html.escape(officer_name(context, user_id))
    return Markup(f'<a href="tg://user?id={user_id}">{name}</a>')


def topic_link(ticket: Ticket) -> str | None:
    """A t.me link that opens the ticket's topic (members of the group only)."""
    if ticket.thread_id is None or ticket.staff_chat_id > _SUPERGROUP:
        return None
    return f"https://t.me/c/{_SUPERGROUP - ticket.staff_chat_id}/{ticket.thread_id}"


def ticket_ref(ticket: Ticket) -> Markup:
    """№N, linked to its topic when there is one."""
    link = topic_link(ticket)
    return Markup(f'<a href="{link}">№{ticket.id}</a>' if link else f"№{ticket.id}")


def line(*parts: str) -> str:
    """Parts of a list line, the empty ones left out, joined with " · "."""
    return " · ".join(p for p in parts if p)


def waiting_line(
    context: HotlineContext, t: Translator, item: Waiting, now: datetime, holder: bool = True
) -> str:
    """One open ticket: its colour, number, urgency, wait and who holds it."""
    ticket = item.ticket
    desk = context.services.desk
    if ticket.waiting_since is None:
        return line(f"✅ {ticket_ref(ticket)}", t("desk-answered"))
    waited = desk.waited(ticket.waiting_since, now)
    owner = ""
    if holder:
        owner = (
            t("desk-owner", officer=officer_name(context, ticket.assignee_id))
            if ticket.assignee_id is not None
            else t("desk-owner-none")
        )
    return line(
        f"{desk.thresholds.light(waited, item.urgent)} {ticket_ref(ticket)}",
        t("desk-urgent") if item.urgent else "",
        t("desk-wait", wait=duration(t, waited.total_seconds())),
        owner,
    )


async def citizen_name(context: HotlineContext, ticket: Ticket, reg: Registration | None) -> str:
    """The name the topic shows: as registered, else as in Telegram (asked again)."""
    if reg is not None:
        return reg.full_name
    try:
        chat = await context.bot.get_chat(ticket.user_id)
    except TelegramError:
        return "—"
    return " ".join(p for p in (chat.first_name, chat.last_name) if p) or "—"


async def retitle(context: HotlineContext, ticket: Ticket) -> None:
    """Show the holder in the topic's title (or no holder); the title is only a display."""
    if ticket.thread_id is None:
        return
    reg = await context.services.registrations.get(ticket.user_id)
    name = await citizen_name(context, ticket, reg)
    owner = officer_name(context, ticket.assignee_id) if ticket.assignee_id else None
    title = topic_name(context, ticket, name, reg, owner)
    try:
        await context.bot.edit_forum_topic(ticket.staff_chat_id, ticket.thread_id, name=title)
    except TelegramError:
        # Deleted or renamed by hand meanwhile: the ticket and the card still say who has it.
        return
