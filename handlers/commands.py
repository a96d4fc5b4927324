"""Command menus shown by Telegram clients: citizens' in both languages, staff's per user."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import Catalog
from bot.staff.roles import Role

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

CITIZEN_COMMANDS = (
    "start", "menu", "register", "my", "faq", "notices", "follow", "unfollow", "family",
    "relative", "language", "help", "cancel", "delete",
)  # fmt: skip
STAFF_COMMANDS = (
    "broadcast",
    "scheduled",
    "reach",
    "safety",
    "evacuation",
    "board",
    "stats",
    "export",
    "find",
    "mine",
)
ADMIN_COMMANDS = (
    "staff", "grant", "revoke", "audit", "routes", "overflow", "faq_export", "faq_report",
    "templates_export",
)  # fmt: skip


async def set_command_menus(bot: Bot, catalog: Catalog) -> None:
    """Russian is the default menu; Kazakh for clients whose language is Kazakh."""
    for lang, code in (("ru", None), ("kk", "kk")):
        commands = [BotCommand(c, catalog.format(lang, f"cmd-{c}")) for c in CITIZEN_COMMANDS]
        await bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(), language_code=code
        )


def role_commands(role: Role) -> tuple[str, ...]:
    """The commands a role sees in its menu, staff ones first."""
    extra = STAFF_COMMANDS + (ADMIN_COMMANDS if role.is_admin else ())
    return extra + CITIZEN_COMMANDS


async def set_user_menu(
    bot: Bot, catalog: Catalog, user_id: int, role: Role | None, lang: str
) -> bool:
    """The menu of one staff member's private chat (their scope); None restores the default."""
    scope = BotCommandScopeChat(user_id)
    try:
        if role is None:
            await bot.delete_my_commands(scope=scope)
        else:
            commands = [
                BotCommand(c, catalog.format(lang, f"cmd-{c}")) for c in role_commands(role)
            ]
            await bot.set_my_commands(commands, scope=scope)
    except TelegramError as exc:
        # A user who never opened the bot has no chat yet; their menu is set at next start.
        log.info("command menu of a staff member not set: %s", type(exc).__name__)
        return False
    return True


async def set_staff_menus(bot: Bot, services: Services) -> None:
    """The menus of staff who have opened the bot, at start-up (others get it at /start)."""
    for user_id, role in services.roles.items():
        lang = await services.citizens.lang_of(user_id)
        if lang is not None:
            await set_user_menu(bot, services.catalog, user_id, role, lang)
