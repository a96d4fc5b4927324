"""The desk's storage on a temporary database: waits, alarms, idle tickets, erasure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.desk.alarms import URGENT_NEEDS
from storage.citizens import CitizenRepo
from storage.db import Database
from storage.desk import DeskRepo, Officer
from storage.faq_log import FaqLogRepo
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
