"""The audit log: the one writer (inside the caller's transaction) and its reader."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, Row
from storage.models import from_iso, to_iso, utcnow


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded action."""

    at: datetime
    actor_id: int | None
    action: str
    details: dict[str, Any]


async def audit(conn: Any, stamp: str, actor_id: int | None, action: str, details: Any) -> None:
    """Append to the audit log inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, details) VALUES (?, ?, ?, ?)",
        (stamp, actor_id, action, json.dumps(details, ensure_ascii=False)),
    )


def _entry(row: Row) -> AuditEntry:
    return AuditEntry(
        at=from_iso(row["at"]),
        actor_id=row["actor_id"],
        action=row["action"],
        details=json.loads(row["details"]),
    )


class AuditLog:
    """Actions that change nothing else (an export, a purge), and the most recent entries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def log(
        self, actor_id: int | None, action: str, details: dict[str, Any],
        now: datetime | None = None,
    ) -> None:  # fmt: skip
        """Record an action in a transaction of its own."""
        async with self.db.transaction() as conn:
            await audit(conn, to_iso(now or utcnow()), actor_id, action, details)

    async def recent(self, limit: int = 50) -> list[AuditEntry]:
        """The most recent audit entries, newest first."""
        rows = await self.db.fetchall(
            "SELECT at, actor_id, action, details FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [_entry(r) for r in rows]
