"""Command menus shown by Telegram clients, in both languages."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats

from bot.i18n import Catalog

CITIZEN_COMMANDS = (
    "start", "menu", "register", "my", "faq", "language", "help", "cancel", "delete",
)  # fmt: skip


async def set_command_menus(bot: Bot, catalog: Catalog) -> None:
    """Russian is the default menu; Kazakh for clients whose language is Kazakh."""
    for lang, code in (("ru", None), ("kk", "kk")):
        commands = [BotCommand(c, catalog.format(lang, f"cmd-{c}")) for c in CITIZEN_COMMANDS]
        await bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(), language_code=code
        )
