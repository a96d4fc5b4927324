"""Safety checks and register freshness, end to end."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.fakebot import FakeBotApi
from tests.support.journeys import citizens
from tests.support.running import STAFF_CHAT, RunningBot
from tests.support.seed import Person, seed

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
ADMIN = 900001


async def test_safety_check_counts_answers_and_opens_urgent_tickets(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    people = [Person(51, "AE"), Person(52, "AE", lang="kk"), Person(53, "AE", city="Abu Dhabi"),
              Person(54, "QA")]  # fmt: skip
    await seed(db_path, people)
    users = citizens(fake, people)
    admin = fake.user(ADMIN)
    admin.send("/safety AE Dubai")
    await admin.expect("граждан (2)")
    admin.send("/safety AE")
    await admin.expect("граждан (3)")
    admin.press("Подтвердить")
    await admin.expect("Проверка безопасности №")
    for uid in (51, 52, 53):
        await users[uid].expect("вы в безопасности?" if uid != 52 else "қауіпсіздесіз бе?")
    assert [e for e in users[54].events() if "безопасности" in e.text] == []
    users[51].press("Я в безопасности")
    await users[51].expect("Берегите себя")
    users[52].press("Маған көмек қажет")
    await users[52].expect("шұғыл ретінде берілді")
    # The urgent ticket is in the staff group, and the citizen's next words go there.
    await fake.wait_until(
        lambda: any("СРОЧНО" in e.text for e in fake.chat_events(STAFF_CHAT)), what="urgent"
    )
    users[52].send("Қонақүйде қалдым, паспорт жоқ")
    await fake.wait_until(
        lambda: any("паспорт жоқ" in e.text for e in fake.chat_events(STAFF_CHAT)), what="relay"
    )
    live = await admin.expect("Нужна помощь: 1", timeout=10, kind="edit")
    assert "В безопасности: 1" in live.text
    assert "Пока не ответили: 1" in live.text
    # A second press, a forged answer, a check that is not theirs: nothing changes.
    again = users[51].press_data("sf:done")
    assert "уже учтён" in (await users[51].expect_answer(again))["text"]
    forged = users[54].press_data("sf:1:help")
    assert "устарела" in (await users[54].expect_answer(forged))["text"]
    admin.send("/stats AE")
    card = await admin.expect("Последняя проверка безопасности")
    assert "в безопасности 1 · нужна помощь 1 · не ответили 1" in card.text
    # Staff of another country cannot start one here.
    other = fake.user(700400)
    other.chat.started = True
    admin.send("/grant 700400 staff QA")
    await admin.expect("700400")
    other.send("/safety AE")
    await other.expect("вне вашей зоны")
    rows = await run_db(
        "SELECT answer, count(*) FROM outbox GROUP BY answer ORDER BY answer NULLS FIRST"
    )
    assert rows == [(None, 1), ("help", 1), ("safe", 1)]


async def test_stale_registrations_are_asked_in_local_daytime(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    old = "2029-12-01T08:00:00+00:00"
    fresh = "2030-01-09T08:00:00+00:00"
    people = [
        Person(61, "AE", updated=old), Person(62, "AE", updated=old, lang="kk"),
        Person(63, "AE", updated=old), Person(64, "AE", updated=fresh),
        Person(65, "US", updated=old),
    ]  # fmt: skip
    await seed(db_path, people)
    users = citizens(fake, people)
    notices = bot.services.notices
    # 07:00 in Dubai, 02:00 in New York: quiet hours everywhere.
    bot.clock.set(datetime(2030, 1, 10, 3, 0, tzinfo=UTC))
    assert await notices.freshness_tick() == 0
    # 11:00 in Dubai: the three stale AE citizens are asked; New York still sleeps.
    bot.clock.set(datetime(2030, 1, 10, 7, 0, tzinfo=UTC))
    assert await notices.freshness_tick() == 3
    for uid in (61, 62, 63):
        await users[uid].expect("Dubai", timeout=10)
    assert await notices.freshness_tick() == 0  # nobody is asked twice
    users[61].press("Да, я всё ещё здесь")
    await users[61].expect("на прежнем месте")
    users[62].press("Басқа жерге көштім")
    await users[62].expect("елде")  # the registration's place step, in Kazakh
    users[63].press("Я вернулся(-ась) домой")
    await users[63].expect("С возвращением домой")
    rows = await run_db(
        "SELECT user_id, active, updated_at > '2030' FROM registrations ORDER BY user_id"
    )
    assert rows[:3] == [(61, 1, 1), (62, 1, 0), (63, 0, 1)]
    answers = await run_db("SELECT user_id, answer FROM outbox ORDER BY user_id")
    assert answers == [(61, "here"), (62, "moved"), (63, "home")]
    # The closed registration is out of targeting and statistics.
    admin = fake.user(ADMIN)
    admin.send("/stats AE")
    card = await admin.expect("Зарегистрировано")
    assert "Зарегистрировано: 3" in card.text  # 61, 62 and 64; 63 went home
    assert "не обновлялись 14+ дней: 1" in card.text  # 62 has not said where to yet
