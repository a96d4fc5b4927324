"""Registered citizens written straight into the database, for tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.db import Database
from storage.models import to_iso, utcnow


@dataclass(frozen=True)
class Person:
    """One registered citizen."""

    user_id: int
    country: str = "AE"
    status: str = "tourist"
    needs: str = "none"
    lang: str = "ru"
    city: str = "Dubai"
    party: int = 1
    updated: str | None = None  # ISO time of the last update, default now
    phone: str | None = None  # default: a number made from the id; "" for none
    children: int = 0


async def seed(db_path: Path | str, people: list[Person]) -> None:
    """Insert citizens with consent and a registration each, in one transaction."""
    db = Database(db_path, pool_size=1)
    await db.open()
    stamp = to_iso(utcnow())
    try:
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO citizens (user_id, lang, consent_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(p.user_id, p.lang, stamp, stamp, stamp) for p in people],
            )
            await conn.executemany(
                "INSERT INTO registrations (user_id, full_name, country, city, status,"
                " party_size, children, phone, needs, active, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                [
                    (p.user_id, f"Citizen {p.user_id}", p.country, p.city, p.status, p.party,
                     min(p.children, p.party - 1) if p.children else 0,
                     f"+7701{p.user_id % 10_000_000:07d}" if p.phone is None else p.phone,
                     p.needs, p.updated or stamp, p.updated or stamp)
                    for p in people
                ],
            )  # fmt: skip
    finally:
        await db.close()
