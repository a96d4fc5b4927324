"""Citizens talk to consular staff through the bot; staff answer from forum topics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.fakebot import Event, FakeBotApi
from tests.support.journeys import consent, officer, open_chat, register_ru, topic_of
from tests.support.running import STAFF_CHAT, RunningBot, eventually

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]


def topic_events(fake: FakeBotApi, thread: int) -> list[Event]:
    return [
        e for e in fake.chat_events(STAFF_CHAT) if e.message.get("message_thread_id") == thread
    ]


async def test_conversation_both_ways(fake: FakeBotApi, bot: RunningBot, run_db: Query) -> None:
    alia = fake.user(8001)
    await consent(alia)
    await register_ru(alia)  # Jordan, stuck at the airport, evacuation
    await alia.expect("☰")
    thread = await open_chat(fake, alia, "Помогите, рейс отменили")
    topic = fake.chats[STAFF_CHAT].topics[thread]
    assert "🇯🇴 Иордания" in topic["name"]
    assert "Серикова Айгерим Болатовна" in topic["name"]
    assert "#1" in topic["name"]
    # The card and the first message are one group message; "помогите" flags it urgent.
    (first,) = topic_events(fake, thread)
    assert "Обращение №1" in first.text
    assert "+77011234567" in first.text
    assert "СРОЧНО" in first.text
    assert first.text.endswith("Помогите, рейс отменили")
    # Media of every kind is copied into the topic.
    alia.send_media("photo", caption="посадочный талон")
    alia.send_location(31.72, 35.99)
    alia.send_media("voice")
    await fake.wait_until(lambda: len(topic_events(fake, thread)) >= 4, what="media copies")
    kinds = [next(k for k in ("text", "photo", "location", "voice") if k in e.message)
             for e in topic_events(fake, thread)[1:4]]  # fmt: skip
    assert kinds == ["photo", "location", "voice"]
    # Each of the citizen's messages that reached the topic carries the delivery mark.
    await fake.wait_until(
        lambda: len([m for m in alia.chat.messages.values() if m.get("reactions")]) == 4,
        what="delivery marks",
    )
    marks = {tuple(m["reactions"]) for m in alia.chat.messages.values() if m.get("reactions")}
    assert marks == {("👍",)}
    # Two officers answer from the topic; a "!" note stays internal.
    officer1 = await officer(fake, bot, 700001, "Данияр")
    officer2 = await officer(fake, bot, 700002, "Мадина")
    officer1.send("Здравствуйте! Вы в списке на эвакуацию.", chat=fake.chats[STAFF_CHAT],
                  thread=thread)  # fmt: skip
    answer = await alia.expect("Вы в списке на эвакуацию")
    assert "Данияр" not in answer.text  # anonymous: the ministry answers
    officer2.send("!проверить паспортные данные", chat=fake.chats[STAFF_CHAT], thread=thread)
    officer2.send("Автобус в 18:00 от терминала 1.", chat=fake.chats[STAFF_CHAT], thread=thread)
    await alia.expect("Автобус в 18:00")
    officer1.send_media("document", caption="Памятка для эвакуации", filename="memo.pdf",
                        chat=fake.chats[STAFF_CHAT], thread=thread)  # fmt: skip
    memo = await alia.expect("Памятка для эвакуации")
    assert memo.message["document"]["file_name"] == "memo.pdf"
    assert not [e for e in alia.events() if "проверить паспортные" in e.text]
    # The link is stored right after the copy returns.
    links = await eventually(
        lambda: run_db("SELECT count(*) FROM ticket_messages WHERE ticket_id = 1"), [(7,)]
    )
    assert links == [(7,)]


async def test_close_rate_reopen_ban_and_queue(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    staff = await officer(fake, bot, 700003, "Асель")
    group = fake.chats[STAFF_CHAT]
    alia = fake.user(8002)
    await consent(alia)
    await register_ru(alia)  # needs evacuation: urgent
    await alia.expect("☰")
    bolat = fake.user(8003, first_name="Болат")
    await consent(bolat)
    thread_b = await open_chat(fake, bolat, "Вопрос о визе")
    thread_a = await open_chat(fake, alia, "Мы в аэропорту")
    # Both wait; the urgent one (evacuation) comes first although it wrote later.
    staff.send("/queue", chat=group)
    queue = await fake.wait_until(
        lambda: [e for e in fake.chat_events(STAFF_CHAT) if "Ждут ответа" in e.text]
    )
    lines = queue[0].text.splitlines()
    # 🟢: both well inside their thresholds (the colour is the wait, urgency is spelt out).
    assert lines[1].startswith("🟢 №2 · срочно")
    assert lines[2].startswith("🟢 №1 · ждёт")
    # Close with rating.
    staff.send("/close", chat=group, thread=thread_a)
    await alia.expect("Пожалуйста, оцените помощь")
    alia.press("⭐⭐⭐⭐⭐")
    await alia.expect("Спасибо за оценку")
    rated = await eventually(
        lambda: run_db("SELECT status, rating FROM tickets WHERE id = 2"), [("closed", 5)]
    )
    assert rated == [("closed", 5)]
    await fake.wait_until(lambda: any("5/5" in e.text for e in topic_events(fake, thread_a)))
    # After closing, free text is an FAQ question again, not a message to staff.
    alia.send("потерял паспорт")
    await alia.expect("свидетельство на возвращение")
    staff.send("Ещё вопрос?", chat=group, thread=thread_a)
    await fake.wait_until(
        lambda: any(
            "закрыто, сообщение не отправлено" in e.text for e in topic_events(fake, thread_a)
        )
    )
    staff.send("/reopen", chat=group, thread=thread_a)
    await fake.wait_until(
        lambda: any("снова открыто" in e.text for e in topic_events(fake, thread_a))
    )
    staff.send("Чем ещё помочь?", chat=group, thread=thread_a)
    await alia.expect("Чем ещё помочь?")
    # Ban and unban.
    staff.send("/ban спам", chat=group, thread=thread_b)
    await fake.wait_until(
        lambda: any("заблокирован: спам" in e.text for e in topic_events(fake, thread_b))
    )
    bolat.send("ещё сообщение")
    await bolat.expect("ограничена")
    staff.send("/unban", chat=group, thread=thread_b)
    await fake.wait_until(
        lambda: any("разблокирован" in e.text for e in topic_events(fake, thread_b))
    )
    bolat.send("спасибо")
    await fake.wait_until(lambda: any(e.text == "спасибо" for e in topic_events(fake, thread_b)))


async def test_two_first_messages_at_once_open_one_topic(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(8004)
    await consent(user)
    user.press("Написать на горячую линию")
    await user.expect("Напишите ваш вопрос")
    user.send("первое")
    user.send("второе")
    await user.expect("передано")
    group = fake.chats[STAFF_CHAT]

    def relayed() -> bool:
        texts = " ".join(e.text for e in fake.chat_events(STAFF_CHAT))
        return "первое" in texts and "второе" in texts

    await fake.wait_until(relayed, what="both messages in the topic")
    assert len(fake.calls_of("createForumTopic")) == 1
    assert len(group.topics) == 1
    assert await run_db("SELECT count(*) FROM tickets") == [(1,)]


async def test_deleted_topic_is_recreated(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(8005)
    await consent(user)
    thread = await open_chat(fake, user, "первое")
    fake.chats[STAFF_CHAT].topics[thread]["deleted"] = True
    user.send("после удаления темы")
    await fake.wait_until(lambda: len(fake.calls_of("createForumTopic")) == 2)
    new_thread = max(fake.chats[STAFF_CHAT].topics)
    await fake.wait_until(lambda: topic_events(fake, new_thread))
    # One group message: the card, the note that the topic was recreated, the message.
    (event,) = topic_events(fake, new_thread)
    assert "Обращение №1" in event.text
    assert "создана заново" in event.text
    assert event.text.endswith("после удаления темы")


async def test_blocked_citizen_is_reported_in_the_topic(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(8006)
    await consent(user)
    thread = await open_chat(fake, user, "вопрос")
    user.block()
    (await officer(fake, bot, 700004)).send("ответ", chat=fake.chats[STAFF_CHAT], thread=thread)
    await fake.wait_until(
        lambda: any("заблокировал бота" in e.text for e in topic_events(fake, thread))
    )


async def test_restart_in_the_middle_of_a_conversation(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(8007)
    await consent(user)
    thread = await open_chat(fake, user, "до перезапуска")
    staff = await officer(fake, bot, 700005)
    await bot.restart()
    staff.send("после перезапуска", chat=fake.chats[STAFF_CHAT], thread=thread)
    await user.expect("после перезапуска")
    user.send("и я после перезапуска")
    await fake.wait_until(
        lambda: any(e.text == "и я после перезапуска" for e in topic_events(fake, thread))
    )
    assert len(fake.calls_of("createForumTopic")) == 1


async def test_not_staff_cannot_use_staff_commands(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(8008)
    await consent(user)
    for command in ("/close", "/queue", "/ban x", "/card"):
        user.send(command)
        await user.expect("Эта команда недоступна")
    assert not fake.calls_of("closeForumTopic")


async def test_staff_chat_that_is_not_a_forum_is_reported(fake: FakeBotApi, settings: Any) -> None:
    admin = fake.user(900001)
    admin.send("/start")  # the admin has opened the bot once
    fake.chats[STAFF_CHAT].is_forum = False
    running = RunningBot(settings)
    await running.start()
    try:
        await admin.expect("не является форумом")
    finally:
        await running.stop()


async def test_edits_flood_away_notice_and_emergency_line(fake: FakeBotApi, settings: Any) -> None:
    from datetime import datetime, timedelta

    from bot.faq.content import seed_document

    now = datetime.now(settings.tz)
    hours = f"{(now + timedelta(hours=2)):%H}:00-{(now + timedelta(hours=3)):%H}:00"
    running = RunningBot(
        settings.model_copy(
            update={
                "hotline_flood_per_minute": 4,
                "working_hours": hours,
                "emergency_line": "+7 7172 00 00 00",
            }
        )
    )
    app = await running.start()
    try:
        document = seed_document()
        document["directory"]["JO"]["missions"][0]["emergency"] = "+962 0 000 0000"
        services = app.bot_data.services
        assert services is not None
        services.content.replace(document)
        user = fake.user(8009)
        await consent(user)
        await register_ru(user)  # Jordan
        await user.expect("☰")
        user.press("Написать на горячую линию")
        await user.expect("Напишите ваш вопрос")
        first = user.send("Сообщение с опечткой")
        ack = await user.expect("передано консульским сотрудникам")
        # The numbers to call: the ministry's 24/7 line, the mission's, the local services.
        assert "МИД РК, круглосуточно: +7 7172 00 00 00" in ack.text
        assert "загранучреждение: +962 0 000 0000" in ack.text
        assert "местные экстренные службы: 112" in ack.text
        # Closed now: the hours in Astana time and in Jordan's (two hours behind), and when.
        assert f"работают {hours.replace('-', '–')} по времени Астаны" in ack.text
        start, end = (f"{(now + timedelta(hours=h)):%H}" for h in (2, 3))
        local = {f"{(int(x) - 2) % 24:02}:00" for x in (start, end)}
        assert all(f"{clock}" in ack.text for clock in local), ack.text
        assert "примерно через 2 часа" in ack.text
        thread = await topic_of(fake, "Сообщение с опечткой")
        # The citizen's edit is flagged in the topic as a reply to the copy.
        user.edit(first, "Сообщение с опечаткой")
        await fake.wait_until(
            lambda: any(
                "исправил сообщение: Сообщение с опечаткой" in e.text
                for e in topic_events(fake, thread)
            )
        )
        # An officer's edit is carried over to the citizen's copy.
        consul = await officer(fake, running, 700006)
        answer = consul.send("Ждите автобус в 17:00", chat=fake.chats[STAFF_CHAT], thread=thread)
        await user.expect("Ждите автобус в 17:00")
        consul.edit(answer, "Ждите автобус в 18:00")
        await user.expect("Ждите автобус в 18:00", kind="edit")
        # Flood: four messages a minute at most; the fifth is refused with a reason.
        for n in range(4):
            user.send(f"ещё {n}")
        await user.expect("слишком много сообщений")
    finally:
        await running.stop()


async def test_mission_groups_by_country(fake: FakeBotApi, bot: RunningBot, run_db: Query) -> None:
    mission = fake.group(-1002000, "Посольство в Иордании")
    admin = fake.user(900001)
    await consent(admin)
    admin.send("/route JO -1002000")
    await admin.expect("теперь идут в группу -1002000")
    fake.group(-1003000, "Not a forum", forum=False)
    admin.send("/route QA -1003000")
    await admin.expect("недоступна")
    # A citizen registered in Jordan reaches the mission; one not registered, the centre.
    jordan = fake.user(8010)
    await consent(jordan)
    await register_ru(jordan)
    await jordan.expect("☰")
    jordan.press("Написать на горячую линию")
    await jordan.expect("Напишите ваш вопрос")
    jordan.send("вопрос в Амман")
    await jordan.expect("передано")
    await topic_of(fake, "вопрос в Амман")
    assert len(mission.topics) == 1
    thread = next(iter(mission.topics))
    (await officer(fake, bot, 700010)).send("Ответ посольства", chat=mission, thread=thread)
    await jordan.expect("Ответ посольства")
    other = fake.user(8011)
    await consent(other)
    await open_chat(fake, other, "вопрос в центр")
    assert len(fake.chats[STAFF_CHAT].topics) == 1
    assert await run_db("SELECT country, chat_id FROM staff_routes") == [("JO", -1002000)]
    citizen = fake.user(8012)
    await consent(citizen)
    citizen.send("/route JO -1")
    await citizen.expect("Эта команда недоступна")


async def test_answers_signed_when_configured(fake: FakeBotApi, settings: Any) -> None:
    running = RunningBot(settings.model_copy(update={"sign_staff_answers": True}))
    await running.start()
    try:
        user = fake.user(8013)
        await consent(user)
        thread = await open_chat(fake, user, "вопрос")
        consul = await officer(fake, running, 700011, "Данияр")
        consul.data["last_name"] = "Секретно"
        consul.send("Ответ <b>важный</b> & срочный", chat=fake.chats[STAFF_CHAT], thread=thread)
        answer = await user.expect("— Данияр")
        assert "Секретно" not in answer.text
        assert "Ответ <b>важный</b> & срочный" in answer.text  # the officer's text, as typed
    finally:
        await running.stop()
