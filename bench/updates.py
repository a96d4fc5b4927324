"""Updates per second of the hotline answering /start and menu presses, beside an echo bot.

Both bots run as separate processes against the same fake Bot API server (in this
process), receive the same burst of updates through real long polling, and send the same
number of requests per update. Prints updates/s of each and the ratio.

    .venv/bin/python -m bench.updates [--users 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.support.fakebot import TEST_TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parent.parent


def seed(db: Path, users: range) -> None:
    """Citizens who already chose Russian and consented, so /start shows the menu."""
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(fake: FakeBotApi, argv: list[str], env: dict[str, str], users: range,
                  rounds: int) -> float:  # fmt: skip
    """Start a bot, send the burst, return updates per second."""
    log_path = os.environ.get("BENCH_LOG")
    log = open(log_path, "ab") if log_path else None  # noqa: SIM115, ASYNC230
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
        stderr=log if log else asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await fake.wait_until(lambda: fake.pending_polls > 0, 60, "the bot to poll")
        people = [fake.user(u) for u in users]
        # A warm-up round, not measured: imports, first queries, connection pool.
        for person in people:
            person.send("/start")
        await fake.wait_until(lambda: fake.counts["sendMessage"] >= len(people), 60)
        start_count = fake.counts["sendMessage"]
        menu_message = {
            "message_id": 1, "date": 0, "chat": {"id": 0, "type": "private"},
        }  # fmt: skip
        total = 0
        spy = None
        if os.environ.get("BENCH_SPY"):
            out = f"{os.environ['BENCH_SPY']}.{argv[-1]}"
            spy = await asyncio.create_subprocess_exec(
                "py-spy", "record", "-r", "200", "-f", "raw", "-o", out,
                "--pid", str(process.pid),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await asyncio.sleep(1)
        bot_cpu0 = cpu_seconds(process.pid)
        server_cpu0 = time.process_time()
        started = time.perf_counter()
        for _ in range(rounds):
            for person in people:
                person.send("/start")
                message = {**menu_message, "chat": person.chat.as_json()}
                person.press_data("m:menu", message)
                total += 2
        await fake.wait_until(
            lambda: fake.counts["sendMessage"] - start_count >= total,
            300,
            "all replies",
        )
        elapsed = time.perf_counter() - started
        if spy is not None:
            spy.send_signal(2)
            await spy.wait()
        bot_cpu = cpu_seconds(process.pid) - bot_cpu0
        server_cpu = time.process_time() - server_cpu0
        print(f"  {argv[-2:]}: {elapsed:.1f} s wall, bot CPU {bot_cpu:.1f} s,"
              f" fake server CPU {server_cpu:.1f} s")  # fmt: skip
        return total / elapsed
    finally:
        process.terminate()
        await process.wait()
        if log is not None:
            log.close()


async def main() -> None:
    """Run both bots one after the other and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each bot, alternating")
    args = parser.parse_args()
    users = range(10_000, 10_000 + args.users)
    results: dict[str, list[float]] = {"echo": [], "hotline": []}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        seed(db, users)
        for name, argv in args.repeat * (
            ("echo", [sys.executable, "-m", "bench.echo_bot"]),
            (
                "hotline",
                [sys.executable, *os.environ.get("BENCH_PROFILE", "").split(), "-m", "bot", "run"],
            ),
        ):
            fake = FakeBotApi()
            await fake.start()
            env = {
                **os.environ, "BOT_TOKEN": TEST_TOKEN, "BOT_API_BASE_URL": fake.base_url,
                "DATABASE_PATH": str(db), "POLL_TIMEOUT": "1", "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
            }  # fmt: skip
            try:
                results[name].append(await measure(fake, argv, env, users, args.rounds))
            finally:
                await fake.stop()
    updates = args.users * args.rounds * 2
    echo, hotline = statistics.median(results["echo"]), statistics.median(results["hotline"])
    print(f"updates per run: {updates} (/start and a menu press from {args.users} users)")
    print(f"runs of each bot: {args.repeat}, alternating; medians below")
    print(f"echo bot (bare PTB):  {echo:8.0f} updates/s  {_runs(results['echo'])}")
    print(f"hotline:              {hotline:8.0f} updates/s  {_runs(results['hotline'])}")
    print(f"ratio hotline/echo:   {hotline / echo:8.2f}  (target >= 0.8)")


def _runs(values: list[float]) -> str:
    return "(" + ", ".join(f"{v:.0f}" for v in values) + ")"


if __name__ == "__main__":
    asyncio.run(main())
