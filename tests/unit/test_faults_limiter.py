"""The limiter's fault handling on its own: the pause is reported and can be resumed,
requests go one at a time until a send gets through, broadcasts yield to held replies."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter

from bot.runtime.limiter import HotlineRateLimiter, Paced

PAUSE = 0.3


def limiter() -> HotlineRateLimiter:
    """As the bot builds it, with rates that never hold these tests back."""
    return HotlineRateLimiter(
        overall_max_rate=0, group_max_rate=0, max_retries=3, broadcast_rate=1000,
        paid_rate=1000,
    )  # fmt: skip


class Server:
    """Answers calls, refusing the first `floods` of them with a 429; records overlaps."""

    def __init__(self, floods: int) -> None:
        self.floods = floods
        self.inflight = 0
        self.calls: list[tuple[float, str, int]] = []  # (start, outcome, others in flight)

    async def call(self, name: str) -> bool:
        """One request: a short round trip, then an answer or a 429."""
        self.inflight += 1
        others = self.inflight - 1
        try:
            await asyncio.sleep(0.01)
            if self.floods > 0:
                self.floods -= 1
                self.calls.append((time.monotonic(), "429", others))
                raise RetryAfter(timedelta(seconds=PAUSE))
            self.calls.append((time.monotonic(), name, others))
            return True
        finally:
            self.inflight -= 1


async def send(rl: HotlineRateLimiter, server: Server, name: str, paced: bool = False) -> Any:
    """A sendMessage to a private chat through the limiter."""
    return await rl.process_request(
        server.call, (name,), {}, "sendMessage", {"chat_id": 42},
        Paced(0) if paced else None,
    )  # fmt: skip


async def test_a_pause_is_reported_with_its_wall_clock_end() -> None:
    rl = limiter()
    ends: list[float] = []

    async def store(until: float) -> None:
        ends.append(until)

    rl.on_pause = store
    told = time.time()
    assert await send(rl, Server(floods=1), "reply") is True
    assert len(ends) == 1
    assert told + PAUSE <= ends[0] < told + PAUSE + 0.5


async def test_a_resumed_pause_holds_every_request() -> None:
    rl = limiter()
    rl.resume_pause(PAUSE)
    started = time.monotonic()
    server = Server(floods=0)
    await rl.process_request(server.call, ("getMe",), {}, "getMe", {}, None)
    assert time.monotonic() - started >= PAUSE


async def test_replies_outlast_more_429s_than_the_retries_cover() -> None:
    rl = limiter()
    server = Server(floods=4)  # AIORateLimiter alone gives up after 3 retries
    assert await send(rl, server, "reply") is True
    assert [outcome for _, outcome, _ in server.calls] == ["429"] * 4 + ["reply"]


async def test_after_a_pause_one_request_tests_the_water() -> None:
    rl = limiter()
    server = Server(floods=1)
    first = asyncio.create_task(send(rl, server, "first"))
    await asyncio.sleep(0.05)  # its 429 is in: a pause, the others wait
    others = [asyncio.create_task(send(rl, server, f"r{i}")) for i in range(5)]
    server.floods = 2  # the flood goes on for two more tries
    assert all(await asyncio.gather(first, *others))
    refused = [c for c in server.calls if c[1] == "429"]
    assert len(refused) == 3
    # Nobody else was on the way when a 429 was answered after a pause.
    assert [others for _, _, others in refused[1:]] == [0, 0]


async def test_broadcasts_yield_to_replies_a_pause_held() -> None:
    rl = limiter()
    rl.resume_pause(PAUSE)
    server = Server(floods=0)
    reply = asyncio.create_task(send(rl, server, "reply"))
    await asyncio.sleep(0.01)

    async def broadcast(chat_id: int) -> Any:
        await rl.acquire(chat_id, paid=False)
        try:
            return await send(rl, server, "notice", paced=True)
        finally:
            rl.release(paid=False)

    notices = [asyncio.create_task(broadcast(1000 + i)) for i in range(3)]
    await asyncio.gather(reply, *notices)
    assert [name for _, name, _ in server.calls] == ["reply", "notice", "notice", "notice"]
