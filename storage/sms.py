"""The SMS outbox: one row per notice and citizen not reached, drained by the SMS sender.

The phone is read from the registration when the SMS is sent (never copied), so an erased
or corrected registration is what counts; rows go with the citizen on erasure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from storage.content import audit
from storage.db import Database
from storage.models import from_iso, to_iso
from storage.reach import queue_sms

SmsOutcomeKind = Literal["sent", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class SmsItem:
    """One SMS to send."""

    id: int
    notice_id: int
    user_id: int
    attempts: int
    phone: str
    text: str


@dataclass(frozen=True, slots=True)
class SmsOutcome:
    """What the gateway made of one SMS."""

    item_id: int
    kind: SmsOutcomeKind
    provider_id: str | None = None
    error: str | None = None
    # For "retry": when to try again.
    due_at: datetime | None = None


class SmsRepo:
    """Reads and writes `sms_outbox`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def queue(
        self, notice_id: int, actor_id: int, now: datetime, countries: Iterable[str] | None
    ) -> int:
        """Queue the notice's SMS for those it did not reach (audited); how many wait now."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            queued = await queue_sms(conn, notice_id, now, countries)
            await audit(conn, stamp, actor_id, "sms.queue", {"notice": notice_id, "sms": queued})
        return queued

    async def due(self, now: datetime, limit: int) -> list[SmsItem]:
        """Pending SMS due by `now`, oldest first, with the phone they go to."""
        rows = await self.db.fetchall(
            "SELECT s.id, s.notice_id, s.user_id, s.attempts, coalesce(r.phone, ''),"
            " coalesce(n.sms_text, '') FROM sms_outbox s JOIN notices n ON n.id = s.notice_id"
            " LEFT JOIN registrations r ON r.user_id = s.user_id"
            " WHERE s.state = 'pending' AND s.due_at <= ? ORDER BY s.due_at, s.id LIMIT ?",
            (to_iso(now), limit),
        )
        return [SmsItem(*tuple(r)) for r in rows]

    async def claim(
        self, holder: str, now: datetime, limit: int, until: datetime
    ) -> list[SmsItem]:
        """Take pending SMS due by `now` that no replica holds, oldest first, until `until`:
        another replica sending at the same time skips them (each SMS goes once)."""
        stamp = to_iso(now)
        async with self.db.transaction() as tx:
            taken = await tx.fetchall(
                "SELECT id FROM sms_outbox WHERE state = 'pending' AND due_at <= ?"
                " AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY due_at, id"
                f" LIMIT ?{self.db.skip_locked}",
                (stamp, stamp, limit),
            )
            ids = [r[0] for r in taken]
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            await tx.execute(
                f"UPDATE sms_outbox SET claimed_by = ?, claimed_until = ? WHERE id IN ({marks})",
                (holder, to_iso(until), *ids),
            )
            rows = await tx.fetchall(
                "SELECT s.id, s.notice_id, s.user_id, s.attempts, coalesce(r.phone, ''),"
                " coalesce(n.sms_text, '') FROM sms_outbox s JOIN notices n ON n.id = s.notice_id"
                f" LEFT JOIN registrations r ON r.user_id = s.user_id WHERE s.id IN ({marks})"
                " ORDER BY s.due_at, s.id",
                ids,
            )
        return [SmsItem(*tuple(r)) for r in rows]

    async def next_due(self) -> datetime | None:
        """When the earliest pending SMS falls due."""
        row = await self.db.fetchone("SELECT min(due_at) FROM sms_outbox WHERE state = 'pending'")
        return from_iso(row[0]) if row and row[0] else None

    async def record(self, outcome: SmsOutcome, now: datetime) -> None:
        """Store what happened to one SMS."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            if outcome.kind == "retry":
                await conn.execute(
                    "UPDATE sms_outbox SET attempts = attempts + 1, due_at = ?, error = ?,"
                    " claimed_until = NULL WHERE id = ?",
                    (to_iso(outcome.due_at or now), outcome.error, outcome.item_id),
                )
            else:
                await conn.execute(
                    "UPDATE sms_outbox SET state = ?, attempts = attempts + 1, provider_id = ?,"
                    " error = ?, done_at = ? WHERE id = ?",
                    (outcome.kind, outcome.provider_id, outcome.error, stamp, outcome.item_id),
                )

    async def cancel(self, notice_id: int, now: datetime) -> int:
        """Withdraw the notice's SMS still waiting (the notice was recalled)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE sms_outbox SET state = 'cancelled', done_at = ? WHERE notice_id = ?"
                " AND state = 'pending'",
                (to_iso(now), notice_id),
            )
            return int(cur.rowcount)
