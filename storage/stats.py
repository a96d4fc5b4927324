"""Counts over the register, and the rows of an export, limited to a scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Database, Row
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
        return " AND 1 = 0", []
    return f" AND {column} IN ({','.join('?' * len(codes))})", codes


EXPORT_COLUMNS = (
    "full_name", "phone", "country", "city", "status", "party_size", "children", "needs",
    "note", "updated_at",
)  # fmt: skip


def _group(row: Row) -> tuple[str, str, str, int, int, int, int]:
    """One (country, status, needs) group of `by_country`."""
    return (
        row["country"], row["status"], row["needs"], int(row["n"]), int(row["people"]),
        int(row["new"]), int(row["stale"]),
    )  # fmt: skip


def _export_row(row: Row) -> tuple[Any, ...]:
    """An export row as a plain tuple, in EXPORT_COLUMNS order."""
    return tuple(row[column] for column in EXPORT_COLUMNS)


class StatsRepo:
    """Read-only queries for staff."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def by_country(
        self, scope: Iterable[str] | None, new_since: datetime, stale_before: datetime
    ) -> list[CountryStats]:
        """Active registrations per country in scope (None: all), largest first."""
        where, params = _in("country", scope)
        # Grouped in the order of the covering index (registrations_stats), so SQLite
        # aggregates while it walks the index; the few hundred groups are summed here.
        rows = await self.db.fetchall(
            "SELECT country, status, needs, count(*) AS n, sum(party_size) AS people,"
            " count(*) FILTER (WHERE created_at >= ?) AS new,"
            " count(*) FILTER (WHERE updated_at < ?) AS stale"
            f" FROM registrations WHERE active = 1{where} GROUP BY country, status, needs",
            [to_iso(new_since), to_iso(stale_before), *params],
        )
        totals: dict[str, list[Any]] = {}
        for country, status, needs, n, people, new, stale in map(_group, rows):
            t = totals.setdefault(country, [0, 0, dict.fromkeys(STATUSES, 0), 0, 0, 0, 0])
            t[0] += n
            t[1] += people
            t[2][status] = t[2].get(status, 0) + n
            t[3] += n if needs != "none" else 0
            t[4] += n if needs == "evacuation" else 0
            t[5] += new
            t[6] += stale
        found = [CountryStats(c, *v) for c, v in totals.items()]
        found.sort(key=lambda s: (-s.registered, s.country))
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
        async for row in self.db.stream(sql, params):
            yield _export_row(row)
