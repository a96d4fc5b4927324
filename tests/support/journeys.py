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
    """Start, agree to the privacy notice, and leave the registration it leads into: the menu.

    The language comes from Telegram; `lang_button` is pressed when the notice offers it as
    the switch to the other language.
    """
    user.send("/start")
    privacy = await user.expect("🔒")
    if any(lang_button in b["text"] for b in privacy.buttons()):
        user.press(lang_button)
        await user.expect("🔒", kind="edit")
    user.press(agree)
    await user.expect("В какой стране" if agree == "Согласен" else "қай елдесіз")
    user.press("✖")
    await user.expect("☰")


async def register_ru(user: FakeUser) -> None:
    """A full registration in Russian through buttons and typed answers, a note included."""
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
    await user.expect("особая помощь")
    user.press("Нет")
    await user.expect("Проверьте данные")
    user.press("Добавить заметку")
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


# Hamad International Airport, Doha: where the citizen is stuck at night.
DOHA_AIRPORT = (25.2731, 51.6081)
# The quickest first registration, as (action, label, what the bot says next): /start, agree,
# the location, status, party, the Telegram name, the contact, needs, confirm.
Script = list[tuple[str, str, str]]
QUICKEST_REGISTRATION: dict[str, Script] = {
    "ru": [
        ("send", "/start", "🔒"),
        ("press", "Согласен", "В какой стране"),
        ("location", "Отправить геопозицию", "Ваш статус"),
        ("press", "Застрял(а)", "Сколько вас"),
        ("press", "1", "ФИО"),
        ("press", "Использовать", "Номер телефона"),
        ("contact", "Поделиться номером", "Какая помощь"),
        ("press", "Временное размещение", "Проверьте данные"),
        ("press", "Подтвердить", "☰"),
    ],
    "kk": [
        ("send", "/start", "🔒"),
        ("press", "Келісемін", "қай елдесіз"),
        ("location", "Геолокацияны жіберу", "Қазіргі жағдайыңыз"),
        ("press", "Әуежайда", "қанша адамсыздар"),
        ("press", "1", "Төлқұжаттағыдай"),
        ("press", "атын қолдану", "Байланыс телефоны"),
        ("contact", "Нөміріммен бөлісу", "қандай көмек"),
        ("press", "Уақытша орналастыру", "Деректерді тексеріңіз"),
        ("press", "Растау", "☰"),
    ],
}


async def walk(user: FakeUser, script: Script, location: tuple[float, float]) -> int:
    """Play `script` as `user`; returns the number of actions it took."""
    for action, label, then in script:
        if action == "send":
            user.send(label)
        elif action == "press":
            user.press(label)
        elif action == "location":
            user.reply_button(label, location=location)
        else:
            user.reply_button(label)
        await user.expect(then)
    return len(script)


def keyboards_left(fake: FakeBotApi, user: FakeUser) -> int:
    """Bot messages in the user's chat that still carry inline buttons, the newest aside."""
    mine = [
        m for m in user.chat.messages.values()
        if m.get("from", {}).get("id") == fake.bot_user["id"] and not m.get("deleted")
    ]  # fmt: skip
    with_buttons = [m for m in mine if (m.get("reply_markup") or {}).get("inline_keyboard")]
    return len(with_buttons) - (1 if with_buttons and with_buttons[-1] is mine[-1] else 0)


async def open_departure(
    staff: FakeUser,
    when: str,
    *,
    country: str = "AE",
    city: str = "Dubai",
    who: str = "Нуждающимся в эвакуации — вся страна",
    point: str = "Терминал 1, выход 5",
    seats: str = "20",
    hours: str = "6",
    destination: str | None = "Алматы",
    location: tuple[float, float] | None = None,
) -> Event:
    """Go through /evacuation -> New departure as staff do; returns the departure's card."""
    staff.send("/evacuation")
    await staff.expect("Новый рейс")
    staff.press("➕ Новый рейс")
    await staff.expect("Какой транспорт")
    staff.press("Чартерный рейс")
    await staff.expect("Страна отправления")
    staff.send(country)
    await staff.expect("Город отправления")
    staff.send(city)
    await staff.expect("Кому предлагать")
    staff.press(who)
    await staff.expect("Пункт сбора")
    staff.send(point)
    await staff.expect("геопозицию пункта сбора")
    if location is None:
        staff.press("Пропустить")
    else:
        staff.send_location(*location)
    await staff.expect("Дата и время отправления")
    staff.send(when)
    await staff.expect("Сколько мест")
    staff.send(seats)
    await staff.expect("Сколько часов")
    staff.send(hours)
    await staff.expect("Куда")
    if destination is None:
        staff.press("Пропустить")
    else:
        staff.send(destination)
    await staff.expect("Проверьте рейс")
    staff.press("Открыть и разослать")
    return await staff.expect("Рейс №")


async def confirm_party(user: FakeUser, people: list[tuple[str, str, str]]) -> Event:
    """Press Confirm under the offer and give each person's passport data; returns the
    confirmation (the boarding code's photo follows it)."""
    user.press("Подтверждаю, поеду")
    await user.expect("Чтобы закрепить места")
    for name, passport, birth in people:
        await user.expect("латиницей")
        user.send(name)
        await user.expect("номер паспорта")
        user.send(passport)
        await user.expect("дата рождения")
        user.send(birth)
    await user.expect("Проверьте данные для списка пассажиров")
    user.press("Подтвердить")
    return await user.expect("Места подтверждены")
