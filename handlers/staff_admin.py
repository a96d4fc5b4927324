"""Admins manage staff roles: /grant, /revoke, /staff."""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler

from bot.context import HotlineContext
from bot.i18n import DEFAULT_LANG, Markup
from bot.reference import countries
from bot.staff.roles import Role
from handlers.commands import set_user_menu
from handlers.common import PRIVATE, ascii_int, reply
from handlers.hotline import role_changed
from handlers.roles import requires

_ROLES = ("staff", "admin")


def _args(context: HotlineContext) -> list[str]:
    return [a for a in (context.args or []) if a]


def _country_codes(args: list[str]) -> list[str] | None:
    # ISO codes only, as the usage says: a role's reach is not left to fuzzy name matching.
    codes, bad = countries.parse_codes(",".join(args), names=False)
    return sorted(codes) if codes and bad is None else None


@requires("admin")
async def grant(update: Update, context: HotlineContext, role: Role) -> None:
    """/grant <user id> staff AE,QA | /grant <user id> admin."""
    args = _args(context)
    user_id = ascii_int(args[0]) if args else None
    if len(args) < 2 or user_id is None or args[1].lower() not in _ROLES:
        await reply(update, context.t("grant-usage"))
        return
    name = args[1].lower()
    codes: list[str] = []
    if name == "staff":
        found = _country_codes(args[2:])
        if found is None:
            await reply(update, context.t("grant-bad-countries"))
            return
        codes = found
    services = context.services
    actor = update.effective_user.id if update.effective_user else 0
    new = Role("admin" if name == "admin" else "staff", frozenset(codes))
    if not await services.roles.grant(user_id, new, actor, services.clock.now()):
        await reply(update, context.t("grant-bootstrap"))
        return
    await role_changed(context, user_id)
    lang = await services.citizens.lang_of(user_id) or services.settings.staff_lang
    menu = await set_user_menu(context.bot, services.catalog, user_id, new, lang)
    told = True
    try:
        t = services.catalog.translator(lang)
        scope = ", ".join(codes) if codes else t("scope-all")
        await context.bot.send_message(
            user_id, t("grant-you", role=t(f"role-{name}"), scope=scope)
        )
    except TelegramError:
        told = False
    await reply(
        update,
        context.t(
            "grant-done", user=str(user_id), role=context.t(f"role-{name}"),
            scope=", ".join(codes) if codes else context.t("scope-all"),
            told=1 if told and menu else 0,
        ),
    )  # fmt: skip


@requires("admin")
async def revoke(update: Update, context: HotlineContext, role: Role) -> None:
    """/revoke <user id>."""
    args = _args(context)
    user_id = ascii_int(args[0]) if len(args) == 1 else None
    if user_id is None:
        await reply(update, context.t("revoke-usage"))
        return
    services = context.services
    if services.roles.is_bootstrap(user_id):
        await reply(update, context.t("grant-bootstrap"))
        return
    actor = update.effective_user.id if update.effective_user else 0
    if not await services.roles.revoke(user_id, actor, services.clock.now()):
        await reply(update, context.t("revoke-none", user=str(user_id)))
        return
    await set_user_menu(context.bot, services.catalog, user_id, None, DEFAULT_LANG)
    await role_changed(context, user_id)
    await reply(update, context.t("revoke-done", user=str(user_id)))


@requires("admin")
async def list_staff(update: Update, context: HotlineContext, role: Role) -> None:
    """/staff: everyone with a role."""
    lines = []
    for user_id, member in context.services.roles.items():
        scope = ", ".join(sorted(member.countries)) if member.countries else context.t("scope-all")
        mark = " ⚙" if member.bootstrap else ""
        name = context.t(f"role-{member.name}")
        lines.append(f"<code>{user_id}</code> · {name} · {html.escape(scope)}{mark}")
    await reply(update, context.t("staff-list", lines=Markup("\n".join(lines))))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Admin commands; `requires` refuses everyone else with "not available"."""
    app.add_handler(CommandHandler("grant", grant, filters=PRIVATE))
    app.add_handler(CommandHandler("revoke", revoke, filters=PRIVATE))
    app.add_handler(CommandHandler("staff", list_staff, filters=PRIVATE))
