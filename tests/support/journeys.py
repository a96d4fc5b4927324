"""User journeys that several tests replay: consent, a registration, a notice, a hotline chat."""

from __future__ import annotations

from typing import Any

import yaml

from bot.staff.roles import Role
from tests.support.fakebot import Event, FakeBotApi, FakeUser
from tests.support.running import RunningBot
from tests.support.seed import Person

# The bootstrap admin of the test settings.
ADMIN = 900001


async def exported(fake: FakeBotApi, admin: FakeUser) -> dict[str, Any]:
    admin.send("/faq_export")
    event = await admin.expect("Отредактируйте файл")
    file_id = event.message["document"]["file_id"]
    assert event.message["document"]["file_name"].endswith(".yaml")
    document = yaml.safe_load(fake.files[file_id].decode("utf-8"))
    assert isinstance(document, dict)
    return document


def upload(admin: FakeUser, document: dict[str, Any] | str) -> None:
    text = document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True)
    admin.send_media("document", data=text.encode("utf-8"), filename="faq.yaml",
                     mime="application/x-yaml")  # fmt: skip


def file_of(fake: FakeBotApi, event: Event, kind: str) -> bytes:
    obj = event.message[kind]
    file_id = (obj[-1] if isinstance(obj, list) else obj)["file_id"]
    return fake.files[file_id]


async def consent(user: FakeUser, lang_button: str = "Русский", agree: str = "Согласен") -> None:
    """Start, choose the language and accept the privacy notice."""
    user.send("/start")
    await user.expect("Выберите язык")
    user.press(lang_button)
    await user.expect("🔒")
    user.press(agree)
    await user.expect("☰")


async def register_ru(user: FakeUser) -> None:
    """A full registration in Russian through buttons and typed answers."""
    user.press("📝 Зарегистрироваться")
    await user.expect("В какой стране")
    user.press("Иордания")
    await user.expect("Страна: 🇯🇴 Иордания")
    await user.expect("Город или место")
    user.send("Амман, аэропорт Королевы Алии")
    await user.expect("Ваш статус")
    user.press("Застрял(а) в аэропорту")
    await user.expect("Сколько вас")
    user.press("3")
    await user.expect("Из 3 человек сколько детей")
    user.press("1")
    await user.expect("ФИО как в паспорте")
    user.send("Серикова Айгерим Болатовна")
    await user.expect("Номер телефона")
    user.reply_button("Поделиться номером")
    await user.expect("Номер принят: +77011234567")
    await user.expect("Какая помощь")
    user.press("Эвакуация")
    await user.expect("Что ещё важно")
    user.send("Нужен детский <b>корм</b> & вода")
    summary = await user.expect("Проверьте данные")
    assert "Серикова Айгерим Болатовна" in summary.text
    assert "Нужен детский <b>корм</b> & вода" in summary.text  # shown literally, not as HTML
    user.press("Подтвердить")
    await user.expect("✅ Сохранено")


async def to_status_step(user: FakeUser) -> None:
    """Consent, then a registration up to the status question (Israel, Tel Aviv)."""
    await consent(user)
    user.send("/register")
    await user.expect("В какой стране")
    user.press("Израиль")
    await user.expect("Город или место")
    user.send("Тель-Авив")
    await user.expect("Ваш статус")


def citizens(fake: FakeBotApi, people: list[Person]) -> dict[int, FakeUser]:
    """Fake Telegram users for seeded citizens, with chats that exist."""
    users = {}
    for p in people:
        user = fake.user(p.user_id, language_code=p.lang)
        user.chat.started = True
        users[p.user_id] = user
    return users


async def compose(
    staff: FakeUser,
    pick: list[str],
    ru: str,
    kk: str | None,
    *,
    ack: bool = False,
    when: str = "Сейчас",
    when_text: list[str] | None = None,
    statuses: list[str] | None = None,
) -> Event:
    """Go through /broadcast as staff do; returns the summary message."""
    staff.send("/broadcast")
    await staff.expect("Новое официальное сообщение")
    for name in pick:
        staff.press(name)
        await staff.expect(name, kind="edit")
    for status in statuses or []:
        staff.press(status)
        await staff.expect("Получателей", kind="edit")
    staff.press("Далее")
    await staff.expect("на <b>русском</b>".replace("<b>", "").replace("</b>", ""))
    staff.send(ru)
    await staff.expect("казахском")
    if kk is None:
        staff.press("Отправить всем на русском")
    else:
        staff.send(kk)
    await staff.expect("приложить фото")
    staff.press("Пропустить")
    await staff.expect("Получено / я в безопасности")
    staff.press("С кнопкой «Получено»" if ack else "Без кнопки")
    await staff.expect("Когда отправить")
    staff.press(when)
    for line in when_text or []:
        await staff.settle(0.1)
        staff.send(line)
    return await staff.expect("Проверьте перед отправкой")


async def open_chat(fake: FakeBotApi, user: FakeUser, text: str) -> int:
    """Citizen presses 'write to the hotline' and writes; returns the topic's thread id."""
    user.press("Написать на горячую линию")
    await user.expect("Напишите ваш вопрос")
    user.send(text)
    await user.expect("передано консульским сотрудникам")
    return await topic_of(fake, text)


async def topic_of(fake: FakeBotApi, text: str, timeout: float = 10.0) -> int:
    """The thread of the topic a citizen's message was relayed into (a topic message ending
    with `text`), once it is there: the relay sends as the group's budget allows, after the
    citizen's acknowledgement."""

    def found() -> int | None:
        for event in reversed(fake.events):
            thread = event.message.get("message_thread_id")
            if event.chat_id < 0 and thread is not None and event.text.endswith(text):
                return int(thread)
        return None

    thread = await fake.wait_until(found, timeout, f"{text!r} in a topic")
    assert isinstance(thread, int)
    return thread


async def staff_of(fake: FakeBotApi, admin: FakeUser, user_id: int, scope: str) -> FakeUser:
    """A user whom the admin grants the staff role for `scope` (countries) with /grant."""
    member = fake.user(user_id, first_name="Консул")
    member.chat.started = True
    admin.send(f"/grant {user_id} staff {scope}")
    await admin.expect(f"{user_id}: сотрудник")
    return member


async def officer(
    fake: FakeBotApi,
    bot: RunningBot,
    user_id: int,
    first_name: str = "Консул",
    countries: tuple[str, ...] = ("JO",),
) -> FakeUser:
    """A hotline officer: a user granted the staff role for `countries` (Jordan by default,
    where register_ru registers), as an admin's /grant would; admin for no countries."""
    role = Role("staff", frozenset(countries)) if countries else Role("admin", frozenset())
    await bot.services.roles.grant(user_id, role, ADMIN, bot.services.clock.now())
    return fake.user(user_id, first_name=first_name, last_name=None)
