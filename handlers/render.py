"""Texts built from several messages (the registration card), and screens edited in place."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.i18n import Markup, Translator
from bot.reference import countries
from handlers.common import reply

# Telegram's answer when an edit would change nothing (a double tap): the screen is right.
NOT_MODIFIED = "message is not modified"


def country_label(t: Translator, code: str | None) -> str:
    """Flag and name of a country in the user's language."""
    return countries.label(code, t.lang)


def registration_card(t: Translator, data: Mapping[str, Any]) -> Markup:
    """The registration as the citizen sees it before confirming and in 'My registration'."""
    note = data.get("note")
    card = t(
        "reg-card",
        country=country_label(t, data.get("country")),
        city=data.get("city") or "—",
        status=t(f"status-{data['status']}") if data.get("status") else "—",
        party=data.get("party_size") or 1,
        children=data.get("children") or 0,
        name=data.get("full_name") or "—",
        phone=data.get("phone") or "—",
        needs=t(f"needs-{data['needs']}") if data.get("needs") else "—",
        note=note if note else Markup(t("reg-card-no-note")),
    )
    if data.get("vulnerable"):
        card += "\n" + t("reg-card-vulnerable")
    return Markup(card)


def local_time(moment: datetime, tz: Any) -> str:
    """A stored time in the ministry's zone, day and minute."""
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def _button_message(update: Update) -> Message | None:
    """The bot's text message whose button was pressed, if it can be edited into a screen."""
    query = update.callback_query
    message = query.message if query else None
    if isinstance(message, Message) and message.text is not None:
        return message
    return None


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A screen: a button's own message is edited into it; a command gets a new message.

    Menus and FAQ screens replace each other in one message instead of piling up, so the
    chat keeps one live set of menu buttons. A message Telegram will not edit (too old,
    deleted, a photo) gets the screen as a new message.
    """
    message = _button_message(update)
    if message is not None:
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            if NOT_MODIFIED in str(exc).lower():
                return
    await reply(update, text, reply_markup=markup)


async def settle(message_id: int | None, update: Update, context: Any, text: str) -> None:
    """An answered question: its message now shows the answer and has no buttons left.

    Best effort: a prompt deleted by the citizen, or already settled, stays as it is.
    """
    chat = update.effective_chat
    if message_id is None or chat is None:
        return
    with contextlib.suppress(TelegramError):
        await context.bot.edit_message_text(text, chat_id=chat.id, message_id=message_id)
