"""Issue 15: a citizen at an airport at night, end to end through the fake Bot API.

Fewer steps (at most 9 actions to register, answered questions edited), a number to call
(EMERGENCY_LINE in the acknowledgement, the contact answers and a pinned message), never left
wondering (every relayed message marked as arrived, "End chat" leaving hotline mode), help
before consent, and the typed city checked against the country.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.settings import Settings
from tests.support.fakebot import FakeBotApi, FakeUser
from tests.support.journeys import (
    DOHA_AIRPORT,
    QUICKEST_REGISTRATION,
    consent,
    keyboards_left,
    officer,
    register_ru,
    topic_of,
    walk,
)
from tests.support.running import STAFF_CHAT, RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
LINE = "+7 7172 00 00 00"  # a placeholder: the operator sets the ministry's real line


@pytest.fixture
async def night(settings: Settings) -> AsyncIterator[RunningBot]:
    """The bot as an operator runs it: the ministry's 24/7 line is set."""
    running = RunningBot(settings.model_copy(update={"emergency_line": LINE}))
    await running.start()
    yield running
    await running.stop()


def reactions(user: FakeUser, message: dict[str, Any]) -> list[str]:
    """The reactions the bot put on one of the user's messages."""
    return list(user.chat.messages[message["message_id"]].get("reactions") or [])


@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_a_first_registration_takes_at_most_nine_actions(
    fake: FakeBotApi, night: RunningBot, run_db: Query, lang: str
) -> None:
    user = fake.user(15_001, language_code=lang)
    actions = await walk(user, QUICKEST_REGISTRATION[lang], DOHA_AIRPORT)
    assert actions <= 9
    await user.settle(0.3)
    # Every answered question was edited to show its answer; no dead keyboard is left.
    events = user.events()
    assert len([e for e in events if e.kind == "edit"]) >= 6
    assert keyboards_left(fake, user) == 0
    assert len([e for e in events if e.kind == "send"]) <= 13
    # The city came from the location, in the citizen's alphabet.
    rows = await run_db("SELECT country, city, status, party_size FROM registrations")
    assert rows == [("QA", "Доха", "stuck", 1)]
    # The numbers to call are pinned in the chat, with Qatar's 999 once registered there.
    pinned = [m for m in user.chat.messages.values() if m.get("pinned")]
    assert len(pinned) == 1
    assert LINE in pinned[0]["text"]
    assert "999" in pinned[0]["text"]


async def test_register_before_consent_leads_into_the_registration(
    fake: FakeBotApi, night: RunningBot
) -> None:
    user = fake.user(15_002)
    user.send("/register")
    await user.expect("🔒 Ваши данные")
    user.press("Согласен")
    await user.expect("Вы согласились", kind="edit")  # the notice shows the answer
    await user.expect("В какой стране")  # not the menu: the registration itself


async def test_help_without_consent(fake: FakeBotApi, night: RunningBot, run_db: Query) -> None:
    user = fake.user(15_003)
    user.send("/start")
    await user.expect("🔒")
    user.press("Не согласен")
    declined = await user.expect("Без согласия", kind="edit")
    assert f"МИД РК, круглосуточно: {LINE}" in declined.text
    user.press("Частые вопросы")
    await user.expect("Частые вопросы", kind="edit")
    user.press("Аэропорт и транзит")
    await user.expect("Аэропорт", kind="edit")
    user.press("Я застрял в аэропорту. Что делать?")
    await user.expect("временным размещением", kind="edit")
    user.press("Главное меню")
    await user.expect("☰", kind="edit")
    user.press("Написать на горячую линию")
    await user.expect("Напишите ваш вопрос", kind="edit")
    user.send("Рейс отменили, я в транзитной зоне")
    await user.expect("передано консульским сотрудникам")
    assert await run_db("SELECT consent_at FROM citizens WHERE user_id = 15003") == [(None,)]
    assert await run_db("SELECT count(*) FROM registrations") == [(0,)]


async def test_every_relayed_message_is_acknowledged(fake: FakeBotApi, night: RunningBot) -> None:
    user = fake.user(15_004)
    await consent(user)
    await register_ru(user)  # Jordan
    await user.expect("☰")
    # The contact answer: the ministry's line first, then the local services and the missions.
    user.send("адрес посольства")
    contacts = await user.expect("Экстренные линии")
    assert f"МИД РК, круглосуточно: {LINE}" in contacts.text
    assert "местные экстренные службы: 112" in contacts.text
    user.press("Написать на горячую линию")
    intro = await user.expect("Вы пишете консульским сотрудникам")
    assert "✖ Завершить чат" in [b["text"] for b in intro.buttons()]
    first = user.send("Нас не пускают на рейс")
    ack = await user.expect("передано консульским сотрудникам")
    assert f"МИД РК, круглосуточно: {LINE}" in ack.text
    assert "👍" in ack.text  # the acknowledgement explains the sign
    assert "обычно отвечают в течение 30 мин" in ack.text
    second = user.send("Мы у выхода B12")
    photo = user.send_media("photo", caption="посадочный талон")
    await fake.wait_until(
        lambda: all(reactions(user, m) == ["👍"] for m in (first, second, photo)),
        what="a reaction on every relayed message",
    )
    # One acknowledgement in words; the rest is the reaction.
    assert len([e for e in user.events() if "передано консульским" in e.text]) == 1


async def test_end_chat_leaves_hotline_mode(fake: FakeBotApi, night: RunningBot) -> None:
    user = fake.user(15_005)
    await consent(user)
    user.press("Написать на горячую линию")
    await user.expect("Напишите ваш вопрос")
    user.send("Где ночевать в аэропорту?")
    await user.expect("передано")
    thread = await topic_of(fake, "Где ночевать в аэропорту?")  # the relay opens it
    # While the chat is open, the FAQ says where typed text goes and offers "End chat".
    user.send("/faq")
    topics = await user.expect("Частые вопросы")
    assert "получат сотрудники" in topics.text
    user.press("Завершить чат")
    await user.expect("Чат завершён", kind="edit")
    await fake.wait_until(
        lambda: any(
            "завершил чат" in e.text
            for e in fake.chat_events(STAFF_CHAT)
            if e.message.get("message_thread_id") == thread
        )
    )

    def copies_to_staff() -> int:
        return len([c for c in fake.calls_of("copyMessage") if c.params["chat_id"] == STAFF_CHAT])

    copies = copies_to_staff()
    user.send("потерял паспорт")
    await user.expect("свидетельство на возвращение")  # the FAQ answers, staff do not see it
    assert copies_to_staff() == copies
    # A staff answer resumes the chat: the citizen's reply to it reaches staff.
    staff = await officer(fake, night, 700_015, countries=())  # staff act only with a role
    staff.send("Подойдите к стойке трансфера", chat=fake.chats[STAFF_CHAT], thread=thread)
    await user.expect("Подойдите к стойке трансфера")
    await asyncio.sleep(0.3)  # the answer is recorded right after its copy is delivered
    reply = user.send("Спасибо, иду")
    await fake.wait_until(lambda: reactions(user, reply) == ["👍"], what="the reply relayed")
    assert copies_to_staff() == copies + 1


@pytest.mark.parametrize(("button", "country"), [("Катар", "QA"), ("Иран", "IR")])
async def test_a_city_in_another_country_is_asked_about_once(
    fake: FakeBotApi, night: RunningBot, run_db: Query, button: str, country: str
) -> None:
    user = fake.user(15_006)
    await consent(user)
    user.send("/register")
    await user.expect("В какой стране")
    user.press("Иран")
    await user.expect("Город или место")
    user.send("Доха")
    check = await user.expect("находится в стране 🇶🇦 Катар")
    assert "🇮🇷 Иран" in check.text
    labels = [b["text"] for b in check.buttons()]
    assert "🇶🇦 Катар, Доха" in labels
    assert "🇮🇷 Иран, Доха" in labels
    user.press(button)
    await user.expect("Ваш статус")  # asked once, then on
    await asyncio.sleep(0.5)  # persistence writes every 0.2 s in the tests
    (state,) = await run_db("SELECT data FROM user_state WHERE user_id = 15006")
    draft = json.loads(state[0])["draft"]
    assert (draft["country"], draft["city"]) == (country, "Доха")


async def test_admins_hear_while_the_line_is_missing(fake: FakeBotApi, settings: Settings) -> None:
    admin = fake.user(900_001)
    running = RunningBot(settings)
    await running.start()
    try:
        await consent(admin)  # now the bot knows the admin's chat
        await running.restart()
        await admin.expect("Не задан EMERGENCY_LINE")
    finally:
        await running.stop()


async def test_no_dead_ends(fake: FakeBotApi, night: RunningBot) -> None:
    user = fake.user(15_007)
    await consent(user)
    user.send("/notices")
    notices = await user.expect("Официальные сообщения приходят")
    assert "☰ Главное меню" in [b["text"] for b in notices.buttons()]
    user.press("Главное меню")
    user.press("Написать на горячую линию")
    intro = await user.expect("Напишите ваш вопрос")
    assert {"✖ Завершить чат", "☰ Главное меню"} <= {b["text"] for b in intro.buttons()}


async def test_the_phone_step_has_a_way_back(fake: FakeBotApi, night: RunningBot) -> None:
    user = fake.user(15_008)
    await consent(user)
    user.send("/register")
    await user.expect("В какой стране")
    user.press("Иордания")
    await user.expect("Город или место")
    user.send("Амман")
    await user.expect("Ваш статус")
    user.press("Турист")
    await user.expect("Сколько вас")
    user.press("1")
    await user.expect("ФИО")
    user.send("Иванов Иван")
    await user.expect("Номер телефона")
    user.reply_button("Отмена")  # beside "share my number" on the same keyboard
    await user.expect("Регистрация отменена")
    await user.expect("☰")
    assert user.chat.reply_keyboard is None


async def test_a_refused_reaction_becomes_a_short_status(
    fake: FakeBotApi, night: RunningBot
) -> None:
    user = fake.user(15_009)
    await consent(user)
    user.press("Написать на горячую линию")
    await user.expect("Напишите ваш вопрос")
    fake.inject("setMessageReaction", 400, "Bad Request: REACTION_INVALID", count=2)
    user.send("Алло?")
    await user.expect("передано консульским сотрудникам")
    await user.expect("Доставлено сотрудникам")
    user.send("Вы здесь?")
    await user.expect("Доставлено сотрудникам")
