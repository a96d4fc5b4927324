"""Reply templates: /t and the picker in a topic, in the citizen's language; admins export,
edit and upload them; bad files and names change nothing."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from typing import Any

import yaml

from tests.support.desk import group_button, press_in_group, topic_says
from tests.support.fakebot import FakeBotApi, FakeUser
from tests.support.journeys import consent, open_chat, register_ru, topic_of
from tests.support.journeys import officer as officer_role
from tests.support.running import STAFF_CHAT, RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
ADMIN = 900001
STALE = "устарела"


async def test_t_and_the_picker_send_in_the_citizens_language(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    group = fake.chats[STAFF_CHAT]
    # Templates reach citizens: the officer needs a role (admin: every country).
    staff = await officer_role(fake, bot, 700701, "Асель", countries=())
    # A Kazakh citizen who never registered: named as in Telegram.
    aigerim = fake.user(8201, language_code="kk")
    await consent(aigerim, "Қазақша", "Келісемін")
    aigerim.press("Жедел желіге жазу")
    await aigerim.expect("Сұрағыңызды жазыңыз")
    aigerim.send("Сәлеметсіз бе")
    await aigerim.expect("№1")
    thread_kk = await topic_of(fake, "Сәлеметсіз бе")
    staff.send("/t greeting", chat=group, thread=thread_kk)
    got = await aigerim.expect("Сәлеметсіз бе, Айгерим Серикова! №1 өтінішіңіз қабылданды")
    assert "{" not in got.text
    await topic_says(fake, thread_kk, "шаблон «greeting» (язык: kk)")
    await asyncio.sleep(0.2)
    assert await run_db(
        "SELECT waiting_since IS NULL, first_staff_at IS NOT NULL, response_seconds >= 0"
        " FROM tickets WHERE id = 1"
    ) == [(1, 1, 1)]
    # A registered Russian citizen: the mission contacts of the registered country.
    alia = fake.user(8202)
    await consent(alia)
    await register_ru(alia)  # Jordan
    await alia.expect("☰")
    thread = await open_chat(fake, alia, "потеряла паспорт")
    staff.send("/t lost-passport", chat=group, thread=thread)
    answer = await alia.expect("свидетельством на возвращение")
    assert "Контакты загранучреждения (Иордания) ещё не внесены" in answer.text  # never invented
    # The picker: a template, its preview as the citizen will get it, then Send.
    staff.send("/t", chat=group, thread=thread)
    await topic_says(fake, thread, "Шаблоны ответа")
    press_in_group(staff, fake, "evacuation-list")
    preview = await topic_says(fake, thread, "Предпросмотр", kind="edit")
    assert "Серикова Айгерим Болатовна, вы внесены в список на эвакуацию" in preview.text
    message, send = group_button(fake, "Отправить")
    query = staff.press_data(send["callback_data"], message)
    assert "Отправлено" in (await staff.expect_answer(query))["text"]
    await alia.expect("вы внесены в список на эвакуацию")
    await topic_says(fake, thread, "отправлен шаблон «evacuation-list»", kind="edit")
    # The same Send pressed again (a stale copy of the button): nothing is sent twice.
    query = staff.press_data(send["callback_data"], message)
    assert "уже отправлен" in (await staff.expect_answer(query))["text"]
    await alia.settle(0.2)
    assert sum("список на эвакуацию" in e.text for e in alia.events()) == 1
    # Bad names and forged buttons: a clear answer, nothing sent.
    staff.send("/t nope", chat=group, thread=thread)
    unknown = await topic_says(fake, thread, "Шаблона «nope» нет")
    assert "greeting" in unknown.text
    ticket = message["message_thread_id"]
    for data in ("dk:p:999:greeting", "dk:s:2:nope", "dk:l:1", "dk:p:2:"):
        query = staff.press_data(data, message)
        assert STALE in (await staff.expect_answer(query))["text"], data
    query = alia.press_data("dk:s:2:greeting")  # from a private chat
    assert STALE in (await alia.expect_answer(query))["text"]
    assert ticket == thread
    # A closed ticket gets no template.
    staff.send("/close", chat=group, thread=thread)
    await alia.expect("оцените помощь")
    staff.send("/t closing", chat=group, thread=thread)
    await topic_says(fake, thread, "закрыто, сообщение не отправлено")
    await alia.settle(0.2)
    assert not any("Рады были помочь" in e.text for e in alia.events())
    # Outside a staff group /t is not a command anyone may use.
    alia.send("/t greeting")
    await alia.expect("Эта команда недоступна")


def upload(admin: FakeUser, document: dict[str, Any], filename: str = "templates-x.yaml") -> None:
    """The admin sends a templates file back."""
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    admin.send_media("document", data=text.encode("utf-8"), filename=filename,
                     mime="application/x-yaml")  # fmt: skip


async def test_admins_export_edit_and_upload_templates(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    admin = fake.user(ADMIN)
    await consent(admin)
    admin.send("/templates_export")
    exported = await admin.expect("Шаблоны ответов: 7")
    assert "{name}" in exported.text
    document = yaml.safe_load(fake.files[exported.message["document"]["file_id"]].decode())
    assert [t["name"] for t in document["templates"]][:2] == ["greeting", "need-details"]
    # Bad files: a missing language, an unknown placeholder, a duplicate, a bad name.
    broken = yaml.safe_load(yaml.safe_dump(document))
    del broken["templates"][0]["text"]["kk"]
    broken["templates"][1]["text"]["ru"] += " Ваш телефон: {phone}"
    broken["templates"].append(copy.deepcopy(broken["templates"][2]))
    broken["templates"].append({"name": "Плохое имя", "text": {"ru": "a", "kk": "ә"}})
    upload(admin, broken)
    rejected = await admin.expect("Файл шаблонов не принят")
    assert "«greeting»: нет текста на языке kk" in rejected.text
    assert "неизвестная подстановка {phone}" in rejected.text
    assert "«lost-passport» встречается дважды" in rejected.text
    assert "templates[8]: имя из строчных латинских букв" in rejected.text
    admin.send_media("document", data=b"templates:\n  - name: [a\n", filename="templates.yaml")
    await admin.expect("ошибка YAML")
    assert await run_db("SELECT count(*) FROM content WHERE name = 'templates'") == [(0,)]
    # A good one: one template changed, one added; applied only on "Apply".
    document["templates"][0]["text"]["ru"] = "Добрый день, {name}! Обращение №{ticket} у нас."
    document["templates"].append(
        {"name": "visa", "text": {"ru": "О визах: {contacts}", "kk": "Виза туралы: {contacts}"}}
    )
    upload(admin, document)
    summary = await admin.expect("Шаблоны ответов после загрузки")
    assert "новые: visa" in summary.text
    assert "изменённые: greeting" in summary.text
    admin.press("Применить")
    await admin.expect("Шаблоны обновлены: 8")
    assert await run_db("SELECT count(*) FROM content WHERE name = 'templates'") == [(1,)]
    audit = await run_db(
        "SELECT actor_id FROM audit_log WHERE action = 'content.templates.update'"
    )
    assert audit == [(ADMIN,)]
    # Live at once, and after a restart too.
    await bot.restart()
    citizen = fake.user(8211)
    await consent(citizen)
    thread = await open_chat(fake, citizen, "вопрос")
    sender = await officer_role(fake, bot, 700702, "Консул", countries=())
    sender.send("/t greeting", chat=fake.chats[STAFF_CHAT], thread=thread)
    await citizen.expect("Добрый день, Айгерим Серикова! Обращение №1 у нас.")
    # Staff without the admin role may not export.
    consul = fake.user(700703)
    consul.chat.started = True
    admin.send("/grant 700703 staff JO")
    await admin.expect("700703: сотрудник")
    consul.send("/templates_export")
    await consul.expect("Эта команда недоступна")
    # The FAQ upload still takes every other YAML file.
    admin.send_media("document", data=b"topics: []\nentries: []\n", filename="faq.yaml")
    await admin.expect("не принят")
