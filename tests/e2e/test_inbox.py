"""The durable inbox: an update python-telegram-bot cannot read is skipped and recorded once
(issue 14 item 2); an update stored and not finished is handled after a restart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.db import Database
from storage.inbox import InboxRepo, Incoming
from tests.support.fakebot import FakeBotApi
from tests.support.journeys import consent
from tests.support.running import RunningBot, eventually

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]


async def test_an_update_ptb_cannot_parse_is_skipped_once_and_the_bot_goes_on(
    fake: FakeBotApi, bot: RunningBot, run_db: Query, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = fake.user(8701)
    # A poll without the fields PTB 22.8 requires, as an older self-hosted server sends it,
    # in the same batch as a citizen's /start.
    bad = fake.push_update({"poll": {"id": "5001", "total_voter_count": 0}})
    polls_before = len(fake.calls_of("getUpdates"))
    user.send("/start")
    await user.expect("🔒 Ваши данные")
    await asyncio.sleep(2.0)  # a wedged bot would re-fetch the batch thousands of times here
    assert len(fake.calls_of("getUpdates")) - polls_before < 10
    rows = await run_db("SELECT update_id, state, error FROM inbox WHERE state = 'skipped'")
    assert len(rows) == 1
    assert rows[0][0] == bad
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 1
    assert "5001" not in skipped[0].getMessage()  # the update's content is not logged
    # The skipped update is never handed to the handlers, even after a restart.
    await bot.restart()
    await consent(user)
    assert await run_db("SELECT count(*) FROM inbox WHERE state = 'skipped'") == [(1,)]


async def test_an_update_stored_and_not_finished_is_handled_at_start(
    fake: FakeBotApi, bot: RunningBot, run_db: Query, db_path: Path
) -> None:
    user = fake.user(8702)
    await consent(user)
    await bot.stop()
    # What a kill leaves: stored (so confirmed to Telegram), its handlers not finished.
    message = user._message({"text": "/help", "entities": [
        {"type": "bot_command", "offset": 0, "length": 5}]})  # fmt: skip
    db = Database(db_path)
    await db.open()
    try:
        stored = Incoming(99_999, {"update_id": 99_999, "message": message}, user.id)
        await InboxRepo(db).store([stored], datetime.now(UTC))
    finally:
        await db.close()
    await bot.start()
    await user.expect("")
    state = await eventually(
        lambda: run_db("SELECT state, payload FROM inbox WHERE update_id = 99999"),
        [("done", None)],
    )
    assert state == [("done", None)]
