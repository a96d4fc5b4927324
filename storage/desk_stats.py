"""What /stats hotline reads: tickets per day, the waits now, response and close times with
their officers and ratings; limited to a scope of countries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from storage.db import Database
from storage.models import to_iso


@dataclass(frozen=True, slots=True)
class HotlineSample:
    """The raw figures of one period and scope; bot.desk.figures summarises them."""

    opened_per_day: dict[str, int]
    closed_per_day: dict[str, int]
    waiting: int
    waiting_urgent: int
    overdue: int
    # Per officer holding the ticket (None: nobody), the seconds to the first staff answer
    # of tickets opened in the period and answered.
    responses: dict[int | None, list[int]]
    # Per officer, tickets closed in the period: seconds from opening to close, and the
    # sum and number of their ratings.
    closes: dict[int | None, tuple[list[int], int, int]]
    # Officer -> open tickets they hold now.
    holding: dict[int, int]


# A local day from text alone, on both engines: the UTC date (the first 10 characters of
# the stored ISO UTC time) and whether its time of day (HH:MM) is past the instant, `?`, the
# local date turns over; Python adds the day. Parsing each time as a timestamp to shift it
# cost PostgreSQL 15 ms a query at 50,000 tickets, and SQLite's date() has no twin there.
_DAY = (
    "substr({column}, 1, 10), CASE WHEN substr({column}, 12, 5) >= ? THEN 1 ELSE 0 END, count(*)"
)


def _turn(day_shift_minutes: int) -> tuple[str, int]:
    """The UTC time of day (HH:MM) at which the local date turns over, and the days to add
    to the UTC date of a time before it (a time at or past it gets one day more)."""
    minutes = -day_shift_minutes % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}", 0 if day_shift_minutes > 0 else -1


def _per_day(rows: Iterable[Iterable[Any]], before: int) -> dict[str, int]:
    """Counts per local day (ISO date) from `_DAY` rows."""
    found: dict[str, int] = {}
    for utc_day, past, n in rows:
        day = (date.fromisoformat(utc_day) + timedelta(days=before + past)).isoformat()
        found[day] = found.get(day, 0) + int(n)
    return found


# The durations of a group as one value: building a Python row per ticket cost 30 ms of the
# 40 at 50,000 tickets on SQLite, group_concat and split cost 6; PostgreSQL hands back an
# array, which psycopg reads as a list of ints.
_ALL = {"sqlite": "group_concat({column})", "postgresql": "array_agg({column})"}


def _scope(scope: Iterable[str] | None, column: str = "country") -> tuple[str, list[Any]]:
    if scope is None:
        return "", []
    codes = sorted(scope)
    if not codes:
        return " AND 1 = 0", []
    return f" AND {column} IN ({','.join('?' * len(codes))})", codes


def _numbers(value: str | list[int] | None) -> list[int]:
    """The durations `_ALL` gathered: SQLite's text 'a,b,c', PostgreSQL's array."""
    if not value:
        return []
    if isinstance(value, str):
        return [int(v) for v in value.split(",")]
    return [int(v) for v in value]


class DeskStatsRepo:
    """Read-only queries over tickets for /stats hotline; each reads one covering index."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def sample(
        self,
        scope: Iterable[str] | None,
        since: datetime,
        day_shift_minutes: int,
        urgent_before: datetime,
        normal_before: datetime,
        urgent_needs: Iterable[str],
    ) -> HotlineSample:
        """The hotline since `since` in a scope (None: every ticket, also those of citizens
        who are not registered); days are local days `day_shift_minutes` ahead of UTC."""
        where, codes = _scope(scope)
        start = to_iso(since)
        turn, before = _turn(day_shift_minutes)
        needs = sorted(urgent_needs)
        marks = ", ".join("?" for _ in needs) or "NULL"
        dialect = self.db.dialect
        opened = await self.db.fetchall(
            f"SELECT {_DAY.format(column='created_at')} FROM tickets"
            f" WHERE created_at >= ?{where} GROUP BY 1, 2",
            (turn, start, *codes),
        )
        closed = await self.db.fetchall(
            f"SELECT {_DAY.format(column='closed_at')} FROM tickets"
            f" WHERE closed_at >= ?{where} GROUP BY 1, 2",
            (turn, start, *codes),
        )
        responses = await self.db.fetchall(
            f"SELECT assignee_id, {_ALL[dialect].format(column='response_seconds')} FROM tickets"
            f" WHERE created_at >= ? AND response_seconds IS NOT NULL{where} GROUP BY 1",
            (start, *codes),
        )
        closes = await self.db.fetchall(
            f"SELECT assignee_id, {_ALL[dialect].format(column='close_seconds')},"
            " coalesce(sum(rating), 0), count(rating) FROM tickets WHERE closed_at >= ?"
            f" AND close_seconds IS NOT NULL{where} GROUP BY 1",
            (start, *codes),
        )
        holding = await self.db.fetchall(
            "SELECT assignee_id, count(*) FROM tickets WHERE status = 'open'"
            f" AND assignee_id IS NOT NULL{where} GROUP BY 1",
            codes,
        )
        t_where, _ = _scope(scope, "t.country")
        # urgent is 0/1 (a registered need; no registration: 0), counted with FILTER: a
        # boolean is no number on PostgreSQL.
        waits = await self.db.fetchone(
            "SELECT count(*), count(*) FILTER (WHERE urgent = 1),"
            " count(*) FILTER (WHERE waiting_since <= CASE WHEN urgent = 1 THEN ? ELSE ? END)"
            " FROM (SELECT t.waiting_since,"
            f" CASE WHEN r.needs IN ({marks}) THEN 1 ELSE 0 END AS urgent"
            " FROM tickets t LEFT JOIN registrations r ON r.user_id = t.user_id"
            f" WHERE t.status = 'open' AND t.waiting_since IS NOT NULL{t_where}) AS w",
            (to_iso(urgent_before), to_iso(normal_before), *needs, *codes),
        )
        count, urgent, overdue = tuple(waits) if waits else (0, 0, 0)
        return HotlineSample(
            opened_per_day=_per_day(opened, before),
            closed_per_day=_per_day(closed, before),
            waiting=int(count or 0),
            waiting_urgent=int(urgent or 0),
            overdue=int(overdue or 0),
            responses={r[0]: _numbers(r[1]) for r in responses},
            # sum() of integers is a Decimal on PostgreSQL.
            closes={r[0]: (_numbers(r[1]), int(r[2]), int(r[3])) for r in closes},
            holding={r[0]: r[1] for r in holding},
        )
