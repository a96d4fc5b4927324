"""Evacuation without a server: codes, passport checks, the priority setting, and the seat
allocation and answers on a temporary database."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.evacuation import codes, passengers
from bot.settings import Settings
from storage.db import Database
from storage.evacuation import DepartureDraft, EvacuationRepo
from storage.evacuation_offers import OfferRepo, Passenger
from storage.models import to_iso
from tests.support.seed import Person, seed

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_boarding_codes_are_typed_loosely_and_never_ambiguous() -> None:
    code = codes.boarding_code()
    assert len(code) == codes.LENGTH
    assert not set(code) & set("01OIL")
    assert codes.normalize(codes.shown(code).lower()) == code
    assert codes.normalize(f" {code[:4]} {code[4:]} ") == code
    assert codes.normalize(f"{codes.START_PREFIX}{code}") == code
    assert codes.normalize("K7QX-4M2") is None
    assert codes.normalize("K7QX-4M2O") is None  # O is not in the alphabet


def test_the_qr_code_is_a_png_of_the_deep_link() -> None:
    link = codes.start_link("hotline_bot", "K7QX4M2P")
    assert link == "https://t.me/hotline_bot?start=board_K7QX4M2P"
    png = codes.qr_png(link)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png == codes.qr_png(link)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Serikova  aigerim", "SERIKOVA AIGERIM"), ("O'Neil-Smith Ann", "O'NEIL-SMITH ANN")],
)
def test_names_as_in_the_passport(typed: str, stored: str) -> None:
    assert passengers.name(typed) == (stored, None)


def test_names_passports_and_dates_that_are_refused() -> None:
    assert passengers.name("Серикова Айгерим") == (None, "latin")
    assert passengers.name("A") == (None, "latin")
    assert passengers.name("A" * 101) == (None, "too-long")
    assert passengers.passport("n 1234 5678") == ("N12345678", None)
    assert passengers.passport("012345678") == ("012345678", None)
    for bad in ("N123", "ABCDEFGH", "N12345678901", "N1234/567"):
        assert passengers.passport(bad) == (None, "passport"), bad
    today = date(2026, 12, 1)
    assert passengers.birth_date("05.03.2019", today) == ("2019-03-05", None)
    assert passengers.birth_date("2026-12-02", today) == (None, "future")
    assert passengers.birth_date("01.01.1890", today) == (None, "too-old")
    assert passengers.birth_date("31.02.1990", today) == (None, "date")


def test_the_priority_setting_is_checked() -> None:
    settings = Settings(_env_file=None, evacuation_priority=" stuck , vulnerable")  # type: ignore[call-arg]
    assert settings.evacuation_priorities == ("stuck", "vulnerable")
    assert Settings(_env_file=None, evacuation_priority="").evacuation_priorities == ()  # type: ignore[call-arg]
    for bad in ("age", "stuck,stuck"):
        with pytest.raises(ValidationError):
            Settings(_env_file=None, evacuation_priority=bad)  # type: ignore[call-arg]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """Ten who need evacuation in the UAE (5 a party of three, 8 blocked, 9 back home, 10 in
    Qatar), 11 and 12 who need nothing."""
    path = tmp_path / "h.sqlite3"
    people = [Person(i, "QA" if i == 10 else "AE", needs="evacuation", party=3 if i == 5 else 1)
              for i in range(1, 11)]  # fmt: skip
    people += [Person(11, "AE"), Person(12, "AE")]
    await seed(path, people)
    database = Database(path)
    await database.open()
    async with database.transaction() as conn:
        for i in range(1, 13):
            stamp = to_iso(NOW - timedelta(days=1) + timedelta(minutes=i))
            await conn.execute(
                "UPDATE registrations SET created_at = ? WHERE user_id = ?", (stamp, i)
            )
        await conn.execute("UPDATE registrations SET vulnerable = 1 WHERE user_id = 7")
        await conn.execute("UPDATE registrations SET status = 'stuck' WHERE user_id IN (4, 6)")
        await conn.execute("UPDATE citizens SET blocked_at = ? WHERE user_id = 8", (to_iso(NOW),))
        await conn.execute("UPDATE registrations SET active = 0 WHERE user_id = 9")
    yield database
    await database.close()


def draft(seats: int, audience: str = "evacuation") -> DepartureDraft:
    return DepartureDraft(
        "bus", "AE", "Dubai", audience, False, "Gate 1", None, None, None, NOW + 48 * HOUR,
        seats, 6,
    )  # fmt: skip


TOKENS = (f"t{i}" for i in itertools.count())


async def test_allocation_follows_priority_and_never_splits_a_party(db: Database) -> None:
    departures, offers = EvacuationRepo(db), OfferRepo(db)
    dep = await departures.create(draft(4), 900001, NOW)
    made = await offers.allocate(dep.id, ("vulnerable", "stuck"), TOKENS, NOW, HOUR)
    # 7 (vulnerable), 4 and 6 (stuck), then 1: the party of three (5) never fits in one.
    assert [o.user_id for o in made] == [7, 4, 6, 1]
    assert {o.deadline_at for o in made} == {NOW + 6 * HOUR}
    rows = await db.fetchall("SELECT run, user_id FROM outbox ORDER BY id")
    assert [(r[0], r[1]) for r in rows] == [(f"o:{o.id}", o.user_id) for o in made]
    counts = await offers.counts(dep)
    assert (counts.offered_seats, counts.seats_left, counts.waitlisted) == (4, 0, 3)
    assert await offers.allocate(dep.id, ("vulnerable", "stuck"), TOKENS, NOW, HOUR) == []
    # Four seats more: the singles first; the party of three does not fit in the two left.
    assert await departures.edit(dep.id, "seats", 3, 900001, NOW) == "held"
    assert await departures.edit(dep.id, "seats", 8, 900001, NOW) == "ok"
    again = await offers.allocate(dep.id, ("vulnerable", "stuck"), TOKENS, NOW, HOUR)
    assert [(o.user_id, o.seats) for o in again] == [(2, 1), (3, 1)]
    assert await departures.edit(dep.id, "seats", 9, 900001, NOW) == "ok"
    last = await offers.allocate(dep.id, ("vulnerable", "stuck"), TOKENS, NOW, HOUR)
    assert [(o.user_id, o.seats) for o in last] == [(5, 3)]


async def test_answers_free_seats_and_decliners_go_to_the_back(db: Database) -> None:
    departures, offers = EvacuationRepo(db), OfferRepo(db)
    first = await departures.create(draft(2), 900001, NOW)
    one, two = await offers.allocate(first.id, (), TOKENS, NOW, HOUR)
    assert (await offers.accept(one.id, one.user_id, "wrong", 1, NOW)).status == "forged"
    assert (await offers.accept(one.id, two.user_id, one.token, 1, NOW)).status == "forged"
    # The party grew to three after the offer, and only the one seat is free: refused.
    assert (await offers.accept(one.id, one.user_id, one.token, 3, NOW)).status == "full"
    # Passport data goes in as it is typed; the seats are confirmed once it is complete.
    assert (await offers.confirm(one.id, 1, one.token, "EV1-1", "CODE2345", NOW)).status == (
        "missing"
    )
    for field, value in (("full_name", "A B"), ("passport", "N1234567"),
                         ("birth_date", "1990-01-01")):  # fmt: skip
        assert await offers.enter(one.id, 1, one.token, 1, field, value)
    assert not await offers.enter(one.id, 1, one.token, 2, "full_name", "C D")  # a party of one
    assert not await offers.enter(one.id, 2, one.token, 1, "full_name", "C D")  # not theirs
    assert await offers.passengers(one.id) == [Passenger("A B", "N1234567", "1990-01-01")]
    ok = await offers.confirm(one.id, one.user_id, one.token, "EV1-1", "CODE2345", NOW)
    assert ok.status == "ok"
    assert ok.offer is not None
    assert ok.offer.boarding_code == "CODE2345"
    # What a citizen typed for an offer they then decline goes with the decline.
    assert await offers.enter(two.id, two.user_id, two.token, 1, "full_name", "E F")
    assert (await offers.decline(two.id, two.user_id, two.token, NOW)).status == "ok"
    assert await db.fetchall("SELECT 1 FROM evac_passengers WHERE offer_id = ?", (two.id,)) == []
    assert (await offers.decline(two.id, two.user_id, two.token, NOW)).status == "answered"
    refill = await offers.allocate(first.id, (), TOKENS, NOW, HOUR)
    assert [o.user_id for o in refill] == [3]
    late = NOW + 7 * HOUR
    assert (await offers.accept(refill[0].id, 3, refill[0].token, 1, late)).status == "deadline"
    assert await departures.expire(late) == [first.id]
    # The next departure: those who declined or let an offer expire come after the rest.
    second = await departures.create(draft(20), 900001, late)
    order = [o.user_id for o in await offers.allocate(second.id, (), TOKENS, late, HOUR)]
    assert order == [4, 5, 6, 7, 2, 3]  # 1 holds a seat on the first one
    (row,) = await departures.manifest(first.id)
    assert row[:9] == ("Citizen 1", "+77010000001", 1, 0, "AE", "Dubai", "tourist",
                       "evacuation", None)  # fmt: skip
    assert row[10:] == ("A B", "N1234567", "1990-01-01", "EV1-1", None)
    # Cancelled: the confirmed passenger is told, the passport data goes at once.
    assert await departures.cancel(first.id, 900001, late) == 1
    assert await offers.passengers(one.id) == []
    assert (await offers.accept(one.id, 1, one.token, 1, late)).status == "closed"


async def test_the_carrier_kind_is_allowed_and_only_it(db: Database) -> None:
    dep = await EvacuationRepo(db).create(draft(1), 900001, NOW)
    row = await db.fetchone(
        "SELECT kind, state, next_run FROM notices WHERE id = ?", (dep.notice_id,)
    )
    assert row is not None
    assert tuple(row) == ("evacuation", "active", "now")
    with pytest.raises(Exception, match="CHECK"):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO notices (author_id, text_ru, schedule, created_at, updated_at, kind)"
                " VALUES (0, '', 'now', '', '', 'bogus')"
            )
