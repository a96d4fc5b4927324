"""Fixtures: a fake Bot API server, settings on a temporary database, the running bot."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import HotlineApp, build_application, serve
from bot.clock import Clock
from bot.services import Services
from bot.settings import Settings
from tests.fakebot import TEST_TOKEN, FakeBotApi

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
def db_path(tmp_path: Path) -> Path:
    """Where the bot's database lives for one test."""
    return tmp_path / "data" / "hotline.sqlite3"


STAFF_CHAT = -1001234567890


@pytest.fixture
def settings(fake: FakeBotApi, db_path: Path) -> Settings:
    """Settings pointing at the fake server, as an operator would set them."""
    fake.group(STAFF_CHAT, "Консульская горячая линия")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TEST_TOKEN,  # type: ignore[arg-type]
        database_path=db_path,
        bot_api_base_url=fake.base_url,
        admin_ids=frozenset({900001}),
        staff_chat_id=STAFF_CHAT,
        working_hours="",
        # Telegram's 20 messages a minute per group would make hotline tests wait a minute.
        group_max_per_minute=0,
        poll_timeout=2,
        persistence_interval=0.2,
        progress_seconds=0.5,
    )


class RunningBot:
    """The real application serving in the background; can be restarted."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # One clock across restarts, so a test can stop the bot "until tomorrow".
        self.clock = Clock()
        self.app: HotlineApp | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> HotlineApp:
        """Build and start a fresh application (as a new process would)."""
        self.app = build_application(self.settings, clock=self.clock)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(serve(self.app, self._stop))
        for _ in range(200):
            if self.app.running and self.app.updater and self.app.updater.running:
                return self.app
            if self._task.done():
                await self._task
            await asyncio.sleep(0.02)
        raise AssertionError("the bot did not start")

    async def stop(self) -> None:
        """Graceful stop: persistence flushed, database closed."""
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, timeout=15)
        self._task = None

    @property
    def services(self) -> Services:
        """The running bot's services (repositories, clock, delivery engine)."""
        assert self.app is not None
        assert self.app.bot_data.services is not None
        return self.app.bot_data.services

    async def restart(self) -> HotlineApp:
        """Stop and start again on the same database."""
        await self.stop()
        return await self.start()


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[RunningBot]:
    """The bot, running against the fake server."""
    running = RunningBot(settings)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def run_db(db_path: Path) -> Callable[[str, tuple[Any, ...]], Awaitable[list[tuple[Any, ...]]]]:
    """Read the bot's database directly, as an auditor would."""
    import aiosqlite

    async def query(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        async with aiosqlite.connect(db_path) as conn, conn.execute(sql, params) as cur:
            return [tuple(r) for r in await cur.fetchall()]

    return query
