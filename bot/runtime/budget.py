"""A group's budget: Telegram lets a bot post about 20 messages a minute into one group.

Counted as a window, not as AIORateLimiter's leaky bucket, which after a burst of 20 lets
one more through every 3 s: Telegram's count over the minute is then over 20.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

# Calls that put messages into a chat, and how many (see units).
BATCHES = ("media", "message_ids")
# Telegram's window for a group's budget.
GROUP_WINDOW = 60.0
# The least time between two sends to one group (a burst of 20 takes 5 s).
GROUP_SPACING = 0.25


def units(endpoint: str, data: dict[str, Any]) -> int:
    """Messages one call puts into a chat: an album or a batch copy counts each of them
    (Telegram's count of an album is not documented; counting each is the safe side)."""
    if endpoint not in ("sendMediaGroup", "copyMessages", "forwardMessages"):
        return 1
    for key in BATCHES:
        items = data.get(key)
        if isinstance(items, list | tuple):
            return max(1, len(items))
    return 1


class GroupBudget:
    """At most `limit` sends to one group in any `window` seconds, `spacing` apart.

    A send holds its place from its start until `window` seconds after its answer: it
    reaches Telegram somewhere in between, so this is a superset of what Telegram counts.
    Waiters of one group go in turn (first come, first served). The spacing spreads a
    group's burst over seconds: 20 relays at once beside the replies to citizens were over
    Telegram's 30 a second, and that 429 paused everyone (bench/flood.py).
    """

    def __init__(
        self, limit: int, window: float = GROUP_WINDOW, spacing: float = GROUP_SPACING
    ) -> None:
        self.limit = limit
        self.window = window
        self.spacing = spacing if limit > 0 else 0.0
        self._ends: dict[int, deque[float]] = {}
        self._inflight: dict[int, int] = {}
        self._turns: dict[int, asyncio.Lock] = {}
        self._last: dict[int, float] = {}

    def used(self, chat_id: int) -> int:
        """Sends to the group that count now (in flight, or answered within the window)."""
        ends = self._ends.get(chat_id)
        now = time.monotonic()
        while ends and now - ends[0] >= self.window:
            ends.popleft()
        return (len(ends) if ends else 0) + self._inflight.get(chat_id, 0)

    def _wait_for(self, chat_id: int, needed: int) -> float | None:
        """Seconds until `needed` more sends fit (None: they fit now)."""
        used = self.used(chat_id)
        if self.limit <= 0 or used == 0 or used + needed <= self.limit:
            return None
        ends = self._ends.get(chat_id)
        if not ends:
            return 0.05  # only sends in flight: their answers open the window
        # The oldest answers leave the window first; wait for as many as are missing.
        over = used + needed - self.limit
        index = min(over, len(ends)) - 1
        return max(0.01, ends[index] + self.window - time.monotonic())

    async def ready(self, chat_id: int, needed: int = 1) -> None:
        """Wait until `needed` sends would fit, without taking the room."""
        # A loop, not an Event: the window opens with time, not with an event.
        while (wait := self._wait_for(chat_id, needed)) is not None:  # noqa: ASYNC110
            await asyncio.sleep(wait)

    async def take(self, chat_id: int, needed: int = 1) -> None:
        """Wait for room for `needed` sends and hold it; `done` gives it back to the window."""
        turn = self._turns.setdefault(chat_id, asyncio.Lock())
        async with turn:
            await self.ready(chat_id, needed)
            gap = self._last.get(chat_id, -self.spacing) + self.spacing - time.monotonic()
            if gap > 0:
                await asyncio.sleep(gap)
            self._last[chat_id] = time.monotonic()
            self._inflight[chat_id] = self._inflight.get(chat_id, 0) + needed

    def done(self, chat_id: int, needed: int = 1) -> None:
        """The sends that `take` let through were answered (or failed)."""
        self._inflight[chat_id] = max(0, self._inflight.get(chat_id, 0) - needed)
        ends = self._ends.setdefault(chat_id, deque())
        ends.extend([time.monotonic()] * needed)
