"""Priority at Telegram's free limit: how soon the urgent recipients have a notice.

10,000 seeded citizens, 1,000 of whom need evacuation (every tenth, spread through the
register); the bot runs as its own process against the fake Bot API capped at 30
messages a second and one a second per chat, as Telegram is for a bot without paid
broadcasts. Prints the seconds from the first delivered copy until the last urgent
recipient has it (the floor is 1,000 / 30 = 33 s) and until the last recipient has it:

    last urgent: N s
    last: N s

--scenario within (the default): one routine notice to everyone; inside it those who need
evacuation go first. --scenario overtake: a routine notice to the 9,000 others is sending
when an urgent one to the 1,000 falls due (10 s later); it overtakes, and "last urgent"
counts from its own first copy.

    .venv/bin/python -m bench.reach [--recipients 10000] [--urgent 1000] [--scenario within]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.broadcast import cpu_ticks, peak_rss_mb
from bot.clock import Clock
from storage.audience import Audience
from storage.db import Database
from storage.notices import NoticeDraft, NoticeRepo
from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FloodLimits
from tests.support.seed import Person, seed

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 900001
CAP = 30.0
ROUTINE = "Плановое сообщение консульства"
URGENT = "Срочно: эвакуационный рейс завтра в 08:00"


async def prepare(db_path: Path, recipients: int, urgent: int, scenario: str) -> set[int]:
    """Seed the register and store the notice(s); the ids of the urgent recipients."""
    # Every step-th citizen needs evacuation: spread through the register (and its ids).
    step = max(1, recipients // max(1, urgent))
    chosen = {i for i in range(step // 2, recipients, step)}
    chosen = set(sorted(chosen)[:urgent])
    people = [
        Person(10_000 + i, "AE", needs="evacuation" if i in chosen else "none",
               lang="kk" if i % 2 else "ru")
        for i in range(recipients)
    ]  # fmt: skip
    await seed(db_path, people)
    db = Database(db_path)
    await db.open()
    repo = NoticeRepo(db)
    now = Clock().now()
    if scenario == "within":
        await repo.create(NoticeDraft(Audience(), ROUTINE, None), ADMIN, "now", now, now)
    else:
        await repo.create(
            NoticeDraft(Audience(needs=("none",)), ROUTINE, None), ADMIN, "now", now, now
        )
        # Due ten seconds after the routine one: the wall-clock minute of that moment.
        later = now + timedelta(seconds=10)
        wall = later.astimezone(ZoneInfo("Asia/Almaty")).strftime("%Y-%m-%d %H:%M")
        draft = NoticeDraft(Audience(needs=("evacuation",)), URGENT, None, urgent=True,
                            schedule="at", wall_time=wall)  # fmt: skip
        await repo.create(draft, ADMIN, wall, later, now)
    await db.close()
    return {p.user_id for p in people if p.needs == "evacuation"}


async def run(recipients: int, urgent: int, scenario: str, workdir: Path) -> dict[str, float]:
    """Run the bot until every copy is out; the figures."""
    db_path = workdir / "hotline.sqlite3"
    urgent_ids = await prepare(db_path, recipients, urgent, scenario)
    expected = recipients  # one copy each, in both scenarios
    fake = FakeBotApi()
    await fake.start()
    for uid in range(10_000, 10_000 + recipients):
        fake.user(uid).chat.started = True
    fake.user(ADMIN).chat.started = True
    fake.flood = FloodLimits(global_per_second=CAP, per_chat_per_second=1)
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN,
        "BOT_API_BASE_URL": fake.base_url, "POLL_TIMEOUT": "1", "DATABASE_PATH": str(db_path),
        "ADMIN_IDS": str(ADMIN), "BROADCAST_RATE": str(CAP),
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    # The fake server is the measuring instrument: keep its garbage collector out of it.
    gc.collect()
    gc.freeze()
    gc.disable()
    steal_start = cpu_ticks()
    started = time.monotonic()
    copies: Counter[int] = Counter()
    seen = 0
    try:
        while len(copies) < expected and time.monotonic() - started < expected / CAP * 3 + 60:
            await asyncio.sleep(0.5)
            for event in fake.events[seen:]:
                if event.kind == "send" and event.chat_id != ADMIN:
                    copies[event.chat_id] += 1
            seen = len(fake.events)
        await asyncio.sleep(2.0)  # late duplicates would show up here
        rss = peak_rss_mb(process.pid)
        steal, total = (b - a for a, b in zip(steal_start, cpu_ticks(), strict=True))
    finally:
        process.terminate()
        await process.wait()
        await fake.stop()
        gc.enable()
        gc.unfreeze()
    if os.environ.get("BENCH_DEBUG"):
        print(fake.flood_events)
    sends = [e for e in fake.events if e.kind == "send" and e.chat_id != ADMIN]
    counted = Counter(e.chat_id for e in sends)
    first = min(e.at for e in sends)
    urgent_sends = [e for e in sends if e.chat_id in urgent_ids]
    if scenario == "overtake":
        urgent_sends = [e for e in urgent_sends if URGENT in e.text]
    urgent_first = min(e.at for e in urgent_sends)
    since = first if scenario == "within" else urgent_first
    return {
        "last_urgent": max(e.at for e in urgent_sends) - since,
        "last": max(e.at for e in sends) - first,
        "urgent": len(urgent_sends), "sent": len(sends),
        "lost": expected - len(counted), "duplicated": sum(n - 1 for n in counted.values()),
        "flood_429": len(fake.flood_events), "rss_mb": rss,
        "steal": steal / total if total else 0.0,
        "urgent_start": urgent_first - first,
    }  # fmt: skip


async def main() -> None:
    """Run the scenario asked for and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--urgent", type=int, default=1_000)
    parser.add_argument("--scenario", choices=("within", "overtake"), default="within")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        r = await run(args.recipients, args.urgent, args.scenario, Path(tmp))
    print(f"last urgent: {r['last_urgent']:.1f} s")
    print(f"last: {r['last']:.1f} s")
    print(
        f"({args.scenario}: {r['sent']} copies, {r['urgent']} urgent, first urgent copy "
        f"{r['urgent_start']:.1f} s after the first copy; cap {CAP:.0f}/s, floor "
        f"{args.urgent / CAP:.1f} s; 429s {r['flood_429']}; lost {r['lost']}; duplicated "
        f"{r['duplicated']}; bot peak RSS {r['rss_mb']:.0f} MB; host steal {r['steal']:.1%})",
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
