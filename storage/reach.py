"""Proof of reach: each recipient's state per notice, reminders, those not reached, and the
register's quality per country.

A recipient's reach is read from their latest copy of the notice in the outbox (daily
notices have one per day): delivered (done_at), failed (error), blocked, acknowledged or
answered (acked_at, answered_at), or silent: delivered, asked to acknowledge or answer,
and not done so. Reminders are further 'send' rows of the same notice (reminder = n).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.content import audit
from storage.db import Database
from storage.models import from_iso, to_iso
from storage.notices import _NOTICE_COLUMNS, Notice, _notice
from storage.outbox import RANK, REMINDER

# The most reminders a notice can carry (composing offers fewer).
MAX_REMINDERS = 5
# The recipient's latest copy of notice ? (not a reminder).
LATEST = (
    "o.notice_id = ? AND o.op = 'send' AND o.reminder = 0 AND o.id = (SELECT max(x.id)"
    " FROM outbox x WHERE x.notice_id = o.notice_id AND x.user_id = o.user_id"
    " AND x.op = 'send' AND x.reminder = 0)"
)
# They pressed "Received" or answered a check (under the notice or a reminder).
ACKED = (
    "EXISTS (SELECT 1 FROM outbox a WHERE a.notice_id = o.notice_id AND a.user_id = o.user_id"
    " AND (a.acked_at IS NOT NULL OR a.answer IS NOT NULL))"
)
# The notice asks for an answer: its "Received" button, or a safety check's two.
ASKS = "(n.ack = 1 OR n.kind = 'safety')"
# Not reached: blocked the bot, failed, or delivered and silent when asked to answer.
NOT_REACHED = (
    f"(o.state IN ('blocked', 'failed') OR (o.state = 'sent' AND {ASKS} AND NOT {ACKED}))"
)
_REMINDED = (
    "(SELECT count(*) FROM outbox m WHERE m.notice_id = o.notice_id AND m.user_id = o.user_id"
    " AND m.op = 'send' AND m.reminder > 0 AND m.state = 'sent')"
)
# A reminder (or the notice) `b` after which the next reminder is due.
# b's wait (its notice's remind_hours after it was sent) compared with the instant `?`: time
# arithmetic is the one thing the two engines spell differently.
_WAITED = {
    "sqlite": "julianday(b.done_at) + n.remind_hours / 24.0 {op} julianday(?)",
    "postgresql": "CAST(b.done_at AS timestamptz) + n.remind_hours * interval '1 hour'"
    " {op} CAST(? AS timestamptz)",
}


def _waited(dialect: str, op: str) -> str:
    return _WAITED[dialect].format(op=op)


def _next_due(dialect: str) -> str:
    """Silent recipients of a notice with reminders whose wait is over."""
    return (
        "b.op = 'send' AND b.state = 'sent' AND n.kind = 'notice' AND n.ack = 1"
        " AND n.state IN ('active', 'done') AND c.blocked_at IS NULL AND r.active = 1"
        f" AND {_waited(dialect, '<=')}"
        " AND NOT EXISTS (SELECT 1 FROM outbox a WHERE a.notice_id = b.notice_id"
        " AND a.user_id = b.user_id AND a.acked_at IS NOT NULL)"
    )


_JOINS = (
    "outbox b JOIN notices n ON n.id = b.notice_id JOIN citizens c ON c.user_id = b.user_id"
    " JOIN registrations r ON r.user_id = b.user_id"
)


@dataclass(frozen=True, slots=True)
class CountryReach:
    """One country's slice of a notice's recipients."""

    country: str
    total: int = 0
    delivered: int = 0
    acked: int = 0
    silent: int = 0
    blocked: int = 0
    failed: int = 0
    pending: int = 0
    reminded: int = 0
    sms_sent: int = 0
    sms_failed: int = 0

    @property
    def not_reached(self) -> int:
        """Blocked, failed, or silent when asked to answer."""
        return self.blocked + self.failed + self.silent


@dataclass(frozen=True, slots=True)
class Unreached:
    """One citizen a notice did not reach: a line of the list for phone calls."""

    user_id: int
    full_name: str
    phone: str
    country: str
    city: str
    status: str
    needs: str
    reach: str  # blocked, failed, silent
    error: str | None
    delivered_at: datetime | None
    reminders: int
    sms: str | None  # pending, sent, failed, cancelled; None: no SMS
    sms_error: str | None


@dataclass(frozen=True, slots=True)
class CountryQuality:
    """How good one country's register is for reaching people."""

    country: str
    registered: int
    confirmed: int  # updated within STALE_DAYS
    blocked: int
    no_phone: int
    duplicates: int  # registrations that share their phone with another one
    urgent_notice: int | None = None  # the last urgent notice asking "Received" here
    urgent_sent: int = 0
    urgent_acked: int = 0

    @property
    def stale(self) -> int:
        """Not updated within STALE_DAYS."""
        return self.registered - self.confirmed


def _unreached(r: Any) -> Unreached:
    silent = r[7] == "silent"
    return Unreached(
        user_id=r[0],
        full_name=r[1] or "",
        phone=r[2] or "",
        country=r[3],
        city=r[4] or "",
        status=r[5] or "",
        needs=r[6] or "",
        reach=r[7],
        error=None if silent else r[8],
        delivered_at=from_iso(r[9]) if silent and r[9] else None,
        reminders=r[10],
        sms=r[11],
        sms_error=r[12],
    )


def _scope(column: str, countries: Iterable[str] | None) -> tuple[str, list[Any]]:
    if countries is None:
        return "", []
    codes = sorted(countries)
    if not codes:
        return " AND 0", []
    return f" AND {column} IN ({','.join('?' * len(codes))})", codes


async def queue_sms(
    conn: Any, notice_id: int, now: datetime, countries: Iterable[str] | None = None
) -> int:
    """Queue the notice's SMS for everyone it did not reach who has a phone (in the caller's
    transaction); refused ones are queued again. Returns how many are now waiting."""
    stamp = to_iso(now)
    scope, params = _scope("o.country", countries)
    cur = await conn.execute(
        "INSERT INTO sms_outbox (notice_id, user_id, due_at, created_at)"
        " SELECT o.notice_id, o.user_id, ?, ? FROM outbox o JOIN notices n ON n.id = o.notice_id"
        " JOIN registrations r ON r.user_id = o.user_id"
        f" WHERE {LATEST} AND {NOT_REACHED} AND r.phone != ''{scope} ON CONFLICT DO NOTHING",
        [stamp, stamp, notice_id, *params],
    )
    again = await conn.execute(
        "UPDATE sms_outbox SET state = 'pending', attempts = 0, due_at = ?, error = NULL"
        " WHERE notice_id = ? AND state = 'failed'",
        (stamp, notice_id),
    )
    return int(cur.rowcount) + int(again.rowcount)


class ReachRepo:
    """Reads reach and writes reminders and hand-overs (outbox and notices)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def breakdown(self, notice_id: int) -> list[CountryReach]:
        """The notice's recipients per country and reach state, largest country first."""
        rows = await self.db.fetchall(
            "SELECT o.country, count(*), count(*) FILTER (WHERE o.state = 'sent'),"
            f" count(*) FILTER (WHERE o.state = 'sent' AND {ACKED}),"
            f" count(*) FILTER (WHERE o.state = 'sent' AND {ASKS} AND NOT {ACKED}),"
            " count(*) FILTER (WHERE o.state = 'blocked'),"
            " count(*) FILTER (WHERE o.state = 'failed'),"
            " count(*) FILTER (WHERE o.state = 'pending'),"
            f" count(*) FILTER (WHERE {_REMINDED} > 0), count(*) FILTER (WHERE s.state = 'sent'),"
            " count(*) FILTER (WHERE s.state = 'failed')"
            " FROM outbox o JOIN notices n ON n.id = o.notice_id LEFT JOIN sms_outbox s"
            " ON s.notice_id = o.notice_id AND s.user_id = o.user_id"
            f" WHERE {LATEST} GROUP BY o.country ORDER BY count(*) DESC, o.country",
            (notice_id,),
        )
        return [CountryReach(r[0], *(int(v or 0) for v in tuple(r)[1:])) for r in rows]

    async def not_reached(
        self, notice_id: int, countries: Iterable[str] | None = None
    ) -> list[Unreached]:
        """Everyone the notice did not reach, by country, state and name."""
        scope, params = _scope("o.country", countries)
        rows = await self.db.fetchall(
            "SELECT o.user_id, r.full_name, r.phone, o.country, r.city, r.status, r.needs,"
            " CASE WHEN o.state = 'sent' THEN 'silent' ELSE o.state END AS reach, o.error,"
            f" o.done_at, {_REMINDED}, s.state, s.error FROM outbox o"
            " JOIN notices n ON n.id = o.notice_id"
            " LEFT JOIN registrations r ON r.user_id = o.user_id LEFT JOIN sms_outbox s"
            " ON s.notice_id = o.notice_id AND s.user_id = o.user_id"
            f" WHERE {LATEST} AND {NOT_REACHED}{scope}"
            " ORDER BY o.country, reach, r.full_name, o.user_id",
            [notice_id, *params],
        )
        return [_unreached(r) for r in rows]

    async def sms_candidates(self, notice_id: int) -> int:
        """Not reached, with a phone, and no SMS sent or waiting: what an SMS round would add."""
        row = await self.db.fetchone(
            "SELECT count(*) FROM outbox o JOIN notices n ON n.id = o.notice_id"
            " JOIN registrations r ON r.user_id = o.user_id LEFT JOIN sms_outbox s"
            " ON s.notice_id = o.notice_id AND s.user_id = o.user_id"
            f" WHERE {LATEST} AND {NOT_REACHED} AND r.phone != ''"
            " AND (s.state IS NULL OR s.state = 'failed')",
            (notice_id,),
        )
        return int(row[0]) if row else 0

    async def recent(self, limit: int = 30) -> list[Notice]:
        """Notices and safety checks that went out, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE kind IN ('notice', 'safety')"
            " AND EXISTS (SELECT 1 FROM outbox WHERE notice_id = notices.id AND op = 'send')"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [_notice(r) for r in rows]

    # ---- reminders ------------------------------------------------------------------------

    async def reminder_countries(self, now: datetime) -> list[str]:
        """Countries of silent recipients of routine notices whose next reminder is due."""
        rows = await self.db.fetchall(
            f"SELECT DISTINCT b.country FROM {_JOINS} WHERE {_next_due(self.db.dialect)}"
            " AND n.urgent = 0 AND b.reminder < n.remind_max",
            (to_iso(now),),
        )
        return sorted(r[0] for r in rows)

    async def queue_reminders(self, now: datetime, daytime: Sequence[str]) -> int:
        """Queue the next reminder for every silent recipient whose wait is over: at any hour
        for urgent notices, for routine ones only in the `daytime` countries. Once each."""
        stamp = to_iso(now)
        marks = ",".join("?" * len(daytime))
        local = f" OR b.country IN ({marks})" if daytime else ""
        next_due = _next_due(self.db.dialect)
        queued = 0
        async with self.db.transaction() as conn:
            for k in range(1, MAX_REMINDERS + 1):
                # Reminder k follows the copy or reminder k-1 ('<run>~r<k-1>'); it replies
                # to the notice's copy, whose run is the part before '~r'.
                strip = len(f"~r{k - 1}") if k > 1 else 0
                base = "substr(b.run, 1, length(b.run) - ?)"
                cur = await conn.execute(
                    "INSERT INTO outbox (notice_id, run, user_id, op, lang, country,"
                    " due_at, version, priority, reminder, message_id)"
                    f" SELECT b.notice_id, {base} || ?, b.user_id, 'send', b.lang, b.country,"
                    f" ?, n.version, {REMINDER} + {RANK}, ?, (SELECT m.message_id FROM outbox m"
                    " WHERE m.notice_id = b.notice_id AND m.user_id = b.user_id"
                    f" AND m.op = 'send' AND m.reminder = 0 AND m.run = {base})"
                    f" FROM {_JOINS} WHERE b.reminder = ? AND n.remind_max >= ? AND {next_due}"
                    f" AND (n.urgent = 1{local}) ON CONFLICT DO NOTHING",
                    [strip, f"~r{k}", stamp, k, strip, k - 1, k, stamp, *daytime],
                )
                queued += cur.rowcount
        return queued

    async def due_hand_over(self, now: datetime) -> list[int]:
        """Notices with reminders whose last reminder's wait ran out for everyone."""
        rows = await self.db.fetchall(
            "SELECT n.id FROM notices n WHERE n.kind = 'notice' AND n.ack = 1"
            " AND n.remind_max > 0 AND n.handed_at IS NULL AND n.state IN ('active', 'done')"
            " AND n.next_run IS NULL"
            " AND EXISTS (SELECT 1 FROM outbox o WHERE o.notice_id = n.id AND o.op = 'send')"
            " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.notice_id = n.id"
            " AND p.op = 'send' AND p.state = 'pending')"
            # Nobody still waits for a reminder, nor had their last one too recently.
            " AND NOT EXISTS (SELECT 1 FROM outbox b JOIN citizens c ON c.user_id = b.user_id"
            " JOIN registrations r ON r.user_id = b.user_id WHERE b.notice_id = n.id"
            " AND b.op = 'send' AND b.state = 'sent' AND c.blocked_at IS NULL AND r.active = 1"
            " AND NOT EXISTS (SELECT 1 FROM outbox a WHERE a.notice_id = b.notice_id"
            " AND a.user_id = b.user_id AND a.acked_at IS NOT NULL)"
            " AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.notice_id = b.notice_id"
            " AND x.user_id = b.user_id AND x.op = 'send' AND x.reminder > b.reminder)"
            " AND (b.reminder < n.remind_max"
            f" OR {_waited(self.db.dialect, '>')}))"
            " ORDER BY n.id",
            (to_iso(now),),
        )
        return [r[0] for r in rows]

    async def hand_over(self, notice_id: int, now: datetime, sms: bool) -> int | None:
        """Mark the notice handed on, queueing its SMS if `sms`; audited. None if it already
        was; else the SMS queued."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE notices SET handed_at = ? WHERE id = ? AND handed_at IS NULL",
                (stamp, notice_id),
            )
            if cur.rowcount == 0:
                return None
            queued = await queue_sms(conn, notice_id, now) if sms else 0
            await audit(conn, stamp, None, "notice.handed", {"notice": notice_id, "sms": queued})
            return queued

    # ---- the register ---------------------------------------------------------------------

    async def quality(
        self, countries: Iterable[str] | None, stale_before: datetime
    ) -> list[CountryQuality]:
        """Per country in scope: confirmed, blocked, without phone, duplicate phones, and
        the share of the last urgent "Received" notice that was acknowledged."""
        scope, params = _scope("r.country", countries)
        rows = await self.db.fetchall(
            # The duplicate phones joined once, not `IN (subquery)`: PostgreSQL runs that
            # subquery per row when its hash does not fit in work_mem (minutes at 1,000,000).
            "WITH dup AS (SELECT phone FROM registrations WHERE active = 1 AND phone != ''"
            " GROUP BY phone HAVING count(*) > 1)"
            " SELECT r.country, count(*), count(*) FILTER (WHERE r.updated_at >= ?),"
            " count(*) FILTER (WHERE c.blocked_at IS NOT NULL),"
            " count(*) FILTER (WHERE r.phone = ''), count(d.phone)"
            " FROM registrations r JOIN citizens c USING (user_id)"
            " LEFT JOIN dup d ON d.phone = r.phone"
            f" WHERE r.active = 1{scope} GROUP BY r.country ORDER BY count(*) DESC, r.country",
            [to_iso(stale_before), *params],
        )
        urgent = await self.db.fetchall(
            "SELECT o.notice_id, o.country, count(*), count(o.acked_at) FROM outbox o"
            " WHERE o.op = 'send' AND o.reminder = 0 AND o.state = 'sent' AND o.notice_id IN"
            " (SELECT id FROM notices WHERE urgent = 1 AND ack = 1 AND kind = 'notice'"
            " ORDER BY id DESC LIMIT 50) GROUP BY o.notice_id, o.country"
        )
        last: dict[str, tuple[int, int, int]] = {}
        for notice_id, country, sent, acked in urgent:
            if country not in last or notice_id > last[country][0]:
                last[country] = (notice_id, sent, acked)
        found = []
        for country, n, confirmed, blocked, no_phone, dupes in rows:
            notice_id, sent, acked = last.get(country, (None, 0, 0))
            counts = (confirmed or 0, blocked or 0, no_phone or 0, dupes or 0)
            found.append(CountryQuality(country, n, *counts, notice_id, sent, acked))
        return found
