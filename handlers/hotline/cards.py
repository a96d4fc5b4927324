"""What the hotline shows: the citizen card and topic name staff see, the rating buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import HotlineContext
from bot.i18n import DEFAULT_LANG, Translator
from bot.reference import countries
from bot.reference.telegram_text import MAX_TOPIC_NAME, cut, utf16_len
from handlers.people import hooks as people
from handlers.render import local_time
from storage.models import Registration
from storage.tickets import Ticket

# Callback data of the rating buttons: rt:<ticket>:<1-5> (handled by citizen.rate).
RATE = "rt:"
# Callback data of the card's "take" button: dk:t:<ticket> (handled by desk.take_button).
TAKE = "dk:t:"


def staff_t(context: HotlineContext) -> Translator:
    """What the bot writes in the staff group is in the staff's language."""
    return context.services.catalog.translator(context.settings.staff_lang)


def topic_name(
    context: HotlineContext,
    ticket: Ticket,
    full_name: str,
    reg: Registration | None,
    owner: str | None = None,
) -> str:
    """Country, name and ticket number, then who holds it; a globe when the citizen is not
    registered.

    Within Telegram's 128 UTF-16 units: a long name (emoji count two) is what gets cut,
    never the country, the ticket number or the holder.
    """
    lang = context.settings.staff_lang
    head = countries.label(reg.country if reg else None, lang, missing="🌐") + " · "
    tail = f" · #{ticket.id}" + (f" · 👤 {cut(owner, 40)}" if owner else "")
    room = MAX_TOPIC_NAME - utf16_len(head) - utf16_len(tail)
    return cut(f"{head}{cut(full_name, max(room, 1))}{tail}", MAX_TOPIC_NAME)


async def card_text(
    context: HotlineContext, ticket: Ticket, tg_name: str, reg: Registration | None
) -> str:
    """The citizen card staff see at the top of the topic."""
    t = staff_t(context)
    citizen = await context.services.citizens.get(ticket.user_id)
    lang = citizen.lang if citizen else DEFAULT_LANG
    owner = context.services.desk.officer(ticket.assignee_id)
    held = (
        "\n" + t("desk-card-owner", officer=owner.name if owner else str(ticket.assignee_id))
        if ticket.assignee_id is not None
        else ""
    )
    if reg is None:
        return t("staff-card-unregistered", ticket=ticket.id, name=tg_name, lang=lang) + held
    card = (
        t(
            "staff-card",
            ticket=ticket.id,
            name=reg.full_name,
            country=countries.label(reg.country, t.lang),
            city=reg.city,
            status=t(f"status-{reg.status}"),
            party=reg.party_size,
            children=reg.children,
            needs=t(f"needs-{reg.needs}"),
            phone=reg.phone,
            lang=lang,
            updated=local_time(reg.updated_at, context.settings.tz),
        )
        + held
    )
    # End of stay, the person to notify, those travelling together (issue 18).
    more = await people.staff_lines(context, t, ticket.user_id)
    return f"{card}\n{more}" if more else card


def rating_markup(ticket: Ticket) -> InlineKeyboardMarkup:
    """One to five stars, in two rows."""
    stars = [
        InlineKeyboardButton("⭐" * n, callback_data=f"{RATE}{ticket.id}:{n}") for n in range(1, 6)
    ]
    return InlineKeyboardMarkup([stars[:3], stars[3:]])


def take_markup(context: HotlineContext, ticket: Ticket) -> InlineKeyboardMarkup:
    """The card's button: an officer takes the ticket (never shown to the citizen)."""
    label = staff_t(context)("desk-btn-take")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"{TAKE}{ticket.id}")]]
    )
