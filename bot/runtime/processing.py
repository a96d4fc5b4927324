"""Concurrent update processing that keeps each chat's updates in order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.runtime import metrics


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats run concurrently; one chat's updates run one after another.

    A citizen waiting on a slow request (a 429 back-off, a large upload) must not stall
    everybody else, yet two quick taps of the same citizen must not race through a
    registration step.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        # Awaited after each chat's update, under that chat's lock: the bot commits what
        # the update changed there (Application.update_persistence), so the chat's next
        # update starts from stored state and a kill loses none of it.
        self.after_update: Callable[[], Awaitable[None]] | None = None

    @staticmethod
    def _key(update: object) -> int | None:
        if not isinstance(update, Update):
            return None
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers under its chat's lock (timed for the metrics)."""
        started = time.perf_counter()
        try:
            await self._in_order(update, coroutine)
        finally:
            metrics.observe_update(time.perf_counter() - started)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
                if self.after_update is not None:
                    await self.after_update()
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
