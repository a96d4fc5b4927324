"""The inbox: updates committed before Telegram is answered, claimed per chat in order.

See migration 0015 for the table. Any number of replicas claim from it at once: a claim
takes the oldest pending update of each chat whose previous update is done and that no live
lease holds (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has a single writer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.models import to_iso


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One claimed update."""

    update_id: int
    chat_key: int | None
    payload: str


class InboxRepo:
    """Reads and writes `inbox`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(self, update_id: int, chat_key: int | None, payload: str, now: datetime) -> bool:
        """Store an update (committed when this returns); False if it was already there."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "INSERT INTO inbox (update_id, chat_key, payload, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (update_id, chat_key, payload, to_iso(now)),
            )
            return cur.rowcount == 1

    async def claim(
        self, holder: str, now: datetime, until: datetime, limit: int
    ) -> list[InboxItem]:
        """Take up to `limit` updates to handle: each the next one of its chat."""
        stamp = to_iso(now)
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT i.update_id, i.chat_key, i.payload FROM inbox i"
                " WHERE i.state = 'pending' AND (i.claimed_until IS NULL OR i.claimed_until < ?)"
                " AND NOT EXISTS (SELECT 1 FROM inbox j WHERE j.chat_key = i.chat_key"
                " AND j.state = 'pending' AND j.update_id < i.update_id)"
                f" ORDER BY i.update_id LIMIT ?{self.db.skip_locked}",
                (stamp, limit),
            )
            if not rows:
                return []
            ids = [int(r["update_id"]) for r in rows]
            await tx.execute(
                "UPDATE inbox SET claimed_by = ?, claimed_until = ?"
                f" WHERE update_id IN ({','.join('?' * len(ids))})",
                (holder, to_iso(until), *ids),
            )
        return [InboxItem(int(r["update_id"]), r["chat_key"], r["payload"]) for r in rows]

    async def renew(self, update_ids: Sequence[int], until: datetime) -> None:
        """Extend the leases of updates still being handled."""
        if not update_ids:
            return
        async with self.db.transaction() as tx:
            await tx.execute(
                f"UPDATE inbox SET claimed_until = ? WHERE update_id IN"
                f" ({','.join('?' * len(update_ids))}) AND state = 'pending'",
                (to_iso(until), *update_ids),
            )

    async def done(self, update_id: int, now: datetime) -> None:
        """The update was handled: its chat's next one may go; its text is dropped."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE inbox SET state = 'done', payload = '', done_at = ? WHERE update_id = ?",
                (to_iso(now), update_id),
            )

    async def pending(self) -> int:
        """Updates stored and not yet handled."""
        row = await self.db.fetchone("SELECT count(*) FROM inbox WHERE state = 'pending'")
        return int(row[0]) if row else 0

    async def purge(self, before: datetime) -> int:
        """Forget handled updates older than `before` (redeliveries come within minutes)."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "DELETE FROM inbox WHERE state = 'done' AND done_at < ?", (to_iso(before),)
            )
            return cur.rowcount
