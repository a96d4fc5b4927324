"""Roles in memory: the answer to "may this user do that, for that country?".

Loaded from the `staff` table and ADMIN_IDS at start-up, so a check costs a dict lookup.
/grant and /revoke go through RoleBook.grant and revoke, which write the table and the book
together. This process is the only writer of the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.staff import RoleName, StaffMember, StaffRepo


@dataclass(frozen=True, slots=True)
class Role:
    """What one user may do."""

    name: RoleName
    countries: frozenset[str]
    bootstrap: bool = False

    @property
    def is_admin(self) -> bool:
        """Admins may do everything, for every country."""
        return self.name == "admin"

    def covers(self, country: str) -> bool:
        """Whether the role reaches this country."""
        return self.is_admin or country in self.countries

    def scope(self, wanted: Iterable[str] = ()) -> frozenset[str] | None:
        """The countries a request may touch: None means every country (admins, no filter)."""
        asked = frozenset(wanted)
        if self.is_admin:
            return asked or None
        return asked & self.countries if asked else self.countries


class RoleBook:
    """User id -> role, and the one writer of the stored roles."""

    def __init__(self, repo: StaffRepo, admin_ids: Iterable[int] = ()) -> None:
        self._repo = repo
        self._bootstrap = frozenset(admin_ids)
        self._roles: dict[int, Role] = {}
        self.load([])

    def load(self, members: Iterable[StaffMember]) -> None:
        """Replace the stored roles; bootstrap admins always stay admins."""
        roles = {m.user_id: Role(m.role, m.countries) for m in members}
        for user_id in self._bootstrap:
            roles[user_id] = Role("admin", frozenset(), bootstrap=True)
        self._roles = roles

    def get(self, user_id: int | None) -> Role | None:
        """The user's role, or None for citizens."""
        return self._roles.get(user_id) if user_id is not None else None

    async def grant(self, user_id: int, role: Role, actor_id: int, now: datetime) -> bool:
        """Store and apply a role (audited); False for a bootstrap admin, who is not touched."""
        if user_id in self._bootstrap:
            return False
        await self._repo.grant(user_id, role.name, role.countries, actor_id, now)
        self._roles[user_id] = role
        return True

    async def revoke(self, user_id: int, actor_id: int, now: datetime) -> bool:
        """Remove a stored role (audited); False if there was none or the user is bootstrap."""
        if user_id in self._bootstrap or not await self._repo.revoke(user_id, actor_id, now):
            return False
        self._roles.pop(user_id, None)
        return True

    def is_bootstrap(self, user_id: int) -> bool:
        """Admins from ADMIN_IDS, which only the environment can change."""
        return user_id in self._bootstrap

    def items(self) -> list[tuple[int, Role]]:
        """Every user with a role, by id."""
        return sorted(self._roles.items())
