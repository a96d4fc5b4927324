"""The end of a declared stay on a controllable clock: asked on the day, warned the day before
the erasure, erased STAY_ERASE_DAYS after it, and kept while a hotline ticket is open."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from handlers.people import stay
from tests.support.fakebot import FakeBotApi
from tests.support.journeys import citizens, consent, register_ru
from tests.support.running import STAFF_CHAT, RunningBot
from tests.support.seed import Person, seed

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
# 09:00 UTC is noon in Amman: inside FRESH_HOURS (10:00-20:00) there.
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def check(bot: RunningBot) -> tuple[int, int, int]:
    """One pass of the end-of-stay job, as the job queue runs it: (asked, warned, erased)."""
    assert bot.app is not None
    return await stay.run(bot.app)


async def mentions(bot: RunningBot, run_db: Query, user_id: int) -> list[str]:
    """Every table.column that still holds the user's id (on either engine)."""
    found = []
    for table, columns in (await bot.services.db.columns()).items():
        for column in columns:
            hits = await run_db(
                f"SELECT count(*) FROM {table} WHERE CAST({column} AS TEXT) LIKE ?",  # noqa: S608
                (f"%{user_id}%",),
            )
            if hits != [(0,)]:
                found.append(f"{table}.{column}")
    return found


async def test_expiry_asks_warns_and_erases_but_not_while_a_ticket_is_open(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    bot.clock.set(START)
    stayer = fake.user(7001)
    await consent(stayer)
    await register_ru(stayer)
    await stayer.press_when_shown("Дополнительные сведения")  # under the menu after "Saved"
    await stayer.expect("Что добавить или изменить?")
    stayer.press("До какого числа")
    await stayer.expect("До какого числа вы планируете")
    stayer.send("10.03.2027")
    saved = await stayer.expect("Сохранено: до 10.03.2027")
    assert "(09.04.2027)" in saved.text
    people = [Person(7002, "JO", city="Акаба"), Person(7003, "JO", city="Акаба")]
    await seed(db_path, people)
    users = citizens(fake, people)
    services = bot.services
    for p in people:
        assert await services.people.repo.set_stay(p.user_id, date(2027, 3, 10), START)
    await services.tickets.open_for(7003, STAFF_CHAT, START)
    # The day before: nothing yet.
    bot.clock.set(datetime(2027, 3, 9, 9, 0, tzinfo=UTC))
    assert await check(bot) == (0, 0, 0)
    # On the declared day, in the daytime there: "are you still there?", through the outbox.
    bot.clock.set(datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
    assert await check(bot) == (3, 0, 0)
    assert await check(bot) == (0, 0, 0)  # once per date
    for user in (stayer, users[7002], users[7003]):
        await user.expect("Вы всё ещё здесь", timeout=10)
    # "Still here" after the declared day: the date goes, and a new one is asked for.
    stayer.press("Да, я всё ещё здесь")
    await stayer.expect("Отметили, что вы на прежнем месте")
    await stayer.expect("Укажите, до какого числа планируете остаться")
    assert await run_db("SELECT stay_until FROM people_details WHERE user_id = 7001") == [(None,)]
    # The day before the erasure: a warning with the way to keep the data.
    bot.clock.set(datetime(2027, 4, 8, 9, 0, tzinfo=UTC))
    assert await check(bot) == (0, 2, 0)
    warning = await users[7002].expect("Завтра (09.04.2027) ваша регистрация закроется")
    assert warning.buttons()[0]["text"] == "➕ Дополнительные сведения"
    await users[7003].expect("Завтра")
    # The day itself: 7002 is erased and told; 7003 has an open ticket and is kept.
    bot.clock.set(datetime(2027, 4, 9, 9, 0, tzinfo=UTC))
    assert await check(bot) == (0, 0, 1)
    await users[7002].expect("регистрация закрыта, данные удалены")
    assert await mentions(bot, run_db, 7002) == []
    assert await run_db("SELECT user_id FROM registrations ORDER BY 1") == [(7001,), (7003,)]
    assert await run_db("SELECT details FROM audit_log WHERE action = 'people.stay_erase'") == [
        ('{"citizens": 1}',),
    ]
    # Once the ticket is closed, the erasure that waited happens at the next check.
    ticket = await services.tickets.open_of(7003)
    assert ticket is not None
    await services.tickets.set_status(ticket.id, "closed", bot.clock.now())
    assert await check(bot) == (0, 0, 1)
    assert await run_db("SELECT user_id FROM registrations") == [(7001,)]


async def test_a_move_after_the_declared_day_keeps_the_registration(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    bot.clock.set(START)
    user = fake.user(7011)
    await consent(user)
    await register_ru(user)
    assert await bot.services.people.repo.set_stay(7011, date(2027, 3, 5), START)
    bot.clock.set(datetime(2027, 3, 5, 9, 0, tzinfo=UTC))
    assert await check(bot) == (1, 0, 0)
    await user.expect("Вы всё ещё здесь", timeout=10)
    user.press("Я переехал(а)")
    await user.expect("В какой стране")
    user.press("Катар")
    await user.expect("Город или место")
    user.send("Доха")
    await user.expect("Ваш статус")
    user.press("В транзите")
    await user.expect("Проверьте данные")
    user.press("Подтвердить")
    await user.expect("Сохранено")
    await user.expect("☰")
    # A new place abroad: the passed date no longer counts towards an erasure.
    assert await run_db("SELECT stay_until FROM people_details") == [(None,)]
    bot.clock.set(datetime(2027, 4, 10, 9, 0, tzinfo=UTC))
    assert await check(bot) == (0, 0, 0)
