"""Who may use staff and admin features: the one place roles are checked.

Commands are routed by the `staff`/`admins` filters; every handler of a staff or admin
feature (commands, conversation steps, buttons) is also wrapped by `requires`, which reads
the role again server-side, so a forged button or a role revoked mid-conversation gets the
same plain refusal as a citizen.

In a staff group, being a member is not enough: `group_staff` gives the role a member acts
with there (STAFF_GROUP_MEMBERS_ARE_STAFF turns every member into staff), and
`GroupStaff.serves` checks the role reaches the citizen's country.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from telegram import Update
from telegram.ext import Application, filters

from bot.context import HotlineContext
from bot.staff.roles import Role, RoleBook
from handlers.common import PRIVATE, answer_query, reply

Level = Literal["staff", "admin"]


class _HasRole(filters.UpdateFilter):
    """Updates from users whose current role is at least `level` (read at every update)."""

    def __init__(self, book: RoleBook, level: Level) -> None:
        super().__init__(name=f"HasRole({level})")
        self.book = book
        self.level = level

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        role = self.book.get(user.id if user else None)
        return role is not None and (self.level == "staff" or role.is_admin)


def _book(app: Application[Any, Any, Any, Any, Any, Any]) -> RoleBook:
    book: RoleBook = app.bot_data.services.roles
    return book


def admins(app: Application[Any, Any, Any, Any, Any, Any]) -> filters.BaseFilter:
    """Private messages from an admin."""
    return PRIVATE & _HasRole(_book(app), "admin")


def staff(app: Application[Any, Any, Any, Any, Any, Any]) -> filters.BaseFilter:
    """Private messages from staff or an admin."""
    return PRIVATE & _HasRole(_book(app), "staff")


def role_of(update: Update, context: HotlineContext) -> Role | None:
    """The role of the update's user, or None for citizens."""
    user = update.effective_user
    return context.services.roles.get(user.id if user else None)


def allowed(role: Role | None, level: Level) -> bool:
    """Whether the role reaches `level`."""
    return role is not None and (level == "staff" or role.is_admin)


Handler = Callable[[Update, HotlineContext], Coroutine[Any, Any, Any]]


def requires(
    level: Level, refused: Any = None
) -> Callable[[Callable[[Update, HotlineContext, Role], Awaitable[Any]]], Handler]:
    """Run the handler with the user's role, or refuse (returning `refused`) without one."""

    def decorate(handler: Callable[[Update, HotlineContext, Role], Awaitable[Any]]) -> Handler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: HotlineContext) -> Any:
            role = role_of(update, context)
            if role is None or not allowed(role, level):
                await not_available(update, context)
                return refused
            return await handler(update, context, role)

        return wrapper

    return decorate


@dataclass(frozen=True, slots=True)
class GroupStaff:
    """Someone who may act as staff in a staff group: their role, or None for a member whom
    STAFF_GROUP_MEMBERS_ARE_STAFF makes staff (the group's membership is the authorization)."""

    role: Role | None

    def serves(self, country: str | None) -> bool:
        """Whether they may act for a citizen of `country` (None: not registered)."""
        return self.role is None or country is None or self.role.covers(country)


def group_staff(update: Update, context: HotlineContext) -> GroupStaff | None:
    """Who acts in a staff group, or None: a member without a role (and the switch off)."""
    role = role_of(update, context)
    if role is not None:
        return GroupStaff(role)
    if update.effective_user is not None and context.settings.staff_group_members_are_staff:
        return GroupStaff(None)
    return None


async def not_available(update: Update, context: HotlineContext) -> None:
    """Anyone else: a plain refusal that reveals nothing about the feature."""
    await answer_query(update, context.t("not-available"), alert=True)
    if update.callback_query is None:
        await reply(update, context.t("not-available"))
