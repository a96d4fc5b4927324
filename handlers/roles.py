"""Who may use staff and admin features: the one place roles are checked.

Until staff roles are stored (the staff/admin issue), admins are the ids in ADMIN_IDS.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, filters

from bot.context import HotlineContext
from handlers.common import PRIVATE, answer_query, reply


def admins(app: Application[Any, Any, Any, Any, Any, Any]) -> filters.BaseFilter:
    """Private messages from an admin."""
    services = app.bot_data.services
    return PRIVATE & filters.User(user_id=list(services.settings.admin_ids))


async def not_available(update: Update, context: HotlineContext) -> None:
    """Anyone else: a plain refusal that reveals nothing about the feature."""
    await answer_query(update, context.t("not-available"), alert=True)
    if update.callback_query is None:
        await reply(update, context.t("not-available"))
