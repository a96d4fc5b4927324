"""/stats hotline on a seeded set of tickets, checked against the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from storage.db import Database
from tests.support.fakebot import FakeBotApi
from tests.support.journeys import staff_of
from tests.support.running import RunningBot
from tests.support.seed import Person, seed

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
ADMIN, DANIYAR, MADINA = 900001, 700901, 700902
H = 3600
# (user, country, opened hours ago, seconds to the first answer, closed hours ago, rating,
# holder, waiting since hours ago)
TICKETS = [
    (51, "AE", 24, 600, 20, 5, DANIYAR, None),
    (52, "AE", 48, 1800, 24, 3, DANIYAR, None),
    (53, "QA", 72, 120, 48, 4, MADINA, None),
    (54, "QA", 3, None, None, None, MADINA, 3),
    (55, "AE", 0.5, 300, None, None, None, None),
    (56, "AE", 240, 60, 216, 1, DANIYAR, None),  # ten days ago: outside a week
    (57, "IR", 48, 7200, None, None, None, 1 / 3),  # evacuation: urgent, 20 minutes
]


async def seed_tickets(db_path: Path | str, now: datetime) -> None:
    """The tickets above, with their officers in the staff directory (either engine)."""

    def ago(hours: float | None) -> str | None:
        return None if hours is None else (now - timedelta(hours=hours)).isoformat("T", "seconds")

    db = Database(db_path, pool_size=1)
    await db.open()
    try:
        async with db.transaction() as conn:
            for user, country, opened, first, closed, rating, holder, waiting in TICKETS:
                created = now - timedelta(hours=opened)
                answered = created + timedelta(seconds=first) if first else None
                await conn.execute(
                    "INSERT INTO tickets (user_id, staff_chat_id, status, created_at, country,"
                    " first_staff_at, response_seconds, closed_at, close_seconds, closed_reason,"
                    " rating, assignee_id, waiting_since)"
                    " VALUES (?, -1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        user, "closed" if closed else "open", ago(opened), country,
                        answered.isoformat("T", "seconds") if answered else None,
                        first, ago(closed), int((opened - closed) * H) if closed else None,
                        "staff" if closed else None, rating, holder, ago(waiting),
                    ),
                )  # fmt: skip
            await conn.executemany(
                "INSERT INTO desk_officers (user_id, name, seen_at) VALUES (?, ?, ?)",
                [(DANIYAR, "Данияр", ago(0)), (MADINA, "Мадина", ago(0))],
            )
    finally:
        await db.close()


def nearest_rank(values: list[int], percent: int) -> int:
    ordered = sorted(values)
    return ordered[max(1, -(-percent * len(ordered) // 100)) - 1]


async def test_hotline_stats_match_the_database(
    fake: FakeBotApi, bot: RunningBot, db_path: Path | str, run_db: Query
) -> None:
    people = [Person(u, c, needs="evacuation" if u == 57 else "none") for u, c, *_ in TICKETS]
    await seed(db_path, people)
    await seed_tickets(db_path, bot.clock.now())
    await bot.restart()  # the staff directory is read at start-up
    week = (bot.clock.now() - timedelta(days=7)).isoformat("T", "seconds")
    # The expected figures, computed here from the rows.
    opened = (await run_db("SELECT count(*) FROM tickets WHERE created_at >= ?", (week,)))[0][0]
    closed = (await run_db("SELECT count(*) FROM tickets WHERE closed_at >= ?", (week,)))[0][0]
    responses = [r[0] for r in await run_db(
        "SELECT response_seconds FROM tickets WHERE created_at >= ?"
        " AND response_seconds IS NOT NULL", (week,),
    )]  # fmt: skip
    closes = await run_db(
        "SELECT close_seconds, rating FROM tickets WHERE closed_at >= ?", (week,)
    )
    assert (opened, closed) == (6, 3)
    assert (nearest_rank(responses, 50), nearest_rank(responses, 90)) == (600, 7200)
    assert [nearest_rank([c for c, _ in closes], p) for p in (50, 90)] == [86400, 86400]
    ratings = [r for _, r in closes if r is not None]
    assert (sum(ratings) / len(ratings), len(ratings)) == (4.0, 3)
    admin = fake.user(ADMIN)
    admin.send("/stats hotline 7")
    text = (await admin.expect("Горячая линия за 7 дней")).text
    assert "страны: все" in text
    assert f"Открыто обращений: {opened} · закрыто: {closed}" in text
    assert "Ждут ответа сейчас: 2 (срочных: 1, дольше порога: 2)" in text
    assert "Первый ответ: медиана 10 мин, 90 % — не дольше 2 ч 0 мин (обращений: 5)" in text
    assert "До закрытия: медиана 1 д 0 ч, 90 % — не дольше 1 д 0 ч (обращений: 3)" in text
    assert "Оценки: 4,0 из 5 (оценок: 3)" in text
    assert (
        "Данияр: ведёт 0 · закрыто 2 · первый ответ 10 мин · оценки 4,0 из 5 (оценок: 2)" in text
    )
    assert "Мадина: ведёт 1 · закрыто 1 · первый ответ 2 мин · оценки 4,0 из 5 (оценок: 1)" in text
    # The table: one line a day, seven days, adding up to the totals.
    rows = [line.split() for line in text.splitlines() if line[:2].isdigit() and "." in line[:5]]
    assert len(rows) == 7
    assert sum(int(r[1]) for r in rows) == opened
    assert sum(int(r[2]) for r in rows) == closed
    photo = await admin.expect("Обращения на горячую линию по дням")
    png = fake.files[photo.message["photo"][-1]["file_id"]]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # Scoped: staff of Qatar see Qatar's tickets only.
    consul = await staff_of(fake, admin, 700903, "QA")
    consul.send("/stats hotline 7")
    text = (await consul.expect("Горячая линия за 7 дней")).text
    assert "страны: QA" in text
    assert "Открыто обращений: 2 · закрыто: 1" in text
    assert "Ждут ответа сейчас: 1 (срочных: 0, дольше порога: 1)" in text
    assert "Данияр" not in text
    await consul.expect("по дням")  # the chart
    consul.send("/stats hotline AE")
    await consul.expect("вне вашей зоны")
    # The default period is two weeks, which reaches the ticket of ten days ago.
    admin.send("/stats hotline")
    assert "Открыто обращений: 7" in (await admin.expect("за 14 дней")).text
    # Bad input: a clear answer.
    for bad in ("/stats hotline 500", "/stats hotline Марс"):
        admin.send(bad)
        await admin.expect("Формат: /stats hotline")
    citizen = fake.user(51)
    citizen.chat.started = True
    citizen.send("/stats hotline")
    await citizen.expect("Эта команда недоступна")
