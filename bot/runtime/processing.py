"""Concurrent update processing that keeps each chat's updates in order, and keeps one chat
from taking the bot for itself.

- Each chat's updates run one after another, different chats at once.
- A chat waiting for its turn holds no processing slot: the chat's lock is taken first,
  the slot after it. PTB's BaseUpdateProcessor takes its semaphore before
  do_process_update, i.e. before the turn: 2,000 queued updates of one flooding user held
  all MAX_CONCURRENT_UPDATES slots while they waited on his lock, and everybody else
  waited behind them. PTB's own semaphore is therefore made wide enough never to hold
  anyone, and the slots are this class's.
- Updates from groups (the staff forums) take at most half the slots: staff replies there
  wait for the group's 20-a-minute budget, and must not hold up citizens.
- A private chat sending more than the bot should answer is throttled (ChatThrottle): its
  surplus updates are dropped unhandled, and the chat is told once.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.runtime import metrics

# PTB's semaphore: never the one that limits (see the module docstring).
_UNBOUNDED = 1 << 30


def chat_key(update: Update) -> int | None:
    """Whose updates must be handled in order: the chat's, else the user's (also the key of
    the order across replicas, bot.runtime.inbox)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class ChatThrottle:
    """A token bucket per private chat: `burst` updates at once, then `per_minute`; and at
    most `backlog` updates of one chat waiting for their turn.

    Generous for people (a registration is a dozen updates, an album ten, pressing through
    the FAQ a few a second), tight for a script: of 2,000 messages sent at once, the first
    `backlog` are handled (their replies go one a second, Telegram's limit for a chat), and
    after that one every 60/per_minute seconds.
    """

    def __init__(
        self,
        burst: int,
        per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        backlog: int = 15,
    ) -> None:
        self.backlog = backlog
        self.burst = float(burst)
        self.rate = per_minute / 60.0
        self.clock = clock
        # chat -> (tokens, when counted, whether the chat was told of the throttle)
        self._buckets: dict[int, tuple[float, float, bool]] = {}

    def admit(self, chat_id: int) -> bool:
        """Whether the chat's next update is handled (and counted)."""
        now = self.clock()
        tokens, then, told = self._buckets.get(chat_id, (self.burst, now, False))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens >= self.burst - 1:
            # The bucket refilled: the next throttle is news again.
            told = False
        if tokens >= 1:
            self._buckets[chat_id] = (tokens - 1, now, told)
            self._prune(now)
            return True
        self._buckets[chat_id] = (tokens, now, told)
        return False

    def tell(self, chat_id: int) -> bool:
        """After a refused update: True the first time in a flood (tell the chat once)."""
        tokens, then, told = self._buckets.get(chat_id, (0.0, self.clock(), False))
        if told:
            return False
        self._buckets[chat_id] = (tokens, then, True)
        return True

    def _prune(self, now: float) -> None:
        if len(self._buckets) <= 50_000:
            return
        # Buckets that have refilled hold nothing back; a flood of one-off chats cannot
        # grow the table without end.
        full = self.burst / self.rate if self.rate else 0.0
        self._buckets = {c: b for c, b in self._buckets.items() if now - b[1] < full}


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats run concurrently; one chat's updates run one after another.

    A citizen waiting on a slow request (a 429 back-off, a large upload) must not stall
    everybody else, yet two quick taps of the same citizen must not race through a
    registration step.
    """

    def __init__(
        self,
        max_concurrent_updates: int,
        throttle: ChatThrottle | None = None,
    ) -> None:
        super().__init__(_UNBOUNDED)
        self.slots = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._group_slots = asyncio.Semaphore(max(1, max_concurrent_updates // 2))
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self.throttle = throttle
        self.closing = False
        # Awaited after each chat's update, under that chat's lock: the bot commits what
        # the update changed there (Application.update_persistence), so the chat's next
        # update starts from stored state and a kill loses none of it.
        self.after_update: Callable[[], Awaitable[None]] | None = None
        # Awaited in the chat's turn before its handlers: beside other replicas, the chat's
        # conversation states and the user's data are read again from the database.
        self.before_update: Callable[[object], Awaitable[None]] | None = None
        # Awaited last for every update, handled or dropped: the inbox records it done.
        self.finished: Callable[[object], Awaitable[None]] | None = None
        # Awaited (outside the chat's turn) for the first update of a throttled flood.
        self.on_flood: Callable[[Update], Awaitable[None]] | None = None

    @staticmethod
    def _key(update: object) -> int | None:
        return chat_key(update) if isinstance(update, Update) else None

    def waiting(self, chat_id: int) -> int:
        """Updates of a chat in hand: the one running and those waiting for their turn."""
        entry = self._locks.get(chat_id)
        return entry[1] if entry else 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers in its chat's turn, then in a slot."""
        key = self._key(update)
        handled = True
        try:
            if key is None:
                async with self._slots:
                    handled = await self._run(update, coroutine)
                return
            if key > 0 and self._flooding(key):
                await self._drop(update, coroutine, key)
                return
            handled = await self._in_turn(key, update, coroutine)
        finally:
            if handled and self.finished is not None:
                await self.finished(update)

    def _flooding(self, key: int) -> bool:
        throttle = self.throttle
        if throttle is None:
            return False
        # An album is ten updates at once; more than `backlog` waiting is a flood.
        return self.waiting(key) >= throttle.backlog or not throttle.admit(key)

    def close(self) -> None:
        """The bot is stopping: updates whose turn has not come are left for the next start
        (they stay unfinished in the inbox) rather than waited for. A flooder's replies go
        one a second; a stop would otherwise wait for all of them."""
        self.closing = True

    async def _in_turn(self, key: int, update: object, coroutine: Awaitable[Any]) -> bool:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                if key < 0:
                    async with self._group_slots, self._slots:
                        return await self._run(update, coroutine)
                async with self._slots:
                    return await self._run(update, coroutine)
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> bool:
        if self.closing:
            _close(coroutine)
            return False
        started = time.perf_counter()
        try:
            if self.before_update is not None:
                try:
                    await self.before_update(update)
                except BaseException:
                    _close(coroutine)  # its handlers never run
                    raise
            await coroutine
            if self.after_update is not None:
                await self.after_update()
        finally:
            # Handler time, in its slot (the wait for the chat's turn is not the handler's).
            metrics.observe_update(time.perf_counter() - started)
        return True

    async def _drop(self, update: object, coroutine: Awaitable[Any], key: int) -> None:
        _close(coroutine)
        if (
            isinstance(update, Update)
            and self.on_flood is not None
            and self.throttle is not None
            and self.throttle.tell(key)
        ):
            await self.on_flood(update)

    async def initialize(self) -> None:
        """Ready to take updates (again, after a stop)."""
        self.closing = False

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _close(coroutine: Awaitable[Any]) -> None:
    # The handlers never run; closing the coroutine says so (no "never awaited").
    if inspect.iscoroutine(coroutine):
        coroutine.close()
