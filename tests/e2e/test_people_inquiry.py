"""'I cannot reach my relative': an urgent ticket, /find in scope, consent, and a "no" that
tells the one who asked nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.fakebot import FakeBotApi, FakeUser
from tests.support.journeys import ADMIN, consent, register_ru, staff_of
from tests.support.running import STAFF_CHAT, RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]


async def file_inquiry(user: FakeUser, name: str) -> int:
    """A relative files an inquiry about someone in Jordan; returns its number."""
    user.send("/relative")
    await user.expect("Не можете связаться с родственником")
    await user.expect("ФИО человека")
    user.send(name)
    await user.expect("Его номер телефона")
    user.press("Пропустить")
    await user.expect("В какой стране он был?")
    user.send("Иорданія")  # a typo: still Jordan
    await user.expect("Страна: 🇯🇴 Иордания")
    user.send("Амман, отель у аэропорта")
    await user.expect("Ваши ФИО")
    user.send("Серикова Гульнара")
    await user.expect("Ваш телефон для связи")
    user.reply_button("Поделиться номером")
    summary = await user.expect("Проверьте запрос")
    assert name in summary.text
    assert "Амман, отель у аэропорта" in summary.text
    user.press("Отправить")
    sent = await user.expect("передан консульским сотрудникам как срочный")
    return int(sent.text.split("Запрос №")[1].split()[0])


async def test_an_inquiry_found_by_find_and_answered_no_then_yes(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    citizen = fake.user(6001)
    await consent(citizen)
    await register_ru(citizen)  # Серикова Айгерим Болатовна, Jordan
    mother = fake.user(6101, first_name="Гульнара")
    number = await file_inquiry(mother, "Серикова Айгерим")
    # An urgent ticket in the staff group, in a topic of its own.
    await fake.wait_until(
        lambda: any(
            "СРОЧНО: родственник не может связаться" in e.text
            for e in fake.chat_events(STAFF_CHAT)
        ),
        what="the urgent inquiry",
    )
    posted = [e for e in fake.chat_events(STAFF_CHAT) if "СРОЧНО" in e.text][-1]
    assert f"/find #{number}" in posted.text
    assert "Серикова Гульнара" in posted.text
    # The mother's next words reach the same topic.
    mother.send("Она не отвечает с понедельника")
    await fake.wait_until(
        lambda: any("с понедельника" in e.text for e in fake.chat_events(STAFF_CHAT)), what="relay"
    )
    # Staff of another country: outside their area, and nothing of Jordan's register.
    admin = fake.user(ADMIN)
    consul_qa = await staff_of(fake, admin, 700601, "QA")
    consul_qa.send(f"/find #{number}")
    await consul_qa.expect("вне вашей зоны")
    consul_qa.send("/find Серикова")
    await consul_qa.expect("никого не нашлось")
    # Citizens have no /find at all.
    mother.send("/find Серикова")
    await mother.expect("Эта команда недоступна")
    # Staff of Jordan find her by the name the mother gave, by a Latin spelling, by phone.
    consul = await staff_of(fake, admin, 700602, "JO")
    consul.send("/find serikova aigerim")
    found = await consul.expect("Найдено: 1")
    assert "Серикова Айгерим Болатовна" in found.text
    assert found.buttons() == []
    consul.send("/find +7 701 123 45 67")
    await consul.expect("Найдено: 1")
    consul.send(f"/find #{number}")
    found = await consul.expect("Найдено: 1")
    consul.press("Спросить №1")
    await consul.expect("Ответ появится в теме обращения")
    ask = await citizen.expect("Вас ищет родственник: Серикова Гульнара")
    assert [b["text"] for b in ask.buttons()][1] == "Нет, ничего не сообщайте"
    # Asking twice is refused; a forged answer by someone else changes nothing.
    again = consul.press("Спросить №1")
    assert "уже спрашивали" in (await consul.expect_answer(again))["text"]
    forged = mother.press_data(f"pq:y:{number}")
    assert "устарела" in (await mother.expect_answer(forged))["text"]
    citizen.press("Нет, ничего не сообщайте")
    await citizen.expect("Мы ничего не сообщим")
    await fake.wait_until(
        lambda: any("не согласился" in e.text for e in fake.chat_events(STAFF_CHAT)), what="no"
    )
    # The mother hears nothing: no message from the bot since the relay.
    await mother.settle(0.3)
    assert [e.text for e in mother.unread()] == []
    second = citizen.press_data(f"pq:y:{number}")  # a change of mind later: already answered
    assert "устарела" in (await citizen.expect_answer(second))["text"]
    assert await run_db("SELECT state FROM inquiries") == [("open",)]
    # A second inquiry, and this time she agrees: only "safe" reaches the one who asked.
    brother = fake.user(6102, first_name="Ерлан")
    number2 = await file_inquiry(brother, "Айгерим Серикова")
    consul.send(f"/find #{number2}")
    await consul.expect("Найдено: 1")
    consul.press("Спросить №1")
    await citizen.expect("Вас ищет родственник")
    citizen.press("Да, сообщите, что я в безопасности")
    await citizen.expect("только то, что вы в безопасности")
    told = await brother.expect("Хорошая новость")
    assert "Айгерим Серикова — в безопасности" in told.text
    assert "Иордания" not in told.text
    assert "+7701" not in told.text
    audits = await run_db(
        "SELECT action, details FROM audit_log WHERE action LIKE 'inquiry%' OR action = 'find'"
    )
    assert audits
    assert all("Серикова" not in d and "+7701" not in d for _, d in audits)


async def test_bad_input_while_filing_an_inquiry(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(6201)
    user.send("/relative")
    await user.expect("ФИО человека")
    user.send("А")
    await user.expect("Слишком короткий")
    user.send("Нурланов Ерлан")
    await user.expect("Его номер телефона")
    user.send("не знаю")
    await user.expect("Не удалось распознать номер")
    user.press("Пропустить")
    await user.expect("В какой стране")
    user.send("Марс")
    await user.expect("Не нашли такую страну")
    forged = user.press_data("pq:c:ZZ")
    assert "устарела" in (await user.expect_answer(forged))["text"]
    user.send("/help")
    await user.expect("заполняете запрос о родственнике")
    user.send("/cancel")
    await user.expect("Запрос отменён")
    assert await run_db("SELECT count(*) FROM inquiries") == [(0,)]
