"""The hotline survives kill -9 (issue 13): 30 citizens write numbered messages while the bot
is killed three times; every message reaches its citizen's topic, repeated at most within
the stated bound, and every citizen got their acknowledgement.

The bound: a kill repeats at most the one group message in flight per staff group (the relay
marks a message sent in the transaction that records its copy), and that message may be a
digest of one ticket's waiting messages: here at most MESSAGES of them per kill.
"""

from __future__ import annotations

import asyncio
import random
import re
import signal
import sys
from collections import Counter, defaultdict
from pathlib import Path

import aiosqlite
import pytest

from tests.support.cli import env
from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FakeUser
from tests.support.running import STAFF_CHAT
from tests.support.seed import Person, seed

CITIZENS = 30
MESSAGES = 8
KILLS = 3
NUMBERED = re.compile(r"C(\d+) #(\d+)\b")


def relayed(fake: FakeBotApi) -> Counter[tuple[int, int, int]]:
    """(thread, citizen, number) of every numbered message that reached a topic."""
    found: Counter[tuple[int, int, int]] = Counter()
    for event in fake.chat_events(STAFF_CHAT):
        thread = event.message.get("message_thread_id")
        if event.kind == "send" and thread is not None:
            for uid, n in NUMBERED.findall(event.text):
                found[(int(thread), int(uid), int(n))] += 1
    return found


async def write(users: list[FakeUser], rng: random.Random) -> None:
    """Each citizen writes MESSAGES numbered messages, about one a second, all at once."""
    for n in range(1, MESSAGES + 1):
        for user in users:
            user.send(f"C{user.id} #{n} — у нас проблема с билетами")
        await asyncio.sleep(0.6 + rng.random() * 0.8)


@pytest.mark.slow
async def test_kill_9_while_citizens_write_loses_no_message(
    tmp_path: Path, fake: FakeBotApi
) -> None:
    db_path = tmp_path / "db" / "h.sqlite3"
    ids = [20_000 + i for i in range(CITIZENS)]
    await seed(db_path, [Person(uid) for uid in ids])
    fake.group(STAFF_CHAT, "Консульская горячая линия")
    settings = env(
        tmp_path, BOT_TOKEN=TEST_TOKEN, BOT_API_BASE_URL=fake.base_url, POLL_TIMEOUT="1",
        DATABASE_PATH=str(db_path), STAFF_CHAT_ID=str(STAFF_CHAT), WORKING_HOURS="",
        GROUP_MAX_PER_MINUTE="0",
    )  # fmt: skip
    users = [fake.user(uid) for uid in ids]
    rng = random.Random(20261201)
    log = tmp_path / "bot.log"

    async def start() -> asyncio.subprocess.Process:
        with log.open("ab") as err:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=tmp_path, env=settings,
                stdout=asyncio.subprocess.DEVNULL, stderr=err,
            )  # fmt: skip

    process = await start()
    for user in users:
        user.press_data("m:hot")
    for user in users:
        await user.expect("Напишите ваш вопрос", timeout=30)
    writing = asyncio.create_task(write(users, rng))
    try:
        for _ in range(KILLS):
            await asyncio.sleep(0.5 + rng.random() * 2.0)
            process.send_signal(signal.SIGKILL)
            assert await process.wait() == -signal.SIGKILL
            process = await start()
        await writing
        expected = CITIZENS * MESSAGES

        def all_there() -> bool:
            return len({(uid, n) for _, uid, n in relayed(fake)}) == expected

        await fake.wait_until(all_there, timeout=60, what="every message in a topic")
        await asyncio.sleep(1.0)  # anything still to come would be a repeat
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=30)
    assert code == 0, log.read_text()[-3000:]

    query = "SELECT thread_id, user_id FROM tickets"
    async with aiosqlite.connect(db_path) as conn, conn.execute(query) as cur:
        owner = {thread: uid async for thread, uid in cur}
    found = relayed(fake)
    by_citizen: dict[int, set[int]] = defaultdict(set)
    for thread, uid, n in found:
        # Each message in its own citizen's topic.
        assert owner.get(thread) == uid, (thread, uid, n)
        by_citizen[uid].add(n)
    assert all(by_citizen[uid] == set(range(1, MESSAGES + 1)) for uid in ids)
    repeats = sum(count - 1 for count in found.values())
    print(f"messages repeated after {KILLS} kills: {repeats}")  # noqa: T201
    assert repeats <= KILLS * MESSAGES, repeats
    # Nobody was left without an answer: each citizen's first message was acknowledged.
    for user in users:
        assert any("передано консульским сотрудникам" in e.text for e in user.events()), user.id
