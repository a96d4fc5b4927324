"""The desk's storage on a temporary database: waits, alarms, idle tickets, erasure,
/stats hotline's local days and the FAQ log's wording."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.desk.alarms import URGENT_NEEDS
from storage.citizens import CitizenRepo
from storage.db import Database
from storage.desk import DeskRepo, Officer
from storage.desk_stats import DeskStatsRepo, _per_day, _turn
from storage.faq_log import FaqLogRepo
from storage.models import to_iso
from storage.tickets import TicketRepo

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CHAT = -1001
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def db(db_path: Path | str) -> AsyncIterator[Database]:
    """A migrated database with two citizens (PostgreSQL when TEST_DATABASE_URL is set)."""
    database = Database(db_path)
    await database.open()
    citizens = CitizenRepo(database)
    for user_id in (1, 2):
        await citizens.set_lang(user_id, "ru", NOW)
    yield database
    await database.close()


async def test_a_wait_runs_from_the_first_unanswered_message(db: Database) -> None:
    tickets = TicketRepo(db)
    ticket, created = await tickets.open_for(1, CHAT, NOW)
    assert created
    await tickets.touch(ticket.id, "citizen", NOW)
    await tickets.touch(ticket.id, "citizen", NOW + 5 * MINUTE)  # writing more: same wait
    waiting = await tickets.get(ticket.id)
    assert waiting is not None
    assert waiting.waiting_since == NOW
    await tickets.touch(ticket.id, "staff", NOW + 7 * MINUTE)
    await tickets.touch(ticket.id, "staff", NOW + 9 * MINUTE)
    answered = await tickets.get(ticket.id)
    assert answered is not None
    assert (answered.waiting_since, answered.first_staff_at) == (None, NOW + 7 * MINUTE)
    row = await db.fetchone("SELECT response_seconds FROM tickets WHERE id = ?", (ticket.id,))
    assert row is not None
    assert row[0] == 420


async def test_alarms_flag_each_wait_once_by_urgency(db: Database) -> None:
    tickets, desk = TicketRepo(db), DeskRepo(db)
    first, _ = await tickets.open_for(1, CHAT, NOW)
    second, _ = await tickets.open_for(2, CHAT, NOW)
    for ticket in (first, second):
        await tickets.touch(ticket.id, "citizen", NOW)

    async def due(at: datetime) -> list[int]:
        found = await desk.due_alarms(
            at - 10 * MINUTE, at - 120 * MINUTE, URGENT_NEEDS, at, limit=20
        )
        return [w.ticket.id for w in found]

    # Nobody is registered, so both are normal: two hours.
    assert await due(NOW + 30 * MINUTE) == []
    assert await due(NOW + 121 * MINUTE) == [first.id, second.id]
    assert await due(NOW + 200 * MINUTE) == []
    await tickets.touch(first.id, "staff", NOW + 201 * MINUTE)
    await tickets.touch(first.id, "citizen", NOW + 202 * MINUTE)
    assert await due(NOW + 400 * MINUTE) == [first.id]


async def test_idle_tickets_close_in_batches_and_reopen_on_the_next_message(
    db: Database,
) -> None:
    tickets, desk = TicketRepo(db), DeskRepo(db)
    old, _ = await tickets.open_for(1, CHAT, NOW)
    recent, _ = await tickets.open_for(2, CHAT, NOW)
    await tickets.touch(recent.id, "citizen", NOW + timedelta(days=5))
    later = NOW + timedelta(days=8)
    assert await desk.close_idle(later - timedelta(days=7), later, limit=0) == []
    closed = await desk.close_idle(later - timedelta(days=7), later, limit=20)
    assert [(t.id, t.closed_reason) for t in closed] == [(old.id, "idle")]
    again, created = await tickets.open_for(1, CHAT, later + MINUTE)
    assert (again.id, again.status, created) == (old.id, "open", False)
    # A ticket staff closed is not reopened: the citizen gets a new one.
    assert await tickets.set_status(again.id, "closed", later + 2 * MINUTE)
    fresh, created = await tickets.open_for(1, CHAT, later + 3 * MINUTE)
    assert created
    assert fresh.id != old.id


async def test_take_assign_release(db: Database) -> None:
    tickets, desk = TicketRepo(db), DeskRepo(db)
    ticket, _ = await tickets.open_for(1, CHAT, NOW)
    assert await desk.take(ticket.id, 700, NOW)
    assert not await desk.take(ticket.id, 701, NOW)  # held
    assert not await desk.assign(ticket.id, 700, 701, NOW)  # already so
    assert await desk.assign(ticket.id, 701, 700, NOW)
    assert [w.ticket.id for w in await desk.held_by(701, URGENT_NEEDS)] == [ticket.id]
    assert await desk.assign(ticket.id, None, 701, NOW)
    await tickets.set_status(ticket.id, "closed", NOW)
    assert not await desk.take(ticket.id, 700, NOW)  # closed
    rows = await db.fetchall("SELECT action FROM audit_log ORDER BY id")
    assert [r[0] for r in rows] == ["hotline.take", "hotline.assign", "hotline.release"]


async def test_erasure_covers_the_faq_log_and_the_staff_directory(db: Database) -> None:
    log, desk = FaqLogRepo(db), DeskRepo(db)
    await log.question(1, "ru", "как продлить визу", "визу продл", NOW)
    await log.question(2, "ru", "как продлить визу", "визу продл", NOW)
    await log.verdict("lost-passport", 1, False, NOW)
    await log.verdict("lost-passport", 1, True, NOW)  # the latest counts
    await desk.remember(Officer(1, "Данияр", "daniyar", NOW))
    assert [(v.helped, v.not_helped) for v in await log.verdicts(NOW)] == []
    await log.verdict("lost-passport", 2, False, NOW)
    assert [(v.helped, v.not_helped) for v in await log.verdicts(NOW)] == [(1, 1)]
    report = await CitizenRepo(db).erase(1)
    assert report.faq == 2
    for table in ("faq_questions", "faq_feedback", "desk_officers"):
        row = await db.fetchone(f"SELECT count(*) FROM {table} WHERE user_id = 1")  # noqa: S608
        assert row is not None
        assert row[0] == 0, table
    keys = await log.question_keys(NOW - MINUTE)
    assert [(k.key, k.count) for k in keys] == [("визу продл", 1)]


@pytest.mark.parametrize("shift", [0, 180, 210, 345, -300, -45, 1, -1, 720, -720])
def test_local_days_are_what_sqlites_date_makes_of_them(shift: int) -> None:
    # The days are cut from the text on both engines; SQLite's date() is the reference.
    times = [NOW + timedelta(minutes=m) for m in range(-1500, 1500, 7)]
    times += [NOW.replace(hour=0) + timedelta(minutes=-shift + d) for d in (-1, 0, 1)]
    texts = [to_iso(t) for t in times]
    with sqlite3.connect(":memory:") as conn:
        expected = Counter(
            conn.execute("SELECT date(?, ?)", (t, f"{shift:+d} minutes")).fetchone()[0]
            for t in texts
        )
    turn, before = _turn(shift)
    rows = Counter((t[:10], int(t[11:16] >= turn)) for t in texts)
    assert _per_day([(day, past, n) for (day, past), n in rows.items()], before) == expected


async def test_hotline_sample_cuts_local_days_and_scopes(db: Database) -> None:
    stats = DeskStatsRepo(db)
    async with db.transaction() as conn:
        # Iran's +03:30: the local date turns over at 20:30 UTC.
        for user_id, at in ((1, "2026-11-30T20:15:00+00:00"), (2, "2026-11-30T20:45:00+00:00")):
            await conn.execute(
                "INSERT INTO tickets (user_id, staff_chat_id, status, created_at, country,"
                " closed_at, close_seconds, rating, response_seconds, assignee_id)"
                " VALUES (?, ?, 'closed', ?, 'IR', ?, 60, ?, 30, 700)",
                (user_id, CHAT, at, at, 4 + user_id - 1),
            )
    since = NOW - timedelta(days=7)
    sample = await stats.sample(None, since, 210, NOW, NOW, URGENT_NEEDS)
    assert sample.opened_per_day == {"2026-11-30": 1, "2026-12-01": 1}
    assert sample.closed_per_day == sample.opened_per_day
    assert sample.responses == {700: [30, 30]}
    assert sample.closes == {700: ([60, 60], 9, 2)}
    assert all(type(n) is int for n in (*sample.closes[700][0], *sample.closes[700][1:]))
    nothing = await stats.sample([], since, 210, NOW, NOW, URGENT_NEEDS)
    assert (nothing.opened_per_day, nothing.closes, nothing.waiting) == ({}, {}, 0)


async def test_the_most_frequent_wording_wins_a_tie_by_its_text(db: Database) -> None:
    log = FaqLogRepo(db)
    for user_id, text in ((1, "как продлить визу"), (2, "визу как продлить")):
        await log.question(user_id, "ru", text, "визу продл", NOW)
    assert [k.sample for k in await log.question_keys(NOW - MINUTE)] == ["визу как продлить"]
