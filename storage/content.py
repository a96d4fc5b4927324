"""Admin-edited content documents and the audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import from_iso, to_iso, utcnow


@dataclass(frozen=True, slots=True)
class ContentDocument:
    """A stored content document."""

    name: str
    body: str
    updated_at: datetime
    updated_by: int | None


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


class ContentRepo:
    """Reads and writes `content`; every write is audited in the same transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, name: str) -> ContentDocument | None:
        """The stored document, or None while the shipped seed is in force."""
        row = await self.db.fetchone(
            "SELECT name, body, updated_at, updated_by FROM content WHERE name = ?", (name,)
        )
        if row is None:
            return None
        return ContentDocument(row[0], row[1], from_iso(row[2]), row[3])

    async def save(
        self, name: str, body: str, actor_id: int, details: dict[str, Any],
        now: datetime | None = None,
    ) -> None:  # fmt: skip
        """Replace the document and record who did it and what changed."""
        stamp = to_iso(now or utcnow())
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO content (name, body, updated_at, updated_by) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET body = excluded.body,"
                " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                (name, body, stamp, actor_id),
            )
            await audit(conn, stamp, actor_id, f"content.{name}.update", details)

    async def log(
        self, actor_id: int | None, action: str, details: dict[str, Any],
        now: datetime | None = None,
    ) -> None:  # fmt: skip
        """Record an action that changes nothing else (an export, a purge)."""
        async with self.db.transaction() as conn:
            await audit(conn, to_iso(now or utcnow()), actor_id, action, details)

    async def audit(self, limit: int = 50) -> list[AuditEntry]:
        """The most recent audit entries, newest first."""
        rows = await self.db.fetchall(
            "SELECT at, actor_id, action, details FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [AuditEntry(from_iso(r[0]), r[1], r[2], json.loads(r[3])) for r in rows]
