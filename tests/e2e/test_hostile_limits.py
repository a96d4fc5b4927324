"""Issue 14, items 9-10: Telegram's length rule in UTF-16 units, and numbers in ASCII digits."""

from __future__ import annotations

from typing import Any

from tests.support.fakebot import Event, FakeBotApi
from tests.support.fakebot.model import utf16_len
from tests.support.journeys import (
    ADMIN,
    consent,
    officer,
    open_chat,
    register_ru,
    to_status_step,
    topic_of,
)
from tests.support.running import STAFF_CHAT, RunningBot

GENERIC_ERROR = "Что-то пошло не так"
# 2,048 emoji: 2,048 characters, 4,096 UTF-16 units, a full-length message.
FULL = "😀" * 2048


def topic_events(fake: FakeBotApi, thread: int) -> list[Event]:
    return [
        e for e in fake.chat_events(STAFF_CHAT) if e.message.get("message_thread_id") == thread
    ]


async def test_a_full_length_edit_reaches_the_topic_whole(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    user = fake.user(8301)
    await consent(user)
    thread = await open_chat(fake, user, "Сообщение")
    first = user.send(FULL)
    await fake.wait_until(lambda: any(e.text == FULL for e in topic_events(fake, thread)))
    edited = "😃" * 2047 + "!!"
    assert utf16_len(edited) == 4096
    user.edit(first, edited)
    await fake.wait_until(
        lambda: len([e for e in topic_events(fake, thread) if "😃" in e.text]) >= 2,
        what="the edit in two messages",
    )
    pieces = [e for e in topic_events(fake, thread) if "😃" in e.text]
    prefix = "✏️ Гражданин исправил сообщение: "
    assert pieces[0].text.startswith(prefix)
    assert pieces[0].text.removeprefix(prefix) + pieces[1].text == edited
    assert all(utf16_len(p.text) <= 4096 for p in pieces)
    await user.settle()
    assert not [e for e in user.unread() if "Не удалось передать" in e.text]


async def test_a_full_length_answer_is_delivered_unsigned(fake: FakeBotApi, settings: Any) -> None:
    running = RunningBot(settings.model_copy(update={"sign_staff_answers": True}))
    await running.start()
    try:
        user = fake.user(8302)
        await consent(user)
        thread = await open_chat(fake, user, "вопрос")
        consul = await officer(fake, running, 700301, "Данияр")
        consul.send(FULL, chat=fake.chats[STAFF_CHAT], thread=thread)
        answer = await user.expect("😀")
        assert answer.text == FULL  # the signature gave way, the answer did not
        consul.send("Короткий ответ", chat=fake.chats[STAFF_CHAT], thread=thread)
        assert "— Данияр" in (await user.expect("Короткий ответ")).text
        assert not [e for e in topic_events(fake, thread) if "Не доставлено" in e.text]
    finally:
        await running.stop()


async def test_a_topic_name_fits_in_utf16_units_and_keeps_the_ticket(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    user = fake.user(8303)
    await consent(user)
    user.send("/register")
    await user.expect("В какой стране")
    user.press("Иордания")
    await user.expect("Город или место")
    user.send("Амман")
    await user.expect("Ваш статус")
    user.press("Турист")
    await user.expect("Сколько вас")
    user.send("1")
    await user.expect("ФИО")
    user.send("🦅" * 100)  # 100 characters, 200 units
    await user.expect("Номер телефона")
    user.reply_button("Поделиться номером")
    await user.expect("Какая помощь")
    user.press("Помощь не нужна")
    await user.expect("Проверьте данные")
    user.press("Подтвердить")
    await user.expect("☰")
    user.press("Написать на горячую линию")
    await user.expect("Напишите ваш вопрос")
    user.send("Здравствуйте")
    await user.expect("передано консульским сотрудникам")
    await topic_of(fake, "Здравствуйте")
    (topic,) = fake.chats[STAFF_CHAT].topics.values()
    assert utf16_len(topic["name"]) <= 128
    assert topic["name"].startswith("🇯🇴 Иордания · 🦅")
    assert topic["name"].endswith(" · #1")


async def test_unicode_digits_are_not_numbers(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(8304)
    await to_status_step(user)
    user.press("Турист")
    await user.expect("Сколько вас")
    for bad in ("²", "①", "٣"):
        user.send(bad)
        await user.expect("Введите число от 1 до 20")
    forged = user.press_data("r:p:²")
    assert "устарела" in (await user.expect_answer(forged))["text"]
    user.send("2")
    await user.expect("сколько детей")
    # A rating forged with a circled digit, and with a superscript one.
    for data in ("rt:①:5", "rt:1:²"):
        query = user.press_data(data)
        assert "устарела" in (await user.expect_answer(query))["text"]
    # Admins' commands take ASCII ids only.
    admin = fake.user(ADMIN)
    await consent(admin)
    admin.send("/grant ² staff AE")
    await admin.expect("Формат: /grant")
    admin.send("/revoke ²")
    await admin.expect("/revoke")
    admin.send("/route JO -²")
    await admin.expect("Использование: /route")
    await user.settle()
    await admin.settle()
    assert not [e for e in user.events() + admin.events() if GENERIC_ERROR in e.text]


async def test_a_registered_citizen_can_still_rate(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(8305)
    await consent(user)
    await register_ru(user)
    await user.expect("☰")
    thread = await open_chat(fake, user, "вопрос")
    consul = await officer(fake, bot, 700302)
    consul.send("/close", chat=fake.chats[STAFF_CHAT], thread=thread)
    await user.expect("оцените помощь")
    user.press("⭐⭐⭐⭐")
    await user.expect("Спасибо за оценку")
