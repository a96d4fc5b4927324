"""Issue 13 through the fake Bot API: digests while a group's budget is short, overflow
groups, albums both ways, urgency words in both languages, a message that cannot be relayed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.fakebot import Event, FakeBotApi
from tests.support.journeys import ADMIN, consent, officer, open_chat, topic_of
from tests.support.running import STAFF_CHAT, RunningBot, eventually

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]


def topic_events(fake: FakeBotApi, thread: int, chat: int = STAFF_CHAT) -> list[Event]:
    return [e for e in fake.chat_events(chat) if e.message.get("message_thread_id") == thread]


async def test_messages_waiting_for_the_group_go_as_one_digest_and_one_album(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    user = fake.user(8801)
    await consent(user)
    thread = await open_chat(fake, user, "Мы в аэропорту")
    # The group's next message is slow to go (as when its budget is spent): meanwhile the
    # citizen writes three texts and sends two photos.
    fake.inject("copyMessage", 0, "", chat_id=STAFF_CHAT, delay=1.5)
    user.send("Нас шестеро")
    await fake.wait_until(lambda: fake.faults[-1].count == 0, what="the slow send")
    user.send("Двое детей")
    user.send("Рейс отменили")
    user.send_media("photo", caption="билеты")
    user.send_media("photo")
    await fake.wait_until(lambda: len(topic_events(fake, thread)) >= 5, what="the rest")
    await user.settle()
    events = topic_events(fake, thread)
    texts = [e.text for e in events]
    digest = next(t for t in texts if "Двое детей" in t)
    assert "Рейс отменили" in digest  # one message for both texts, each with its time
    assert digest.count(":") >= 2
    albums = fake.calls_of("sendMediaGroup")
    assert len(albums) == 1
    assert [m["type"] for m in albums[0].params["media"]] == ["photo", "photo"]
    # Group messages: card + first, "Нас шестеро", the digest, the album of two.
    assert len(events) == 5
    # Every message of the citizen's is marked delivered.
    marked = [m for m in user.chat.messages.values() if m.get("reactions") == ["👍"]]
    assert len(marked) == 6


async def test_new_tickets_go_to_the_least_loaded_overflow_group(
    fake: FakeBotApi, settings: Any, run_db: Query
) -> None:
    overflow = fake.group(-1004000, "Горячая линия, второй зал")
    running = RunningBot(settings.model_copy(update={"group_max_per_minute": 20}))
    await running.start()
    try:
        admin = fake.user(ADMIN)
        await consent(admin)
        admin.send("/overflow * -1004000")
        await admin.expect("Дополнительная группа -1004000 добавлена")
        admin.send("/routes")
        await admin.expect("дополнительные группы -1004000")
        first, second, third = (fake.user(8810 + n) for n in range(3))
        for citizen in (first, second, third):
            await consent(citizen)
        await open_chat(fake, first, "Первый вопрос")
        await open_chat(fake, second, "Второй вопрос")
        await open_chat(fake, third, "Третий вопрос")
        central = len(fake.chats[STAFF_CHAT].topics)
        spare = len(overflow.topics)
        # The central group took the first; the second went where fewer messages had gone.
        assert central >= 1
        assert spare >= 1
        assert central + spare == 3
        groups = await run_db("SELECT DISTINCT staff_chat_id FROM tickets ORDER BY 1")
        assert groups == [(STAFF_CHAT,), (-1004000,)]
        # Staff answer from the overflow group as from any other.
        thread = next(iter(overflow.topics))
        owner = await run_db(
            "SELECT user_id FROM tickets WHERE staff_chat_id = -1004000 AND thread_id = ?",
            (thread,),
        )
        citizen = {c.id: c for c in (first, second, third)}[owner[0][0]]
        (await officer(fake, running, 700810, countries=())).send(
            "Ответ из второго зала", chat=overflow, thread=thread
        )
        await citizen.expect("Ответ из второго зала")
        admin.send("/overflow * off")
        await admin.expect("Дополнительные группы убраны")
    finally:
        await running.stop()


async def test_albums_go_as_one_album_both_ways(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(8820)
    await consent(user)
    thread = await open_chat(fake, user, "Фото документов")
    user.send_album(["photo", "photo", "video"], ["паспорт", None, None])
    await fake.wait_until(lambda: len(topic_events(fake, thread)) >= 4, what="the album")
    (copy,) = fake.calls_of("copyMessages")
    assert len(copy.params["message_ids"]) == 3
    items = topic_events(fake, thread)[1:4]
    assert len({e.message["media_group_id"] for e in items}) == 1
    assert items[0].text == "паспорт"
    # An officer's album in the topic reaches the citizen as one album.
    consul = await officer(fake, bot, 700820, countries=())
    consul.send_album(["photo", "photo"], chat=fake.chats[STAFF_CHAT], thread=thread)
    await fake.wait_until(
        lambda: len([e for e in user.events() if "photo" in e.message]) == 2, what="album"
    )
    back = fake.calls_of("copyMessages")[-1]
    assert int(back.params["chat_id"]) == user.id
    got = [e for e in user.events() if "photo" in e.message]
    assert len({e.message["media_group_id"] for e in got}) == 1


async def test_urgent_words_flag_the_ticket_and_give_the_emergency_line(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    calm, alarmed = fake.user(8830), fake.user(8831)
    for citizen in (calm, alarmed):
        await consent(citizen)
    await open_chat(fake, calm, "Вопрос о визе")
    alarmed.press("Написать на горячую линию")
    await alarmed.expect("Напишите ваш вопрос")
    alarmed.send("Помогите, нашего сына задержали в аэропорту")
    ack = await alarmed.expect("передано консульским сотрудникам")
    assert "отмечено как срочное" in ack.text
    assert "экстренные службы" in ack.text
    thread = await topic_of(fake, "задержали в аэропорту")
    assert fake.chats[STAFF_CHAT].topics[thread]["name"].startswith("🔴")
    assert "СРОЧНО" in topic_events(fake, thread)[0].text
    # /queue: the urgent ticket first, although it came second.
    staff = await officer(fake, bot, 700830, countries=())
    staff.send("/queue", chat=fake.chats[STAFF_CHAT])
    queue = await fake.wait_until(
        lambda: [e for e in fake.chat_events(STAFF_CHAT) if "Ждут ответа" in e.text]
    )
    lines = queue[0].text.splitlines()
    # (each line starts with the wait's 🟢🟡🔴 against its threshold, issue 19)
    assert "№2" in lines[1].split("·")[0]
    assert "№1" in lines[2].split("·")[0]
    # A calm ticket that turns urgent: flagged then, and the citizen told at once.
    calm.send("Нам угрожают, нужна помощь")
    line = await calm.expect("отмечено как срочное")
    assert "передано" not in line.text  # not a second acknowledgement


async def test_urgent_kazakh_in_latin_letters_and_an_urgent_faq_question(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    kk = fake.user(8840, language_code="kk")
    await consent(kk, "Қазақша", "Келісемін")
    # Typed as a question outside the hotline: it goes to staff, not to the FAQ.
    kk.send("Komektesiniz, balam zhalgyz qaldy aeroportta")
    ack = await kk.expect("консулдық қызметкерлерге жіберілді")
    assert "шұғыл деп белгіленді" in ack.text
    thread = await topic_of(fake, "balam zhalgyz qaldy aeroportta")
    assert "СРОЧНО" in topic_events(fake, thread)[0].text
    # An ordinary question is still the FAQ's.
    ru = fake.user(8841)
    await consent(ru)
    ru.send("потерял паспорт")
    await ru.expect("свидетельство на возвращение")


async def test_a_message_that_cannot_be_relayed_is_answered(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(8850)
    await consent(user)
    await open_chat(fake, user, "Первое")
    fake.inject("copyMessage", 400, "Bad Request: CHAT_RESTRICTED", chat_id=STAFF_CHAT)
    user.send_media("document", caption="справка")
    told = await user.expect("не удалось передать сотрудникам")
    assert "Отправьте его ещё раз" in told.text
    failed = await eventually(
        lambda: run_db("SELECT kind, body, file_id FROM relays WHERE state = 'failed'"),
        [("document", None, None)],
    )
    assert failed == [("document", None, None)]
