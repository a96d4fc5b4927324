"""Counts over the register, and the rows of an export, limited to a scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import STATUSES, to_iso


@dataclass(frozen=True, slots=True)
class CountryStats:
    """One country's slice of the register."""

    country: str
    registered: int
    people: int
    by_status: dict[str, int] = field(default_factory=dict)
    need_help: int = 0
    evacuation: int = 0
    new_24h: int = 0
    stale: int = 0


def _in(column: str, values: Iterable[str] | None) -> tuple[str, list[Any]]:
    if values is None:
        return "", []
    codes = list(values)
    if not codes:
        return " AND 0", []
    return f" AND {column} IN ({','.join('?' * len(codes))})", codes


EXPORT_COLUMNS = (
    "full_name", "phone", "country", "city", "status", "party_size", "children", "needs",
    "note", "updated_at",
)  # fmt: skip


class StatsRepo:
    """Read-only queries for staff."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def by_country(
        self, scope: Iterable[str] | None, new_since: datetime, stale_before: datetime
    ) -> list[CountryStats]:
        """Active registrations per country in scope (None: all), largest first."""
        where, params = _in("country", scope)
        statuses = ", ".join(f"sum(status = '{s}')" for s in STATUSES)
        rows = await self.db.fetchall(
            f"SELECT country, count(*), sum(party_size), {statuses}, sum(needs != 'none'),"
            " sum(needs = 'evacuation'), sum(created_at >= ?), sum(updated_at < ?)"
            f" FROM registrations WHERE active = 1{where}"
            " GROUP BY country ORDER BY count(*) DESC, country",
            [to_iso(new_since), to_iso(stale_before), *params],
        )
        found = []
        for r in rows:
            counts = dict(zip(STATUSES, r[3 : 3 + len(STATUSES)], strict=True))
            tail = r[3 + len(STATUSES) :]
            found.append(
                CountryStats(r[0], r[1], r[2], counts, tail[0], tail[1], tail[2], tail[3])
            )
        return found

    async def export_rows(
        self,
        scope: Iterable[str] | None,
        statuses: Iterable[str] = (),
        needs: Iterable[str] = (),
    ) -> AsyncIterator[tuple[Any, ...]]:
        """Matching active registrations, by country, city and name, streamed."""
        where, params = _in("country", scope)
        status_list, needs_list = list(statuses), list(needs)
        if status_list:
            clause, extra = _in("status", status_list)
            where, params = where + clause, params + extra
        if needs_list:
            clause, extra = _in("needs", needs_list)
            where, params = where + clause, params + extra
        sql = (
            f"SELECT {', '.join(EXPORT_COLUMNS)} FROM registrations WHERE active = 1{where}"
            " ORDER BY country, city, full_name"
        )
        async with self.db.conn.execute(sql, params) as cur:
            while batch := await cur.fetchmany(2000):
                for row in batch:
                    yield tuple(row)
