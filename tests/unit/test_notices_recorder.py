"""The recorder's group commit: one transaction per batch, each caller back once committed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from bot.notices.recorder import Recorder
from storage.outbox import Outcome

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)


class SlowStore:
    """Stands in for OutboxRepo.record: keeps each batch, commits when told to."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()
        self.fail: Exception | None = None

    async def __call__(self, outcomes: Sequence[Outcome], now: datetime) -> None:
        self.batches.append([o.item_id for o in outcomes])
        await self.release.wait()
        if self.fail is not None:
            raise self.fail


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_results_that_arrive_during_a_commit_share_the_next_one() -> None:
    store = SlowStore()
    recorder = Recorder(store, lambda: NOW)
    first = asyncio.ensure_future(recorder.record(Outcome(1, "sent", message_id=11)))
    await _settle()
    assert store.batches == [[1]]
    rest = [asyncio.ensure_future(recorder.record(Outcome(i, "done"))) for i in (2, 3, 4)]
    await _settle()
    assert store.batches == [[1]], "the second batch waits for the first commit"
    assert not first.done(), "a caller is back only once its result is committed"
    store.release.set()
    await asyncio.wait_for(asyncio.gather(first, *rest), 1)
    assert store.batches == [[1], [2, 3, 4]]


async def test_a_failed_commit_reaches_every_caller_of_its_batch_and_the_next_one_runs() -> None:
    store = SlowStore()
    store.fail = RuntimeError("disk I/O error")
    store.release.set()
    recorder = Recorder(store, lambda: NOW)
    calls = [recorder.record(Outcome(i, "sent")) for i in (1, 2)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]
    store.fail = None
    await asyncio.wait_for(recorder.record(Outcome(3, "sent")), 1)
    assert store.batches == [[1, 2], [3]]


async def test_the_commit_is_stamped_with_the_recorders_clock() -> None:
    stamps: list[datetime] = []

    async def store(outcomes: Sequence[Outcome], now: datetime) -> None:
        stamps.append(now)

    await Recorder(store, lambda: NOW).record(Outcome(1, "done"))
    assert stamps == [NOW]


@pytest.mark.parametrize("count", [1, 50])
async def test_every_result_is_stored_exactly_once(count: int) -> None:
    stored: list[int] = []

    async def store(outcomes: Sequence[Outcome], now: datetime) -> None:
        await asyncio.sleep(0)
        stored.extend(o.item_id for o in outcomes)

    recorder = Recorder(store, lambda: NOW)
    await asyncio.gather(*(recorder.record(Outcome(i, "sent")) for i in range(count)))
    assert sorted(stored) == list(range(count))
