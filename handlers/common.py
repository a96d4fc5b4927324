"""Shared handler pieces: the language hook and small reply helpers."""

from __future__ import annotations

import contextlib
import functools
import re
from typing import Any

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ChatMemberHandler, TypeHandler, filters

from bot.context import HotlineContext
from bot.i18n import pick_lang
from bot.runtime.processing import PerChatUpdateProcessor

# How Telegram refuses an answer to a callback query that came too late.
_TOO_LATE = re.compile(r"query is too old|query id is invalid", re.IGNORECASE)
# A number as people and buttons send it: ASCII digits only. str.isdigit() also accepts
# "²" and "①", on which int() raises ValueError ("Что-то пошло не так").
_ASCII_NUMBER = re.compile(r"[0-9]{1,18}")

# New messages in private chats. Edits of earlier messages are not answers to the current
# question; handlers.fallback tells the citizen so instead of acting on them.
PRIVATE = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED


async def resolve_language(update: Update, context: HotlineContext) -> None:
    """Set `context.lang` for this update: stored choice, then language_code, then Russian."""
    user = update.effective_user
    if user is None:
        return
    stored = await context.services.citizens.lang_of(user.id)
    context.lang = pick_lang(stored, user.language_code)


async def track_block(update: Update, context: HotlineContext) -> None:
    """my_chat_member in a private chat: the citizen blocked the bot or came back."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
    services = context.services
    await services.citizens.set_blocked(change.chat.id, blocked, services.clock.now())


async def tell_flooder(app: Application[Any, Any, Any, Any, Any, Any], update: Update) -> None:
    """A private chat sends more than the bot answers: it is told once, in its language."""
    chat, user = update.effective_chat, update.effective_user
    services = app.bot_data.services
    if chat is None or user is None or services is None:
        return
    lang = pick_lang(await services.citizens.lang_of(user.id), user.language_code)
    # A flooder who blocked the bot, or a chat gone: nothing to tell.
    with contextlib.suppress(TelegramError):
        await app.bot.send_message(chat.id, services.catalog.format(lang, "chat-flood"))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The hooks run before every other handler, and the answer to a chat that floods."""
    processor = app.update_processor
    if isinstance(processor, PerChatUpdateProcessor):
        # What the bot says to a throttled chat is the handlers' to say.
        processor.on_flood = functools.partial(tell_flooder, app)
    app.add_handler(TypeHandler(Update, resolve_language), group=-1)
    # Its own group: in a group only the first matching handler runs, and the language
    # hook above matches every update.
    app.add_handler(ChatMemberHandler(track_block, ChatMemberHandler.MY_CHAT_MEMBER), group=-2)


async def reply(update: Update, text: str, **kwargs: Any) -> Message:
    """Send a message to the chat of the update (also for callback queries)."""
    chat = update.effective_chat
    if chat is None:
        raise ValueError("update has no chat")
    return await chat.send_message(text, **kwargs)


async def answer_query(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Stop the button's spinner; an alert for refusals the user must notice."""
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(text, show_alert=alert)
        except BadRequest as exc:
            # Too late to answer (a flood wait held the answer back): the spinner has gone
            # by itself, and the press is still handled rather than apologised for.
            if not _TOO_LATE.search(exc.message):
                raise


async def refuse_button(update: Update, context: HotlineContext) -> None:
    """A stale or forged button: an alert, and nothing changes."""
    await answer_query(update, context.t("error-stale-button"), alert=True)


async def clear_reply_keyboard(update: Update, text: str) -> Message:
    """Acknowledge an answer and remove a reply keyboard (location or contact button)."""
    return await reply(update, text, reply_markup=ReplyKeyboardRemove())


def callback_arg(update: Update, prefix: str) -> str | None:
    """The part of callback data after `prefix`, or None if it does not start with it."""
    query = update.callback_query
    if query is None or not isinstance(query.data, str) or not query.data.startswith(prefix):
        return None
    return query.data[len(prefix) :]


def ascii_int(text: str | None, max_digits: int = 18) -> int | None:
    """The number written in ASCII digits (no sign, no spaces), or None for anything else."""
    if text is None or len(text) > max_digits or not _ASCII_NUMBER.fullmatch(text):
        return None
    return int(text)
