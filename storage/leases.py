"""Named leases (a job runs on one replica) and the heartbeats of live replicas."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.models import to_iso


class LeaseRepo:
    """Reads and writes `leases` and `replicas`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Hold `name` until `until` if it is free, expired or already ours."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                " until = excluded.until"
                " WHERE leases.until < ? OR leases.holder = excluded.holder",
                (name, holder, to_iso(until), to_iso(now)),
            )
            return cur.rowcount == 1

    async def purge(self, now: datetime) -> None:
        """Forget expired leases."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM leases WHERE until < ?", (to_iso(now),))

    async def beat(self, replica: str, now: datetime) -> None:
        """This replica is alive."""
        stamp = to_iso(now)
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO replicas (name, started_at, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET seen_at = excluded.seen_at",
                (replica, stamp, stamp),
            )

    async def live(self, since: datetime) -> list[str]:
        """Replicas seen since `since`, by name."""
        rows = await self.db.fetchall(
            "SELECT name FROM replicas WHERE seen_at >= ? ORDER BY name", (to_iso(since),)
        )
        return [r["name"] for r in rows]

    async def own_name(self, replica: str) -> bool:
        """Hold the replica's name while this process runs; False if a live one has it."""
        return await self.db.lock_name(f"hotline-replica:{replica}")

    async def leave(self, replica: str) -> None:
        """This replica stops: the others take its share at once."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM replicas WHERE name = ?", (replica,))
