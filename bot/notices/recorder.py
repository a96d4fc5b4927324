"""Group commit of send results: one transaction for every result that arrived meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from storage.outbox import Outcome

# Stores a batch of results at a time, in one transaction (OutboxRepo.record).
Store = Callable[[Sequence[Outcome], datetime], Awaitable[None]]


class Recorder:
    """Group commit: results that arrive while a commit runs go into the next one."""

    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now
        self._queue: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._flushing = False
        # Set while no commit runs and nothing waits for one.
        self._idle = asyncio.Event()
        self._idle.set()

    async def record(self, outcome: Outcome) -> None:
        """Store one result; returns once it is committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, future))
        self._idle.clear()
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await future

    async def settled(self, limit: float = 2.0) -> None:
        """Wait (at most `limit` seconds) until the results handed in so far are committed.

        A button pressed under a copy can arrive before its "sent" is committed: its handler
        waits for the commit, then looks again (PostgreSQL's commits take a round trip).
        """
        if not (self._flushing or self._queue):
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), limit)

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    await self.store([o for o, _ in batch], self.now())
                except Exception as exc:
                    for _, future in batch:
                        future.set_exception(exc)
                else:
                    for _, future in batch:
                        future.set_result(None)
        finally:
            self._flushing = False
            self._idle.set()
