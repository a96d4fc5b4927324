"""Broadcast throughput at Telegram's limit: rate achieved, 429s, lost, duplicated, memory.

The bot runs as its own process against the fake Bot API server (in this process), whose
flood limits are set to the cap being measured (30/s free, 1000/s paid) plus one message
a second per chat. One notice goes to every seeded citizen. Prints, per mode, the rate
between the first and the last delivered copy as a fraction of the cap, the 429s the
server answered, recipients that got nothing, extra copies, the bot's peak RSS, and the
CPU seconds the bot and the fake server used, and the share of the machine's CPU time the
host took away (steal), which the rate follows on a shared virtual machine.

    .venv/bin/python -m bench.broadcast [--recipients 10000] [--modes free,paid]
        [--postgres postgresql://...]   (a server URL: the same on PostgreSQL, fresh schema)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.clock import Clock
from storage.audience import Audience
from storage.db import Database
from storage.notices import NoticeDraft, NoticeRepo
from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FloodLimits
from tests.support.pg import database_env, fresh_schema
from tests.support.seed import Person, seed

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 900001
# Overridable from the environment, to try other worker and pool sizes.
TUNING = {
    k: os.environ[k] for k in ("BROADCAST_WORKERS", "CONNECTION_POOL_SIZE") if k in os.environ
}
MODES = {
    "free": ({"BROADCAST_RATE": "30"}, 30.0),
    "paid": ({"PAID_BROADCASTS": "true", "PAID_BROADCAST_RATE": "1000", **TUNING}, 1000.0),
}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a live process (Linux), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_ticks() -> tuple[int, int]:
    """Steal and total ticks of the whole machine so far (Linux /proc/stat)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return ticks[7], sum(ticks)


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a live process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_mode(
    mode: str, recipients: int, workdir: Path, postgres: str | None
) -> dict[str, float]:
    """Seed, queue one notice, run the bot until every copy is out; return the figures."""
    with contextlib.ExitStack() as stack:
        db_path: Path | str = workdir / mode / "hotline.sqlite3"
        if postgres:
            db_path = stack.enter_context(fresh_schema(postgres))
        return await _run_mode(mode, recipients, workdir, db_path)


async def _run_mode(
    mode: str, recipients: int, workdir: Path, db_path: Path | str
) -> dict[str, float]:
    extra, cap = MODES[mode]
    people = [Person(10_000 + i, "AE", lang="kk" if i % 2 else "ru") for i in range(recipients)]
    await seed(db_path, people)
    db = Database(db_path)
    await db.open()
    now = Clock().now()
    draft = NoticeDraft(Audience(), "Эвакуационный рейс завтра в 08:00", "Ертең 08:00-де рейс")
    await NoticeRepo(db).create(draft, ADMIN, "now", now, now)
    await db.close()

    fake = FakeBotApi()
    await fake.start()
    for p in people:
        fake.user(p.user_id).chat.started = True
    fake.user(ADMIN).chat.started = True
    fake.flood = FloodLimits(global_per_second=cap, per_chat_per_second=1)
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TEST_TOKEN, "BOT_API_BASE_URL": fake.base_url, "POLL_TIMEOUT": "1",
        "DATABASE_PATH": str(workdir / mode / "hotline.sqlite3"), **database_env(db_path),
        "ADMIN_IDS": str(ADMIN), **extra,
    }  # fmt: skip
    # BENCH_PROFILE=out.prof runs the bot under cProfile (written when it stops).
    profile = os.environ.get("BENCH_PROFILE")
    wrap = ["-m", "cProfile", "-o", profile] if profile else []
    process = await asyncio.create_subprocess_exec(
        sys.executable, *wrap, "-m", "bot", "run", cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    copies: Counter[int] = Counter()
    # The fake server is the measuring instrument: its full garbage collections (20-50 ms
    # with 10,000 chats in memory) stalled its answers and showed up as gaps in the rate.
    gc.collect()
    gc.freeze()
    gc.disable()
    fake_cpu_start = time.process_time()
    # On a virtual machine the host may take CPU away ("steal"); the rate falls with it,
    # so the figure is printed beside the rate.
    steal_start = cpu_ticks()
    seen = 0
    started = time.monotonic()
    try:
        while len(copies) < recipients and time.monotonic() - started < recipients / cap * 3 + 60:
            await asyncio.sleep(0.5)
            for event in fake.events[seen:]:
                if event.kind == "send" and event.chat_id != ADMIN:
                    copies[event.chat_id] += 1
            seen = len(fake.events)
        await asyncio.sleep(2.0)  # late duplicates would show up here
        for event in fake.events[seen:]:
            if event.kind == "send" and event.chat_id != ADMIN:
                copies[event.chat_id] += 1
        rss = peak_rss_mb(process.pid)
        bot_cpu = cpu_seconds(process.pid)
        fake_cpu = time.process_time() - fake_cpu_start
        steal, total = (b - a for a, b in zip(steal_start, cpu_ticks(), strict=True))
    finally:
        process.terminate()
        await process.wait()
        await fake.stop()
        gc.enable()
        gc.unfreeze()
    if os.environ.get("BENCH_DEBUG") and fake.flood_events:
        first = fake.flood_events[0][0]
        near = [
            (round(c.at - first, 3), c.method, c.status, c.params.get("chat_id"))
            for c in fake.calls
            if -1.2 < c.at - first < 0.05 and c.method != "getUpdates"
        ]
        print(fake.flood_events[:5], *near, sep="\n")
    times = [e.at for e in fake.events if e.kind == "send" and e.chat_id != ADMIN]
    span = max(times) - min(times) if len(times) > 1 else float("nan")
    rate = (len(times) - 1) / span
    return {
        "cap": cap, "rate": rate, "fraction": rate / cap, "flood_429": len(fake.flood_events),
        "lost": recipients - len(copies), "duplicated": sum(n - 1 for n in copies.values()),
        "rss_mb": rss, "seconds": span, "bot_cpu": bot_cpu, "fake_cpu": fake_cpu,
        "steal": steal / total if total else 0.0,
    }  # fmt: skip


async def main() -> None:
    """Run the modes asked for and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--modes", default="free,paid")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server instead of SQLite")
    args = parser.parse_args()
    print(f"backend: {'PostgreSQL' if args.postgres else 'SQLite'}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            r = await run_mode(mode, args.recipients, Path(tmp), args.postgres)
            print(
                f"{mode}: {args.recipients} recipients, cap {r['cap']:.0f}/s: "
                f"{r['rate']:.1f}/s = {r['fraction']:.3f} of the cap over {r['seconds']:.1f} s; "
                f"429s {r['flood_429']}; lost {r['lost']}; duplicated {r['duplicated']}; "
                f"bot peak RSS {r['rss_mb']:.0f} MB; CPU seconds: bot {r['bot_cpu']:.1f}, "
                f"fake server {r['fake_cpu']:.1f}; host steal {r['steal']:.1%}",
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(main())
