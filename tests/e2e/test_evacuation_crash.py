"""Offers survive restarts and kill -9 in the middle of offering: nobody who was offered a
seat misses the offer, and repeats stay within the outbox's bound (one per worker a stop)."""

from __future__ import annotations

import asyncio
import itertools
import random
import signal
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import Clock
from storage.db import Database
from storage.evacuation import DepartureDraft, EvacuationRepo
from storage.evacuation_offers import OfferRepo
from tests.support.cli import env
from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FloodLimits
from tests.support.seed import Person, seed

CITIZENS = 900
SEATS = 800
WORKERS = 8
STOPS = 3  # a graceful restart, then two kill -9
OFFER = "место для эвакуации"


async def open_departure(db_path: Path) -> int:
    """Open a departure as the service does: its offers are queued in one transaction."""
    db = Database(db_path)
    await db.open()
    try:
        now = Clock().now()
        draft = DepartureDraft(
            "charter", "AE", "Dubai", "evacuation", False, "Терминал 1", None, None, None,
            now + timedelta(days=1), SEATS, 6,
        )  # fmt: skip
        departure = await EvacuationRepo(db).create(draft, 900001, now)
        tokens = (f"t{i}" for i in itertools.count())
        made = await OfferRepo(db).allocate(departure.id, (), tokens, now, timedelta(hours=1))
        return len(made)
    finally:
        await db.close()


def delivered(fake: FakeBotApi) -> Counter[int]:
    """Offers each citizen's chat received."""
    return Counter(e.chat_id for e in fake.events if e.kind == "send" and OFFER in e.text)


@pytest.mark.slow
async def test_restart_and_kill_9_while_offering(tmp_path: Path, fake: FakeBotApi) -> None:
    db_path = tmp_path / "db" / "h.sqlite3"
    people = [Person(20_000 + i, "AE", needs="evacuation") for i in range(CITIZENS)]
    await seed(db_path, people)
    for p in people:
        fake.user(p.user_id).chat.started = True
    fake.user(900001).chat.started = True
    fake.flood = FloodLimits(global_per_second=600, per_chat_per_second=1)
    assert await open_departure(db_path) == SEATS
    settings = env(
        tmp_path, BOT_TOKEN=TEST_TOKEN, BOT_API_BASE_URL=fake.base_url, POLL_TIMEOUT="1",
        ADMIN_IDS="900001", PAID_BROADCASTS="true", PAID_BROADCAST_RATE="400",
        BROADCAST_WORKERS=str(WORKERS), DATABASE_PATH=str(db_path),
    )  # fmt: skip
    rng = random.Random(20261201)
    log = tmp_path / "bot.log"
    for run in range(STOPS + 1):
        with log.open("ab") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=tmp_path, env=settings,
                stdout=asyncio.subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        try:
            if run < STOPS:
                target = len(delivered(fake)) + rng.randint(80, 200)

                def reached(goal: int = target) -> bool:
                    return len(delivered(fake)) >= goal

                await fake.wait_until(reached, timeout=60, what="progress")
                await asyncio.sleep(rng.random() * 0.2)
                process.send_signal(signal.SIGTERM if run == 0 else signal.SIGKILL)
            else:
                await fake.wait_until(
                    lambda: len(delivered(fake)) == SEATS, timeout=60, what="the rest"
                )
                await asyncio.sleep(1.0)  # anything still to come would be a repeat
                process.send_signal(signal.SIGTERM)
        finally:
            code = await asyncio.wait_for(process.wait(), timeout=30)
        assert code in (0, -signal.SIGKILL), log.read_text()[-3000:]
    copies = delivered(fake)
    assert len(copies) == SEATS, "somebody offered a seat never got the offer"
    # The first 800 in registration order, and nobody else.
    assert set(copies) == {p.user_id for p in people[:SEATS]}
    repeats = sum(n - 1 for n in copies.values())
    assert repeats <= STOPS * WORKERS, repeats
