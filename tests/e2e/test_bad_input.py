"""Bad input gets a clear, localized answer and changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.logs import setup_logging
from tests.support.fakebot import TEST_TOKEN, FakeBotApi
from tests.support.journeys import consent, register_ru, to_status_step
from tests.support.running import RunningBot, eventually

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
STALE = "Эта кнопка устарела"


async def test_wrong_kinds_of_input_inside_the_flow(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(3001)
    await to_status_step(user)
    # Text where a button is expected.
    user.send("я турист")
    retried = await user.expect("выберите вариант кнопкой")
    assert "Ваш статус" in retried.text  # the reason and the question again, one message
    # A sticker, a voice message and a file.
    for kind in ("sticker", "voice", "document"):
        user.send_media(kind)
        await user.expect("выберите вариант кнопкой" if False else "Ваш статус")
    # A second /start and an unknown command mid-flow: told where we are, nothing changes.
    user.send("/start")
    await user.expect("Вы сейчас проходите регистрацию")
    user.send("/foobar")
    await user.expect("Вы сейчас проходите регистрацию")
    # Forged callback data of every prefix.
    for data in ("r:s:admin", "r:c:ZZ", "m:evil", "lang:en", "e:phone", "x" * 64, "r:ok"):
        query = user.press_data(data)
        answer = await user.expect_answer(query)
        assert STALE in answer.get("text", ""), (data, answer)
        assert answer.get("show_alert") is True
    # The country list lost its buttons once answered; its data sent anyway is stale.
    assert not any("Иордания" in str(m.get("reply_markup")) for m in user.chat.messages.values())
    query = user.press_data("r:c:JO")
    assert STALE in (await user.expect_answer(query))["text"]
    # Still at the same step, with the same draft.
    user.press("Постоянно проживаю")
    await user.expect("Сколько вас")
    assert await run_db("SELECT count(*) FROM registrations") == [(0,)]


async def test_wrong_values_are_refused_with_the_reason(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(3002)
    await to_status_step(user)
    user.press("Турист")
    await user.expect("Сколько вас")
    for bad in ("25", "0", "много", "-3"):
        user.send(bad)
        await user.expect("Введите число от 1 до 20")
    user.send("2")
    await user.expect("сколько детей")
    user.send("3")
    await user.expect("Введите число от 0 до 2")
    user.send("0")
    await user.expect("ФИО")
    user.send("x" * 101)
    await user.expect("не больше 100 символов")
    user.send("A")
    await user.expect("Слишком короткий")
    name = user.send("Ким Алия")
    await user.expect("Номер телефона")
    user.edit(name, "Ким Алия Сергеевна")
    await user.expect("Исправленное сообщение бот не учитывает")
    # Someone else's contact, then a typed number that is not a phone, then a sticker.
    user.send_contact("+77015550000", user_id=999999)
    await user.expect("контакт другого человека")
    user.send_contact("+77015550000", user_id=0)
    await user.expect("контакт другого человека")
    user.send("12345")
    await user.expect("Не удалось распознать номер")
    user.send_media("sticker")
    await user.expect("Не удалось распознать номер")
    user.reply_button("Поделиться номером")
    await user.expect("Номер принят")
    await user.expect("Какая помощь")
    user.press("Помощь не нужна")
    await user.expect("Проверьте данные")
    user.press("Добавить заметку")
    await user.expect("Что ещё")
    user.send("я" * 501)
    await user.expect("не больше 500 символов")
    user.send_media("photo")
    await user.expect("нужен текстовый ответ")
    user.press("Пропустить")
    await user.expect("Проверьте данные")
    user.send("да")
    await user.expect("выберите вариант кнопкой")
    assert await run_db("SELECT count(*) FROM registrations") == [(0,)]
    user.press("Подтвердить")
    await user.expect("Сохранено")
    assert await run_db("SELECT full_name, phone FROM registrations") == [
        ("Ким Алия", "+77011234567")
    ]


async def test_country_typed_with_typos_or_unknown(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(3003)
    await consent(user)
    user.send("/register")
    await user.expect("В какой стране")
    user.send("Нарния")
    await user.expect("Не нашли такую страну")
    user.send("x" * 61)
    await user.expect("не больше 60 символов")
    user.send("Гвин")
    choices = await user.expect("Уточните")
    assert any("Гвинея-Бисау" in b["text"] for b in choices.buttons())
    user.press("Гвинея-Бисау")
    await user.expect("Страна: 🇬🇼 Гвинея-Бисау")
    user.send("/cancel")
    await user.expect("Регистрация отменена")
    user.send("/register")
    user.send("Иорданя")  # a typo, a single confident match
    await user.expect("Страна: 🇯🇴 Иордания")


async def test_outside_any_flow_everything_gets_an_answer(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(3004)
    # Before consent, registration shows the privacy notice instead.
    user.send("/register")
    await user.expect("🔒 Ваши данные")
    user.press("Не согласен")
    declined = await user.expect("Без согласия")
    labels = {b["text"] for b in declined.buttons()}  # help that needs no stored data
    assert {"❓ Частые вопросы", "💬 Написать на горячую линию"} <= labels
    assert await run_db("SELECT consent_at FROM citizens") == []
    user.send("/whatever")
    await user.expect("Неизвестная команда")
    user.send("рецепт плова")
    await user.expect("Не нашли ответа")
    user.send("я" * 501)
    await user.expect("не больше 500 символов")
    user.send_media("sticker")
    await user.expect("бот пока не принимает")
    user.send("/cancel")
    await user.expect("нечего отменять")
    query = user.press_data("r:s:resident")
    assert STALE in (await user.expect_answer(query))["text"]
    user.send("/delete")
    await user.expect("Удалить мои данные?")
    user.press("Да, удалить всё")
    await user.expect("нет ваших данных")


async def test_kazakh_user_gets_kazakh_errors(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(3005, language_code="kk")
    await consent(user, "Қазақша", "Келісемін")
    fake.inject("sendMessage", 400, "Bad Request: odd", chat_id=3005)
    user.send("/help")
    await user.expect("Бірдеңе дұрыс болмады")
    user.send("/nope")
    await user.expect("Белгісіз команда")
    user.send("/register")
    await user.expect("қай елдесіз")
    user.send_media("voice")
    await user.expect("мәтінмен жауап")


async def test_blocked_citizen_does_not_break_the_bot(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(3006)
    await consent(user)
    user.block()
    user.send("/menu")  # the reply fails with 403: logged, nothing else
    await fake.wait_until(lambda: any(c.status == 403 for c in fake.calls), 5, "a 403")
    blocked = await eventually(
        lambda: run_db("SELECT blocked_at IS NOT NULL FROM citizens WHERE user_id = 3006"), [(1,)]
    )
    assert blocked == [(1,)]
    user.unblock()
    user.send("/menu")
    await user.expect("☰")
    assert await run_db("SELECT blocked_at FROM citizens WHERE user_id = 3006") == [(None,)]


async def test_server_errors_are_retried_or_reported(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(3007)
    await consent(user)
    fake.inject("sendMessage", 500, "Internal Server Error", chat_id=3007)
    user.send("/help")
    # The failed reply is reported to the user with an apology when the API recovers.
    await user.expect("Что-то пошло не так")
    fake.inject("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    user.send("/help")
    await user.expect("Что умеет бот", timeout=8)


async def test_logs_carry_no_personal_data_and_no_token(
    fake: FakeBotApi, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging("DEBUG")  # the most verbose level an operator can choose
    caplog.set_level(logging.DEBUG)
    user = fake.user(3008)
    await consent(user)
    await register_ru(user)
    fake.inject("sendMessage", 400, "Bad Request: something odd", chat_id=3008)
    user.send("/help")
    await user.expect("Что-то пошло не так")
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("Серикова", "+77011234567", "Амман", "корм", TEST_TOKEN):
        assert secret not in text
