"""The durable inbox on a temporary database: stored once, handed back until done, nothing
personal kept once handled, erased with the citizen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.runtime.inbox import owner_of
from storage.citizens import CitizenRepo
from storage.db import Database
from storage.inbox import InboxRepo, Incoming

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)


def message(update_id: int, user_id: int, text: str = "паспорт украли") -> Incoming:
    payload = {
        "update_id": update_id,
        "message": {"message_id": 1, "date": 0, "text": text,
                    "chat": {"id": user_id, "type": "private"},
                    "from": {"id": user_id, "is_bot": False, "first_name": "A"}},
    }  # fmt: skip
    return Incoming(update_id, payload, owner_of(payload))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "inbox.sqlite3")
    await database.open()
    yield database
    await database.close()


async def test_an_update_is_stored_once_and_handed_back_until_done(db: Database) -> None:
    repo = InboxRepo(db)
    fresh = await repo.store([message(1, 10), message(2, 11)], NOW)
    assert [u.update_id for u in fresh] == [1, 2]
    # Telegram sends an unconfirmed batch again: nothing new in it.
    assert await repo.store([message(2, 11), message(3, 10)], NOW) == [message(3, 10)]
    await repo.done([1], NOW)
    assert [u.update_id for u in await repo.unfinished()] == [2, 3]
    rows = await db.fetchall("SELECT payload, user_id FROM inbox WHERE update_id = 1")
    assert [tuple(r) for r in rows] == [(None, None)]


async def test_a_skipped_update_is_recorded_once_and_purged_later(db: Database) -> None:
    repo = InboxRepo(db)
    await repo.store([message(5, 10)], NOW)
    await repo.skip(5, "TypeError", NOW)
    assert await repo.unfinished() == []
    assert await repo.skipped() == [(5, "TypeError")]
    assert await repo.store([message(5, 10)], NOW) == []
    await repo.store([message(6, 10)], NOW)
    await repo.done([6], NOW)
    later = NOW + timedelta(hours=1)
    assert await repo.purge(later, skipped_before=NOW) == 1  # the skipped one stays longer
    assert await repo.purge(later, skipped_before=later) == 1


async def test_erasure_deletes_what_the_inbox_holds_of_the_citizen(db: Database) -> None:
    repo = InboxRepo(db)
    await repo.store([message(7, 10), message(8, 11)], NOW)
    await CitizenRepo(db).erase(10)
    rows = await db.fetchall("SELECT update_id FROM inbox")
    assert [r["update_id"] for r in rows] == [8]


def test_the_owner_is_read_from_the_raw_update() -> None:
    assert owner_of({"update_id": 1, "callback_query": {"id": "q", "from": {"id": 42}}}) == 42
    assert owner_of({"update_id": 1, "poll_answer": {"poll_id": "p", "user": {"id": 43}}}) == 43
    assert owner_of({"update_id": 1, "my_chat_member": {"chat": {"id": 44}}}) == 44
    assert owner_of({"update_id": 1, "poll": {"id": "p"}}) is None


async def test_a_new_update_under_a_known_id_is_new(db: Database) -> None:
    repo = InboxRepo(db)
    await repo.store([message(1, 10, "первое")], NOW)
    await repo.done([1], NOW)
    # Ids start again (a new token, a fresh server): the content tells it apart.
    assert await repo.store([message(1, 10, "второе")], NOW) == [message(1, 10, "второе")]
    assert [u.payload["message"]["text"] for u in await repo.unfinished()] == ["второе"]
