"""The desk's watch on a moving clock: waits past their threshold are flagged once, in the
topic and to the group; idle tickets close and reopen when the citizen writes again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from tests.support.desk import general_events, officer, run_job, topic_events, topic_says
from tests.support.fakebot import FakeBotApi
from tests.support.journeys import consent, open_chat, register_ru
from tests.support.journeys import officer as officer_role
from tests.support.running import STAFF_CHAT, RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
ADMIN = 900001
ALARMS, IDLE = "desk-alarms", "desk-idle"


async def until_db(run_db: Query, sql: str, row: tuple[Any, ...]) -> None:
    """Wait until a query returns `row` (the bot stores right after it sends)."""
    for _ in range(50):
        if await run_db(sql) == [row]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{sql} never returned {row}")


def alarms_in(fake: FakeBotApi, thread: int) -> int:
    return sum("⏰" in e.text for e in topic_events(fake, thread))


async def test_waits_past_their_threshold_are_flagged_once(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    group = fake.chats[STAFF_CHAT]
    admin = fake.user(ADMIN, first_name="Админ", last_name=None)
    admin.send("/start")  # the admin is known to the staff directory from now on
    await admin.expect("🔒")
    daniyar = await officer(fake, admin, 700801, "JO", "Данияр", "daniyar")
    urgent = fake.user(8301)
    await consent(urgent)
    await register_ru(urgent)  # Jordan, evacuation: 10 minutes
    await urgent.expect("☰")
    thread_u = await open_chat(fake, urgent, "мы в аэропорту")
    normal = fake.user(8302)
    await consent(normal)
    thread_n = await open_chat(fake, normal, "вопрос о визе")  # not registered: 2 hours
    daniyar.send("/take", chat=group, thread=thread_u)
    await topic_says(fake, thread_u, "взял(а)")
    # Nine minutes: nothing yet.
    start = bot.clock.now()
    bot.clock.set(start + timedelta(minutes=9))
    await run_job(bot, ALARMS)
    await asyncio.sleep(0.2)
    assert alarms_in(fake, thread_u) == 0
    # Eleven: the urgent one, in its topic and in a summary naming who holds it.
    bot.clock.set(start + timedelta(minutes=11))
    await run_job(bot, ALARMS)
    flag = await topic_says(fake, thread_u, "⏰ Гражданин ждёт ответа уже 11 мин (порог — 10 мин)")
    assert "Данияр" in flag.text
    summary = await fake.wait_until(lambda: [e for e in general_events(fake) if "⏰" in e.text])
    assert "Ждут ответа дольше порога: 1" in summary[0].text
    assert "🔴 №1 · срочно · ждёт 11 мин · Данияр" in summary[0].text
    assert alarms_in(fake, thread_n) == 0
    # Flagged once: not again on the next run, nor after a restart.
    await run_job(bot, ALARMS)
    await bot.restart()
    await run_job(bot, ALARMS)
    await asyncio.sleep(0.2)
    assert alarms_in(fake, thread_u) == 1
    assert await run_db("SELECT id FROM tickets WHERE alarmed_at IS NOT NULL") == [(1,)]
    # An answer ends the wait; the citizen's next message starts a new one, flagged anew.
    daniyar.send("Автобус будет в 18:00", chat=group, thread=thread_u)
    await urgent.expect("Автобус будет")
    await until_db(
        run_db, "SELECT alarmed_at, waiting_since FROM tickets WHERE id = 1", (None, None)
    )
    bot.clock.set(start + timedelta(minutes=12))
    urgent.send("а где именно?")
    await fake.wait_until(
        lambda: any(e.text == "а где именно?" for e in topic_events(fake, thread_u))
    )
    await until_db(run_db, "SELECT waiting_since IS NOT NULL FROM tickets WHERE id = 1", (1,))
    bot.clock.set(start + timedelta(minutes=26, seconds=30))
    await run_job(bot, ALARMS)
    await topic_says(fake, thread_u, "⏰ Гражданин ждёт ответа уже 14 мин")
    # Two hours and more: the ticket nobody took, with the admins called in.
    bot.clock.set(start + timedelta(hours=2, minutes=1))
    await run_job(bot, ALARMS)
    flag = await topic_says(
        fake, thread_n, "⏰ Гражданин ждёт ответа уже 2 ч 1 мин (порог — 2 ч 0 мин)"
    )
    assert "никто не взял — Админ" in flag.text
    summaries = [e for e in general_events(fake) if "⏰" in e.text]
    assert "№2 · ждёт 2 ч 1 мин · 👤 никто не взял — Админ" in summaries[-1].text
    # The group sees mentions that notify: links to the officers' accounts.
    call = next(
        c for c in reversed(fake.calls_of("sendMessage")) if "⏰" in str(c.params.get("text"))
    )
    assert f'href="tg://user?id={ADMIN}"' in call.params["text"]
    # The citizens saw none of this.
    for citizen in (urgent, normal):
        await citizen.settle(0.1)
        assert not any("⏰" in e.text or "порог" in e.text for e in citizen.events())


async def test_idle_tickets_close_and_writing_again_reopens_them(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    group = fake.chats[STAFF_CHAT]
    staff = await officer_role(fake, bot, 700811, "Асель", countries=())  # answers need a role
    quiet, busy = fake.user(8311), fake.user(8312, language_code="kk")
    await consent(quiet)
    await consent(busy, "Қазақша", "Келісемін")
    thread = await open_chat(fake, quiet, "вопрос")
    staff.send("Ответ на ваш вопрос", chat=group, thread=thread)
    await quiet.expect("Ответ на ваш вопрос")
    start = bot.clock.now()
    bot.clock.set(start + timedelta(days=6))
    busy.press("Жедел желіге жазу")
    await busy.expect("Сұрағыңызды жазыңыз")
    busy.send("сұрақ")
    await busy.expect("№2")
    # Seven days and a bit after the last message: the first closes, the second stays.
    bot.clock.set(start + timedelta(days=7, hours=1))
    await run_job(bot, IDLE)
    await quiet.expect("Обращение №1 закрыто: в нём не было сообщений 7 дней")
    await topic_says(fake, thread, "💤 Обращение №1 закрыто автоматически: 7 дней")
    await asyncio.sleep(0.2)
    assert await run_db("SELECT id, status, closed_reason FROM tickets ORDER BY id") == [
        (1, "closed", "idle"), (2, "open", None),
    ]  # fmt: skip
    assert await run_db("SELECT count(*) FROM audit_log WHERE action = 'hotline.idle_close'") == [
        (1,)
    ]
    # Again: nothing more to close.
    await run_job(bot, IDLE)
    await quiet.settle(0.2)
    assert sum("не было сообщений" in e.text for e in quiet.events()) == 1
    # The citizen writes again (after a restart, too): the same ticket, the same topic.
    await bot.restart()
    quiet.send("у меня ещё вопрос")
    await fake.wait_until(
        lambda: any(e.text == "у меня ещё вопрос" for e in topic_events(fake, thread))
    )
    await asyncio.sleep(0.2)
    assert await run_db("SELECT id, status, closed_reason FROM tickets ORDER BY id") == [
        (1, "open", None), (2, "open", None),
    ]  # fmt: skip
    assert len(fake.calls_of("createForumTopic")) == 2
    staff.send("Слушаем вас", chat=group, thread=thread)
    await quiet.expect("Слушаем вас")
    # Kazakh citizens are told in Kazakh.
    bot.clock.set(start + timedelta(days=14))
    await run_job(bot, IDLE)
    await busy.expect("№2 өтініш жабылды: онда 7 күн бойы хабарлама болмады")
