"""The hotline team: officers take, hand over and release tickets; /queue and /mine."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from tests.support.desk import officer, press_in_group, topic_events, topic_says
from tests.support.fakebot import FakeBotApi
from tests.support.journeys import consent, open_chat, register_ru
from tests.support.running import STAFF_CHAT, RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
ADMIN = 900001


async def test_take_assign_release_and_mine(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    group = fake.chats[STAFF_CHAT]
    admin = fake.user(ADMIN)
    daniyar = await officer(fake, admin, 700601, "JO", "Данияр", "daniyar")
    madina = await officer(fake, admin, 700602, "JO,QA", "Мадина", "madina")
    qatar = await officer(fake, admin, 700603, "QA", "Ержан", "erzhan")
    alia = fake.user(8101)
    await consent(alia)
    await register_ru(alia)  # Jordan
    await alia.expect("☰")
    thread = await open_chat(fake, alia, "Помогите с документами")
    await fake.wait_until(
        lambda: len(topic_events(fake, thread)) >= 1, what="the card (with the first message)"
    )
    card = topic_events(fake, thread)[0]
    assert any("Взять" in b["text"] for b in card.buttons())
    # The card's button: Данияр takes the ticket; the topic's title shows it.
    query = press_in_group(daniyar, fake, "Взять")
    assert (await daniyar.expect_answer(query)).get("show_alert") is not True
    await topic_says(fake, thread, "Данияр взял(а) обращение №1")
    assert group.topics[thread]["name"].endswith("#1 · 👤 Данияр")
    # Taken again: by the holder, then by a colleague (/take in the topic).
    query = press_in_group(daniyar, fake, "Взять")
    assert "уже ведёте вы" in (await daniyar.expect_answer(query))["text"]
    madina.send("/take", chat=group, thread=thread)
    await topic_says(fake, thread, "ведёт Данияр")
    # /assign: to a @username the bot has seen, to someone who is not staff, outside their
    # countries, to a @username nobody knows. Only the first changes anything.
    daniyar.send("/assign 8101", chat=group, thread=thread)
    await topic_says(fake, thread, "не сотрудник")
    daniyar.send("/assign 700603", chat=group, thread=thread)
    await topic_says(fake, thread, "700603 не работает со страной")
    daniyar.send("/assign @nobody", chat=group, thread=thread)
    await topic_says(fake, thread, "не знает сотрудника @nobody")
    daniyar.send("/assign", chat=group, thread=thread)
    await topic_says(fake, thread, "Кому передать")
    assert await run_db("SELECT assignee_id FROM tickets WHERE id = 1") == [(700601,)]
    daniyar.send("/assign @madina", chat=group, thread=thread)
    await topic_says(fake, thread, "передано: Мадина (передал(а) Данияр)")
    note = await madina.expect("Вам передано обращение")
    assert "№1" in note.text
    await fake.wait_until(lambda: group.topics[thread]["name"].endswith("#1 · 👤 Мадина"))
    # The card shows the holder too.
    daniyar.send("/card", chat=group, thread=thread)
    await topic_says(fake, thread, "Ведёт: Мадина")
    # /mine in a private chat: Мадина's tickets; Данияр has none; a citizen may not ask.
    madina.send("/mine")
    mine = await madina.expect("Ваши открытые обращения: 1")
    assert "№1" in mine.text
    daniyar.send("/mine")
    await daniyar.expect("нет открытых обращений")
    alia.send("/mine")
    await alia.expect("Эта команда недоступна")
    # /release: not by a colleague who does not hold it; by the holder.
    daniyar.send("/release", chat=group, thread=thread)
    await topic_says(fake, thread, "освободить его может только")
    madina.send("/release", chat=group, thread=thread)
    await topic_says(fake, thread, "Мадина освободил(а) обращение №1")
    await fake.wait_until(lambda: group.topics[thread]["name"].endswith("#1"))
    # Someone in the group without a role, and the QA officer: refused, nothing changes.
    fake.user(700699, first_name="Гость").send("/take", chat=group, thread=thread)
    await topic_says(fake, thread, "недоступна")
    qatar.send("/take", chat=group, thread=thread)
    await topic_says(fake, thread, "вне вашей зоны")
    # A closed ticket cannot be taken.
    daniyar.send("/close", chat=group, thread=thread)
    await alia.expect("оцените помощь")
    daniyar.send("/take", chat=group, thread=thread)
    await topic_says(fake, thread, "закрыто: взять")
    assert await run_db("SELECT assignee_id FROM tickets WHERE id = 1") == [(None,)]
    actions = await run_db(
        "SELECT action, actor_id FROM audit_log WHERE action LIKE 'hotline.%' ORDER BY id"
    )
    assert actions == [
        ("hotline.take", 700601), ("hotline.assign", 700601), ("hotline.release", 700602),
    ]  # fmt: skip
    # None of it reached the citizen: after the acknowledgement only the rating request.
    await alia.settle(0.2)
    texts = [e.text for e in alia.events()]
    ack = next(i for i, text in enumerate(texts) if "передано консульским" in text)
    assert len(texts[ack + 1 :]) == 2  # "/mine" refused, then the rating request
    assert not any("Данияр" in text or "Мадина" in text for text in texts)


async def test_queue_puts_nobodys_first_then_urgent_then_longest_wait(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    group = fake.chats[STAFF_CHAT]
    admin = fake.user(ADMIN)
    daniyar = await officer(fake, admin, 700611, "JO", "Данияр", "daniyar2")
    start = bot.clock.now()
    # Three citizens write at different times (the bot's clock moved back for the first two).
    long_ago, a_while, urgent = fake.user(8111), fake.user(8112), fake.user(8113)
    for user in (long_ago, a_while, urgent):
        await consent(user)
    await register_ru(urgent)  # Jordan, evacuation: urgent
    await urgent.expect("☰")
    bot.clock.set(start - timedelta(hours=3))
    thread_long = await open_chat(fake, long_ago, "жду с утра")
    bot.clock.set(start - timedelta(minutes=90))
    await open_chat(fake, a_while, "вопрос о визе")
    bot.clock.set(start)
    await open_chat(fake, urgent, "мы в аэропорту")
    daniyar.send("/take", chat=group, thread=thread_long)
    await topic_says(fake, thread_long, "взял(а)")
    daniyar.send("/queue", chat=group)
    queue = await fake.wait_until(
        lambda: [e for e in fake.chat_events(STAFF_CHAT) if "Ждут ответа: 3" in e.text]
    )
    lines = queue[0].text.splitlines()[1:]
    assert lines[0].startswith("🟢 №3 · срочно · ждёт 0 мин · 👤 никто не взял")
    assert lines[1].startswith("🟡 №2 · ждёт 1 ч 30 мин · 👤 никто не взял")
    assert lines[2].startswith("🔴 №1 · ждёт 3 ч 0 мин · 👤 Данияр")
    # /mine in the group: the officer's own list, in the staff language.
    daniyar.send("/mine", chat=group)
    await fake.wait_until(
        lambda: any("Ваши открытые обращения: 1" in e.text for e in fake.chat_events(STAFF_CHAT))
    )
    # An answer ends the wait: the ticket leaves the queue.
    daniyar.send("Здравствуйте! Смотрим.", chat=group, thread=thread_long)
    await long_ago.expect("Смотрим")
    await asyncio.sleep(0.2)
    daniyar.send("/queue", chat=group)
    await fake.wait_until(
        lambda: any("Ждут ответа: 2" in e.text for e in fake.chat_events(STAFF_CHAT))
    )
