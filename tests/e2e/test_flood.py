"""Issue 14 item 1: one flooding user stalls nobody. With Telegram's 1 message a second per
chat enforced, the flooder's 429s hold back his chat only, his surplus is dropped and he is
told once; and hotline messages waiting for the staff group's 20 a minute do not keep other
citizens' menus waiting. (The figures: bench/flood.py.)"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.fakebot import FakeBotApi, FloodLimits
from tests.support.journeys import consent
from tests.support.running import STAFF_CHAT, RunningBot

FLOOD = 300
# Under the fake server's 30 a second: a global 429 there would be a real one.
OTHERS = 25


async def test_a_flooder_is_throttled_and_nobody_else_waits(
    fake: FakeBotApi, settings: Any
) -> None:
    running = RunningBot(settings.model_copy(update={"max_concurrent_updates": 4}))
    await running.start()
    try:
        fake.flood = FloodLimits(global_per_second=30, per_chat_per_second=1)
        flooder = fake.user(8900)
        others = [fake.user(8901 + n) for n in range(OTHERS)]
        for _ in range(FLOOD):
            flooder.send("/start")
        await asyncio.sleep(0.3)
        for user in others:
            user.send("/start")
        # Everybody else is answered, while the flooder's replies still trickle out.
        await asyncio.gather(*(u.expect("🔒 Ваши данные", timeout=5) for u in others))
        told = await flooder.expect("слишком часто", timeout=30)
        assert told is not None
        await flooder.settle(quiet=1.5, timeout=60)
        answers = [e for e in flooder.events() if "🔒 Ваши данные" in e.text]
        assert len(answers) <= settings.chat_burst + 30, len(answers)
        assert len([e for e in flooder.events() if "слишком часто" in e.text]) == 1
        # His 429s were his chat's own: no pause of the whole bot.
        limiter = running.app.bot.rate_limiter if running.app else None
        assert getattr(limiter, "retry_afters", None) == 0
        assert [e for e in fake.flood_events if e[2] is None] == []
    finally:
        await running.stop()


async def test_hotline_relays_waiting_for_the_group_budget_block_no_one(
    fake: FakeBotApi, settings: Any
) -> None:
    running = RunningBot(
        settings.model_copy(update={"group_max_per_minute": 20, "max_concurrent_updates": 2})
    )
    await running.start()
    try:
        writers = [fake.user(8950 + n) for n in range(14)]
        for user in writers:
            await consent(user)
            user.press("Написать на горячую линию")
            await user.expect("Напишите ваш вопрос")
        fake.flood = FloodLimits(global_per_second=30, per_chat_per_second=1, group_per_minute=20)
        for n in range(3):
            for user in writers:
                user.send(f"Сообщение {n} от {user.id}")
        await asyncio.gather(*(u.expect("передано", timeout=10) for u in writers))
        # The group's budget is spent for a minute now; everyone else is answered at once.
        others = [fake.user(8980 + n) for n in range(10)]
        for user in others:
            user.send("/start")
        await asyncio.gather(*(u.expect("🔒 Ваши данные", timeout=3) for u in others))
        sent = [e for e in fake.chat_events(STAFF_CHAT) if e.kind == "send"]
        assert len(sent) <= 20
        assert [e for e in fake.flood_events if e[2] == STAFF_CHAT] == []
    finally:
        await running.stop()
