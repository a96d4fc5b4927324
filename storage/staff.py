"""Staff roles: who is an admin, who serves which countries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from storage.audit import audit
from storage.db import Database, Row
from storage.models import from_iso, to_iso

RoleName = Literal["admin", "staff"]


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A stored role."""

    user_id: int
    role: RoleName
    countries: frozenset[str]
    granted_by: int | None
    granted_at: datetime


def _member(row: Row) -> StaffMember:
    return StaffMember(
        user_id=row["user_id"],
        role=row["role"],
        countries=frozenset(c for c in row["countries"].split(",") if c),
        granted_by=row["granted_by"],
        granted_at=from_iso(row["granted_at"]),
    )


class StaffRepo:
    """Reads and writes `staff`; every change is audited in the same transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> list[StaffMember]:
        """Every stored role, by user id."""
        rows = await self.db.fetchall(
            "SELECT user_id, role, countries, granted_by, granted_at FROM staff ORDER BY user_id"
        )
        return [_member(r) for r in rows]

    async def grant(
        self,
        user_id: int,
        role: RoleName,
        countries: frozenset[str],
        actor_id: int,
        now: datetime,
    ) -> None:
        """Create or replace the user's role."""
        stamp = to_iso(now)
        codes = ",".join(sorted(countries)) if role == "staff" else ""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO staff (user_id, role, countries, granted_by, granted_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " role = excluded.role, countries = excluded.countries,"
                " granted_by = excluded.granted_by, granted_at = excluded.granted_at",
                (user_id, role, codes, actor_id, stamp),
            )
            await audit(
                conn, stamp, actor_id, "staff.grant",
                {"user_id": user_id, "role": role, "countries": codes},
            )  # fmt: skip

    async def revoke(self, user_id: int, actor_id: int, now: datetime) -> bool:
        """Remove the user's role; False if they had none."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
            if cur.rowcount == 0:
                return False
            await audit(conn, stamp, actor_id, "staff.revoke", {"user_id": user_id})
            return True
