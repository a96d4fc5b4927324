"""Hotline relay latency: citizen message -> its copy in the staff topic.

200 citizens (configurable) write at once to the bot, which runs as a process against the
fake Bot API in this process. First messages open a ticket and a topic (createForumTopic,
the citizen card, the copy, the acknowledgement); second messages are plain relays.
Prints the median and p99 latency of each.

    .venv/bin/python -m bench.hotline [--citizens 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FakeUser

ROOT = Path(__file__).resolve().parent.parent
STAFF_CHAT = -1009999


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def burst(fake: FakeBotApi, people: list[FakeUser], label: str) -> list[float]:
    """Everyone writes at once; returns each message's relay latency in ms."""
    sent_at: dict[int, float] = {}
    seen = len(fake.calls)
    for person in people:
        person.send(f"{label} от {person.id}")
        sent_at[person.id] = time.monotonic()

    def copies() -> dict[int, float]:
        return {
            int(c.params["from_chat_id"]): c.at
            for c in fake.calls[seen:]
            if c.method == "copyMessage" and c.status == 200
            and int(c.params.get("chat_id", 0)) == STAFF_CHAT
        }  # fmt: skip

    await fake.wait_until(lambda: len(copies()) >= len(people), 300, "all copies")
    return [(at - sent_at[uid]) * 1000 for uid, at in copies().items()]


async def main() -> None:
    """Run the bot, two bursts, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument(
        "--group-rate", type=int, default=0,
        help="GROUP_MAX_PER_MINUTE for the bot (0: uncapped, measures the bot itself)",
    )  # fmt: skip
    args = parser.parse_args()
    fake = FakeBotApi()
    await fake.start()
    fake.group(STAFF_CHAT, "Staff")
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ, "BOT_TOKEN": TEST_TOKEN, "BOT_API_BASE_URL": fake.base_url,
            "DATABASE_PATH": str(Path(tmp) / "bench.sqlite3"), "POLL_TIMEOUT": "1",
            "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT), "STAFF_CHAT_ID": str(STAFF_CHAT),
            "WORKING_HOURS": "", "GROUP_MAX_PER_MINUTE": str(args.group_rate),
        }  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await fake.wait_until(lambda: fake.pending_polls > 0, 60, "the bot to poll")
            people = [fake.user(50_000 + n) for n in range(args.citizens)]
            for person in people:
                person.press_data(
                    "m:hot", {"message_id": 1, "date": 0, "chat": person.chat.as_json()}
                )
            await fake.wait_until(
                lambda: fake.counts["sendMessage"] >= len(people), 120, "hotline intros"
            )
            first = await burst(fake, people, "первое")
            second = await burst(fake, people, "второе")
        finally:
            process.terminate()
            await process.wait()
            await fake.stop()
    print(f"citizens writing at once: {args.citizens}; group cap: {args.group_rate or 'none'}/min")
    for name, values in (("first message (opens topic)", first), ("next message", second)):
        print(
            f"{name:28} median {statistics.median(values):7.0f} ms"
            f"   p99 {percentile(values, 0.99):7.0f} ms   max {max(values):7.0f} ms"
        )
    print(f"topics created: {len(fake.calls_of('createForumTopic'))}")


if __name__ == "__main__":
    asyncio.run(main())
