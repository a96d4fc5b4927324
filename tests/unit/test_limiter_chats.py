"""A chat's own 429 holds back that chat only; a group's budget is a 60-second window."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter

from bot.runtime.budget import GroupBudget, units
from bot.runtime.limiter import HotlineRateLimiter

WAIT = 0.4


def limiter(group_rate: int = 0) -> HotlineRateLimiter:
    return HotlineRateLimiter(
        overall_max_rate=0, group_max_rate=group_rate, max_retries=3, broadcast_rate=1000,
        paid_rate=1000,
    )  # fmt: skip


class Server:
    """Refuses a chat's second message within a second (Telegram's 1 a second)."""

    def __init__(self) -> None:
        self.last: dict[int, float] = {}
        self.sent: list[tuple[float, int]] = []
        self.refused: list[int] = []

    def call_for(self, chat_id: int) -> Callable[..., Coroutine[Any, Any, bool]]:
        async def call() -> bool:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            if now - self.last.get(chat_id, -10.0) < 1.0:
                self.refused.append(chat_id)
                raise RetryAfter(timedelta(seconds=WAIT))
            self.last[chat_id] = now
            self.sent.append((now, chat_id))
            return True

        return call


async def send(rl: HotlineRateLimiter, server: Server, chat_id: int) -> None:
    await rl.process_request(
        server.call_for(chat_id),
        (),
        {},
        "sendMessage",
        {"chat_id": chat_id},
        None,
    )


async def test_a_chat_s_own_flood_holds_that_chat_and_nobody_else() -> None:
    rl, server = limiter(), Server()
    began = time.monotonic()
    # A flooder gets three replies at once; 20 others one each, meanwhile.
    flood = asyncio.gather(*(send(rl, server, 1) for _ in range(3)))
    await asyncio.sleep(0.05)
    await asyncio.gather(*(send(rl, server, 100 + n) for n in range(20)))
    others_done = time.monotonic() - began
    await flood
    assert others_done < WAIT / 2, "the flooder's 429 held everyone"
    assert rl.retry_afters == 0  # no global pause
    assert rl.chat_retry_afters >= 1
    assert set(server.refused) == {1}
    # The flooder's replies went, a second apart after the first 429.
    times = [t for t, chat in server.sent if chat == 1]
    assert len(times) == 3
    assert all(b - a >= 0.99 for a, b in itertools.pairwise(times))


async def test_a_429_on_a_chat_that_was_within_its_limit_pauses_everyone() -> None:
    rl = limiter()
    calls: list[int] = []

    async def refused_once() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RetryAfter(timedelta(seconds=WAIT))
        return True

    async def ok() -> bool:
        return True

    began = time.monotonic()
    first = asyncio.create_task(
        rl.process_request(refused_once, (), {}, "sendMessage", {"chat_id": 5}, None)
    )
    await asyncio.sleep(0.02)
    await rl.process_request(ok, (), {}, "sendMessage", {"chat_id": 6}, None)
    assert time.monotonic() - began >= WAIT * 0.9, "everyone waits out a global flood"
    await first
    assert rl.retry_afters == 1


async def test_a_group_gets_at_most_its_budget_in_any_window() -> None:
    budget = GroupBudget(3, window=0.5, spacing=0)
    starts: list[float] = []

    async def one() -> None:
        await budget.take(-100)
        starts.append(time.monotonic())
        await asyncio.sleep(0.01)
        budget.done(-100)

    began = time.monotonic()
    await asyncio.gather(*(one() for _ in range(7)))
    offsets = [s - began for s in starts]
    # Three at once, three more once the first answers are half a second old, then one.
    assert sum(1 for o in offsets if o < 0.4) == 3
    assert sum(1 for o in offsets if 0.5 <= o < 0.9) == 3
    assert offsets[-1] >= 1.0
    assert budget.used(-100) == 1  # only the last is still in its window
    assert budget.used(-200) == 0


async def test_a_group_s_burst_is_spread_out() -> None:
    budget = GroupBudget(20, spacing=0.05)
    starts: list[float] = []
    for _ in range(4):
        await budget.take(-100)
        starts.append(time.monotonic())
        budget.done(-100)
    assert all(b - a >= 0.045 for a, b in itertools.pairwise(starts))


async def test_group_ready_waits_for_room_without_taking_it() -> None:
    rl = limiter(group_rate=1)
    await rl.groups.take(-7)
    rl.groups.done(-7)
    waiting = asyncio.create_task(rl.group_ready(-7))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    waiting.cancel()
    assert rl.group_used(-7) == 1


def test_an_album_counts_each_of_its_messages() -> None:
    assert units("sendMediaGroup", {"media": [{}, {}, {}]}) == 3
    assert units("copyMessages", {"message_ids": [1, 2]}) == 2
    assert units("sendMessage", {"text": "x"}) == 1
