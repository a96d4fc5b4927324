"""What /stats hotline reads: tickets per day, the waits now, response and close times with
their officers and ratings; limited to a scope of countries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
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


def _scope(scope: Iterable[str] | None, column: str = "country") -> tuple[str, list[Any]]:
    if scope is None:
        return "", []
    codes = sorted(scope)
    if not codes:
        return " AND 0", []
    return f" AND {column} IN ({','.join('?' * len(codes))})", codes


def _numbers(text: str | None) -> list[int]:
    return [int(v) for v in text.split(",")] if text else []


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
        shift = f"{day_shift_minutes:+d} minutes"
        needs = sorted(urgent_needs)
        marks = ", ".join("?" for _ in needs) or "NULL"
        opened = await self.db.fetchall(
            "SELECT date(created_at, ?), count(*) FROM tickets WHERE created_at >= ?"
            f"{where} GROUP BY 1",
            (shift, start, *codes),
        )
        closed = await self.db.fetchall(
            "SELECT date(closed_at, ?), count(*) FROM tickets WHERE closed_at >= ?"
            f"{where} GROUP BY 1",
            (shift, start, *codes),
        )
        # The durations come back as one text per officer: building a Python row per ticket
        # cost 30 ms of the 40 at 50,000 tickets, group_concat and split cost 6.
        responses = await self.db.fetchall(
            "SELECT assignee_id, group_concat(response_seconds) FROM tickets"
            f" WHERE created_at >= ? AND response_seconds IS NOT NULL{where} GROUP BY 1",
            (start, *codes),
        )
        closes = await self.db.fetchall(
            "SELECT assignee_id, group_concat(close_seconds), coalesce(sum(rating), 0),"
            " count(rating) FROM tickets WHERE closed_at >= ? AND close_seconds IS NOT NULL"
            f"{where} GROUP BY 1",
            (start, *codes),
        )
        holding = await self.db.fetchall(
            "SELECT assignee_id, count(*) FROM tickets WHERE status = 'open'"
            f" AND assignee_id IS NOT NULL{where} GROUP BY 1",
            codes,
        )
        t_where, _ = _scope(scope, "t.country")
        waits = await self.db.fetchone(
            "SELECT count(*), sum(urgent), sum(waiting_since <= CASE WHEN urgent THEN ?"
            f" ELSE ? END) FROM (SELECT t.waiting_since, coalesce(r.needs IN ({marks}), 0)"
            " AS urgent FROM tickets t LEFT JOIN registrations r ON r.user_id = t.user_id"
            f" WHERE t.status = 'open' AND t.waiting_since IS NOT NULL{t_where})",
            (to_iso(urgent_before), to_iso(normal_before), *needs, *codes),
        )
        count, urgent, overdue = tuple(waits) if waits else (0, 0, 0)
        return HotlineSample(
            opened_per_day={r[0]: r[1] for r in opened},
            closed_per_day={r[0]: r[1] for r in closed},
            waiting=count or 0,
            waiting_urgent=urgent or 0,
            overdue=overdue or 0,
            responses={r[0]: _numbers(r[1]) for r in responses},
            closes={r[0]: (_numbers(r[1]), r[2], r[3]) for r in closes},
            holding={r[0]: r[1] for r in holding},
        )
