"""Counts over the register, and the rows of an export, limited to a scope."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Database, Row
from storage.models import STATUSES, to_iso
from storage.people import EXPORT_COLUMNS as PEOPLE_COLUMNS
from storage.people import EXPORT_JOIN, PeopleRepo, export_extra


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


def _export_row(row: Row) -> tuple[Any, ...]:
    """An export row as a plain tuple, in EXPORT_COLUMNS + storage.people's order."""
    return tuple(row[column] for column in EXPORT_COLUMNS + PEOPLE_COLUMNS)


class StatsRepo:
    """Read-only queries for staff."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def by_country(
        self, scope: Iterable[str] | None, new_since: datetime, stale_before: datetime
    ) -> list[CountryStats]:
        """Active registrations per country in scope (None: all), largest first.

        The counts come from tables kept by triggers (migration 0016): a few hundred rows
        whatever the size of the register. Only "new in 24 h" reads registrations, over an
        index range of the last day.
        """
        where, params = _in("country", scope)
        rows = await self.db.fetchall(
            "SELECT country, status, needs, n, people FROM registration_counts"
            f" WHERE n > 0{where}",
            params,
        )
        new = await self._per_country("created_at >= ?", [to_iso(new_since)], where, params)
        stale = await self._stale(stale_before, where, params)
        totals: dict[str, list[Any]] = {}
        for row in rows:
            country, status, needs, n = row["country"], row["status"], row["needs"], int(row["n"])
            t = totals.setdefault(country, [0, 0, dict.fromkeys(STATUSES, 0), 0, 0])
            t[0] += n
            t[1] += int(row["people"])
            t[2][status] = t[2].get(status, 0) + n
            t[3] += n if needs != "none" else 0
            t[4] += n if needs == "evacuation" else 0
        # A group counts as its people, not as the party size of its leader's registration.
        for country, extra in (await PeopleRepo(self.db).group_extra(scope)).items():
            if country in totals:
                totals[country][1] += extra
        found = [
            CountryStats(
                country=c, registered=v[0], people=v[1], by_status=v[2], need_help=v[3],
                evacuation=v[4], new_24h=new.get(c, 0), stale=stale.get(c, 0),
            )
            for c, v in totals.items()
        ]  # fmt: skip
        found.sort(key=lambda s: (-s.registered, s.country))
        return found

    async def _per_country(
        self, condition: str, bounds: list[str], where: str, params: list[Any]
    ) -> dict[str, int]:
        rows = await self.db.fetchall(
            f"SELECT country, count(*) AS n FROM registrations WHERE active = 1"
            f" AND {condition}{where} GROUP BY country",
            [*bounds, *params],
        )
        return {r["country"]: int(r["n"]) for r in rows}

    async def _stale(self, before: datetime, where: str, params: list[Any]) -> dict[str, int]:
        """Not updated since `before`: whole days from registration_days, then the rows of
        `before`'s own day (times are UTC ISO text, so the day is its first 10 characters)."""
        stamp = to_iso(before)
        day = stamp[:10]
        rows = await self.db.fetchall(
            f"SELECT country, sum(n) AS n FROM registration_days WHERE day < ?{where}"
            " GROUP BY country",
            [day, *params],
        )
        found = {r["country"]: int(r["n"]) for r in rows}
        edge = await self._per_country("updated_at >= ? AND updated_at < ?", [day, stamp],
                                       where, params)  # fmt: skip
        for country, n in edge.items():
            found[country] = found.get(country, 0) + n
        return found

    async def export_rows(
        self,
        scope: Iterable[str] | None,
        statuses: Iterable[str] = (),
        needs: Iterable[str] = (),
    ) -> AsyncGenerator[tuple[Any, ...], None]:
        """Matching active registrations, by country, city and name, streamed."""
        where, params = _in("r.country", scope)
        status_list, needs_list = list(statuses), list(needs)
        if status_list:
            clause, extra = _in("r.status", status_list)
            where, params = where + clause, params + extra
        if needs_list:
            clause, extra = _in("r.needs", needs_list)
            where, params = where + clause, params + extra
        columns = ", ".join(f"r.{c} AS {c}" for c in EXPORT_COLUMNS)
        sql = (
            f"SELECT {columns}{export_extra(self.db.dialect)} FROM registrations r{EXPORT_JOIN}"
            f" WHERE r.active = 1{where} ORDER BY r.country, r.city, r.full_name"
        )
        async with aclosing(self.db.stream(sql, params)) as rows:
            async for row in rows:
                yield _export_row(row)
