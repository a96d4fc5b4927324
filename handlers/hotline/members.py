"""Who sits in the staff groups. Everyone in a group reads every topic, so members are checked
against roles: at start-up (each role holder is looked up in each group), when someone joins
or leaves (chat_member updates, which the bot asks for in allowed_updates) and after /grant
and /revoke. Admins hear of members without a role and of roles that do not cover a group's
countries; the desk stops routing those countries there (bot.hotline).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from telegram import Bot, ChatMember, ChatMemberRestricted, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.context import HotlineContext
from bot.staff.roles import Role

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

# getChatMember requests in flight at once during a group's check.
LOOKUPS_AT_ONCE = 8
_IN_GROUP = frozenset(
    {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}
)


def in_group(member: ChatMember) -> bool:
    """Whether a chat member's status means they are in the group (and read its topics)."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in _IN_GROUP


def scope_text(services: Services, role: Role) -> str:
    """A role's countries as admins read them."""
    if role.is_admin:
        return services.catalog.format(services.settings.staff_lang, "scope-all")
    return ", ".join(sorted(role.countries))


async def tell_admins(bot: Bot, services: Services, key: str, **args: Any) -> None:
    """Send a message to every admin (ADMIN_IDS and granted admins), each in their language."""
    for user_id, role in services.roles.items():
        if not role.is_admin:
            continue
        citizen = await services.citizens.get(user_id)
        t = services.catalog.translator(citizen.lang if citizen else services.settings.staff_lang)
        # An admin who never opened the bot cannot be messaged; the log line stays.
        with contextlib.suppress(TelegramError):
            await bot.send_message(user_id, t(key, **args))


async def refresh(bot: Bot, services: Services, chat_id: int, user_id: int) -> bool:
    """Ask Telegram whether a user is in a staff chat and record it; False if unknown."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.info("membership in staff chat %s not checked: %s", chat_id, type(exc).__name__)
        return False
    services.hotline.set_member(chat_id, user_id, in_group(member))
    return True


async def check_members(bot: Bot, services: Services, chat_id: int) -> list[tuple[int, Role]]:
    """At start-up: look up every role holder in the chat; returns those outside its scope.

    Members without a role cannot be listed through the Bot API; they are reported when they
    join (member_changed).
    """
    # A few lookups at a time: 50 role holders in 10 groups are 500 requests before polling.
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def one(user_id: int) -> None:
        async with gate:
            await refresh(bot, services, chat_id, user_id)

    await asyncio.gather(*(one(user_id) for user_id, _ in services.roles.items()))
    return services.hotline.outside_scope(chat_id)


async def report_scope(
    bot: Bot, services: Services, chat_id: int, found: list[tuple[int, Role]]
) -> None:
    """Tell admins which members' roles do not cover the group's countries."""
    log.warning("staff chat %s has %s members outside its countries", chat_id, len(found))
    members = ", ".join(f"{user_id} ({scope_text(services, role)})" for user_id, role in found)
    await tell_admins(bot, services, "staff-chat-scope", chat=str(chat_id), members=members)


async def _check_one(bot: Bot, services: Services, chat_id: int, user_id: int, name: str) -> None:
    """A member who is new to the bot: tell admins if they have no role or too narrow a one."""
    role = services.roles.get(user_id)
    if role is None:
        if not services.settings.staff_group_members_are_staff:
            await tell_admins(
                bot,
                services,
                "staff-member-no-role",
                chat=str(chat_id),
                user=str(user_id),
                name=name,
            )
    elif not services.hotline.covers(role, chat_id):
        scope = scope_text(services, role)
        await tell_admins(
            bot,
            services,
            "staff-member-out-of-scope",
            chat=str(chat_id),
            user=str(user_id),
            name=name,
            scope=scope,
        )


async def member_changed(update: Update, context: HotlineContext) -> None:
    """chat_member in a staff chat: someone joined or left."""
    change = update.chat_member
    services = context.services
    if change is None or change.chat.id not in services.hotline.staff_chats.chat_ids:
        return
    user = change.new_chat_member.user
    present = in_group(change.new_chat_member)
    if user.is_bot or not services.hotline.set_member(change.chat.id, user.id, present):
        return
    if present:
        await _check_one(context.bot, services, change.chat.id, user.id, user.full_name)


async def role_changed(context: HotlineContext, user_id: int) -> None:
    """After /grant or /revoke: where the user sits, and whether their new role fits there."""
    services = context.services
    for chat_id in services.hotline.chats():
        await refresh(context.bot, services, chat_id, user_id)
        if user_id in services.hotline.members(chat_id):
            await _check_one(context.bot, services, chat_id, user_id, str(user_id))
