"""Catch-alls: every private update that nothing else took gets an answer."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import HotlineContext
from handlers import hotline, keyboards
from handlers.common import PRIVATE, refuse_button, reply
from handlers.faq import answer_free_text

# Same group as the real handlers and added after them: in a group only the first matching
# handler runs, so a catch-all never answers an update something else already took.
GROUP = 0
# A question longer than this is a message for a person, not for the FAQ matcher.
MAX_QUESTION = 500


async def nothing_to_cancel(update: Update, context: HotlineContext) -> None:
    """/cancel outside a flow."""
    await reply(
        update, context.t("nothing-to-cancel"), reply_markup=keyboards.back_to_menu(context.t)
    )


async def unknown_command(update: Update, context: HotlineContext) -> None:
    """A command the bot does not know."""
    await reply(
        update, context.t("unknown-command"), reply_markup=keyboards.back_to_menu(context.t)
    )


async def free_text(update: Update, context: HotlineContext) -> None:
    """Text outside any flow: to the hotline when a chat is open, else the FAQ answers it."""
    if await hotline.is_active(update, context):
        await hotline.relay_in(update, context)
        return
    message = update.effective_message
    text = (message.text if message else "") or ""
    if context.services.urgency.urgent(text):
        # "Помогите", "нас задержали": a person must read it, not the FAQ matcher.
        await hotline.relay_urgent(update, context)
        return
    if len(text) > MAX_QUESTION:
        await reply(update, context.t("error-too-long", max=MAX_QUESTION))
        return
    await answer_free_text(update, context, text)


async def other_message(update: Update, context: HotlineContext) -> None:
    """Photos, voice, files outside a flow: to the hotline when a chat is open."""
    if await hotline.is_active(update, context):
        await hotline.relay_in(update, context)
        return
    await reply(
        update, context.t("unsupported-message"), reply_markup=keyboards.back_to_menu(context.t)
    )


async def edited_message(update: Update, context: HotlineContext) -> None:
    """An edit of an earlier message: flagged to staff in a hotline chat, else explained."""
    if await hotline.is_active(update, context):
        await hotline.citizen_edit(update, context)
        return
    await reply(update, context.t("edit-ignored"))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The catch-alls, private chats only (staff groups have their own handlers)."""
    handled = filters.UpdateType.MESSAGE & PRIVATE
    app.add_handler(CommandHandler("cancel", nothing_to_cancel, filters=PRIVATE), GROUP)
    app.add_handler(MessageHandler(filters.COMMAND & handled, unknown_command), GROUP)
    app.add_handler(MessageHandler(filters.TEXT & handled, free_text), GROUP)
    app.add_handler(MessageHandler(handled, other_message), GROUP)
    app.add_handler(CallbackQueryHandler(refuse_button), GROUP)
    edits = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE
    app.add_handler(MessageHandler(edits, edited_message), GROUP)
