"""Admins edit the FAQ and directory as YAML through the bot, end to end."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.fakebot import FakeBotApi
from tests.support.journeys import ADMIN, consent, exported, upload
from tests.support.running import RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]


async def test_yaml_round_trip(fake: FakeBotApi, bot: RunningBot, run_db: Query) -> None:
    admin = fake.user(ADMIN)
    await consent(admin)
    document = await exported(fake, admin)
    assert len(document["entries"]) >= 25
    assert document["directory"]["AE"]["polling"]["status"] == "suspended"
    # Edit: fill the embassy hotline in Qatar, change an answer, add a question.
    document["directory"]["QA"]["missions"][0]["hotline"] = "+974 0000 0000 (тест)"
    lost = next(e for e in document["entries"] if e["id"] == "lost-passport")
    lost["answer"]["ru"] = "Обратитесь в загранучреждение за <b>свидетельством на возвращение</b>."
    document["entries"].append(
        {
            "id": "pets", "topic": "evacuation",
            "question": {"ru": "Можно ли вывезти домашних животных?",
                         "kk": "Үй жануарларын алып шығуға бола ма?"},
            "answer": {"ru": "Уточняйте условия у перевозчика.",
                       "kk": "Шарттарын тасымалдаушыдан нақтылаңыз."},
            "ask": {"ru": ["кошка собака эвакуация"], "kk": ["мысық ит"]},
        }
    )  # fmt: skip
    upload(admin, document)
    summary = await admin.expect("Проверьте изменения")
    assert "pets" in summary.text
    assert "lost-passport" in summary.text
    assert "QA" in summary.text
    assert await run_db("SELECT count(*) FROM content") == [(0,)]  # nothing before confirm
    admin.press("Применить")
    await admin.expect("Изменения применены")
    rows = await run_db("SELECT actor_id, action, details FROM audit_log")
    assert rows[0][:2] == (ADMIN, "content.faq.update")
    assert "pets" in rows[0][2]
    # Citizens see it at once, and after a restart.
    citizen = fake.user(6101)
    await consent(citizen)
    citizen.send("можно ли вывезти кошку и собаку")
    await citizen.expect("Уточняйте условия у перевозчика")
    await bot.restart()
    citizen.send("потерял паспорт")
    await citizen.expect("Обратитесь в загранучреждение")
    citizen.send("телефон посольства")
    await citizen.expect("Для какой страны")
    citizen.press("Катар")
    await citizen.expect("Горячая линия: +974 0000 0000 (тест)")


async def test_broken_uploads_are_rejected_and_change_nothing(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    admin = fake.user(ADMIN)
    await consent(admin)
    document = await exported(fake, admin)
    first = document["entries"][0]
    del first["answer"]["kk"]
    document["entries"][1]["answer"]["ru"] = "<script>alert(1)</script>"
    document["entries"][2]["question"]["kk"] = "я" * 300
    document["entries"][3]["id"] = document["entries"][4]["id"]
    upload(admin, document)
    rejected = await admin.expect("Файл не принят")
    assert "нет текста на языке kk" in rejected.text
    assert "&lt;script&gt;" not in rejected.text  # escaped once, shown as the tag
    assert "<script>" in rejected.text
    assert "длиннее 200 символов" in rejected.text
    assert "встречается дважды" in rejected.text
    upload(admin, "topics: [unclosed")
    await admin.expect("ошибка синтаксиса YAML")
    upload(admin, "just text")
    await admin.expect("нет списков topics и entries")
    assert await run_db("SELECT count(*) FROM content") == [(0,)]
    assert await run_db("SELECT count(*) FROM audit_log") == [(0,)]
    # A stale confirmation button after nothing is pending.
    query = admin.press_data("ca:yes")
    assert "устарела" in (await admin.expect_answer(query))["text"]


async def test_discard_and_no_changes(fake: FakeBotApi, bot: RunningBot, run_db: Query) -> None:
    admin = fake.user(ADMIN)
    await consent(admin)
    document = await exported(fake, admin)
    upload(admin, document)
    await admin.expect("совпадает с текущей версией")
    document["topics"][0]["title"]["ru"] = "Сейчас"
    upload(admin, document)
    await admin.expect("изменённых тем: 1")
    admin.press("Отменить")
    await admin.expect("Загрузка отменена")
    assert await run_db("SELECT count(*) FROM content") == [(0,)]


async def test_citizens_cannot_export_or_upload(fake: FakeBotApi, bot: RunningBot) -> None:
    citizen = fake.user(6102)
    await consent(citizen)
    citizen.send("/faq_export")
    await citizen.expect("Эта команда недоступна")
    upload(citizen, "topics: []\nentries: []\n")
    await citizen.expect("бот пока не принимает")
    assert not [e for e in citizen.events() if e.method == "sendDocument"]


async def test_long_directory_entries_stay_within_telegram_limits(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    admin = fake.user(ADMIN)
    await consent(admin)
    document = await exported(fake, admin)
    for mission in document["directory"]["AE"]["missions"]:
        for key in ("address", "hotline", "emergency", "email", "hours"):
            mission[key] = "д" * 300
    entry = next(e for e in document["entries"] if e["id"] == "contact-embassy")
    entry["answer"]["ru"] = "ж" * 3000 + "\n{contacts}"
    upload(admin, document)
    await admin.expect("Проверьте изменения")
    admin.press("Применить")
    await admin.expect("Изменения применены")
    citizen = fake.user(6103)
    await consent(citizen)
    citizen.send("адрес посольства")
    await citizen.expect("Для какой страны")
    citizen.press("Объединённые Арабские Эмираты")
    contacts = await citizen.expect("Генеральное консульство")
    answer = await citizen.expect("жжж")
    assert len(contacts.text) < 4096
    assert len(answer.text) < 4096
    assert not [c for c in fake.calls if c.status == 400]
