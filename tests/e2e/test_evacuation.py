"""Evacuation departures end to end: offers in priority order, parties never split, declines
and an expiry refilled from the queue, passport data, the manifest, boarding, departure,
retention and erasure; a cancelled departure tells everyone; bad input changes nothing."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.logs import setup_logging
from bot.settings import Settings
from storage.db import Database
from storage.models import to_iso
from tests.support.fakebot import Event, FakeBotApi, FakeUser
from tests.support.journeys import confirm_party, open_departure, staff_of
from tests.support.running import RunningBot
from tests.support.seed import Person, seed

ADMIN, STAFF_QA = 900001, 700502
DUBAI = ZoneInfo("Asia/Dubai")
OFFER = "место для эвакуации"
KK_OFFER = "эвакуациялық рейсте орын"
# Party sizes of citizens 5001..5030 (everyone else: 1), and who is vulnerable or stuck.
PARTY = {5001: 2, 5003: 3, 5005: 2, 5006: 4, 5007: 3, 5008: 5, 5009: 2, 5011: 2}
VULNERABLE = (5001, 5002, 5003)
STUCK = (5004, 5005, 5006)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[RunningBot]:
    """One worker, so offers leave in exactly the order they were queued."""
    tuned = settings.model_copy(
        update={"broadcast_workers": 1, "evacuation_check_seconds": 3600.0}
    )
    running = RunningBot(tuned)
    await running.start()
    yield running
    await running.stop()


async def register(db_path: Path, now: datetime) -> None:
    """30 who need evacuation in the UAE, registered in id order, plus five who must never be
    offered a seat: blocked, back home, needing nothing, in Qatar."""
    people = [
        Person(uid, "AE", status="stuck" if uid in STUCK else "tourist", needs="evacuation",
               party=PARTY.get(uid, 1), lang="kk" if uid in (5013, 5020) else "ru")
        for uid in range(5001, 5031)
    ]  # fmt: skip
    people += [
        Person(6001, "AE", needs="evacuation"), Person(6002, "AE", needs="evacuation"),
        Person(6003, "AE", needs="none"), Person(6004, "QA", needs="evacuation"),
    ]  # fmt: skip
    await seed(db_path, people)
    db = Database(db_path)
    await db.open()
    async with db.transaction() as conn:
        # The vulnerable and the stuck registered last: priority, not order, puts them first.
        for uid in range(5001, 5031):
            late = 200 if uid in VULNERABLE else 100 if uid in STUCK else 0
            stamp = to_iso(now - timedelta(days=10) + timedelta(minutes=uid - 5000 + late))
            await conn.execute(
                "UPDATE registrations SET created_at = ?, vulnerable = ? WHERE user_id = ?",
                (stamp, int(uid in VULNERABLE), uid),
            )
        blocked = "UPDATE citizens SET blocked_at = ? WHERE user_id = 6001"
        await conn.execute(blocked, (to_iso(now),))
        await conn.execute("UPDATE registrations SET active = 0 WHERE user_id = 6002")
    await db.close()


def offered(fake: FakeBotApi) -> list[int]:
    """Chats that got an offer (in either language), in the order the server received them."""
    return [
        e.chat_id for e in fake.events
        if e.kind == "send" and (OFFER in e.text or KK_OFFER in e.text)
    ]  # fmt: skip


def code_of(event: Event) -> str:
    match = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", event.text)
    assert match is not None, event.text
    return match.group(0)


def local(moment: datetime) -> str:
    return moment.astimezone(DUBAI).strftime("%Y-%m-%d %H:%M")


def users(fake: FakeBotApi, ids: range | list[int]) -> dict[int, FakeUser]:
    found = {}
    for uid in ids:
        found[uid] = fake.user(uid, language_code="ru")
        found[uid].chat.started = True
    return found


def xlsx_rows(fake: FakeBotApi, event: Event) -> list[tuple[Any, ...]]:
    data = fake.files[event.message["document"]["file_id"]]
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    assert sheet is not None
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


async def test_a_departure_from_offers_to_boarding(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    setup_logging("DEBUG")  # the most verbose level an operator can choose
    caplog.set_level(logging.DEBUG)
    clock = bot.clock
    start = clock.now()
    await register(db_path, start)
    people = users(fake, [*range(5001, 5031), 6001, 6002, 6003, 6004])
    admin = fake.user(ADMIN, first_name="Админ")
    admin.chat.started = True
    departs = start + timedelta(days=2)

    # Staff open a departure of 20 seats: the card is the confirmation.
    card = await open_departure(admin, local(departs))
    assert "Рейс №1" in card.text
    assert "Свободно мест" in card.text

    # Offers, in priority order: vulnerable, then stuck, then first registered; the party of
    # five (5008) and one of two (5011) do not fit in what is left and wait.
    first = [5001, 5002, 5003, 5004, 5005, 5006, 5007, 5009, 5010, 5012]
    await fake.wait_until(lambda: len(offered(fake)) == len(first), what="the first offers")
    assert offered(fake) == first
    offer_5006 = await people[5006].expect(OFFER)
    assert "Мест для вашей группы: 4" in offer_5006.text
    assert sum(PARTY.get(uid, 1) for uid in first) == 20
    # Offers go in the outbox's urgent tier: each has a deadline, and seats wait on it.
    tiers = await bot.services.db.fetchall(
        "SELECT DISTINCT priority FROM outbox WHERE run LIKE 'o:%'"
    )
    assert [r[0] for r in tiers] == [0]

    # A forged button (wrong token) and a button of somebody else's offer change nothing.
    button = people[5001].find_button("Подтверждаю, поеду")[1]["callback_data"]
    forged = people[5001].press_data(button.rsplit(":", 1)[0] + ":deadbeef")
    assert "устарела" in ((await people[5001].expect_answer(forged)).get("text") or "")
    stolen = people[5002].press_data(button)
    assert "устарела" in ((await people[5002].expect_answer(stolen)).get("text") or "")

    # 5001 confirms for the two of them, after two mistakes that are refused.
    people[5001].press("Подтверждаю, поеду")
    await people[5001].expect("Чтобы закрепить места")
    people[5001].send("Серикова Айгерим")
    await people[5001].expect("латинскими буквами")
    people[5001].send("Serikova Aigerim")
    await people[5001].expect("номер паспорта")
    people[5001].send("N12-34")
    await people[5001].expect("Номер не распознан")
    people[5001].send("n 1234 5678")
    await people[5001].expect("дата рождения")
    people[5001].send((start + timedelta(days=400)).strftime("%d.%m.%Y"))
    await people[5001].expect("не может быть в будущем")
    people[5001].send("02.03.1990")
    await people[5001].expect("Пассажир 2 из 2")
    people[5001].send("SERIKOV ERLAN")
    await people[5001].expect("номер паспорта")
    people[5001].send("N87654321")
    await people[5001].expect("дата рождения")
    people[5001].send("2019-07-15")
    summary = await people[5001].expect("Проверьте данные для списка пассажиров")
    assert "SERIKOVA AIGERIM · паспорт N12345678 · дата рождения 02.03.1990" in summary.text
    # Passport data is stored beside the offer, never in the persisted conversation data.
    await asyncio.sleep(0.5)
    state = await run_db("SELECT data FROM user_state WHERE user_id = 5001")
    assert state
    assert "N12345678" not in state[0][0]
    assert "SERIKOVA" not in state[0][0]
    people[5001].press("Подтвердить")
    done = await people[5001].expect("Места подтверждены")
    assert "EV1-" in done.text
    code_5001 = code_of(await people[5001].expect("Посадочный код"))
    # Confirm pressed again: the number and the code once more, nothing else changes.
    people[5001].press("Подтверждаю, поеду")
    await people[5001].expect("Места подтверждены")
    assert code_of(await people[5001].expect("Посадочный код")) == code_5001

    for uid, party in (
        (5003, [("ALIEV ASKAR", "N11111111", "01.01.1980"), ("ALIEVA DANA", "N11111112",
         "02.02.1982"), ("ALIEV TIMUR", "N11111113", "03.03.2015")]),
        (5004, [("BEKOV BERIK", "N22222222", "04.04.1975")]),
        (5007, [("OMAROV A", "N33333331", "05.05.1970"), ("OMAROVA B", "N33333332",
         "06.06.1972"), ("OMAROV C", "N33333333", "07.07.2001")]),
        (5012, [("NURLANOVA ZHANNA", "N44444444", "08.08.1999")]),
    ):  # fmt: skip
        await confirm_party(people[uid], party)

    # A party that grew after its offer, with no seat left for the newcomers: refused.
    async with _db(db_path) as db, db.transaction() as conn:
        await conn.execute("UPDATE registrations SET party_size = 5 WHERE user_id = 5009")
    people[5009].press("Подтверждаю, поеду")
    await people[5009].expect("свободных мест на рейсе не хватает")
    async with _db(db_path) as db, db.transaction() as conn:
        await conn.execute("UPDATE registrations SET party_size = 2 WHERE user_id = 5009")
    await confirm_party(people[5009], [("KIM OLGA", "M1234567", "09.09.1988"),
                                       ("KIM IGOR", "M7654321", "10.10.1986")])  # fmt: skip

    # An hour later two decline; each freed seat goes at once to the next party that fits.
    clock.set(start + timedelta(hours=1))
    for uid in (5002, 5005):
        people[uid].press("Отказаться")
        await people[uid].expect("Отказаться от места?")
        people[uid].press("Да, отказаться")
        await people[uid].expect("Вы отказались от места")
    await fake.wait_until(lambda: len(offered(fake)) == 12, what="the refill")
    assert offered(fake)[10:] == [5013, 5011]
    kk_offer = await people[5013].expect(KK_OFFER)
    assert "Растаймын, барамын" in str(kk_offer.buttons())
    # A decline replayed: a clear answer, nothing changes.
    people[5002].press("Подтверждаю, поеду")
    await people[5002].expect("уже отказались")
    await confirm_party(people[5006], [(f"TEST PERSON {c}", f"N5555555{i}", "01.01.2000")
                                       for i, c in enumerate("ABCD")])  # fmt: skip

    # 5010 lets the deadline pass: expired, and the seat goes to the next in line.
    clock.set(start + timedelta(hours=6, minutes=1))
    await bot.services.evacuation.tick()
    await fake.wait_until(lambda: len(offered(fake)) == 13, what="the offer after the expiry")
    assert offered(fake)[12] == 5014
    people[5010].press("Подтверждаю, поеду")
    await people[5010].expect("Срок подтверждения истёк")
    assert set(offered(fake)).isdisjoint({6001, 6002, 6003, 6004})
    assert len(offered(fake)) == len(set(offered(fake)))

    # The card: what was offered, confirmed, declined, expired, who waits, what is left.
    departure = await bot.services.evacuation.repo.get(1)
    assert departure is not None
    counts = await bot.services.evacuation.counts(departure)
    assert (counts.offered, counts.confirmed, counts.declined, counts.expired) == (3, 7, 2, 1)
    assert (counts.confirmed_seats, counts.offered_seats, counts.seats_left) == (16, 4, 0)
    # Waiting: the party of five and 5015..5030.
    assert counts.waitlisted == 17
    await fake.wait_until(
        lambda: "в очереди: 17" in (admin.chat.messages[card.message["message_id"]]["text"]),
        what="the live card",
    )

    # The manifest holds exactly the confirmed passengers with their passport fields.
    query = admin.press("📄 Список пассажиров")
    await admin.expect_answer(query)
    csv_doc = await admin.expect("Список пассажиров рейса №1")
    assert csv_doc.message["document"]["file_name"].endswith(".csv")
    xlsx = await admin.expect("", kind="send")
    rows = xlsx_rows(fake, xlsx)
    passengers = sorted((r[10], r[11]) for r in rows[1:])
    assert len(passengers) == 16
    assert ("SERIKOVA AIGERIM", "N12345678") in passengers
    assert ("KIM IGOR", "M7654321") in passengers
    assert {r[13][:4] for r in rows[1:]} == {"EV1-"}
    assert await run_db("SELECT count(*) FROM audit_log WHERE action = 'evacuation.manifest'") == [
        (1,)
    ]
    audit = await run_db("SELECT details FROM audit_log WHERE action LIKE 'evacuation.%'")
    assert not any("N12345678" in r[0] or "SERIKOVA" in r[0] for r in audit)

    # Boarding: a typed code, a scanned one (the QR's deep link), check-in mode; a wrong code
    # and a reused one are refused.
    admin.send(f"/board {code_5001.lower()}")
    boarded = await admin.expect("Посадка:")
    assert "SERIKOVA AIGERIM" in boarded.text
    assert "Прошли посадку: 2 из 16" in boarded.text
    admin.send(f"/board {code_5001}")
    await admin.expect("уже прошёл посадку")
    admin.send("/board ZZZZ-ZZZZ")
    await admin.expect("не найден")
    code_5003 = code_of(await _last_code(people[5003]))
    admin.send(f"/start board_{code_5003.replace('-', '')}")
    await admin.expect("Прошли посадку: 5 из 16")
    people[5004].send(f"/start board_{code_5003.replace('-', '')}")
    await people[5004].expect("покажите его сотруднику")
    admin.press("🎫 Посадка")
    await admin.expect("отправляйте коды по одному")
    admin.send(code_of(await _last_code(people[5004])))
    await admin.expect("Прошли посадку: 6 из 16")
    admin.press("Готово")
    await admin.expect("Посадка завершена: 6 из 16")

    # Erasure: a confirmed passenger's /delete takes the offer and passport data at once.
    offer_5012 = await run_db("SELECT id FROM evac_offers WHERE user_id = 5012")
    people[5012].send("/delete")
    await people[5012].expect("Удалить мои данные?")
    people[5012].press("Да, удалить всё")
    await people[5012].expect("Ваши данные удалены")
    assert await run_db("SELECT count(*) FROM evac_offers WHERE user_id = 5012") == [(0,)]
    assert await run_db(
        "SELECT count(*) FROM evac_passengers WHERE offer_id = ?", offer_5012[0]
    ) == [(0,)]

    # It leaves: the boarded registrations close as evacuated; the stats count them.
    clock.set(departs + timedelta(minutes=1))
    await bot.services.evacuation.tick()
    rows_active = await run_db(
        "SELECT user_id, active FROM registrations WHERE user_id IN (5001, 5003, 5004, 5007)"
    )
    assert sorted(rows_active) == [(5001, 0), (5003, 0), (5004, 0), (5007, 1)]
    history = await run_db("SELECT user_id FROM place_history WHERE status = 'evacuated'")
    assert sorted(r[0] for r in history) == [5001, 5003, 5004]
    admin.send("/stats AE")
    await admin.expect("Эвакуированы: 6")

    # Retention: passport data is erased 30 days after the departure, counts stay.
    clock.set(departs + timedelta(days=31))
    await bot.services.evacuation.tick()
    assert await run_db("SELECT count(*) FROM evac_passengers") == [(0,)]
    assert await run_db("SELECT evacuated FROM departures WHERE id = 1") == [(6,)]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("N12345678", "SERIKOVA", "KIM IGOR", "M7654321", code_5001, "Citizen 50"):
        assert secret not in logged


async def _last_code(user: FakeUser) -> Event:
    """The newest boarding code in the user's chat (waiting for it if it is on its way)."""

    def photos() -> list[Event]:
        return [e for e in user.events() if e.method == "sendPhoto" and "Посадочный" in e.text]

    await user.api.wait_until(photos, what="a boarding code")
    return photos()[-1]


class _db:
    """The bot's database from the test side (another connection, as a second process)."""

    def __init__(self, path: Path) -> None:
        self.db = Database(path)

    async def __aenter__(self) -> Database:
        await self.db.open()
        return self.db

    async def __aexit__(self, *exc: object) -> None:
        await self.db.close()


async def test_a_cancelled_departure_tells_everyone_and_decliners_queue_last(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Any
) -> None:
    start = bot.clock.now()
    await seed(db_path, [
        Person(uid, "AE", needs="evacuation", lang="kk" if uid == 7004 else "ru")
        for uid in range(7001, 7009)
    ])  # fmt: skip
    people = users(fake, range(7001, 7009))
    admin = fake.user(ADMIN, first_name="Админ")
    admin.chat.started = True
    # An earlier departure that 7002 declined and 7003 let expire: the back of the queue.
    async with _db(db_path) as db, db.transaction() as conn:
        carrier = await conn.fetchone(
            "INSERT INTO notices (author_id, text_ru, schedule, state, created_at, updated_at,"
            " kind) VALUES (?, '', 'now', 'done', ?, ?, 'evacuation') RETURNING id",
            (ADMIN, to_iso(start), to_iso(start)),
        )
        assert carrier is not None
        await conn.execute(
            "INSERT INTO departures (kind, country, city, audience, point, departs_at, seats,"
            " confirm_hours, state, notice_id, created_by, created_at, updated_at)"
            " VALUES ('bus', 'AE', 'Dubai', 'evacuation', 'x', ?, 2, 6, 'departed',"
            " ?, ?, ?, ?)",
            (to_iso(start - timedelta(days=1)), carrier[0], ADMIN, to_iso(start), to_iso(start)),
        )
        await conn.executemany(
            "INSERT INTO evac_offers (departure_id, user_id, seats, state, token, offered_at,"
            " deadline_at) VALUES (1, ?, 1, ?, 't', ?, ?)",
            [(7002, "declined", to_iso(start), to_iso(start)),
             (7003, "expired", to_iso(start), to_iso(start))],
        )  # fmt: skip

    card = await open_departure(admin, local(start + timedelta(days=1)), seats="8")
    assert "Рейс №2" in card.text
    await fake.wait_until(lambda: len(offered(fake)) == 8, what="the offers")
    assert offered(fake) == [7001, 7004, 7005, 7006, 7007, 7008, 7002, 7003]
    await confirm_party(people[7001], [("ABENOV ARMAN", "N77777777", "01.01.1991")])

    admin.press("✖ Отменить рейс")
    await admin.expect("Отменить рейс №2?")
    admin.press("Да, отменить рейс")
    await admin.expect("Сообщение об отмене получат: 8")

    def told() -> set[int]:
        return {
            e.chat_id for e in fake.events
            if "рейс отменён" in e.text or "рейс тоқтатылды" in e.text
        }  # fmt: skip

    await fake.wait_until(lambda: told() == set(range(7001, 7009)), what="everyone told")
    assert "рейс тоқтатылды" in (await people[7004].expect("ҚР СІМ: рейс")).text
    assert await run_db("SELECT count(*) FROM evac_passengers") == [(0,)]
    people[7005].press("Подтверждаю, поеду")
    await people[7005].expect("рейс отменён или уже отправился")
    await fake.wait_until(
        lambda: "· отменён" in admin.chat.messages[card.message["message_id"]]["text"],
        what="the card",
    )


async def test_staff_bad_input_other_countries_and_passenger_notices(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Any
) -> None:
    start = bot.clock.now()
    await seed(db_path, [Person(8001, "AE", needs="evacuation"), Person(8002, "AE")])
    people = users(fake, [8001, 8002])
    admin = fake.user(ADMIN, first_name="Админ")
    admin.chat.started = True
    qa = await staff_of(fake, admin, STAFF_QA, "QA")

    # A departure in the past, zero seats and hours that are not a number are refused.
    admin.send("/evacuation")
    await admin.expect("Эвакуационных рейсов пока нет")
    admin.press("➕ Новый рейс")
    await admin.expect("Какой транспорт")
    admin.press("Автобус")
    await admin.expect("Страна отправления")
    admin.send("Атлантида")
    await admin.expect("Не нашёл страну")
    admin.send("ОАЭ")
    await admin.expect("Город отправления")
    admin.send("Abu Dhabi")
    await admin.expect("Кому предлагать")
    admin.press("Всем зарегистрированным — вся страна (2)")
    await admin.expect("Пункт сбора")
    admin.send("Посольство, ворота 2")
    await admin.expect("геопозицию пункта сбора")
    admin.send_location(24.4539, 54.3773)
    await admin.expect("Геопозиция пункта сбора сохранена")
    admin.send(local(start - timedelta(hours=2)))
    await admin.expect("уже прошло")
    admin.send(local(start + timedelta(days=1)))
    await admin.expect("Сколько мест")
    admin.send("0")
    await admin.expect("Нужно число мест")
    admin.send("3")
    await admin.expect("Сколько часов")
    admin.send("много")
    await admin.expect("Нужно число часов")
    admin.send("12")
    await admin.expect("Куда")
    admin.press("Пропустить")
    summary = await admin.expect("Проверьте рейс")
    assert "Подходят сейчас: 2" in summary.text
    admin.press("Открыть и разослать")
    await admin.expect("Рейс №1")
    await fake.wait_until(lambda: set(offered(fake)) == {8001, 8002}, what="both offered")

    # Staff of another country: the card's buttons and the country are refused.
    for data in ("ev:m:1", "ev:c:1", "ev:e:1", "ev:p:1", "ev:b:1", "ev:cc:1"):
        query = qa.press_data(data)
        assert "недоступна" in ((await qa.expect_answer(query)).get("text") or ""), data
    qa.send("/evacuation")
    await qa.expect("пока нет")
    qa.press("➕ Новый рейс")
    await qa.expect("Какой транспорт")
    qa.press("Другой транспорт")
    await qa.expect("Ваши страны: QA")
    qa.send("AE")
    await qa.expect("вне вашей зоны")
    qa.send("/cancel")
    await qa.expect("Отменено")
    # Citizens get the plain refusal for staff commands and forged staff buttons.
    people[8002].send("/evacuation")
    await people[8002].expect("недоступна")
    query = people[8002].press_data("ev:new")
    assert "недоступна" in ((await people[8002].expect_answer(query)).get("text") or "")

    # 8001 confirms; the seats cannot go below what is held; 8002's boarding code is refused
    # to staff of Qatar.
    await confirm_party(people[8001], [("TESTOV TEST", "N90000001", "01.01.1990")])
    await confirm_party(people[8002], [("TESTOVA TESTA", "N90000002", "02.02.1992")])
    code = code_of(await _last_code(people[8002]))
    qa.send(f"/board {code}")
    await qa.expect("вне вашей зоны")
    admin.press("✏️ Изменить")
    await admin.expect("Что изменить")
    admin.press("Число мест")
    await admin.expect("Сколько мест")
    admin.send("1")
    await admin.expect("Нельзя меньше 2")

    # A notice to the confirmed passengers, then recalled from its report.
    admin.send("/evacuation")
    await admin.expect("Рейс №1")
    admin.press("📣 Сообщение пассажирам")
    await admin.expect("на русском")
    admin.send("Сбор переносится к воротам 3")
    await admin.expect("казахском")
    admin.press("Отправить всем на русском")
    await admin.expect("Отправить сообщение пассажирам рейса №1?")
    admin.press("Подтвердить")
    await admin.expect("пассажирам рейса №1")
    for person in people.values():
        await person.expect("Сбор переносится к воротам 3")
    report = await admin.expect("завершена", kind="edit", timeout=10)
    assert "Получателей: 2 · доставлено: 2" in report.text
    assert any("Отозвать" in b["text"] for b in report.buttons())
    # Edited from its report with the notices' own flow: every delivered copy changes.
    admin.press("Изменить")
    await admin.expect("новый текст")
    admin.send("Сбор у ворот 4")
    await admin.expect("казахском")
    admin.press("Отправить всем на русском")
    await admin.expect("Заменить текст рассылки")
    admin.press("Подтвердить")
    await fake.wait_until(
        lambda: all(
            any("Сбор у ворот 4" in e.text for e in p.events() if e.kind == "edit")
            for p in people.values()
        ),
        what="the copies edited",
    )
    admin.press("Отозвать")
    await admin.expect("Отозвать рассылку")
    admin.press("Да")
    await fake.wait_until(
        lambda: len([e for e in fake.events if e.kind == "delete"]) == 2, what="the recall"
    )
