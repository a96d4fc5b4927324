"""The update processor: a chat waiting for its turn holds no slot, staff groups take at most
half the slots, a flooding chat is throttled and told once, every update is reported done."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Chat, Message, Update, User

from bot.runtime.processing import ChatThrottle, PerChatUpdateProcessor

_ids = iter(range(1, 1_000_000))


def update(chat_id: int) -> Update:
    kind = Chat.PRIVATE if chat_id > 0 else Chat.SUPERGROUP
    user = User(abs(chat_id), "U", is_bot=False)
    message = Message(next(_ids), None, Chat(chat_id, kind), from_user=user)  # type: ignore[arg-type]
    return Update(next(_ids), message=message)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_chat_waiting_for_its_turn_holds_no_slot() -> None:
    processor = PerChatUpdateProcessor(2)
    release = asyncio.Event()
    done: list[int] = []

    async def slow() -> None:
        await release.wait()

    async def quick(chat: int) -> None:
        done.append(chat)

    # One chat's 50 updates queue behind its first, which waits; another chat still runs.
    flood = [
        asyncio.create_task(processor.process_update(update(1), slow() if n == 0 else quick(1)))
        for n in range(50)
    ]
    await asyncio.sleep(0.01)
    await asyncio.wait_for(processor.process_update(update(2), quick(2)), 1.0)
    assert done == [2]
    release.set()
    await asyncio.gather(*flood)
    assert done.count(1) == 49


async def test_staff_groups_take_at_most_half_the_slots() -> None:
    processor = PerChatUpdateProcessor(4)
    release = asyncio.Event()
    running: list[int] = []

    async def hold(chat: int) -> None:
        running.append(chat)
        await release.wait()

    groups = [
        asyncio.create_task(processor.process_update(update(-100 - n), hold(-100 - n)))
        for n in range(4)
    ]
    await asyncio.sleep(0.01)
    assert len(running) == 2
    citizen = asyncio.create_task(processor.process_update(update(7), hold(7)))
    await asyncio.sleep(0.01)
    assert 7 in running
    release.set()
    await asyncio.gather(*groups, citizen)


async def test_a_flood_is_throttled_told_once_and_every_update_reported_done() -> None:
    clock = Clock()
    processor = PerChatUpdateProcessor(8, ChatThrottle(burst=5, per_minute=60, clock=clock))
    handled: list[int] = []
    told: list[int] = []
    finished: list[Any] = []

    async def handle(chat: int) -> None:
        handled.append(chat)

    async def flood(u: Update) -> None:
        told.append(u.effective_chat.id if u.effective_chat else 0)

    async def report(u: object) -> None:
        finished.append(u)

    processor.on_flood = flood
    processor.finished = report
    updates = [update(1) for _ in range(20)]
    for u in updates:
        await processor.process_update(u, handle(1))
    assert handled == [1] * 5
    assert told == [1]
    assert finished == updates
    # A second later one more is handled; once the bucket is full again, a new flood is news.
    clock.now = 1.0
    await processor.process_update(update(1), handle(1))
    assert handled == [1] * 6
    clock.now = 60.0
    for _ in range(10):
        await processor.process_update(update(1), handle(1))
    assert told == [1, 1]
    # Another chat was never held back.
    await processor.process_update(update(2), handle(2))
    assert handled[-1] == 2
