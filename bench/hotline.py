"""The hotline under surge: citizens writing at once into staff groups with Telegram's limits.

The bot runs as a process against the fake Bot API in this process, with Telegram's real
limits switched on in the fake (20 messages a minute per group, 1 a second per chat, 30 a
second overall; a send over them gets a 429) and the bot's GROUP_MAX_PER_MINUTE at 20.
CITIZENS citizens open the hotline, then each writes MESSAGES messages at random moments
within SPREAD seconds. Printed: the time from the first message until every message is
visible to staff (in a topic, alone or in a digest), its median and p95 per message, the
group messages sent per citizen message, and the 429s (Telegram's answer to a send over a
limit; must be 0).

--groups 3 adds two overflow groups to the central one (/overflow *), written straight
into the database before the bot starts, so new tickets spread over three groups.
--uncapped lifts every limit (the bot's own speed, as this script measured before).

    .venv/bin/python -m bench.hotline [--citizens 200] [--messages 3] [--groups 1|3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FloodLimits

ROOT = Path(__file__).resolve().parent.parent
STAFF_CHAT = -1009999
OVERFLOW = (-1008888, -1007777)
WRITTEN = re.compile(r"C(\d+) m(\d+)\b")


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def prepare(db: Path, groups: list[int]) -> None:
    """Migrate the database; overflow groups of the central group, as /overflow * adds them."""
    env = {**os.environ, "DATABASE_PATH": str(db), "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], env=env, check=True, capture_output=True
    )
    if len(groups) > 1:
        with sqlite3.connect(db) as conn:
            conn.executemany(
                "INSERT INTO staff_overflow (owner, chat_id, set_by, set_at)"
                " VALUES ('*', ?, 0, '2030-01-01T00:00:00+00:00')",
                [(g,) for g in groups[1:]],
            )


def seen(fake: FakeBotApi, groups: set[int], since: int) -> dict[tuple[int, int], float]:
    """When each citizen message first appeared in a topic."""
    found: dict[tuple[int, int], float] = {}
    for event in fake.events[since:]:
        if event.chat_id in groups and event.kind == "send":
            for uid, n in WRITTEN.findall(event.text):
                found.setdefault((int(uid), int(n)), event.at)
    return found


async def run(args: argparse.Namespace) -> None:
    """Start the fake and the bot, let the citizens write, print the figures."""
    groups = [STAFF_CHAT, *OVERFLOW][: args.groups]
    fake = FakeBotApi()
    await fake.start()
    for index, chat in enumerate(groups):
        fake.group(chat, f"Staff {index + 1}")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        prepare(db, groups)
        env = {
            **os.environ, "BOT_TOKEN": TEST_TOKEN, "BOT_API_BASE_URL": fake.base_url,
            "DATABASE_PATH": str(db), "POLL_TIMEOUT": "1", "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT), "STAFF_CHAT_ID": str(STAFF_CHAT), "WORKING_HOURS": "",
            "GROUP_MAX_PER_MINUTE": "0" if args.uncapped else "20",
        }  # fmt: skip
        log = open(args.log, "ab") if args.log else None  # noqa: SIM115, ASYNC230
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log or asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await fake.wait_until(lambda: fake.pending_polls > 0, 60, "the bot to poll")
            people = [fake.user(50_000 + n) for n in range(args.citizens)]
            for person in people:
                person.press_data(
                    "m:hot", {"message_id": 1, "date": 0, "chat": person.chat.as_json()}
                )
            await fake.wait_until(
                lambda: fake.counts["sendMessage"] >= len(people), 300, "hotline intros"
            )
            if not args.uncapped:
                fake.flood = FloodLimits(
                    global_per_second=30, per_chat_per_second=1, group_per_minute=20
                )
            # People read the intro before they write (its second in the chat is over).
            await asyncio.sleep(1.5)
            plan = sorted(
                (rng.uniform(0, args.spread), person, n)
                for person in people
                for n in range(1, args.messages + 1)
            )
            # Each citizen's messages in order, as they would type them.
            order: dict[int, int] = {}
            since = len(fake.events)
            began = time.monotonic()
            sent_at: dict[tuple[int, int], float] = {}
            for offset, person, _ in plan:
                await asyncio.sleep(max(0.0, began + offset - time.monotonic()))
                n = order[person.id] = order.get(person.id, 0) + 1
                person.send(f"C{person.id} m{n} — рейс отменили, что нам делать?")
                sent_at[(person.id, n)] = time.monotonic()
            total = len(sent_at)
            await fake.wait_until(
                lambda: len(seen(fake, set(groups), since)) >= total,
                args.timeout,
                "every message visible to staff",
            )
            visible = seen(fake, set(groups), since)
        finally:
            process.terminate()
            await process.wait()
            await fake.stop()
            if log is not None:
                log.close()
    done = max(visible.values())
    latency = [visible[k] - sent_at[k] for k in sent_at]
    group_sends = [e for e in fake.events[since:] if e.chat_id in set(groups) and e.kind == "send"]
    per_group = {g: sum(1 for e in group_sends if e.chat_id == g) for g in groups}
    limits = "none (uncapped)" if args.uncapped else "20/min per group, 1/s per chat, 30/s"
    print(f"citizens: {args.citizens} x {args.messages} messages within {args.spread:.0f} s;"
          f" staff groups: {len(groups)}; limits: {limits}")  # fmt: skip
    print(f"every message visible to staff after: {done - began:7.1f} s from the first")
    print(f"per message: median {statistics.median(latency):6.1f} s,"
          f" p95 {percentile(latency, 0.95):6.1f} s, max {max(latency):6.1f} s")  # fmt: skip
    print(f"group messages sent: {len(group_sends)} ({per_group});"
          f" per citizen message: {len(group_sends) / total:.2f}")  # fmt: skip
    print(f"topics created: {len(fake.calls_of('createForumTopic'))}")
    print(f"429s: {len(fake.flood_events)}")
    if os.environ.get("BENCH_429"):
        for at, method, where, wait in fake.flood_events:
            print(f"  429 at {at - began:.2f} s: {method} to {where} (retry after {wait})")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds they write within")
    parser.add_argument("--groups", type=int, default=1, choices=(1, 2, 3))
    parser.add_argument("--uncapped", action="store_true", help="no limits anywhere")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--log", help="append the bot's stderr to this file")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
