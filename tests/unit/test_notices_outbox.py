"""The outbox on a temporary database: what a recorded result writes, and the follow-ups a
copy gets when it lands while its notice is being edited or recalled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage.audience import Audience
from storage.db import Database
from storage.models import to_iso
from storage.notices import Notice, NoticeDraft, NoticeRepo
from storage.outbox import OutboxItem, OutboxRepo, Outcome

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)
CITIZENS = (101, 102)


@pytest.fixture
async def db(db_path: Path | str) -> AsyncIterator[Database]:
    """A migrated database with two registered citizens in the UAE."""
    database = Database(db_path)
    await database.open()
    stamp = to_iso(NOW)
    async with database.transaction() as conn:
        for user_id in CITIZENS:
            await conn.execute(
                "INSERT INTO citizens (user_id, lang, consent_at, created_at, updated_at)"
                " VALUES (?, 'ru', ?, ?, ?)",
                (user_id, stamp, stamp, stamp),
            )
            await conn.execute(
                "INSERT INTO registrations (user_id, full_name, country, city, status,"
                " party_size, children, phone, needs, active, created_at, updated_at)"
                " VALUES (?, 'A Citizen', 'AE', 'Dubai', 'tourist', 1, 0, '+77010000000',"
                " 'none', 1, ?, ?)",
                (user_id, stamp, stamp),
            )
    yield database
    await database.close()


async def _queued(db: Database) -> tuple[Notice, list[OutboxItem]]:
    """A notice for everyone, filled: one pending send per citizen."""
    notice = await NoticeRepo(db).create(
        NoticeDraft(Audience(), "Текст", None), 1, "now", NOW, NOW
    )
    outbox = OutboxRepo(db)
    assert await outbox.fill(notice, "now", NOW, None, None, NOW) == len(CITIZENS)
    items = await outbox.due(NOW, 10)
    assert sorted(i.user_id for i in items) == list(CITIZENS)
    return notice, sorted(items, key=lambda i: i.user_id)


async def _rows(db: Database, *columns: str) -> list[tuple[Any, ...]]:
    # The columns are this module's constants.
    rows = await db.fetchall(f"SELECT {', '.join(columns)} FROM outbox ORDER BY id")  # noqa: S608
    return [tuple(r) for r in rows]


async def test_each_result_is_written_as_its_kind_says(db: Database) -> None:
    notice, (first, second) = await _queued(db)
    outbox = OutboxRepo(db)
    await outbox.record([Outcome(first.id, "sent", message_id=11)], LATER)
    await outbox.record([Outcome(second.id, "retry", error="TimedOut", due_at=LATER)], LATER)
    assert await _rows(db, "state", "message_id", "attempts", "error", "due_at") == [
        ("sent", 11, 1, None, to_iso(NOW)),
        ("pending", None, 1, "TimedOut", to_iso(LATER)),
    ]
    await outbox.record([Outcome(second.id, "requeue", error="retry_after", due_at=NOW)], LATER)
    assert (await _rows(db, "attempts", "due_at"))[1] == (1, to_iso(NOW)), "not counted"
    await outbox.record([Outcome(second.id, "blocked", error="Forbidden")], LATER)
    assert (await _rows(db, "state", "attempts"))[1] == ("blocked", 2)
    blocked = await db.fetchall("SELECT user_id FROM citizens WHERE blocked_at IS NOT NULL")
    assert [r["user_id"] for r in blocked] == [second.user_id]
    progress = await outbox.progress(notice.id)
    assert (progress.sent, progress.blocked, progress.pending) == (1, 1, 0)
    # An up-to-date copy needs nothing more.
    assert await _rows(db, "op") == [("send",), ("send",)]


async def test_a_copy_that_lands_during_an_edit_is_edited_too(db: Database) -> None:
    notice, (first, second) = await _queued(db)
    outbox = OutboxRepo(db)
    await outbox.record([Outcome(first.id, "sent", message_id=11, version=1)], NOW)
    # The edit reaches the copy already delivered; the second is still on its way.
    assert await NoticeRepo(db).edit(notice.id, "Новый текст", None, 1, LATER) == 1
    await outbox.record([Outcome(second.id, "sent", message_id=12, version=1)], LATER)
    edits = await db.fetchall(
        "SELECT user_id, message_id, version, state FROM outbox WHERE op = 'edit' ORDER BY user_id"
    )
    assert [tuple(r) for r in edits] == [(101, 11, 2, "pending"), (102, 12, 2, "pending")]
    assert (await outbox.progress(notice.id)).edits_pending == 2


async def test_a_copy_sent_with_the_new_text_gets_no_edit(db: Database) -> None:
    notice, (first, _) = await _queued(db)
    outbox = OutboxRepo(db)
    assert await NoticeRepo(db).edit(notice.id, "Новый текст", None, 1, NOW) == 0
    await outbox.record([Outcome(first.id, "sent", message_id=11, version=2)], LATER)
    assert await _rows(db, "op") == [("send",), ("send",)]


async def test_a_copy_that_lands_during_a_recall_is_deleted_too(db: Database) -> None:
    notice, (first, second) = await _queued(db)
    outbox = OutboxRepo(db)
    await outbox.record([Outcome(first.id, "sent", message_id=11)], NOW)
    # The recall withdraws the pending send and deletes the delivered copy; the second
    # send was already with Telegram and lands afterwards.
    assert await NoticeRepo(db).recall(notice.id, 1, LATER) == 1
    await outbox.record([Outcome(second.id, "sent", message_id=12)], LATER)
    deletes = await db.fetchall(
        "SELECT user_id, message_id FROM outbox WHERE op = 'delete' ORDER BY user_id"
    )
    assert [tuple(r) for r in deletes] == [(101, 11), (102, 12)]
    assert (await outbox.progress(notice.id)).deletes_pending == 2


async def test_a_repeated_fill_queues_nobody_twice(db: Database) -> None:
    notice, _ = await _queued(db)
    assert await OutboxRepo(db).fill(notice, "now", NOW, None, None, LATER) == 0
