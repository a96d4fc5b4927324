"""Which staff group takes which country's chats: /route, /overflow, /routes (admins), and
the start-up check that every staff chat is a forum the bot can manage.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import HotlineContext
from bot.hotline import CENTRAL
from bot.reference import countries
from handlers.common import ascii_int, reply
from handlers.hotline.members import check_members, report_scope, tell_admins

log = logging.getLogger(__name__)


async def usable_staff_chat(bot: Any, chat_id: int) -> bool:
    """A forum where the bot may manage topics."""
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramError:
        return False
    return bool(chat.is_forum) and getattr(member, "can_manage_topics", False) is True


async def check_staff_chats(app: Application[Any, Any, Any, Any, Any, Any]) -> list[int]:
    """At start-up: load the routes and the ban key, then check each staff chat: a forum the
    bot manages, whose members' roles cover the countries it receives.

    Returns the chats with a problem; each problem is logged and sent to every admin.
    """
    services = app.bot_data.services
    broken = []
    await services.hotline.bans.prepare()
    for chat_id in await services.hotline.load():
        if not await usable_staff_chat(app.bot, chat_id):
            broken.append(chat_id)
            log.warning("staff chat %s is not a forum where the bot can manage topics", chat_id)
            await tell_admins(app.bot, services, "staff-chat-broken", chat=str(chat_id))
            continue
        outside = await check_members(app.bot, services, chat_id)
        if outside:
            broken.append(chat_id)
            await report_scope(app.bot, services, chat_id, outside)
    return broken


async def route(update: Update, context: HotlineContext) -> None:
    """/route XX <group id|off>: a country's chats go to a mission group (admins)."""
    args = context.args or []
    admin = update.effective_user
    code = args[0].upper() if args else ""
    if admin is None or len(args) != 2 or countries.get(code) is None:
        await reply(update, context.t("route-usage"))
        return
    desk = context.services.hotline
    now = context.services.clock.now()
    if args[1].lower() == "off":
        await desk.set_route(code, None, admin.id, now)
        await reply(update, context.t("route-removed", country=code))
        return
    chat_id = _chat_arg(args[1])
    if chat_id is None:
        await reply(update, context.t("route-usage"))
        return
    if not await usable_staff_chat(context.bot, chat_id):
        await reply(update, context.t("route-bad-chat", chat=str(chat_id)))
        return
    await desk.set_route(code, chat_id, admin.id, now)
    await reply(update, context.t("route-set", country=code, chat=str(chat_id)))
    # The group's members decide which of its countries it may receive.
    outside = await check_members(context.bot, context.services, chat_id)
    if outside:
        await report_scope(context.bot, context.services, chat_id, outside)


def _chat_arg(text: str) -> int | None:
    """A group id as admins type it (-100...), in ASCII digits."""
    digits = ascii_int(text.removeprefix("-"))
    if digits is None:
        return None
    return -digits if text.startswith("-") else digits


async def overflow(update: Update, context: HotlineContext) -> None:
    """/overflow XX|* <group id|off>: one more group for a country's (or, *, the central
    group's) new tickets, each going to the least loaded (admins)."""
    args = context.args or []
    admin = update.effective_user
    owner = args[0].upper() if args else ""
    known = owner == CENTRAL or countries.get(owner) is not None
    if admin is None or len(args) != 2 or not known:
        await reply(update, context.t("overflow-usage"))
        return
    desk = context.services.hotline
    now = context.services.clock.now()
    where = context.t("overflow-central") if owner == CENTRAL else owner
    if args[1].lower() == "off":
        await desk.set_overflow(owner, None, admin.id, now)
        await reply(update, context.t("overflow-removed", owner=where))
        return
    chat_id = _chat_arg(args[1])
    if chat_id is None:
        await reply(update, context.t("overflow-usage"))
        return
    if not await usable_staff_chat(context.bot, chat_id):
        await reply(update, context.t("route-bad-chat", chat=str(chat_id)))
        return
    await desk.set_overflow(owner, chat_id, admin.id, now)
    await reply(update, context.t("overflow-set", owner=where, chat=str(chat_id)))
    outside = await check_members(context.bot, context.services, chat_id)
    if outside:
        await report_scope(context.bot, context.services, chat_id, outside)


async def list_routes(update: Update, context: HotlineContext) -> None:
    """/routes: which countries go to which mission group, and the overflow groups."""
    desk = context.services.hotline
    routes, extra = desk.routes, desk.overflow
    if not routes and not extra:
        await reply(update, context.t("routes-none"))
        return
    lines = [f"{countries.flag(c)} {c} → {chat}" for c, chat in routes.items()]
    for owner, chats in extra.items():
        label = context.t("overflow-central") if owner == CENTRAL else owner
        lines.append(context.t("routes-overflow", owner=label, chats=", ".join(map(str, chats))))
    await reply(update, context.t("routes-list", routes="\n".join(lines)))
