"""Two replicas in webhook mode on one PostgreSQL, one killed with SIGKILL mid-way.

During a 2,000-recipient notice and a hotline burst: every recipient gets the notice, the
fake's 30/s cap is never exceeded across both, duplicates stay within the killed replica's
workers, every citizen message reaches the staff group, and a scheduled notice fires once.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import Clock
from bot.settings import Settings
from storage.audience import Audience
from storage.db import Database
from storage.notices import NoticeDraft, NoticeRepo
from tests.support.balancer import Balancer
from tests.support.cli import env
from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FloodLimits
from tests.support.pg import SERVER_URL
from tests.support.running import STAFF_CHAT
from tests.support.seed import Person, seed

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SERVER_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)"),
]

RECIPIENTS = 2000  # in the UAE: the big notice
QATAR = 100  # the scheduled notice's audience (other chats: Telegram's 1/s per chat)
BURST = 24  # citizens writing to the hotline while the notice goes out
WORKERS = 8
UPDATES_AT_ONCE = 4
EVERYONE = "Эвакуационный рейс завтра в 08:00"
SCHEDULED = "Сбор у посольства в 10:00"
SECRET = "replicas-test-secret"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def queue_notices(db_path: str) -> None:
    """A notice for the UAE due now, and one for Qatar scheduled a few seconds ahead."""
    db = Database(db_path, pool_size=1)
    await db.open()
    try:
        repo, now = NoticeRepo(db), Clock().now()
        uae = NoticeDraft(Audience(countries=("AE",)), EVERYONE, None)
        await repo.create(uae, 900001, "now", now, now)
        tz = Settings(_env_file=None).tz  # type: ignore[call-arg]
        wall = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        scheduled = NoticeDraft(Audience(countries=("QA",)), SCHEDULED, None, schedule="at",
                                wall_time=wall)  # fmt: skip
        await repo.create(scheduled, 900001, wall, now + timedelta(seconds=12), now)
    finally:
        await db.close()


def copies(fake: FakeBotApi, text: str) -> Counter[int]:
    """Copies of a notice each citizen's chat received."""
    return Counter(
        e.chat_id for e in fake.events if e.kind == "send" and 0 < e.chat_id < 900000
        and text in e.text
    )  # fmt: skip


async def test_two_replicas_one_killed_lose_nothing_and_keep_the_cap(
    tmp_path: Path, fake: FakeBotApi, db_path: Path | str
) -> None:
    assert isinstance(db_path, str)
    people = [Person(20_000 + i, "AE", lang="kk" if i % 2 else "ru") for i in range(RECIPIENTS)]
    qatar = [Person(30_000 + i, "QA") for i in range(QATAR)]
    # The hotline's writers are in Saudi Arabia, outside both audiences: a citizen pressing a
    # menu button in the fake presses it on the bot's last message, and the menu would edit
    # the notice's copy into the hotline prompt.
    saudi = [Person(40_000 + i, "SA") for i in range(BURST)]
    await seed(db_path, people + qatar + saudi)
    users = [fake.user(p.user_id) for p in people + qatar + saudi]
    for user in users:
        user.chat.started = True
    fake.user(900001).chat.started = True
    fake.group(STAFF_CHAT, "Консульская горячая линия")
    fake.flood = FloodLimits(global_per_second=30)
    await queue_notices(db_path)
    ports = [free_port(), free_port()]
    balancer = Balancer([f"http://127.0.0.1:{p}" for p in ports])
    await balancer.start()
    log = tmp_path / "replicas.log"
    processes = []
    try:
        for n, port in enumerate(ports, start=1):
            settings = env(
                tmp_path, BOT_TOKEN=TEST_TOKEN, BOT_API_BASE_URL=fake.base_url,
                DATABASE_URL=db_path, ADMIN_IDS="900001", STAFF_CHAT_ID=str(STAFF_CHAT),
                WORKING_HOURS="", GROUP_MAX_PER_MINUTE="0",
                BROADCAST_WORKERS=str(WORKERS), MAX_CONCURRENT_UPDATES=str(UPDATES_AT_ONCE),
                WEBHOOK_URL=f"{balancer.url}/tg", WEBHOOK_SECRET=SECRET,
                WEBHOOK_PORT=str(port), REPLICA_NAME=f"replica-{n}",
                REPLICA_HEARTBEAT_SECONDS="1", PROGRESS_SECONDS="5",
            )  # fmt: skip
            with log.open("ab") as err:
                processes.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", cwd=tmp_path, env=settings,
                    stdout=asyncio.subprocess.DEVNULL, stderr=err,
                ))  # fmt: skip
        await fake.wait_until(lambda: len(copies(fake, EVERYONE)) >= 300, 60, "the notice")
        # The hotline burst, through the load balancer, while the notice goes out.
        writers = users[-BURST:]
        for i, user in enumerate(writers):
            user.press_data("m:hot")
            user.send(f"Помогите, нужна эвакуация {i}")
            await asyncio.sleep(0.25)
        await fake.wait_until(lambda: len(copies(fake, EVERYONE)) >= 700, 60, "more copies")
        processes[1].send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(processes[1].wait(), 10) == -signal.SIGKILL

        def everything() -> bool:
            staff = " ".join(e.text for e in fake.events if e.chat_id == STAFF_CHAT)
            return (
                len(copies(fake, EVERYONE)) == RECIPIENTS
                and len(copies(fake, SCHEDULED)) == QATAR
                and all(f"эвакуация {i}" in staff for i in range(len(writers)))
            )

        try:
            await fake.wait_until(everything, 180, "every notice and every hotline message")
        except AssertionError:
            staff = " ".join(e.text for e in fake.events if e.chat_id == STAFF_CHAT)
            missing = [i for i in range(len(writers)) if f"эвакуация {i}" not in staff]
            raise AssertionError(
                f"notice {len(copies(fake, EVERYONE))}/{RECIPIENTS},"
                f" scheduled {len(copies(fake, SCHEDULED))}/{QATAR},"
                f" hotline messages missing {missing};"
                f" log: {log.read_text(errors='replace')[-3000:]}"
            ) from None
        await asyncio.sleep(2.0)  # anything still to come would be a duplicate
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
        await balancer.stop()
    text = log.read_text(errors="replace")
    assert processes[0].returncode == 0, text[-3000:]
    # Telegram's 30 messages a second were never exceeded, by both replicas together.
    assert fake.flood_events == [], fake.flood_events[:5]
    everyone = copies(fake, EVERYONE)
    assert set(everyone) == {p.user_id for p in people}
    # Only copies the killed replica had sent and not yet recorded can go twice.
    assert sum(n - 1 for n in everyone.values()) <= WORKERS
    # The scheduled notice fired once: one copy each, from one fill.
    assert set(copies(fake, SCHEDULED).values()) == {1}
    assert all(balancer.forwarded.values()), balancer.forwarded  # both replicas served
