"""The real application serving in the background of a test, against the fake Bot API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.app import HotlineApp, build_application, serve
from bot.clock import Clock
from bot.services import Services
from bot.settings import Settings

# The staff group of the test settings (a forum the fake server knows).
STAFF_CHAT = -1001234567890

T = TypeVar("T")


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
        webhook = self.settings.webhook_url is not None
        for _ in range(200):
            polling = self.app.updater is not None and self.app.updater.running
            if self.app.running and (polling or webhook):
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


async def eventually(probe: Callable[[], Awaitable[T]], expected: T, timeout: float = 5.0) -> T:
    """Poll `probe` until it returns `expected` or `timeout` passes; return its last value.

    For what the bot does out of the fake server's sight (rows it writes in the background), in
    place of a fixed sleep: the caller still asserts on the value, so a failure shows it.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value == expected or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(0.02)
