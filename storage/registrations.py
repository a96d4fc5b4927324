"""Registrations and the history of places a citizen reported."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from storage.cache import UserCache
from storage.db import Database, Row
from storage.models import Registration, RegistrationInput, from_iso, to_iso

_COLUMNS = (
    "user_id, full_name, country, city, latitude, longitude, status, party_size, children,"
    " phone, needs, note, active, created_at, updated_at, vulnerable"
)


def _registration(row: Row) -> Registration:
    return Registration(
        user_id=row["user_id"],
        full_name=row["full_name"],
        country=row["country"],
        city=row["city"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        status=row["status"],
        party_size=row["party_size"],
        children=row["children"],
        phone=row["phone"],
        needs=row["needs"],
        note=row["note"],
        active=bool(row["active"]),
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        vulnerable=bool(row["vulnerable"]),
    )


class RegistrationRepo:
    """Reads and writes `registrations` and `place_history`."""

    def __init__(self, db: Database, cache: UserCache | None = None) -> None:
        self.db = db
        self.cache = cache or UserCache()

    async def get(self, user_id: int) -> Registration | None:
        """Return the citizen's registration, if any."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM registrations WHERE user_id = ?",
            (user_id,),
        )
        return _registration(row) if row else None

    async def exists(self, user_id: int) -> bool:
        """Whether the citizen has a registration (the menu label depends on it)."""
        if user_id in self.cache.registered:
            return self.cache.registered[user_id]
        row = await self.db.fetchone("SELECT 1 FROM registrations WHERE user_id = ?", (user_id,))
        self.cache.registered.put(user_id, row is not None)
        return row is not None

    async def save(self, user_id: int, reg: RegistrationInput, now: datetime) -> Registration:
        """Create or update the registration; a new place is appended to the history.

        Reads then writes inside one IMMEDIATE transaction, so the history entry and the
        registration can never disagree.
        """
        stamp = to_iso(now)
        values = asdict(reg)
        async with self.db.transaction() as conn:
            # A `purge` run by another process may have erased a citizen this process still
            # holds in its cache; the registration must not fail on the missing row.
            await conn.execute(
                "INSERT INTO citizens (user_id, lang, consent_at, created_at, updated_at)"
                " VALUES (?, 'ru', ?, ?, ?) ON CONFLICT DO NOTHING",
                (user_id, stamp, stamp, stamp),
            )
            async with conn.execute(
                "SELECT country, city, status, created_at FROM registrations WHERE user_id = ?",
                (user_id,),
            ) as cur:
                old = await cur.fetchone()
            await conn.execute(
                "INSERT INTO registrations (user_id, full_name, country, city, latitude,"
                " longitude, status, party_size, children, phone, needs, note, active,"
                " created_at, updated_at, vulnerable)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET"
                " full_name = excluded.full_name, country = excluded.country,"
                " city = excluded.city, latitude = excluded.latitude,"
                " longitude = excluded.longitude, status = excluded.status,"
                " party_size = excluded.party_size, children = excluded.children,"
                " phone = excluded.phone, needs = excluded.needs, note = excluded.note,"
                " vulnerable = excluded.vulnerable, active = 1, updated_at = excluded.updated_at",
                (
                    *(user_id, reg.full_name, reg.country, reg.city, reg.latitude),
                    *(reg.longitude, reg.status, reg.party_size, reg.children, reg.phone),
                    *(reg.needs, reg.note, stamp, stamp, int(reg.vulnerable)),
                ),
            )
            moved = old is None or (old["country"], old["city"], old["status"]) != (
                reg.country,
                reg.city,
                reg.status,
            )
            if moved:
                await conn.execute(
                    "INSERT INTO place_history (user_id, country, city, latitude, longitude,"
                    " status, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        user_id,
                        reg.country,
                        reg.city,
                        reg.latitude,
                        reg.longitude,
                        reg.status,
                        stamp,
                    ),
                )
            created = from_iso(old["created_at"]) if old else from_iso(stamp)
        self.cache.registered.put(user_id, True)
        return Registration(
            user_id=user_id,
            active=True,
            created_at=created,
            updated_at=from_iso(stamp),
            **values,
        )

    async def confirm(self, user_id: int, now: datetime) -> bool:
        """The citizen says they are still where they registered: fresh again."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE registrations SET updated_at = ? WHERE user_id = ? AND active = 1",
                (stamp, user_id),
            )
            return cur.rowcount == 1

    async def flag_help(self, user_id: int, now: datetime) -> bool:
        """The citizen asked for help in a safety check and no hotline took it."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE registrations SET needs = CASE needs WHEN 'none' THEN 'consular'"
                " ELSE needs END, note = trim(coalesce(note, '') || ' [SOS ' || ? || ']'),"
                " updated_at = ? WHERE user_id = ?",
                (stamp[:16], stamp, user_id),
            )
            return cur.rowcount == 1

    async def close(self, user_id: int, now: datetime) -> bool:
        """The citizen is back home: kept as history, no longer targeted or counted."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE registrations SET active = 0, updated_at = ? WHERE user_id = ?"
                " AND active = 1",
                (stamp, user_id),
            )
            if cur.rowcount == 1:
                await conn.execute(
                    "INSERT INTO place_history (user_id, country, city, status, recorded_at)"
                    " VALUES (?, 'KZ', '', 'home', ?)",
                    (user_id, stamp),
                )
            return cur.rowcount == 1
