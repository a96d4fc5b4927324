"""The counts /stats reads are kept by triggers: they match a full count after every change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.citizens import CitizenRepo
from storage.db import Database
from storage.models import RegistrationInput
from storage.registrations import RegistrationRepo
from storage.stats import StatsRepo

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)


def place(
    country: str, status: str = "tourist", needs: str = "none", party: int = 1
) -> RegistrationInput:
    """A registration's fields."""
    return RegistrationInput(
        full_name="A Citizen", country=country, city="City", latitude=None, longitude=None,
        status=status, party_size=party, children=0, phone="+77010000000", needs=needs,
        note=None,
    )  # fmt: skip


async def counted(db: Database) -> list[tuple[object, ...]]:
    """What the triggers kept, without empty groups."""
    rows = await db.fetchall(
        "SELECT country, status, needs, n, people FROM registration_counts WHERE n > 0"
        " ORDER BY country, status, needs"
    )
    return [tuple(int(v) if isinstance(v, int) else v for v in r) for r in rows]


async def recounted(db: Database) -> list[tuple[object, ...]]:
    """The same counts, counted over the registrations."""
    rows = await db.fetchall(
        "SELECT country, status, needs, count(*), sum(party_size) FROM registrations"
        " WHERE active = 1 GROUP BY country, status, needs ORDER BY country, status, needs"
    )
    return [tuple(int(v) if not isinstance(v, str) else v for v in r) for r in rows]


async def test_counts_follow_registrations_moves_closures_and_erasure(
    db_path: Path | str,
) -> None:
    db = Database(db_path)
    await db.open()
    try:
        regs, citizens = RegistrationRepo(db), CitizenRepo(db)
        for user_id, country in ((1, "AE"), (2, "AE"), (3, "QA"), (4, "TR")):
            await citizens.give_consent(user_id, "ru", NOW)
            await regs.save(user_id, place(country), NOW)
        await regs.save(2, place("AE", "stuck", "evacuation", party=4), NOW)  # same country
        await regs.save(3, place("AE", party=2), NOW)  # moved
        await regs.close(4, NOW)  # home: not counted any more
        await regs.flag_help(1, NOW)  # needs none -> consular
        await citizens.erase(2)
        assert await counted(db) == await recounted(db)
        days = await db.fetchall("SELECT country, day, n FROM registration_days WHERE n > 0")
        assert [tuple(r) for r in days] == [("AE", NOW.date().isoformat(), 2)]
        assert await counted(db) == [("AE", "tourist", "consular", 1, 1),
                                     ("AE", "tourist", "none", 1, 2)]  # fmt: skip
        stats = StatsRepo(db)
        rows = await stats.by_country(None, NOW - timedelta(hours=24), NOW)
        assert [(s.country, s.registered, s.people, s.need_help, s.new_24h) for s in rows] == [
            ("AE", 2, 3, 1, 2)
        ]
        # Stale: whole days before the boundary's day, and the boundary day to the second.
        await regs.confirm(1, NOW - timedelta(days=3))
        await regs.confirm(3, NOW - timedelta(days=1, hours=2))
        for before, stale in (
            (NOW, 2),
            (NOW - timedelta(days=1), 2),
            (NOW - timedelta(days=1, hours=3), 1),
            (NOW - timedelta(days=3), 0),
            (NOW + timedelta(days=1), 2),
        ):
            got = await stats.by_country(None, NOW, before)
            assert got[0].stale == stale, before
    finally:
        await db.close()
