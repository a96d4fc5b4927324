"""Citizens read the FAQ through menus and free-text questions, end to end."""

from __future__ import annotations

from tests.support.fakebot import FakeBotApi
from tests.support.journeys import consent, register_ru
from tests.support.running import RunningBot


async def test_browse_menus_in_russian(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(6001)
    await consent(user)
    user.press("Частые вопросы")
    topics = await user.expect("Частые вопросы", kind="edit")  # the menu becomes the list
    assert len(topics.buttons()) == 8  # seven topics and the main menu
    assert "Сотрудникам вопрос не передаётся" in topics.text  # where typed text goes
    user.press("Документы")
    await user.expect("Документы", kind="edit")
    user.press("Я потерял паспорт. Как вернуться домой?")
    answer = await user.expect("свидетельство на возвращение", kind="edit")
    assert "<b>" not in answer.text  # rendered as bold, not shown as tags
    query = user.press("Помогло")
    assert "Рады, что помогло" in (await user.expect_answer(query))["text"]
    # The answer stays; the topic's other questions are one tap away under it.
    after = await user.expect("свидетельство на возвращение", kind="edit")
    labels = [b["text"] for b in after.buttons()]
    assert "Я потерял паспорт. Как вернуться домой?" not in labels
    assert len(labels) >= 3, labels
    user.send("/faq")
    await user.expect("Частые вопросы")
    user.press("Аэропорт и транзит")
    await user.expect("Аэропорт")
    user.press("Я застрял в аэропорту. Что делать?")
    await user.expect("временным размещением")
    user.press("Не помогло")
    offer = await user.expect("Напишите свой вопрос на горячую линию")
    assert any("горячую линию" in b["text"] for b in offer.buttons())


async def test_browse_menus_in_kazakh(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(6002, language_code="kk")
    await consent(user, "Қазақша", "Келісемін")
    user.send("/faq")
    await user.expect("Жиі қойылатын сұрақтар")
    user.press("Шетелде дауыс беру")
    await user.expect("Шетелде дауыс беру")
    user.press("Шетелде референдумда дауыс беруге бола ма?")
    await user.expect("дауыс беру жалғасады")


async def test_free_text_questions_in_both_languages(fake: FakeBotApi, bot: RunningBot) -> None:
    ru = fake.user(6003)
    await consent(ru)
    ru.send("украли паспорт что делать")
    await ru.expect("свидетельство на возвращение")
    kk = fake.user(6004, language_code="kk")
    await consent(kk, "Қазақша", "Келісемін")
    kk.send("tolqujatymdy zhogalttym")  # Kazakh typed in Latin letters
    await kk.expect("қайтып оралуға арналған куәлік")
    kk.send("потерял паспорт")  # asked in the other language: answered in Kazakh
    await kk.expect("қайтып оралуға арналған куәлік")


async def test_unsure_and_unknown_questions(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(6005)
    await consent(user)
    user.send("когда эвакуация")
    choices = await user.expect("Возможно, вы спрашиваете")
    labels = [b["text"] for b in choices.buttons()]
    assert len(labels) == 4
    assert "Будет ли эвакуация граждан?" in labels
    user.press("Будет ли эвакуация граждан?")
    await user.expect("Kaspi Travel")
    user.send("рецепт плова")
    offer = await user.expect("Не нашли ответа")
    assert any("горячую линию" in b["text"] for b in offer.buttons())


async def test_country_specific_answers(fake: FakeBotApi, bot: RunningBot) -> None:
    # Not registered: the bot asks for which country.
    guest = fake.user(6006)
    await consent(guest)
    guest.send("какие участки закрыты")
    await guest.expect("Для какой страны")
    guest.press("Турция")
    answer = await guest.expect("11 избирательных участков")
    assert "Официальных сведений об участке (Турция)" in answer.text
    # Registered in Jordan: the registered country is used.
    citizen = fake.user(6007)
    await consent(citizen)
    await register_ru(citizen)
    citizen.send("работает ли избирательный участок")
    answer = await citizen.expect("11 избирательных участков")
    assert "участка (Иордания) временно приостановлена" in answer.text
    citizen.send("адрес посольства")
    contacts = await citizen.expect("Экстренные линии")
    assert "ещё не внесены" in contacts.text  # never invented


async def test_forged_faq_buttons(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(6008)
    await consent(user)
    for data in ("ft:nope", "fe:nope", "fc:lost-passport:ZZ", "fc:nope:IR", "fh:x:lost-passport"):
        query = user.press_data(data)
        answer = await user.expect_answer(query)
        assert "устарела" in answer.get("text", ""), data
