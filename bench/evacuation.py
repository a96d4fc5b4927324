"""Evacuation departures at Telegram's limit: every seat offered, declines refilled, manifest.

The bot runs as its own process against the fake Bot API server (in this process), whose
flood limits are Telegram's free ones: 30 messages a second overall, one a second per chat.
An admin opens a departure through the chat, as staff do. Printed:
- from "open" until every seat is offered (each offer delivered), with the rate;
- from the moment 100 seats are declined (100 citizens press "yes, decline" at once)
  until their seats are offered to the next in line;
- from pressing "Manifest" until both files (CSV and XLSX) are in the chat, with every seat
  confirmed (written to the database from here, as 1,000 citizens would have).

    .venv/bin/python -m bench.evacuation [--citizens 5000] [--seats 1000] [--declines 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.evacuation import codes
from bot.i18n import Catalog
from handlers.evacuation.cards import manifest_files
from storage.db import Database
from storage.evacuation import EvacuationRepo
from storage.evacuation_offers import OfferRepo
from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FakeUser, FloodLimits
from tests.support.seed import Person, seed

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 900001
CAP = 30.0
OFFER = "место для эвакуации"


def offers(fake: FakeBotApi) -> Counter[int]:
    """Offers each chat received."""
    return Counter(e.chat_id for e in fake.events if e.kind == "send" and OFFER in e.text)


async def open_departure(admin: FakeUser, seats: int) -> float:
    """The staff conversation up to the summary; returns when "open" was pressed."""
    when = (Clock().now() + timedelta(days=2)).astimezone(ZoneInfo("Asia/Dubai"))
    for action, wait in (
        (("send", "/evacuation"), "Новый рейс"), (("press", "➕ Новый рейс"), "Какой транспорт"),
        (("press", "Чартерный рейс"), "Страна отправления"), (("send", "AE"), "Город"),
        (("send", "Dubai"), "Кому предлагать"),
        (("press", "Нуждающимся в эвакуации — вся страна"), "Пункт сбора"),
        (("send", "Терминал 1, выход 5"), "геопозицию"), (("press", "Пропустить"), "Дата"),
        (("send", when.strftime("%Y-%m-%d %H:%M")), "Сколько мест"),
        (("send", str(seats)), "Сколько часов"), (("send", "6"), "Куда"),
        (("send", "Алматы"), "Проверьте рейс"),
    ):  # fmt: skip
        verb, arg = action
        # At a person's pace: the fake holds the bot to one message a second in this chat.
        await asyncio.sleep(1.1)
        if verb == "send":
            admin.send(arg)
        else:
            admin.press(arg)
        await admin.expect(wait, timeout=30)
    await asyncio.sleep(1.1)
    started = time.monotonic()
    admin.press("Открыть и разослать")
    return started


async def confirm_all(db_path: Path) -> int:
    """Every offered party confirms with one passenger (as if each had used the chat)."""
    db = Database(db_path)
    await db.open()
    try:
        repo = OfferRepo(db)
        rows = await db.fetchall(
            "SELECT id, user_id, token FROM evac_offers WHERE state = 'offered'"
        )
        now = Clock().now()
        for n, row in enumerate(rows):
            offer, user, token = row["id"], row["user_id"], row["token"]
            person = {"full_name": f"PASSENGER {n:05d}", "passport": f"N{n:08d}",
                      "birth_date": "1990-01-01"}  # fmt: skip
            for field, value in person.items():
                await repo.enter(offer, user, token, 1, field, value)
            await repo.confirm(offer, user, token, f"EV1-{offer:04d}", codes.boarding_code(), now)
        return len(rows)
    finally:
        await db.close()


async def build_manifest(db_path: Path) -> float:
    """Seconds to read the manifest and build both files, as the bot does, in this process."""
    db = Database(db_path)
    await db.open()
    try:
        repo = EvacuationRepo(db)
        departure = await repo.get(1)
        assert departure is not None
        t = Catalog().translator("ru")
        started = time.perf_counter()
        await manifest_files(t, repo, departure)
        return time.perf_counter() - started
    finally:
        await db.close()


async def run(citizens: int, seats: int, declines: int, rate: float | None, workdir: Path) -> None:
    """Seed, start the bot, open, decline, export; print the three figures."""
    db_path = workdir / "hotline.sqlite3"
    people = [Person(10_000 + i, "AE", needs="evacuation") for i in range(citizens)]
    await seed(db_path, people)
    fake = FakeBotApi()
    await fake.start()
    users = {p.user_id: fake.user(p.user_id) for p in people}
    for user in users.values():
        user.chat.started = True
    admin = fake.user(ADMIN, first_name="Админ")
    admin.chat.started = True
    fake.flood = FloodLimits(global_per_second=CAP, per_chat_per_second=1)
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN,
        "BOT_API_BASE_URL": fake.base_url, "POLL_TIMEOUT": "1", "DATABASE_PATH": str(db_path),
        "ADMIN_IDS": str(ADMIN), **({"BROADCAST_RATE": str(rate)} if rate else {}),
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await fake.wait_until(lambda: fake.counts["getUpdates"] > 0, 30, "the bot")
        opened = await open_departure(admin, seats)
        await fake.wait_until(lambda: len(offers(fake)) >= seats, seats / CAP * 4 + 60, "offers")
        offered_s = time.monotonic() - opened
        first = list(offers(fake))
        # 100 citizens decline at once; their seats go to the next 100 in the queue.
        quitting = [users[uid] for uid in first[:declines]]
        for user in quitting:
            user.press("Отказаться")
        for user in quitting:
            await user.expect("Отказаться от места?", timeout=60)
        await asyncio.sleep(1.1)
        declined = time.monotonic()
        for user in quitting:
            user.press("Да, отказаться")
        goal = seats + declines
        await fake.wait_until(lambda: len(offers(fake)) >= goal, declines / CAP * 6 + 60, "refill")
        refill_s = time.monotonic() - declined
        await asyncio.sleep(1.0)
        copies = offers(fake)
        repeats = sum(n - 1 for n in copies.values())
        confirmed = await confirm_all(db_path)
        await asyncio.sleep(4.0)  # the card catches up with the confirmations
        admin.cursor = len(fake.events)
        pressed = time.monotonic()
        admin.press("📄 Список пассажиров")
        await admin.expect("Список пассажиров рейса", timeout=60)
        xlsx = await admin.expect("", kind="send", timeout=60)
        manifest_s = time.monotonic() - pressed
        size = len(fake.files[xlsx.message["document"]["file_id"]])
        if os.environ.get("BENCH_DEBUG"):
            t0 = fake.flood_events[0][0] if fake.flood_events else 0
            print([(round(t - t0, 2), m, c) for t, m, c, _ in fake.flood_events])
            print("opened at", round(opened - t0, 2), "declined at", round(declined - t0, 2))
    finally:
        process.terminate()
        await process.wait()
        await fake.stop()
    built = await build_manifest(db_path)
    print(
        f"{citizens} eligible citizens, {seats} seats, Telegram's cap {CAP:.0f}/s, "
        f"BROADCAST_RATE {rate or 'default (25)'}:\n"
        f"every seat offered: {offered_s:.1f} s after open ({len(first)} offers, "
        f"{len(first) / offered_s:.1f}/s)\n"
        f"{declines} declined seats offered again: {refill_s:.1f} s\n"
        f"manifest of {confirmed} passengers (CSV + XLSX, {size // 1024} KB): {manifest_s:.2f} s "
        f"from the press to both files in the chat (building them: {built:.2f} s)\n"
        f"offers repeated: {repeats}; nobody offered twice: {max(copies.values()) == 1}; "
        f"429s from the server: {len(fake.flood_events)}",
        flush=True,
    )


async def main() -> None:
    """Parse the arguments and run once."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=5_000)
    parser.add_argument("--seats", type=int, default=1_000)
    parser.add_argument("--declines", type=int, default=100)
    parser.add_argument(
        "--rate", type=float, default=None,
        help="BROADCAST_RATE of the bot (default: the bot's own, 25/s under the 30/s cap)",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await run(args.citizens, args.seats, args.declines, args.rate, Path(tmp))


if __name__ == "__main__":
    asyncio.run(main())
