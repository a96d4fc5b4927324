"""Roles in memory: the answer to "may this user do that, for that country?".

Loaded from the `staff` table and ADMIN_IDS at start-up and updated by /grant and /revoke,
so a check costs a dict lookup. This process is the only writer of the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from storage.staff import RoleName, StaffMember


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
    """User id -> role."""

    def __init__(self, admin_ids: Iterable[int] = ()) -> None:
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

    def assign(self, user_id: int, role: Role | None) -> None:
        """Record a grant (role) or a revocation (None); bootstrap admins are not touched."""
        if user_id in self._bootstrap:
            return
        if role is None:
            self._roles.pop(user_id, None)
        else:
            self._roles[user_id] = role

    def is_bootstrap(self, user_id: int) -> bool:
        """Admins from ADMIN_IDS, which only the environment can change."""
        return user_id in self._bootstrap

    def items(self) -> list[tuple[int, Role]]:
        """Every user with a role, by id."""
        return sorted(self._roles.items())

    def staff_ids(self) -> set[int]:
        """Everyone with any role."""
        return set(self._roles)

    def admin_ids(self) -> set[int]:
        """Everyone who is an admin."""
        return {u for u, r in self._roles.items() if r.is_admin}

    def covering(self, country: str) -> list[int]:
        """Staff and admins who serve a country (whom to tell about it)."""
        return [u for u, r in sorted(self._roles.items()) if r.covers(country)]
