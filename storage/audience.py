"""Who a notice reaches: the audience, its one WHERE clause, and the counts staff see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a notice is for; an empty tuple means "any"."""

    countries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    city: str | None = None
    # Also the chats that follow these countries without registering (issue 18).
    followers: bool = False


def where(audience: Audience, countries: Iterable[str] | None = None) -> tuple[str, list[Any]]:
    """WHERE clause over registrations r / citizens c for an audience."""
    clauses = ["r.active = 1", "c.blocked_at IS NULL"]
    params: list[Any] = []
    codes = tuple(countries) if countries is not None else audience.countries
    for column, values in (("r.country", codes), ("r.status", audience.statuses),
                           ("r.needs", audience.needs)):  # fmt: skip
        if values:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    if audience.city:
        # lower() on both sides: SQLite folds ASCII only (as NOCASE did), PostgreSQL all.
        clauses.append("lower(r.city) = lower(?)")
        params.append(audience.city)
    return " AND ".join(clauses), params


def follower_where(
    audience: Audience, countries: Iterable[str] | None = None
) -> tuple[str, list[Any]]:
    """WHERE clause over follows f / citizens c: the audience's countries only (a follower has
    no status, needs or city; staff include them on purpose)."""
    clauses = ["c.blocked_at IS NULL"]
    codes = tuple(countries) if countries is not None else audience.countries
    params: list[Any] = list(codes)
    if codes:
        clauses.append(f"f.country IN ({','.join('?' * len(codes))})")
    return " AND ".join(clauses), params


class AudienceRepo:
    """Counts over the register for an audience (reads only)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def count(self, audience: Audience) -> int:
        """How many citizens the audience reaches right now."""
        clause, params = where(audience)
        row = await self.db.fetchone(
            f"SELECT count(*) FROM registrations r JOIN citizens c USING (user_id) WHERE {clause}",
            params,
        )
        return int(row[0]) if row else 0

    async def followers(self, audience: Audience) -> int:
        """How many chats follow the audience's countries (whether or not they are included)."""
        clause, params = follower_where(audience)
        row = await self.db.fetchone(
            "SELECT count(DISTINCT f.user_id) FROM follows f JOIN citizens c USING (user_id)"
            f" WHERE {clause}",
            params,
        )
        return int(row[0]) if row else 0

    async def countries(self, audience: Audience) -> list[str]:
        """The countries the audience has recipients in (for per-country local time)."""
        clause, params = where(audience)
        rows = await self.db.fetchall(
            "SELECT DISTINCT r.country FROM registrations r JOIN citizens c USING (user_id)"
            f" WHERE {clause}",
            params,
        )
        return sorted(r["country"] for r in rows)

    async def countries_with_citizens(
        self, within: Iterable[str] | None = None
    ) -> list[tuple[str, int]]:
        """(country, active registrations), largest first: the audience picker's buttons."""
        clause, params = where(Audience(), within)
        rows = await self.db.fetchall(
            "SELECT r.country, count(*) FROM registrations r JOIN citizens c USING (user_id)"
            f" WHERE {clause} GROUP BY r.country ORDER BY count(*) DESC, r.country",
            params,
        )
        return [(r["country"], r[1]) for r in rows]
