"""The register at 100,000 citizens: /stats, audience selection, export, /find, bot memory;
the hotline team's /stats hotline over 50,000 tickets and /faq_report over 100,000 questions.

Seeds N citizens across the region's countries, then measures in this process (the same
repository code the bot runs): the /stats query, counting and selecting one country's
audience, a one-country export (rows + CSV + XLSX), and /find (PeopleService.find: the
search the command runs, by name, phone and city). Then it seeds hotline tickets and
unanswered FAQ questions and times the figures of /stats hotline (90 days, every ticket in
the period) and of /faq_report (a year, every question; grouping included), through the
services the bot builds. Then the bot runs as a process against the fake Bot API on that
database while an admin asks for /stats, /export of the largest country and /find; prints
the time to each answer and the bot's peak RSS.

    .venv/bin/python -m bench.scale [--citizens 100000] [--tickets 50000] [--questions 100000]
        [--no-bot] [--postgres postgresql://...]

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
from bot.faq import unmatched
from bot.people.matching import parse_query
from bot.people.service import PeopleService
from bot.reference.countries import REGION
from bot.services import Services
from bot.settings import Settings
from bot.staff import reports
from handlers.faq_report import report_groups
from storage.audience import Audience, AudienceRepo
from storage.db import Database
from storage.models import NEEDS, STATUSES, to_iso
from storage.people import PeopleRepo
from storage.people_links import PeopleLinks
from storage.reach import ReachRepo
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

    async def quality() -> None:
        # /stats' register quality: duplicate phones over the whole register.
        await ReachRepo(db).quality(None, now - timedelta(days=14))

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
    await timed("/stats register quality (duplicate phones), all countries", 5, quality)
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


OFFICERS = [700_000 + i for i in range(25)]


async def seed_tickets(db: Database, citizens: int, count: int) -> None:
    """Hotline tickets over 90 days: most closed, a tenth open (some waiting), officers,
    first responses, ratings; at most one per citizen, as the unique index wants."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    rows = []
    for i in range(min(count, citizens)):
        created = now - timedelta(seconds=rng.randint(0, 90 * 86400))
        answered = rng.random() < 0.93
        response = rng.randint(20, 6 * 3600) if answered else None
        is_open = rng.random() < 0.1
        close = None if is_open else rng.randint(600, 5 * 86400)
        closed = created + timedelta(seconds=close) if close else None
        if closed is not None and closed > now:
            closed, close = now, int((now - created).total_seconds())
        waiting = created if is_open and rng.random() < 0.3 else None
        rows.append((
            1_000_000 + i, -1001, i + 1, "open" if is_open else "closed", to_iso(created),
            rng.choice(REGION),
            to_iso(created + timedelta(seconds=response)) if response else None, response,
            to_iso(closed) if closed else None, close, "staff" if closed else None,
            rng.randint(1, 5) if closed and rng.random() < 0.4 else None,
            rng.choice(OFFICERS) if rng.random() < 0.85 else None,
            to_iso(waiting) if waiting else None,
        ))  # fmt: skip
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO tickets (user_id, staff_chat_id, thread_id, status, created_at,"
            " country, first_staff_at, response_seconds, closed_at, close_seconds,"
            " closed_reason, rating, assignee_id, waiting_since)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


# What the FAQ does not answer, as citizens would ask it; names, numbers, flights and typos
# are added around them, and stripped again before they are stored, as the bot does.
_UNANSWERED = [
    "можно ли взять кошку в самолет", "как перевезти собаку через границу",
    "как продлить визу если рейс отменили", "где обменять деньги без карты",
    "как отправить деньги родственникам", "потерял багаж в аэропорту что делать",
    "нужен ли тест при въезде", "как получить справку о несудимости",
    "можно ли зарегистрировать брак в посольстве", "как оформить доверенность за границей",
    "где заменить водительские права", "как вернуть деньги за билет",
    "есть ли бесплатное жильё для студентов", "как поставить ребёнка на консульский учёт",
    "сколько стоит такси до границы", "куда обратиться если украли телефон",
    "как продлить разрешение на работу", "нужна ли виза для транзита через Турцию",
    "мысықты ұшаққа алуға бола ма", "визаны қалай ұзартуға болады",
    "ақшаны туыстарыма қалай жіберемін", "жүгім жоғалды не істеу керек",
    "neke qiyu elshilikte bola ma", "kak prodlit vizu v Katare",
]  # fmt: skip
_NAMES = ["Айгерим Серикова", "Данияр Ахметов", "Мадина Омарова", "Ержан Болатович"]


def _noisy(rng: random.Random, base: str) -> str:
    words = base.split()
    if len(words) > 3 and rng.random() < 0.4:
        words.pop(rng.randrange(len(words)))
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 4:
            j = rng.randrange(1, len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    text = " ".join(words)
    if rng.random() < 0.3:
        text = f"Меня зовут {rng.choice(_NAMES)}, {text}"
    if rng.random() < 0.3:
        text += f", мой номер +7701{rng.randint(1_000_000, 9_999_999)}"
    if rng.random() < 0.2:
        text += f", рейс KC{rng.randint(100, 999)} {rng.randint(1, 28)}.03"
    return text


async def seed_questions(db: Database, services: Services, citizens: int, count: int) -> int:
    """Unanswered questions over a year, stripped and keyed as the bot stores them; returns
    how many distinct keys they make."""
    rng = random.Random(13)
    known = unmatched.known_word(services.matcher.idf.__contains__)
    now = datetime.now(UTC)
    weights = [1 / (i + 1) for i in range(len(_UNANSWERED))]
    rows = []
    for _ in range(count):
        text = unmatched.scrub(_noisy(rng, rng.choices(_UNANSWERED, weights)[0]), known)
        if text:
            at = now - timedelta(seconds=rng.randint(0, 365 * 86400))
            rows.append((1_000_000 + rng.randrange(citizens), "ru", text,
                         unmatched.key_of(text), to_iso(at)))  # fmt: skip
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO faq_questions (user_id, lang, text, key, at) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    return len({r[3] for r in rows})


async def desk_figures(db_path: Path | str, citizens: int, tickets: int, questions: int) -> None:
    """/stats hotline and /faq_report through the services the bot builds."""
    where = {"database_url": db_path} if isinstance(db_path, str) else {"database_path": db_path}
    settings = Settings(_env_file=None, **where)  # type: ignore[call-arg]
    services = Services.create(settings)
    await services.db.open()
    await services.desk.load()
    started = time.perf_counter()
    await seed_tickets(services.db, citizens, tickets)
    keys = await seed_questions(services.db, services, citizens, questions)
    print(f"seeded {tickets} tickets and {questions} questions ({keys} distinct stem sets)"
          f" in {time.perf_counter() - started:.1f} s")  # fmt: skip
    async with services.db.transaction() as tx:
        # Fresh statistics for the planner after the seeding, on either engine.
        await tx.execute("ANALYZE")

    async def hotline() -> None:
        await services.desk.summary(None, 90)

    async def faq_report() -> None:
        await report_groups(services, 365)

    await timed(f"'/stats hotline' over {tickets:,} tickets (90 days, all)", 20, hotline)
    await timed(f"'/faq_report' over {questions:,} questions (a year, grouped)", 5, faq_report)
    await services.db.close()


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
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--no-bot", action="store_true", help="skip the bot as a process")
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
        await desk_figures(db_path, args.citizens, args.tickets, args.questions)
        if not args.no_bot:
            await with_bot(db_path, Path(tmp), biggest)


if __name__ == "__main__":
    asyncio.run(main())
