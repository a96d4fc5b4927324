"""The error handler: log without personal data, tell the user something went wrong."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.context import HotlineContext
from bot.i18n import pick_lang

log = logging.getLogger(__name__)


async def on_error(update: object, context: HotlineContext) -> None:
    """Log the failure (type and traceback only) and apologise to the user if possible."""
    error = context.error
    kind = type(update).__name__ if update is not None else "job"
    if isinstance(error, Forbidden):
        # The user blocked the bot: nothing to tell them, nothing to retry here.
        log.info("forbidden while handling %s: %s", kind, type(error).__name__)
        return
    if isinstance(error, NetworkError):
        log.warning("network error while handling %s: %s", kind, type(error).__name__)
    else:
        # The update itself is not logged: it carries names, phones and message texts.
        log.error("error while handling %s", kind, exc_info=error)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        # The error context is fresh: resolve the language as the hook does.
        user = update.effective_user
        if user is not None:
            with contextlib.suppress(Exception):
                stored = await context.services.citizens.lang_of(user.id)
                context.lang = pick_lang(stored, user.language_code)
        try:
            await context.bot.send_message(update.effective_chat.id, context.t("error-generic"))
        except TelegramError:
            log.warning("could not tell the user about the error")
