"""A Bot API outage is logged once when it starts and once when it ends, not with a
traceback per failed poll."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.support.fakebot import FakeBotApi
from tests.support.running import RunningBot

# Shorter than the 30 s the issue measured: PTB backs off 1, 1.5, 2.25, 3.4 s between
# polls, so 8 s already make several failed polls.
OUTAGE = 8.0


async def test_an_outage_is_one_warning_and_one_line(
    fake: FakeBotApi, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = fake.user(5300)
    user.send("/start")
    await user.expect("🔒")  # the privacy notice: the bot is answering
    caplog.clear()
    # Telegram's front answers 502 while its back end is down.
    down = fake.inject("getUpdates", 502, "Bad Gateway", count=10_000)
    await asyncio.sleep(OUTAGE)
    failed = 10_000 - down.count
    down.count = 0
    user.send("/help")
    await user.expect("Что умеет бот", timeout=15)

    assert failed >= 3, "the outage was too short to test anything"
    records = caplog.records
    assert [r for r in records if r.levelno >= logging.ERROR] == []
    assert [r for r in records if r.exc_info] == []
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "Bot API unreachable" in warnings[0]
    assert "502" in warnings[0]
    ended = [r.getMessage() for r in records if "answers again" in r.getMessage()]
    assert len(ended) == 1, ended
    assert f"({failed} failed polls)" in ended[0]
