"""Fixtures: a fake Bot API server, settings on a temporary database, the running bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from storage.db import Database
from tests.support.fakebot import TEST_TOKEN, FakeBotApi
from tests.support.pg import SERVER_URL, fresh_schema
from tests.support.running import STAFF_CHAT, RunningBot

# A SQLite file, or the URL of a PostgreSQL schema (the suite's PostgreSQL run).
DbTarget = Path | str

# PTB's opt-in to timedelta time periods, as build_application sets it; tests that drive a
# bare Bot need it too, or the int form's deprecation warning becomes an error.
os.environ.setdefault("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API server on a free port of 127.0.0.1."""
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[DbTarget]:
    """The bot's database for one test: a SQLite file, or a fresh PostgreSQL schema's URL
    when TEST_DATABASE_URL is set (`storage.db.Database` opens either)."""
    if not SERVER_URL:
        yield tmp_path / "data" / "hotline.sqlite3"
        return
    with fresh_schema() as url:
        yield url


@pytest.fixture
def settings(fake: FakeBotApi, db_path: DbTarget, tmp_path: Path) -> Settings:
    """Settings pointing at the fake server, as an operator would set them."""
    fake.group(STAFF_CHAT, "Консульская горячая линия")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TEST_TOKEN,  # type: ignore[arg-type]
        database_path=db_path if isinstance(db_path, Path) else tmp_path / "data" / "h.sqlite3",
        database_url=db_path if isinstance(db_path, str) else None,  # type: ignore[arg-type]
        bot_api_base_url=fake.base_url,
        admin_ids=frozenset({900001}),
        staff_chat_id=STAFF_CHAT,
        working_hours="",
        # Telegram's 20 messages a minute per group would make hotline tests wait a minute.
        group_max_per_minute=0,
        poll_timeout=2,
        persistence_interval=0.2,
        # PostgreSQL run: a starting bot waits 2.5 beats for other replicas before it sends.
        replica_heartbeat_seconds=0.2,
        progress_seconds=0.5,
    )


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[RunningBot]:
    """The bot, running against the fake server."""
    running = RunningBot(settings)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def run_db(db_path: DbTarget) -> Callable[[str, tuple[Any, ...]], Awaitable[list[Any]]]:
    """Read the bot's database directly, as an auditor would (portable SQL, `?` marks)."""

    async def query(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        db = Database(db_path, pool_size=1)
        await db.open()
        try:
            return [tuple(r) for r in await db.fetchall(sql, params)]
        finally:
            await db.close()

    return query
