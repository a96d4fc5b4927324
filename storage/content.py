"""Admin-edited content documents (the FAQ and the directory), audited on every write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.audit import audit
from storage.db import Database, Row
from storage.models import from_iso, to_iso, utcnow


@dataclass(frozen=True, slots=True)
class ContentDocument:
    """A stored content document."""

    name: str
    body: str
    updated_at: datetime
    updated_by: int | None


def _document(row: Row) -> ContentDocument:
    return ContentDocument(
        name=row["name"],
        body=row["body"],
        updated_at=from_iso(row["updated_at"]),
        updated_by=row["updated_by"],
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
        return None if row is None else _document(row)

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
