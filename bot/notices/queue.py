"""The sends waiting in memory for a worker: most urgent first, and never more than a few.

The feeder keeps here the best pending items of the outbox (lowest priority value, then
oldest). When something more urgent falls due while the queue is full, it takes the place
of the least urgent item queued, which goes back to waiting in the database: an urgent
notice filled while a routine one is sending waits only for the sends already in flight.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

from storage.outbox import OutboxItem

# (priority, order fetched, item): the heap's order is the send order. Within a priority
# the outbox's own order (due time, then id) is the order the feeder fetched them in.
Entry = tuple[int, int, OutboxItem]


class SendQueue:
    """A bounded priority queue whose worst entry the feeder can swap out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._heap: list[Entry] = []
        self._ready = asyncio.Condition()
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def worst(self) -> int | None:
        """The least urgent priority queued (None when empty)."""
        return max(self._heap)[0] if self._heap else None

    async def put(self, item: OutboxItem) -> OutboxItem | None:
        """Queue an item; when full, swap out (and return) the least urgent one queued.

        The caller only offers an item more urgent than worst() once the queue is full.
        """
        entry = (item.priority, next(self._order), item)
        async with self._ready:
            evicted = None
            if len(self._heap) >= self.limit:
                worst = max(self._heap)
                self._heap.remove(worst)
                heapq.heapify(self._heap)
                evicted = worst[2]
            heapq.heappush(self._heap, entry)
            self._ready.notify()
        return evicted

    async def get(self) -> OutboxItem:
        """The most urgent item, waiting for one if there is none."""
        async with self._ready:
            while not self._heap:
                await self._ready.wait()
            return heapq.heappop(self._heap)[2]
