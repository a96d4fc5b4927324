"""A citizen registers, edits, moves and erases their data, end to end over HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from storage.db import Database
from tests.support.fakebot import FakeBotApi
from tests.support.journeys import consent, register_ru
from tests.support.running import RunningBot, eventually

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]


async def test_full_registration_in_russian(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(2001, language_code="ru")
    await consent(user)
    await register_ru(user)
    rows = await run_db(
        "SELECT full_name, country, city, status, party_size, children, phone, needs, note"
        " FROM registrations WHERE user_id = ?",
        (2001,),
    )
    assert rows == [
        (
            "Серикова Айгерим Болатовна", "JO", "Амман, аэропорт Королевы Алии", "stuck", 3, 1,
            "+77011234567", "evacuation", "Нужен детский <b>корм</b> & вода",
        )
    ]  # fmt: skip
    assert await run_db("SELECT count(*) FROM place_history WHERE user_id = 2001") == [(1,)]
    # The draft is gone once saved (persistence writes every 0.2 s in the tests).
    drafts = await eventually(lambda: run_db("SELECT count(*) FROM user_state"), [(0,)])
    assert drafts == [(0,)]


async def test_full_registration_in_kazakh_with_typed_answers(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(2002, first_name="Ерлан", last_name="Жақсыбеков", language_code="kk")
    user.send("/start")
    privacy = await user.expect("Деректеріңіз")  # Telegram's language, no question first
    assert "🇷🇺 Русский" in [b["text"] for b in privacy.buttons()]
    user.press("Келісемін")
    await user.expect("қай елдесіз")
    user.send("Біріккен Араб Әмірліктері")
    await user.expect("Ел: 🇦🇪 Біріккен Араб Әмірліктері")
    await user.expect("Қала немесе орын")
    user.send("Дубай")
    await user.expect("Қазіргі жағдайыңыз")
    user.press("Транзиттемін")
    await user.expect("қанша адамсыздар")
    user.send("12")
    await user.expect("12 адамның қаншасы бала")
    user.send("4")
    await user.expect("Төлқұжаттағыдай")
    user.press("Ерлан Жақсыбеков")
    await user.expect("Байланыс телефоны")
    user.send("+971 50 123 4567")
    await user.expect("Нөмір қабылданды: +971501234567")
    await user.expect("қандай көмек")
    user.press("Уақытша орналастыру")
    summary = await user.expect("Деректерді тексеріңіз")  # the note is a line, not a step
    assert "Транзиттемін" in summary.text
    assert "жоқ" in summary.text
    user.press("Растау")
    await user.expect("✅ Сақталды")
    rows = await run_db(
        "SELECT country, city, status, party_size, children, full_name, needs, note"
        " FROM registrations WHERE user_id = 2002"
    )
    assert rows == [("AE", "Дубай", "transit", 12, 4, "Ерлан Жақсыбеков", "accommodation", None)]
    assert await run_db("SELECT lang, consent_at IS NOT NULL FROM citizens") == [("kk", 1)]


async def test_gps_path_resolves_country_and_city_offline(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(2003)
    await consent(user)
    user.send("/register")
    await user.expect("кнопка «Отправить геопозицию»")
    await user.expect("В какой стране")
    # A point in the Arabian Sea, far from any town: refused, nothing changes.
    user.reply_button("Отправить геопозицию", location=(15.0, 65.0))
    await user.expect("похоже, это море")
    await user.expect("В какой стране")
    user.reply_button("Отправить геопозицию", location=(35.7, 51.42))  # Tehran
    found = await user.expect("ближайший к вашей точке город")
    assert "🇮🇷 Иран, Тегеран" in found.text  # the Russian name, not "Tehran"
    status = await user.expect("Ваш статус")  # no "is that right?": the city came with it
    assert {"✏️ Другой город", "🌍 Другая страна"} <= {b["text"] for b in status.buttons()}
    user.press("Постоянно проживаю")
    await user.expect("Сколько вас")
    user.press("1")
    await user.expect("ФИО")  # a party of one has no children question
    user.send("Иванов Иван")
    await user.expect("Номер телефона")
    user.send("8 701 765 43 21")
    await user.expect("+77017654321")
    await user.expect("Какая помощь")
    user.press("Помощь не нужна")
    await user.expect("Проверьте данные")
    user.press("Подтвердить")
    await user.expect("Сохранено")
    rows = await run_db("SELECT country, city, latitude, longitude, children FROM registrations")
    assert rows == [("IR", "Тегеран", 35.7, 51.42, 0)]


async def test_gps_place_can_be_changed(fake: FakeBotApi, bot: RunningBot, run_db: Query) -> None:
    user = fake.user(2008, language_code="kk")
    await consent(user, "Қазақша", "Келісемін")
    user.send("/register")
    await user.expect("қай елдесіз")
    user.reply_button("Геолокацияны жіберу", location=(25.2731, 51.6081))  # Doha airport
    found = await user.expect("нүктеңізге ең жақын қала")
    assert "🇶🇦 Катар, Доха" in found.text
    await user.expect("Қазіргі жағдайыңыз")
    user.press("Басқа қала")  # the country stands, the town is typed
    await user.expect("Қала немесе орын")
    user.send("Хамад әуежайы")
    status = await user.expect("Қазіргі жағдайыңыз")
    assert "🌍 Басқа ел" not in {b["text"] for b in status.buttons()}  # typed, not from GPS
    # The old question's "other country" is gone with its keyboard; sent anyway, it is refused.
    query = user.press_data("r:g:no")
    assert "ескірген" in (await user.expect_answer(query))["text"]
    user.press("Турист")
    await user.expect("қанша адамсыздар")
    await asyncio.sleep(0.5)  # persistence writes every 0.2 s in the tests
    (state,) = await run_db("SELECT data FROM user_state WHERE user_id = 2008")
    draft = json.loads(state[0])["draft"]
    assert (draft["country"], draft["city"], draft["latitude"]) == ("QA", "Хамад әуежайы", None)


async def test_edit_one_field_and_move_keeps_history(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(2004)
    await consent(user)
    await register_ru(user)
    await user.expect("☰")
    user.press("Моя регистрация")
    await user.expect("Моя регистрация")
    user.press("Телефон")
    await user.expect("Номер телефона")
    user.send("+7 702 000 11 22")
    summary = await user.expect("Проверьте данные")
    assert "+77020001122" in summary.text
    assert "Иордания" in summary.text
    user.press("Подтвердить")
    await user.expect("Сохранено")
    assert await run_db("SELECT phone, country FROM registrations") == [("+77020001122", "JO")]
    # A phone change is not a move: still one place in the history.
    assert await run_db("SELECT count(*) FROM place_history") == [(1,)]

    # Moving on: "update my location" asks only where, then shows the summary.
    await user.expect("☰")
    user.press("Обновить моё местоположение")
    await user.expect("В какой стране")
    user.send("Катар")
    await user.expect("Город или место")
    user.send("Доха")
    await user.expect("Ваш статус")  # Doha is in Qatar: no question
    user.press("В транзите")
    await user.expect("Проверьте данные")
    user.press("Подтвердить")
    await user.expect("Сохранено")
    history = await run_db("SELECT country, city, status FROM place_history ORDER BY id")
    assert history == [
        ("JO", "Амман, аэропорт Королевы Алии", "stuck"),
        ("QA", "Доха", "transit"),
    ]


async def test_delete_my_data_leaves_no_row(
    fake: FakeBotApi, bot: RunningBot, run_db: Query, db_path: Path | str
) -> None:
    user = fake.user(2005)
    other = fake.user(2006)
    await consent(other)
    await consent(user)
    await register_ru(user)
    # Start a second registration and leave a draft behind, then erase.
    user.send("/register")
    await user.expect("В какой стране")
    user.send("Оман")
    await user.expect("Город или место")
    # Persistence writes the draft within 0.2 s.
    draft = await eventually(
        lambda: run_db("SELECT count(*) FROM user_state WHERE user_id = 2005"), [(1,)]
    )
    assert draft == [(1,)]
    user.send("/cancel")
    await user.expect("Изменения отменены")
    user.send("/delete")
    await user.expect("Удалить мои данные?")
    user.press("Да, удалить всё")
    done = await user.expect("Ваши данные удалены — всё, что касалось вас")
    assert "регистрация, 1 место в истории, язык и согласие" in done.text
    assert any(b["text"] == "☰ Главное меню" for b in done.buttons())  # not a dead end
    await asyncio.sleep(0.5)  # a persistence flush must not bring it back
    db = Database(db_path, pool_size=1)
    await db.open()
    tables = await db.columns()
    await db.close()
    assert "outbox" in tables
    for table, columns in tables.items():
        for column in columns:
            hits = await run_db(
                f"SELECT count(*) FROM {table} WHERE CAST({column} AS TEXT) LIKE ?",  # noqa: S608
                ("%2005%",),
            )
            assert hits == [(0,)], f"{table}.{column} still mentions the user"
    # The other citizen is untouched.
    assert await run_db("SELECT user_id FROM citizens") == [(2006,)]


async def test_restart_mid_registration_resumes_at_the_same_step(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(2007)
    await consent(user)
    user.send("/register")
    await user.expect("В какой стране")
    user.press("Ливан")
    await user.expect("Город или место")
    user.send("Бейрут")
    await user.expect("Ваш статус")
    await bot.restart()
    # The buttons of the last question still work after the restart.
    user.press("Турист")
    await user.expect("Сколько вас")
    user.press("2")
    await user.expect("сколько детей")
    user.press("0")
    await user.expect("ФИО")
    await bot.restart()
    user.send("Петров Пётр")
    await user.expect("Номер телефона")
    user.send("+77011112233")
    await user.expect("Какая помощь")
    user.press("Консульская помощь")
    summary = await user.expect("Проверьте данные")
    assert "Ливан" in summary.text
    assert "Бейрут" in summary.text
    user.press("Подтвердить")
    await user.expect("Сохранено")
    rows = await run_db("SELECT country, city, status, party_size FROM registrations")
    assert rows == [("LB", "Бейрут", "tourist", 2)]


# Rows exactly as the bot stored them before the registration became a package (captured by
# running the old handlers/registration.py): a new draft waiting for the GPS answer, an edit
# of the phone, and an update of the place waiting for the status.
OLD_CONVERSATIONS = [
    ("registration", "[3001, 3001]", '"gps"'),
    ("registration", "[3002, 3002]", '"phone"'),
    ("registration", "[3003, 3003]", '"status"'),
]
OLD_USER_DATA = [
    (3001, '{"draft": {"_mode": "new", "_state": "gps", "_geo": {"country": "IR", "city":'
           ' "Tehran", "latitude": 35.7, "longitude": 51.42}}}'),
    (3002, '{"draft": {"full_name": "Серикова Айгерим Болатовна", "country": "JO", "city":'
           ' "Амман, аэропорт Королевы Алии", "latitude": null, "longitude": null, "status":'
           ' "stuck", "party_size": 3, "children": 1, "phone": "+77011234567", "needs":'
           ' "evacuation", "note": "Нужен детский <b>корм</b> & вода", "_mode": "edit",'
           ' "_state": "phone"}}'),
    (3003, '{"draft": {"full_name": "Серикова Айгерим Болатовна", "country": "QA", "latitude":'
           ' null, "longitude": null, "status": "stuck", "party_size": 3, "children": 1,'
           ' "phone": "+77011234567", "needs": "evacuation", "note": "Нужен детский <b>корм</b>'
           ' & вода", "_mode": "update", "_state": "status", "_gps": false, "city": "Доха"}}'),
]  # fmt: skip


async def test_drafts_saved_before_the_upgrade_resume_at_their_step(
    fake: FakeBotApi, bot: RunningBot, run_db: Query, db_path: Path
) -> None:
    located, editing, moving = fake.user(3001), fake.user(3002), fake.user(3003)
    for user in (located, editing, moving):
        await consent(user)
    await bot.stop()
    db = Database(db_path, pool_size=1)
    await db.open()
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO conversation_states (name, key, state) VALUES (?, ?, ?)",
            OLD_CONVERSATIONS,
        )
        await conn.executemany(
            "INSERT INTO user_state (user_id, data) VALUES (?, ?)", OLD_USER_DATA
        )
    await db.close()
    await bot.start()

    # The "Yes" under "Вы находитесь здесь?", sent by the old version, takes the GPS place.
    located.press_data("r:g:yes")
    await located.expect("Ваш статус")  # the city came from the location
    located.press("Турист")
    await located.expect("Сколько вас")

    # Editing the phone: the new number, then the summary of the old draft.
    editing.send("+7 702 000 11 22")
    summary = await editing.expect("Проверьте данные")
    assert "+77020001122" in summary.text
    assert "🇯🇴 Иордания" in summary.text
    editing.press("Подтвердить")
    await editing.expect("Сохранено")

    # Updating the place: the status button of the old question, then the summary.
    moving.press_data("r:s:transit")
    summary = await moving.expect("Проверьте данные")
    assert "Доха" in summary.text
    moving.press("Подтвердить")
    await moving.expect("Сохранено")

    rows = await run_db(
        "SELECT user_id, country, city, status, phone FROM registrations ORDER BY user_id"
    )
    assert rows == [
        (3002, "JO", "Амман, аэропорт Королевы Алии", "stuck", "+77020001122"),
        (3003, "QA", "Доха", "transit", "+77011234567"),
    ]
    await asyncio.sleep(0.5)  # persistence writes every 0.2 s in the tests
    (state,) = await run_db("SELECT data FROM user_state WHERE user_id = 3001")
    draft = json.loads(state[0])["draft"]
    assert (draft["country"], draft["city"], draft["_gps"], draft["status"]) == (
        "IR", "Tehran", True, "tourist",
    )  # fmt: skip
    assert await run_db("SELECT key, state FROM conversation_states") == [
        ("[3001, 3001]", '"party"')
    ]
