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


def staff_t(context: HotlineContext) -> Translator:
    """What the bot writes in the staff group is in the staff's language."""
    return context.services.catalog.translator(context.settings.staff_lang)


def topic_name(
    context: HotlineContext, ticket: Ticket, full_name: str, reg: Registration | None
) -> str:
    """Country, name and ticket number; a globe when the citizen is not registered.

    Within Telegram's 128 UTF-16 units: a long name (emoji count two) is shortened, the
    country and the ticket number are kept.
    """
    lang = context.settings.staff_lang
    head = countries.label(reg.country if reg else None, lang, missing="🌐") + " · "
    tail = f" · #{ticket.id}"
    room = MAX_TOPIC_NAME - utf16_len(head) - utf16_len(tail)
    return cut(f"{head}{cut(full_name, max(room, 1))}{tail}", MAX_TOPIC_NAME)


async def card_text(
    context: HotlineContext, ticket: Ticket, tg_name: str, reg: Registration | None
) -> str:
    """The citizen card staff see at the top of the topic."""
    t = staff_t(context)
    citizen = await context.services.citizens.get(ticket.user_id)
    lang = citizen.lang if citizen else DEFAULT_LANG
    if reg is None:
        return t("staff-card-unregistered", ticket=ticket.id, name=tg_name, lang=lang)
    card = t(
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
    # End of stay, the person to notify, those travelling together (issue 18).
    more = await people.staff_lines(context, t, ticket.user_id)
    return f"{card}\n{more}" if more else card


def rating_markup(ticket: Ticket) -> InlineKeyboardMarkup:
    """One to five stars, in two rows."""
    stars = [
        InlineKeyboardButton("⭐" * n, callback_data=f"{RATE}{ticket.id}:{n}") for n in range(1, 6)
    ]
    return InlineKeyboardMarkup([stars[:3], stars[3:]])
