"""How much work is waiting: the depths the metrics show (reads only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.models import to_iso


@dataclass(frozen=True, slots=True)
class Depths:
    """Rows waiting in each queue."""

    outbox_pending: int
    outbox_due: int
    inbox_pending: int
    tickets_waiting: int


class HealthRepo:
    """Counts over the outbox, the inbox and the hotline tickets (indexed: cheap to poll)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def depths(self, now: datetime) -> Depths:
        """The queues' depths at `now`."""
        row = await self.db.fetchone(
            "SELECT count(*), count(*) FILTER (WHERE due_at <= ?) FROM outbox"
            " WHERE state = 'pending'",
            (to_iso(now),),
        )
        tickets = await self.db.fetchone(
            "SELECT count(*) FROM tickets WHERE status = 'open' AND last_citizen_at IS NOT NULL"
            " AND (last_staff_at IS NULL OR last_staff_at < last_citizen_at)"
        )
        inbox = await self._inbox_pending()
        return Depths(
            outbox_pending=int(row[0]) if row else 0,
            outbox_due=int(row[1]) if row else 0,
            inbox_pending=inbox,
            tickets_waiting=int(tickets[0]) if tickets else 0,
        )

    async def _inbox_pending(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM inbox WHERE state = 'new'")
        return int(row[0]) if row else 0
