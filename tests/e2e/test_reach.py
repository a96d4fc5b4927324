"""Proof of reach end to end: a notice to 40 citizens, reminders to the silent in their
daytime, the list of those not reached, and SMS to them through the fake SMSC.kz."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.logs import setup_logging
from bot.settings import Settings
from tests.support.fakebot import Event, FakeBotApi
from tests.support.journeys import citizens, compose
from tests.support.running import RunningBot
from tests.support.seed import Person, seed
from tests.support.smsc import API_KEY, FakeSmsc

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
ADMIN = 900001
HEADER = "📢 Официальное сообщение МИД РК"
AE, US = range(1001, 1021), range(1021, 1041)  # Dubai UTC+4, New York UTC-5 in January
BLOCKED = [*range(1001, 1006), *range(1021, 1026)]
FAILED = [1006, 1007, 1026, 1027, 1028]
ACK = [*range(1008, 1016), *range(1029, 1036)]
SILENT_AE, SILENT_US = list(range(1016, 1021)), list(range(1036, 1041))
NO_PHONE = {1001, 1006, 1016, 1036}
LATE_ACK = 1017  # acknowledges under the first reminder
T0 = datetime(2030, 1, 10, 5, 0, tzinfo=UTC)  # 09:00 in Dubai, 00:00 in New York


def phone(uid: int) -> str:
    """The seeded phone of a citizen, as SMSC receives it (digits)."""
    return f"7701{uid % 10_000_000:07d}"


def copies(fake: FakeBotApi, uid: int, fragment: str = HEADER) -> list[Event]:
    return [e for e in fake.chat_events(uid) if e.kind == "send" and fragment in e.text]


async def drained(run_db: Query) -> None:
    """Every queued send is recorded: its time, not a later one, starts the next wait."""
    for _ in range(100):
        if await run_db("SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox did not drain")


@pytest.fixture
async def smsc() -> AsyncIterator[FakeSmsc]:
    """The fake SMSC.kz."""
    server = FakeSmsc()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def sms_bot(settings: Settings, smsc: FakeSmsc) -> AsyncIterator[RunningBot]:
    """The bot with the SMSC.kz gateway configured."""
    configured = settings.model_copy(
        update={
            "sms_gateway": "smsc",
            "sms_api_url": smsc.url,
            "sms_sender": "MFA KZ",
            "sms_api_key": API_KEY,
            "sms_rate": 50.0,
        }
    )
    configured = Settings.model_validate(configured.model_dump())
    running = RunningBot(configured)
    running.clock.set(T0)
    await running.start()
    yield running
    await running.stop()


async def test_forty_citizens_reminded_in_daytime_then_listed_and_sent_sms(
    fake: FakeBotApi, sms_bot: RunningBot, smsc: FakeSmsc, db_path: Path, run_db: Query,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    setup_logging("DEBUG")  # the most verbose level an operator can choose
    caplog.set_level(logging.DEBUG)
    people = [
        Person(uid, "AE" if uid in AE else "US", city="Dubai" if uid in AE else "New York",
               phone="" if uid in NO_PHONE else None)
        for uid in (*AE, *US)
    ]  # fmt: skip
    await seed(db_path, people)
    users = citizens(fake, people)
    for uid in BLOCKED:
        users[uid].chat.blocked = True
    for uid in FAILED:
        fake.inject("sendMessage", 400, "Bad Request: not enough rights to send text messages",
                    chat_id=uid)  # fmt: skip
    admin = fake.user(ADMIN, first_name="Админ")
    summary = await compose(
        admin, [], "Сбор у посольства 10.01.2030 18:00. Возьмите паспорт.",
        "Елшілік жанында жиналу 10.01.2030 18:00. Төлқұжатты алыңыз.", ack=True,
    )  # fmt: skip
    assert "Получателей сейчас: 40" in summary.text
    assert "Напоминания не ответившим: через 6 ч, не более 2" in summary.text
    assert "SMS не охваченным: нет" in summary.text
    admin.press("Добавить SMS-текст")
    await admin.expect("Пришлите текст SMS")
    admin.send("МИД РК: сбор у посольства 10.01 в 18:00, возьмите паспорт.")
    await admin.expect("58 символов с кириллицей (UCS-2), SMS: 1 (по 70 символов в одном)")
    again = await admin.expect("Проверьте перед отправкой")
    assert "SMS не охваченным: 58 симв., SMS: 1" in again.text
    admin.press("Подтвердить")
    report = await admin.expect("завершена", timeout=15, kind="edit")
    assert "доставлено: 25 · ошибки: 5 · заблокировали бота: 10" in report.text

    # The copies: a green button, and the typed time as a date_time entity readable anywhere.
    [copy] = copies(fake, 1016)
    assert "10.01.2030 18:00 (UTC+5)" in copy.text
    stamp = int(datetime(2030, 1, 10, 13, 0, tzinfo=UTC).timestamp())
    assert [(e["type"], e["unix_time"], e["date_time_format"]) for e in copy.message["entities"]
            ] == [("date_time", stamp, "wDt")]  # fmt: skip
    assert copy.buttons()[0]["style"] == "success"
    for uid in ACK:
        users[uid].press("Получено")
    await fake.wait_until(
        lambda: sum(1 for u in ACK if copies(fake, u)[0].buttons()[0]["text"] == "✓ Отмечено")
        == len(ACK), what="acknowledgements",
    )  # fmt: skip
    await admin.expect("Ответили «Получено»: 15", timeout=10, kind="edit")
    notices = sms_bot.services.notices

    # Six hours on: 15:05 in Dubai, 06:05 in New York. Only Dubai's silent are reminded.
    sms_bot.clock.set(T0 + timedelta(hours=6, minutes=5))
    assert await notices.remind_tick() == len(SILENT_AE)
    for uid in SILENT_AE:
        reminder = await users[uid].expect("Напоминание МИД РК", timeout=10)
        assert reminder.buttons()[0]["callback_data"] == "ack:1"
        assert reminder.buttons()[0]["style"] == "success"
    [call] = [c for c in fake.calls_of("sendMessage")
              if c.params.get("chat_id") == 1016 and "reply_parameters" in c.params]  # fmt: skip
    assert (
        call.params["reply_parameters"]["message_id"]
        == copies(fake, 1016)[0].message["message_id"]
    )
    assert all(copies(fake, uid, "Напоминание") == [] for uid in SILENT_US + ACK)
    await drained(run_db)
    users[LATE_ACK].press("Получено")  # under the reminder
    await users[LATE_ACK].expect(kind="edit")
    # 09:30 in New York: its silent get their first; Dubai's second is not due yet.
    sms_bot.clock.set(T0 + timedelta(hours=9, minutes=30))
    assert await notices.remind_tick() == len(SILENT_US)
    await drained(run_db)
    # 21:10 in Dubai (their second is due, but it is night there), 12:10 in New York.
    sms_bot.clock.set(T0 + timedelta(hours=12, minutes=10))
    assert await notices.remind_tick() == 0
    sms_bot.clock.set(T0 + timedelta(hours=15, minutes=40))  # 10:40 in New York
    assert await notices.remind_tick() == len(SILENT_US)
    await drained(run_db)
    sms_bot.clock.set(T0 + timedelta(days=1, minutes=10))  # 09:10 in Dubai
    assert await notices.remind_tick() == len(SILENT_AE) - 1  # not the one who answered
    await drained(run_db)
    await fake.wait_until(
        lambda: all(len(copies(fake, u, "Напоминание")) == 2 for u in SILENT_AE if u != LATE_ACK),
        timeout=10, what="second reminders",
    )  # fmt: skip
    assert len(copies(fake, LATE_ACK, "Напоминание")) == 1
    assert all(len(copies(fake, u, "Напоминание")) == 2 for u in SILENT_US)
    assert all(copies(fake, u, "Напоминание") == [] for u in BLOCKED + FAILED + ACK)
    await admin.expect("Напоминаний отправлено: 19", timeout=10, kind="edit")

    # Nobody is handed on while Dubai's last reminder is fresh; after it, the rest are.
    sms_bot.clock.set(T0 + timedelta(days=1, hours=3))
    await notices.remind_tick()
    assert smsc.requests == []
    smsc.fail(phone(1018), status=503)  # retried
    smsc.fail(phone(1039), error_code=8)  # reported
    sms_bot.clock.set(T0 + timedelta(days=1, hours=6, minutes=20))
    await notices.remind_tick()
    handed = await admin.expect("напоминания закончились", timeout=10)
    silent = [u for u in SILENT_AE + SILENT_US if u != LATE_ACK]
    assert "Не охвачены: 24 (заблокировали бота: 10, ошибка: 5, не ответили: 9)" in handed.text
    assert "Им отправляются SMS: 20" in handed.text
    with_phone = {phone(u) for u in BLOCKED + FAILED + silent if u not in NO_PHONE}
    await fake.wait_until(lambda: len(smsc.requests) == len(with_phone) + 1, timeout=15,
                          what="SMS and one retry")  # fmt: skip
    assert {r["phones"] for r in smsc.requests} == with_phone
    assert set(smsc.phones()) == with_phone - {phone(1039)}
    assert (smsc.tried(phone(1018)), smsc.tried(phone(1039))) == (2, 1)
    assert {s.text for s in smsc.accepted} == {
        "МИД РК: сбор у посольства 10.01 в 18:00, возьмите паспорт."
    }
    assert {s.sender for s in smsc.accepted} == {"MFA KZ"}
    await admin.expect("SMS: отправлено: 19 · не удалось: 1", timeout=10, kind="edit")

    # The list for phone calls: blocked, failed and still silent, with phones.
    admin.press("Не охваченные (24)")
    done = await admin.expect("Не охваченные рассылкой №1: строк — 24", timeout=10)
    data = fake.files[done.message["document"]["file_id"]].decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert rows[0] == ["ФИО", "Телефон", "Страна", "Город", "Статус", "Нужды", "Охват",
                       "Причина", "Доставлено", "Напоминаний", "SMS"]  # fmt: skip
    listed = {r[0]: r for r in rows[1:]}
    assert set(listed) == {f"Citizen {u}" for u in BLOCKED + FAILED + silent}
    # Excel would read +7701… as a number: phones go out quoted as text ('+7…), see reports.
    assert listed["Citizen 1002"][1:3] == ["'+77010001002", "AE"]
    assert listed["Citizen 1002"][6] == "заблокировал(а) бота"
    assert listed["Citizen 1026"][6:8] == [
        "ошибка доставки", "Not enough rights to send text messages",
    ]  # fmt: skip
    assert listed["Citizen 1016"][1] == ""
    assert listed["Citizen 1016"][6] == "не ответил(а)"
    assert listed["Citizen 1037"][8:10] == ["2030-01-10 10:00", "2"]
    assert listed["Citizen 1039"][10] == "не удалось (SMSC 8: cannot be delivered to this number)"
    assert listed["Citizen 1018"][10] == "отправлено"
    sheet = await admin.expect(kind="send")
    book = load_workbook(io.BytesIO(fake.files[sheet.message["document"]["file_id"]]))
    assert book.active.max_row == 25

    # /reach: the notice in the list, its breakdown by country.
    admin.send("/reach")
    listing = await admin.expect("Охват последних рассылок")
    assert "доставлено 25 из 40 · подтвердили: 16 · не охвачены: 24" in listing.text
    admin.press("№1")
    breakdown = await admin.expect("Охват рассылки №1")
    lines = {line.split()[0]: line.split()[1:] for line in breakdown.text.splitlines()[2:5]}
    assert lines["AE"] == ["20", "13", "9", "4", "5", "2", "5", "8"]
    assert lines["US"] == ["20", "12", "7", "5", "5", "3", "5", "11"]
    actions = [r[0] for r in await run_db("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["notice.create", "notice.handed", "reach.export"]
    # Erasure takes the SMS handed on to a citizen with the rest of their data.
    users[1018].send("/delete")
    await users[1018].expect("Удалить мои данные?")
    users[1018].press("Да, удалить всё")
    await users[1018].expect("Ваши данные удалены")
    assert await run_db("SELECT count(*) FROM sms_outbox WHERE user_id = 1018") == [(0,)]
    assert await run_db("SELECT count(*) FROM sms_outbox") == [(19,)]
    # No phone, no SMS key and no SMS text in any log line.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "SMS" in logged or "sms" in logged
    assert not any(p in logged for p in with_phone)
    assert "+7701" not in logged
    assert API_KEY not in logged
    assert "возьмите паспорт" not in logged
