"""Issue 14, items 5-8: a ban outlives erasure, and erasure leaves nothing behind: not in the
database files, not in the staff group, not in the menu."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakebot import Event, FakeBotApi, FakeUser
from tests.support.journeys import consent, officer, open_chat, register_ru
from tests.support.pg import SERVER_URL
from tests.support.running import STAFF_CHAT, RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
# What register_ru and open_chat leave in the database: name, phone, place, note, a message.
PERSONAL = (
    "Серикова Айгерим Болатовна", "+77011234567", "Королевы Алии", "детский", "рейс отменили",
)  # fmt: skip


def contents(path: Path) -> bytes:
    """A database file's bytes, as someone who copied the file would read them."""
    return path.read_bytes() if path.exists() else b""


async def erase(user: FakeUser) -> Event:
    """/delete, confirmed; returns the bot's report."""
    user.send("/delete")
    await user.expect("Удалить мои данные?")
    user.press("Да, удалить всё")
    return await user.expect("Ваши данные удалены")


async def registered_in_a_chat(fake: FakeBotApi, user_id: int) -> tuple[FakeUser, int]:
    """A citizen registered in Jordan who wrote to the hotline; and the topic's thread."""
    user = fake.user(user_id)
    await consent(user)
    await register_ru(user)
    await user.expect("☰")
    return user, await open_chat(fake, user, "Помогите, рейс отменили")


async def test_a_ban_outlives_erasure(fake: FakeBotApi, bot: RunningBot, run_db: Query) -> None:
    bolat = fake.user(8201, first_name="Болат")
    await consent(bolat)
    thread = await open_chat(fake, bolat, "спам")
    consul = await officer(fake, bot, 700201)
    consul.send("/ban спам и оскорбления", chat=fake.chats[STAFF_CHAT], thread=thread)
    banned = await fake.wait_until(
        lambda: [e for e in fake.chat_events(STAFF_CHAT) if "заблокирован" in e.text]
    )
    await erase(bolat)
    # He comes back as a new user: the ban is still there.
    await consent(bolat)
    bolat.press("Написать на горячую линию")
    await bolat.expect("ограничена")
    # The record names nobody: no Telegram id, no name, only a keyed hash, reason and date.
    rows = await run_db("SELECT * FROM ban_records")
    assert len(rows) == 1
    subject, reason, banned_by, _ = rows[0]
    assert reason == "спам и оскорбления"
    assert banned_by == consul.id
    assert re.fullmatch("[0-9a-f]{64}", subject)  # HMAC-SHA256, not the id
    assert bolat.id not in rows[0]
    assert await run_db("SELECT count(*) FROM bans") == [(0,)]
    # Staff are told the record stays, so that they keep personal data out of the reason.
    assert "хранится и после удаления данных" in banned[0].text


# The bytes of SQLite's file and WAL; PostgreSQL's pages are the server's (VACUUM's) business.
@pytest.mark.skipif(bool(SERVER_URL), reason="reads the SQLite file")
async def test_erased_data_is_left_neither_in_the_database_nor_in_its_wal(
    fake: FakeBotApi, bot: RunningBot, db_path: Path
) -> None:
    alia, _ = await registered_in_a_chat(fake, 8202)
    wal = db_path.with_name(db_path.name + "-wal")
    before = contents(db_path) + contents(wal)
    assert all(p.encode() in before for p in PERSONAL[:3])  # the test reads the right files
    await erase(alia)
    for path in (db_path, wal):
        data = contents(path)
        found = [p for p in PERSONAL if p.encode() in data]
        assert found == [], (path.name, found)


async def test_erasure_deletes_the_citizens_topic(fake: FakeBotApi, bot: RunningBot) -> None:
    alia, thread = await registered_in_a_chat(fake, 8203)
    topic = fake.chats[STAFF_CHAT].topics[thread]
    assert "Серикова" in topic["name"]
    await erase(alia)
    assert topic.get("deleted") is True
    general = [e for e in fake.chat_events(STAFF_CHAT) if "message_thread_id" not in e.message]
    assert any("удалил свои данные" in e.text and "№1" in e.text for e in general)


async def test_a_topic_the_bot_may_not_delete_is_blanked(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    alia, thread = await registered_in_a_chat(fake, 8204)
    fake.inject("deleteForumTopic", 400, "Bad Request: CHAT_ADMIN_REQUIRED")
    await erase(alia)
    topic = fake.chats[STAFF_CHAT].topics[thread]
    assert not topic.get("deleted")
    assert topic["name"] == "🗑 №1 · данные удалены"
    assert topic.get("closed") is True
    messages = fake.chats[STAFF_CHAT].messages.values()
    card = next(m for m in messages if m.get("message_thread_id") == thread)
    assert "удалил свои данные" in card["text"]
    assert "Серикова" not in card["text"]
    assert "+77011234567" not in card["text"]
    assert any("удалите её вручную" in str(m.get("text")) for m in messages)


async def test_the_menu_after_erasure_offers_no_registration(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    alia = fake.user(8205)
    await consent(alia)
    await register_ru(alia)
    await alia.expect("☰")
    await erase(alia)
    alia.send("/menu")
    menu = await alia.expect("☰")
    labels = [b["text"] for b in menu.buttons()]
    assert "📝 Зарегистрироваться" in labels
    assert "📋 Моя регистрация" not in labels
