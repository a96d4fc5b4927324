"""The baseline for bench/updates.py: a bare python-telegram-bot echo bot.

Same request count per update as the hotline: a text is answered with one sendMessage, a
button press with answerCallbackQuery plus one sendMessage.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeat the text."""
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button and repeat its data."""
    query = update.callback_query
    if query is not None and update.effective_chat is not None:
        await query.answer()
        await update.effective_chat.send_message(str(query.data))


def main() -> None:
    """Poll the Bot API given in the environment until SIGTERM."""
    app = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_BASE_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(press))
    app.run_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
