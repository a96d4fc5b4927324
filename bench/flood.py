"""Everyone else's wait while one user floods (issue 14 item 1), with Telegram's limits on.

The bot runs as a process against the fake Bot API in this process, which enforces
Telegram's limits (1 message a second per chat, 30 a second overall, 20 a minute per group;
a send over them gets a 429). OTHERS registered citizens each send /start once, spread
over SECONDS, while, by scenario:
- quiet:    nobody floods;
- flood:    one user sends FLOOD messages as fast as the server takes them;
- hotline:  one user in a hotline chat sends FLOOD messages (relayed at most 20 a minute);
- writers:  14 citizens in hotline chats write 3 messages each at once, and again every
            10 s, into one staff group (its 20 a minute are spent at once).
--per-chat 0 lifts the fake's limit per chat (the flooder is then answered as fast as the
bot can, which is what his throttle is for).
Printed per scenario: the others' reply latency (median, p95, max) and how many got none,
the answers the flooder got, and the 429s by kind (a chat's own, a group's, global).

    .venv/bin/python -m bench.flood [--scenario all] [--others 400] [--seconds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FakeUser, FloodLimits

ROOT = Path(__file__).resolve().parent.parent
STAFF_CHAT = -1009999
FLOODER = 99_000
SCENARIOS = ("quiet", "flood", "hotline", "writers")


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def seed(db: Path, users: list[int]) -> None:
    """Citizens who chose Russian and consented: /start shows them the menu."""
    env = {**os.environ, "DATABASE_PATH": str(db), "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], env=env, check=True, capture_output=True
    )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO citizens (user_id, lang, consent_at, created_at, updated_at)"
            " VALUES (?, 'ru', ?, ?, ?)",
            [(u, now, now, now) for u in users],
        )


async def hotline(fake: FakeBotApi, users: list[FakeUser]) -> None:
    """Open a hotline chat for each (before the limits are on)."""
    for user in users:
        user.press_data("m:hot", {"message_id": 1, "date": 0, "chat": user.chat.as_json()})
    for user in users:
        await user.expect("Напишите", timeout=60)


async def scenario(name: str, args: argparse.Namespace) -> None:
    """One run: a fresh fake and bot, the others' /start, the scenario's flood."""
    fake = FakeBotApi()
    await fake.start()
    fake.group(STAFF_CHAT, "Staff")
    rng = random.Random(14)
    others = [10_000 + n for n in range(args.others)]
    writers = [20_000 + n for n in range(14)]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        seed(db, [*others, *writers, FLOODER])
        env = {
            **os.environ, "BOT_TOKEN": TEST_TOKEN, "BOT_API_BASE_URL": fake.base_url,
            "DATABASE_PATH": str(db), "POLL_TIMEOUT": "1", "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT), "STAFF_CHAT_ID": str(STAFF_CHAT), "WORKING_HOURS": "",
            "GROUP_MAX_PER_MINUTE": "20",
        }  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await fake.wait_until(lambda: fake.pending_polls > 0, 60, "the bot to poll")
            people = [fake.user(u) for u in others]
            for person in people:
                person.chat.started = True
            flooder = fake.user(FLOODER)
            flooder.chat.started = True
            team = [fake.user(u) for u in writers]
            if name == "hotline":
                await hotline(fake, [flooder])
            if name == "writers":
                await hotline(fake, team)
            await asyncio.sleep(1.5)
            fake.flood = FloodLimits(
                global_per_second=30,
                per_chat_per_second=args.per_chat or None,
                group_per_minute=20,
            )
            began = time.monotonic()
            since = len(fake.events)
            sent_at: dict[int, float] = {}
            times = sorted((rng.uniform(0, args.seconds), p) for p in people)

            async def flood() -> None:
                for n in range(args.flood):
                    flooder.send(f"вопрос номер {n} про визу и паспорт")
                    if n % 50 == 49:
                        await asyncio.sleep(0.05)

            async def write() -> None:
                for n in range(int(args.seconds // 10) + 1):
                    for user in team:
                        for k in range(3):
                            user.send(f"Сообщение {n}.{k}: мы в аэропорту, рейс отменили")
                    await asyncio.sleep(10)

            background = None
            if name in ("flood", "hotline"):
                background = asyncio.create_task(flood())
            elif name == "writers":
                background = asyncio.create_task(write())
            for offset, person in times:
                await asyncio.sleep(max(0.0, began + offset - time.monotonic()))
                person.send("/start")
                sent_at[person.id] = time.monotonic()

            def answered() -> dict[int, float]:
                first: dict[int, float] = {}
                for event in fake.events[since:]:
                    if event.chat_id in sent_at and event.chat_id not in first:
                        first[event.chat_id] = event.at
                return first

            with_answer: dict[int, float] = {}
            with contextlib.suppress(AssertionError):
                await fake.wait_until(lambda: len(answered()) == len(sent_at), 60, "answers")
            with_answer = answered()
            if background is not None:
                background.cancel()
            flooder_got = sum(
                1 for e in fake.events[since:] if e.chat_id == FLOODER and e.kind == "send"
            )
        finally:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                # A bot still working through a flood it cannot answer: the figures are in.
                process.kill()
                await process.wait()
            await fake.stop()
    latency = [with_answer[u] - sent_at[u] for u in with_answer]
    own = sum(1 for _, _, chat, _ in fake.flood_events if chat is not None and chat > 0)
    group = sum(1 for _, _, chat, _ in fake.flood_events if chat is not None and chat < 0)
    overall = sum(1 for _, _, chat, _ in fake.flood_events if chat is None)
    unanswered = len(sent_at) - len(with_answer)
    waits = (
        f"median {statistics.median(latency):6.3f} s, p95 {percentile(latency, 0.95):6.3f} s,"
        f" max {max(latency):6.2f} s"
        if latency
        else "none answered within 60 s"
    )
    print(
        f"{name:8} others' /start: {waits}, unanswered {unanswered}/{len(sent_at)};"
        f" flooder got {flooder_got}; 429s: chat {own}, group {group}, global {overall}"
    )


async def main() -> None:
    """Run the chosen scenarios one after the other."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument("--others", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--flood", type=int, default=2000)
    parser.add_argument(
        "--per-chat", type=int, default=1, help="the fake's messages a second per chat (0: none)"
    )
    args = parser.parse_args()
    chat = f"{args.per_chat}/s per chat" if args.per_chat else "no limit per chat"
    print(f"{args.others} others send /start within {args.seconds:.0f} s; limits on:"
          f" {chat}, 30/s overall, 20/min per group")  # fmt: skip
    for name in SCENARIOS if args.scenario == "all" else (args.scenario,):
        await scenario(name, args)


if __name__ == "__main__":
    asyncio.run(main())
