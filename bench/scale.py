"""The register at 100,000 citizens: /stats, audience selection, export, /find, bot memory.

Seeds N citizens across the region's countries, then measures in this process (the same
repository code the bot runs): the /stats query, counting and selecting one country's
audience, a one-country export (rows + CSV + XLSX), and /find (PeopleService.find: the
search the command runs, by name, phone and city). Then the bot runs as a process against
the fake Bot API on that database while an admin asks for /stats, /export of the largest
country and /find; prints the time to each answer and the bot's peak RSS.

    .venv/bin/python -m bench.scale [--citizens 100000] [--postgres postgresql://...]

With --postgres (a server URL, e.g. the one scripts/postgres.sh prints) the same runs on
PostgreSQL, in a fresh schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import Clock
from bot.people.matching import parse_query
from bot.people.service import PeopleService
from bot.reference.countries import REGION
from bot.settings import Settings
from bot.staff import reports
from storage.audience import Audience, AudienceRepo
from storage.db import Database
from storage.models import NEEDS, STATUSES
from storage.people import PeopleRepo
from storage.people_links import PeopleLinks
from storage.stats import StatsRepo
from tests.support.fakebot import TEST_TOKEN, FakeBotApi
from tests.support.pg import database_env, fresh_schema
from tests.support.seed import Person, seed

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 900001


def population(n: int) -> list[Person]:
    """Citizens spread over the region, skewed like a real register (a few big countries)."""
    rng = random.Random(7)
    weights = [1 / (i + 1) for i in range(len(REGION))]
    now = datetime.now(UTC)
    people = []
    for i in range(n):
        updated = (now - timedelta(days=rng.randint(0, 40))).isoformat(timespec="seconds")
        people.append(Person(
            1_000_000 + i, rng.choices(REGION, weights)[0], rng.choice(STATUSES),
            rng.choice(NEEDS), "kk" if i % 3 == 0 else "ru", f"City {i % 50}",
            rng.randint(1, 5), updated,
        ))  # fmt: skip
    return people


async def timed(label: str, runs: int, coro_factory: object) -> float:
    """Median wall time of `runs` calls, in ms, printed."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await coro_factory()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    median = statistics.median(samples)
    print(f"{label}: median {median:.1f} ms over {runs} runs")
    return median


async def in_process(db_path: Path | str) -> str:
    """Repository timings; returns the largest country."""
    db = Database(db_path)
    await db.open()
    stats, audiences = StatsRepo(db), AudienceRepo(db)
    now = datetime.now(UTC)
    rows = await stats.by_country(None, now - timedelta(hours=24), now - timedelta(days=14))
    biggest = rows[0].country

    async def stats_all() -> None:
        await stats.by_country(None, now - timedelta(hours=24), now - timedelta(days=14))

    async def audience() -> None:
        await audiences.count(Audience(countries=(biggest,)))

    async def selection_sql() -> None:
        # What filling the outbox does: the join runs inside SQLite, no rows in Python.
        await db.fetchone(
            "SELECT count(c.lang) FROM registrations r JOIN citizens c USING (user_id)"
            " WHERE r.active = 1 AND c.blocked_at IS NULL AND r.country = ?",
            (biggest,),
        )

    async def selection() -> None:
        await db.fetchall(
            "SELECT r.user_id, c.lang FROM registrations r JOIN citizens c USING (user_id)"
            " WHERE r.active = 1 AND c.blocked_at IS NULL AND r.country = ?",
            (biggest,),
        )

    middle = rows[len(rows) // 2]

    async def export(country: str = biggest) -> None:
        # As /export does it: batches of rows streamed into the two files.
        files = reports.ExportFiles("x", [f"c{i}" for i in range(10)])
        batch = []
        async for row in stats.export_rows([country]):
            batch.append(row)
            if len(batch) >= 2000:
                await asyncio.to_thread(files.write, batch)
                batch = []
        await asyncio.to_thread(files.write, batch)
        await asyncio.to_thread(files.finish)
        files.discard()

    await timed("/stats query, all countries", 20, stats_all)
    await timed(f"audience count, one country ({biggest}, {rows[0].registered})", 20, audience)
    await timed(f"audience selection in SQL (join, as the outbox fill), {biggest}", 20,
                selection_sql)  # fmt: skip
    await timed(f"audience selection into Python (ids + language), {biggest}", 20, selection)
    await timed(f"export {biggest} ({rows[0].registered} rows: query + CSV + XLSX)", 3, export)
    await timed(
        f"export {middle.country} ({middle.registered} rows, the median country)", 3,
        lambda: export(middle.country),
    )  # fmt: skip
    await find_timings(db, sum(r.registered for r in rows), biggest)
    await db.close()
    return biggest


async def find_timings(db: Database, total: int, biggest: str) -> None:
    """/find as the command runs it (the index first, as the first search after a start)."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    people = PeopleService(settings, PeopleRepo(db), PeopleLinks(db), Clock())
    started = time.perf_counter()
    indexed = await people.reindex()
    took = (time.perf_counter() - started) * 1000
    print(f"/find index of {indexed} registrations built in {took:.0f} ms (once, after upgrade)")
    queries = {
        "by name": parse_query("Citizen 1050000"),
        "by name, no match (every key read)": parse_query("Нурланова Айгерим"),
        "by phone": parse_query("+77010050000"),
        "by city (many matches, first 10)": parse_query("City 7"),
    }
    for label, query in queries.items():
        await timed(f"/find {label} over {total} registrations, all countries", 20,
                    lambda q=query: people.find(q, None))  # fmt: skip
    await timed(f"/find by name over {total} registrations, staff of {biggest}", 20,
                lambda: people.find(queries["by name"], {biggest}))  # fmt: skip


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a live process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def with_bot(db_path: Path | str, workdir: Path, biggest: str) -> None:
    """The bot as a process: time to answer /stats and /export, then its peak RSS."""
    fake = FakeBotApi()
    await fake.start()
    admin = fake.user(ADMIN)
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN,
        "BOT_API_BASE_URL": fake.base_url, "POLL_TIMEOUT": "1", "ADMIN_IDS": str(ADMIN),
        "DATABASE_PATH": str(workdir / "hotline.sqlite3"), **database_env(db_path),
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await fake.wait_until(lambda: fake.pending_polls > 0, 60, "the bot to poll")
        for command, fragment, kind in (
            ("/stats", "Граждане по странам", None), ("/stats", "статусу", None),
            (f"/export {biggest}", "Выгрузка", None), ("/stats", "Граждане по странам", None),
            ("/find Citizen 1050000", "Найдено", None),
        ):  # fmt: skip
            started = time.perf_counter()
            admin.send(command)
            await admin.expect(fragment, timeout=120, kind=kind)
            print(f"bot: {command} answered in {(time.perf_counter() - started) * 1000:.0f} ms")
            await admin.settle(0.5, timeout=60)
        print(f"bot peak RSS: {peak_rss_mb(process.pid):.0f} MB")
    finally:
        process.terminate()
        await process.wait()
        await fake.stop()


async def main() -> None:
    """Seed, measure in process, measure the running bot."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        db_path: Path | str = Path(tmp) / "hotline.sqlite3"
        if args.postgres:
            db_path = stack.enter_context(fresh_schema(args.postgres))
        print(f"backend: {'PostgreSQL' if args.postgres else 'SQLite'}")
        started = time.perf_counter()
        people = population(args.citizens)
        for start in range(0, len(people), 100_000):  # seeded in slices: flat memory here too
            await seed(db_path, people[start : start + 100_000])
        del people
        print(f"seeded {args.citizens} citizens in {time.perf_counter() - started:.1f} s")
        biggest = await in_process(db_path)
        await with_bot(db_path, Path(tmp), biggest)


if __name__ == "__main__":
    asyncio.run(main())
