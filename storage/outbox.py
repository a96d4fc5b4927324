"""The durable outbox: one row per recipient and operation, filled, drained and recorded.

Also the answers that come back on those rows: acknowledgements, safety answers, and the
freshness pings queued for stale registrations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from storage.audience import follower_where, where
from storage.db import Database
from storage.models import from_iso, to_iso
from storage.notices import Notice

Op = Literal["send", "edit", "delete"]
OutcomeKind = Literal["sent", "done", "retry", "requeue", "failed", "blocked"]

# Send order (lower first), in the outbox's `priority` column: urgent notices and safety
# checks, then routine notices, then reminders, then freshness pings. Inside each tier
# the recipient's RANK: evacuation or consular help, then stuck at an airport or transit
# point, then vulnerable (children in the party, no place to stay), then everyone else.
URGENT, ROUTINE, REMINDER, FRESH = 0, 10, 20, 30
RANK = (
    "CASE WHEN r.needs IN ('evacuation', 'consular') THEN 0 WHEN r.status = 'stuck' THEN 1"
    " WHEN r.children > 0 OR r.needs = 'accommodation' THEN 2 ELSE 3 END"
)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One pending delivery operation."""

    id: int
    notice_id: int
    run: str
    user_id: int
    op: Op
    lang: str
    attempts: int
    message_id: int | None
    country: str = ""
    priority: int = ROUTINE + 3
    # 0: the notice itself; n: its n-th reminder (message_id: the copy it reminds of).
    reminder: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one outbox item."""

    item_id: int
    kind: OutcomeKind
    message_id: int | None = None
    version: int = 1
    error: str | None = None
    # For "retry": when to try again.
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """Counts of one notice's deliveries."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    pending: int = 0
    cancelled: int = 0
    acked: int = 0
    edits_pending: int = 0
    deletes_pending: int = 0
    deleted: int = 0
    # Answers to a safety check.
    safe: int = 0
    help: int = 0
    # Reminders sent and waiting; SMS to those not reached (sent, refused, waiting).
    reminded: int = 0
    reminders_pending: int = 0
    sms_sent: int = 0
    sms_failed: int = 0
    sms_pending: int = 0

    @property
    def total(self) -> int:
        """Every recipient the notice was queued for."""
        return self.sent + self.failed + self.blocked + self.pending + self.cancelled


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        notice_id=row["notice_id"],
        run=row["run"],
        user_id=row["user_id"],
        op=row["op"],
        lang=row["lang"],
        attempts=row["attempts"],
        message_id=row["message_id"],
        country=row["country"],
        priority=row["priority"],
        reminder=row["reminder"],
    )


def _due_by_country(
    due: datetime | dict[str, datetime], column: str
) -> tuple[str, list[Any], str, list[Any]]:
    """The due instant of a fill as SQL: one value, or a CASE on `column` per country.

    Returns (expression, its parameters, a clause keeping only those countries, its
    parameters). A CASE built here is portable, unlike JSON; countries without an instant
    are left out.
    """
    if not isinstance(due, dict):
        return "?", [to_iso(due)], "", []
    codes = sorted(due)
    if not codes:
        return "NULL", [], " AND 1 = 0", []
    due_sql = f"CASE {column}" + " WHEN ? THEN ?" * len(codes) + " END"
    due_params: list[Any] = [v for c in codes for v in (c, to_iso(due[c]))]
    marks = ",".join("?" * len(codes))
    return due_sql, due_params, f" AND {column} IN ({marks})", list(codes)


class OutboxRepo:
    """Reads and writes `outbox` (a fill also advances its notice's schedule)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def fill(
        self,
        notice: Notice,
        run: str,
        due: datetime | dict[str, datetime],
        next_run: str | None,
        next_fill: datetime | None,
        now: datetime,
    ) -> int:
        """Queue one occurrence for every matching recipient and advance the schedule.

        `due` is one instant, or one per country (each recipient's local time). Idempotent:
        a fill repeated after a crash inserts nothing twice.
        """
        stamp = to_iso(now)
        clause, params = where(notice.audience)
        tier = URGENT if notice.urgent or notice.kind == "safety" else ROUTINE
        due_sql, due_params, only, only_params = _due_by_country(due, "r.country")
        clause += only
        params.extend(only_params)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO outbox (notice_id, run, user_id, op, lang, country,"
                f" due_at, version, priority) SELECT ?, ?, r.user_id, 'send', c.lang, r.country,"
                f" {due_sql}, ?, ? + {RANK} FROM registrations r JOIN citizens c USING (user_id)"
                f" WHERE {clause} ON CONFLICT DO NOTHING",
                [notice.id, run, *due_params, notice.version, tier, *params],
            )
            inserted = cur.rowcount
            if notice.audience.followers:
                inserted += await self._fill_followers(conn, notice, run, due)
            await conn.execute(
                "UPDATE notices SET next_run = ?, fill_at = ?, updated_at = ? WHERE id = ?",
                (next_run, to_iso(next_fill) if next_fill else None, stamp, notice.id),
            )
        return inserted

    @staticmethod
    async def _fill_followers(
        conn: Any, notice: Notice, run: str, due: datetime | dict[str, datetime]
    ) -> int:
        """The same occurrence for the chats following its countries; a registered citizen
        who also follows gets one copy (the unique index keeps the first)."""
        clause, params = follower_where(notice.audience)
        due_sql, due_params, only, only_params = _due_by_country(due, "f.country")
        clause += only
        params.extend(only_params)
        cur = await conn.execute(
            "INSERT INTO outbox (notice_id, run, user_id, op, lang, country, due_at,"
            f" version) SELECT ?, ?, f.user_id, 'send', c.lang, f.country, {due_sql}, ?"
            f" FROM follows f JOIN citizens c USING (user_id) WHERE {clause}"
            " ON CONFLICT DO NOTHING",
            [notice.id, run, *due_params, notice.version, *params],
        )
        return int(cur.rowcount)

    async def due(self, now: datetime, limit: int, skip: Iterable[int] = ()) -> list[OutboxItem]:
        """Pending items due by `now`, most urgent then oldest first, leaving out those in hand."""
        exclude = set(skip)
        rows = await self.db.fetchall(
            "SELECT id, notice_id, run, user_id, op, lang, attempts, message_id, country,"
            " priority, reminder FROM outbox WHERE state = 'pending' AND due_at <= ?"
            " ORDER BY priority, due_at, id LIMIT ?",
            (to_iso(now), limit + len(exclude)),
        )
        items = [_item(r) for r in rows if r["id"] not in exclude]
        return items[:limit]

    async def claim(
        self, holder: str, now: datetime, limit: int, until: datetime
    ) -> list[OutboxItem]:
        """Take pending items due by `now`, most urgent then oldest first, that no replica
        holds; hold them until `until` (renew while they wait in memory). Others skip them."""
        stamp = to_iso(now)
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT id, notice_id, run, user_id, op, lang, attempts, message_id, country,"
                " priority, reminder FROM outbox WHERE state = 'pending' AND due_at <= ?"
                " AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY priority, due_at, id"
                f" LIMIT ?{self.db.skip_locked}",
                (stamp, stamp, limit),
            )
            if rows:
                marks = ",".join("?" * len(rows))
                await tx.execute(
                    f"UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN ({marks})",
                    (holder, to_iso(until), *(r["id"] for r in rows)),
                )
        return [_item(r) for r in rows]

    async def release(self, holder: str) -> int:
        """Give back what a replica of this name held before it stopped (or was killed)."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE outbox SET claimed_until = NULL WHERE claimed_by = ?"
                " AND state = 'pending' AND claimed_until IS NOT NULL",
                (holder,),
            )
            return cur.rowcount

    async def unclaim(self, ids: Iterable[int]) -> None:
        """Give back items claimed but not kept (the queue had no room for them)."""
        wanted = list(ids)
        if not wanted:
            return
        marks = ",".join("?" * len(wanted))
        async with self.db.transaction() as tx:
            await tx.execute(
                f"UPDATE outbox SET claimed_until = NULL WHERE id IN ({marks})", wanted
            )

    async def renew(self, ids: Iterable[int], until: datetime) -> None:
        """Extend the claims on items still in hand."""
        wanted = list(ids)
        if not wanted:
            return
        marks = ",".join("?" * len(wanted))
        async with self.db.transaction() as tx:
            await tx.execute(
                f"UPDATE outbox SET claimed_until = ? WHERE id IN ({marks}) AND state = 'pending'",
                (to_iso(until), *wanted),
            )

    async def next_due(self) -> datetime | None:
        """When the earliest pending item falls due (or its holder's claim ends)."""
        row = await self.db.fetchone(
            "SELECT min(CASE WHEN claimed_until > due_at THEN claimed_until ELSE due_at END)"
            " FROM outbox WHERE state = 'pending'"
        )
        return from_iso(row[0]) if row and row[0] else None

    async def record(self, outcomes: Sequence[Outcome], now: datetime) -> None:
        """Store a batch of results in one transaction (group commit)."""
        stamp = to_iso(now)
        sent: list[int] = []
        async with self.db.transaction() as conn:
            for o in outcomes:
                if o.kind == "sent":
                    sent.append(o.item_id)
                    await conn.execute(
                        "UPDATE outbox SET state = 'sent', message_id = ?, version = ?,"
                        " attempts = attempts + 1, done_at = ?, error = NULL WHERE id = ?",
                        (o.message_id, o.version, stamp, o.item_id),
                    )
                elif o.kind == "done":
                    await conn.execute(
                        "UPDATE outbox SET state = 'sent', attempts = attempts + 1,"
                        " done_at = ? WHERE id = ?",
                        (stamp, o.item_id),
                    )
                elif o.kind in ("retry", "requeue"):
                    bump = 1 if o.kind == "retry" else 0
                    await conn.execute(
                        "UPDATE outbox SET attempts = attempts + ?, due_at = ?, error = ?,"
                        " claimed_until = NULL WHERE id = ?",
                        (bump, to_iso(o.due_at or now), o.error, o.item_id),
                    )
                else:
                    await conn.execute(
                        "UPDATE outbox SET state = ?, attempts = attempts + 1, error = ?,"
                        " done_at = ? WHERE id = ?",
                        (o.kind, o.error, stamp, o.item_id),
                    )
                    if o.kind == "blocked":
                        await conn.execute(
                            "UPDATE citizens SET blocked_at = coalesce(blocked_at, ?)"
                            " WHERE user_id = (SELECT user_id FROM outbox WHERE id = ?)",
                            (stamp, o.item_id),
                        )
            if sent:
                marks = ",".join("?" * len(sent))
                # A copy that landed while its notice was being recalled or edited: queue
                # its deletion or edit too, so nothing stale stays in a citizen's chat.
                # (A reminder is deleted with its notice, never rewritten into it.)
                await conn.execute(
                    "INSERT INTO outbox (notice_id, run, user_id, op, lang, country, due_at,"
                    " message_id, version) SELECT o.notice_id, o.run, o.user_id,"
                    " CASE n.state WHEN 'recalled' THEN 'delete' ELSE 'edit' END, o.lang,"
                    " o.country, ?, o.message_id, n.version FROM outbox o JOIN notices n"
                    f" ON n.id = o.notice_id WHERE o.id IN ({marks})"
                    " AND (n.state = 'recalled' OR (o.version < n.version AND o.reminder = 0))",
                    (stamp, *sent),
                )

    async def progress(self, notice_id: int) -> Progress:
        """Counts by state, acknowledgements, reminders, SMS and pending edits or deletions."""
        rows = await self.db.fetchall(
            "SELECT op, state, count(*), count(acked_at),"
            " count(*) FILTER (WHERE answer = 'safe'), count(*) FILTER (WHERE answer = 'help'),"
            " CASE WHEN reminder > 0 THEN 1 ELSE 0 END AS reminded FROM outbox"
            " WHERE notice_id = ? GROUP BY op, state, CASE WHEN reminder > 0 THEN 1 ELSE 0 END",
            (notice_id,),
        )
        counts: dict[str, int] = {}
        for op, state, n, acked, safe, help_, reminder in rows:
            if op == "send" and reminder:
                key = {"sent": "reminded", "pending": "reminders_pending"}.get(state)
                if key:
                    counts[key] = counts.get(key, 0) + n
            elif op == "send":
                counts[state] = counts.get(state, 0) + n
                counts["acked"] = counts.get("acked", 0) + acked
                counts["safe"] = counts.get("safe", 0) + (safe or 0)
                counts["help"] = counts.get("help", 0) + (help_ or 0)
            elif state == "pending":
                key = "edits_pending" if op == "edit" else "deletes_pending"
                counts[key] = counts.get(key, 0) + n
            elif op == "delete" and state == "sent":
                counts["deleted"] = counts.get("deleted", 0) + n
        for state, n in await self.db.fetchall(
            "SELECT state, count(*) FROM sms_outbox WHERE notice_id = ? GROUP BY state",
            (notice_id,),
        ):
            key = {"sent": "sms_sent", "failed": "sms_failed", "pending": "sms_pending"}.get(state)
            if key:
                counts[key] = n
        return Progress(**counts)

    async def busy_notices(self) -> list[int]:
        """Notices that have something pending (sends, edits or deletions)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT notice_id FROM outbox WHERE state = 'pending'"
        )
        return [r["notice_id"] for r in rows]

    async def ack(self, notice_id: int, user_id: int, now: datetime) -> bool | None:
        """Record a recipient's acknowledgement: True new, False repeated, None not theirs.

        Pressed under the notice or under a reminder, it is the notice's copy that is
        acknowledged, and the reminders still waiting for this recipient are withdrawn.
        """
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id, acked_at FROM outbox WHERE notice_id = ? AND user_id = ?"
                " AND op = 'send' AND state = 'sent' AND reminder = 0 ORDER BY id DESC LIMIT 1",
                (notice_id, user_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            if row["acked_at"] is not None:
                return False
            await conn.execute("UPDATE outbox SET acked_at = ? WHERE id = ?", (stamp, row["id"]))
            await conn.execute(
                "UPDATE outbox SET state = 'cancelled', done_at = ? WHERE notice_id = ?"
                " AND user_id = ? AND op = 'send' AND reminder > 0 AND state = 'pending'",
                (stamp, notice_id, user_id),
            )
            return True

    async def answer(self, notice_id: int, user_id: int, answer: str, now: datetime) -> bool:
        """Record a recipient's answer to a safety check or freshness ping; False if not theirs."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET answer = ?, answered_at = ? WHERE id = (SELECT id FROM outbox"
                " WHERE notice_id = ? AND user_id = ? AND op = 'send' AND state = 'sent'"
                " ORDER BY id DESC LIMIT 1)",
                (answer, stamp, notice_id, user_id),
            )
            return cur.rowcount > 0

    async def latest_safety(
        self, countries: Iterable[str] | None
    ) -> dict[str, tuple[int, int, int]]:
        """Per country, the latest safety check's (safe, need help, no answer) counts."""
        rows = await self.db.fetchall(
            "SELECT o.country, count(*) FILTER (WHERE o.answer = 'safe'),"
            " count(*) FILTER (WHERE o.answer = 'help'), count(*) FILTER (WHERE o.answer IS NULL)"
            " FROM outbox o WHERE o.op = 'send' AND o.notice_id ="
            " (SELECT max(n.id) FROM notices n WHERE n.kind = 'safety'"
            " AND ',' || n.countries || ',' LIKE '%,' || o.country || ',%')"
            " GROUP BY o.country"
        )
        wanted = set(countries) if countries is not None else None
        return {
            r[0]: (r[1] or 0, r[2] or 0, r[3] or 0)
            for r in rows if wanted is None or r[0] in wanted
        }  # fmt: skip

    async def stale_countries(self, stale_before: datetime, fresh_id: int) -> list[str]:
        """Countries with stale registrations not asked since they went stale."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT r.country FROM registrations r JOIN citizens c USING (user_id)"
            " WHERE r.active = 1 AND c.blocked_at IS NULL AND r.updated_at < ?"
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.notice_id = ?"
            " AND o.user_id = r.user_id AND o.due_at >= r.updated_at)",
            (to_iso(stale_before), fresh_id),
        )
        return sorted(r["country"] for r in rows)

    async def queue_fresh(
        self, fresh_id: int, countries: Sequence[str], stale_before: datetime, now: datetime
    ) -> int:
        """Queue "are you still there?" for stale citizens of these countries, once each."""
        if not countries:
            return 0
        marks = ",".join("?" * len(countries))
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO outbox (notice_id, run, user_id, op, lang, country,"
                " due_at, priority) SELECT ?, r.updated_at, r.user_id, 'send', c.lang,"
                f" r.country, ?, {FRESH} FROM registrations r JOIN citizens c USING (user_id)"
                " WHERE r.active = 1"
                f" AND c.blocked_at IS NULL AND r.updated_at < ? AND r.country IN ({marks})"
                " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.notice_id = ?"
                " AND o.user_id = r.user_id AND o.due_at >= r.updated_at) ON CONFLICT DO NOTHING",
                (fresh_id, stamp, to_iso(stale_before), *countries, fresh_id),
            )
            return cur.rowcount
