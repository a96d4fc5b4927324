"""Official notices end to end: compose, target, schedule, deliver at the limit, manage."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakebot import Event, FakeBotApi, FloodLimits
from tests.support.journeys import citizens, compose
from tests.support.running import RunningBot
from tests.support.seed import Person, seed

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
ADMIN = 900001
HEADER_RU = "📢 Официальное сообщение МИД РК"
HEADER_KK = "📢 ҚР СІМ ресми хабарландыруы"


def notices_in(fake: FakeBotApi, chat_id: int) -> list[Event]:
    return [
        e for e in fake.chat_events(chat_id)
        if e.kind == "send" and (HEADER_RU in e.text or HEADER_KK in e.text)
    ]  # fmt: skip


async def test_bilingual_notice_with_preview_targeted_by_country(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    # Telegram's overall limit; the per-chat one is checked where notices go out (below).
    fake.flood = FloodLimits(global_per_second=30)
    people = [
        Person(11, "AE", lang="ru"), Person(12, "AE", lang="kk"), Person(13, "AE", "stuck"),
        Person(14, "QA"), Person(15, "TR", lang="kk"),
    ]  # fmt: skip
    await seed(db_path, people)
    users = citizens(fake, people)
    admin = fake.user(ADMIN, first_name="Админ")
    summary = await compose(
        admin, ["Объединённые Арабские Эмираты"], "Рейсы из Дубая возобновлены <b>в 10:00</b>.",
        "Дубайдан рейстер 10:00-де қайта басталды.", ack=True,
    )  # fmt: skip
    # The previews came before the summary, each exactly as its recipients will see it.
    previews = [e for e in admin.events() if HEADER_RU in e.text or HEADER_KK in e.text]
    assert [e.text.split("\n\n")[0] for e in previews] == [HEADER_RU, HEADER_KK]
    assert "Рейсы из Дубая возобновлены <b>в 10:00</b>." in previews[0].text
    assert "Дубайдан рейстер 10:00-де қайта басталды." in previews[1].text
    assert previews[0].buttons()[0]["text"] == "✅ Получено / я в безопасности"
    assert previews[1].buttons()[0]["text"] == "✅ Алдым / қауіпсіздемін"
    assert "Получателей сейчас: 3" in summary.text
    admin.press("Подтвердить")
    await admin.expect("📤 Рассылка №")
    report = await admin.expect("завершена", timeout=10, kind="edit")
    assert "доставлено: 3" in report.text
    # Only AE citizens got it, each in their language, with bold kept.
    for uid in (11, 13):
        [got] = notices_in(fake, uid)
        assert "Рейсы из Дубая возобновлены" in got.text
    [kk] = notices_in(fake, 12)
    assert "Дубайдан рейстер 10:00-де қайта басталды." in kk.text
    assert HEADER_KK in kk.text
    assert notices_in(fake, 14) == []
    assert notices_in(fake, 15) == []
    # What staff typed is text, never markup: a typed tag arrives as the characters.
    assert "возобновлены <b>в 10:00</b>." in notices_in(fake, 11)[0].text
    # Acknowledgements are counted in the report as they come in.
    users[12].press("Алдым")
    await users[12].expect(kind="edit")
    assert notices_in(fake, 12)[0].buttons()[0]["text"] == "✓ Белгіленді"
    again = users[12].press_data(notices_in(fake, 12)[0].buttons()[0]["callback_data"])
    assert "бұрын ескерілген" in (await users[12].expect_answer(again))["text"]
    await admin.expect("Ответили «Получено»: 1", timeout=10, kind="edit")
    # /notices shows it to an AE citizen, not to QA.
    users[11].send("/notices")
    await users[11].expect("Рейсы из Дубая")
    users[14].send("/notices")
    await users[14].expect("пока нет официальных сообщений")
    rows = await run_db("SELECT action FROM audit_log WHERE action LIKE 'notice.%'")
    assert rows == [("notice.create",)]
    assert not fake.flood_events
    # Erasure takes the record of who received what with it.
    users[13].send("/delete")
    await users[13].expect("Удалить мои данные?")
    users[13].press("Да, удалить всё")
    await users[13].expect("Ваши данные удалены")
    assert await run_db("SELECT count(*) FROM outbox WHERE user_id = 13") == [(0,)]
    assert await run_db("SELECT count(*) FROM outbox") == [(2,)]


async def test_scope_status_filter_and_refusals(
    fake: FakeBotApi, bot: RunningBot, db_path: Path
) -> None:
    people = [Person(21, "AE"), Person(22, "AE", "stuck"), Person(23, "QA", "stuck")]
    await seed(db_path, people)
    citizens(fake, people)
    admin = fake.user(ADMIN)
    consul = fake.user(700100, first_name="Консул")
    other = fake.user(700200, first_name="Другой")
    consul.chat.started = other.chat.started = True
    admin.send("/grant 700100 staff AE")
    await admin.expect("700100: сотрудник (AE)")
    admin.send("/grant 700200 staff QA")
    await admin.expect("700200: сотрудник (QA)")
    # Staff of AE targets stuck people in AE: one recipient.
    summary = await compose(
        consul, [], "Автобус в аэропорт в 10:00", None, statuses=["Застрял(а) в аэропорту"]
    )
    assert "Получателей сейчас: 1" in summary.text
    assert "Объединённые Арабские Эмираты" in summary.text
    consul.press("Подтвердить")
    await consul.expect("завершена", timeout=10, kind="edit")
    assert [len(notices_in(fake, u)) for u in (21, 22, 23)] == [0, 1, 0]
    notice_id = 1  # the AE notice just sent
    # Staff of QA: AE is outside their scope, typed or forged.
    other.send("/broadcast")
    await other.expect("Новое официальное сообщение")
    other.send("AE")
    await other.expect("вне вашей зоны")
    query = other.press_data("bx:c:AE")
    assert "вне вашей зоны" in (await other.expect_answer(query))["text"]
    other.send("/cancel")
    await other.expect("Черновик удалён")
    for data in (f"nt:x:{notice_id}", f"nt:r:{notice_id}", f"nt:ry:{notice_id}"):
        query = other.press_data(data)
        assert (await other.expect_answer(query))["text"] == "Эта команда недоступна."
    # A citizen gets a plain refusal for every staff and admin command.
    citizen = fake.user(21)
    for command in ("/broadcast", "/scheduled", "/grant 21 admin", "/staff", "/revoke 700100"):
        citizen.send(command)
        await citizen.expect("Эта команда недоступна.")
    query = citizen.press_data(f"nt:x:{notice_id}")
    assert (await citizen.expect_answer(query))["text"] == "Эта команда недоступна."
    # Staff cannot grant; revoking takes effect at once.
    other.send("/grant 700200 admin")
    await other.expect("Эта команда недоступна.")
    admin.send("/revoke 700200")
    await admin.expect("отозвана")
    other.send("/broadcast")
    await other.expect("Эта команда недоступна.")
    admin.send("/staff")
    listing = await admin.expect("Сотрудники")
    assert "700100" in listing.text
    assert "700200" not in listing.text
    # The granted member's command menu is their own; the revoked one's is gone.
    menu = [c["command"] for c in fake.commands[("chat:700100", None)]]
    assert menu[:2] == ["broadcast", "scheduled"]
    assert "grant" not in menu
    assert ("chat:700200", None) not in fake.commands


async def test_blocked_recipients_deactivated_and_429_obeyed(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    people = [Person(100 + i, "AE") for i in range(12)]
    await seed(db_path, people)
    users = citizens(fake, people)
    users[101].chat.blocked = True  # blocked without the bot hearing of it
    del fake.chats[102]  # an account that no longer exists
    admin = fake.user(ADMIN)
    await compose(admin, ["Объединённые Арабские Эмираты"], "Проверка связи", "Байланыс тексерісі")
    await asyncio.sleep(1.0)  # the summary went to the admin's chat just now
    fake.flood = FloodLimits(global_per_second=30, per_chat_per_second=1)
    # After the reply and the progress message, the third notice gets a 429 (retry after 2).
    fake.inject("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2, skip=4)
    admin.press("Подтвердить")
    report = await admin.expect("завершена", timeout=20, kind="edit")
    assert "доставлено: 10" in report.text
    assert "заблокировали бота: 2" in report.text
    # (Progress edits every 0.5 s in tests may meet the per-chat limit too: not ours.)
    fault_at = [t for t, _, chat, _ in fake.flood_events if chat is None]
    assert len(fault_at) == 1, fake.flood_events
    during = [
        c for c in fake.calls_of("sendMessage")
        if fault_at[0] + 0.05 < c.at < fault_at[0] + 2.0
    ]  # fmt: skip
    assert during == [], "requests were made during retry_after"
    for uid in range(100, 112):
        expected = 0 if uid in (101, 102) else 1
        assert len(notices_in(fake, uid)) == expected
    rows = await run_db("SELECT user_id FROM citizens WHERE blocked_at IS NOT NULL ORDER BY 1")
    assert rows == [(101,), (102,)]
    # The next notice does not even try them.
    before = len([c for c in fake.calls if c.params.get("chat_id") in (101, 102)])
    fake.flood = FloodLimits(global_per_second=30)  # staff get bursts of previews
    await compose(admin, ["Объединённые Арабские Эмираты"], "Второе", "Екінші")
    admin.press("Подтвердить")
    await admin.expect("Получателей: 10", timeout=20, kind="edit")
    assert len([c for c in fake.calls if c.params.get("chat_id") in (101, 102)]) == before
    # Coming back (my_chat_member) makes a citizen reachable again.
    users[101].unblock()
    await fake.wait_until(lambda: True)
    await users[101].settle()
    rows = await run_db("SELECT count(*) FROM citizens WHERE blocked_at IS NOT NULL")
    assert rows == [(1,)]


async def test_cancel_midway_edit_and_recall(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    people = [Person(300 + i, "QA", lang="kk" if i % 2 else "ru") for i in range(40)]
    await seed(db_path, people)
    citizens(fake, people)
    admin = fake.user(ADMIN)
    limiter = bot.app.bot.rate_limiter  # type: ignore[union-attr]
    limiter.free.interval = 1 / 10  # slow enough to press Cancel half way
    await compose(admin, ["Катар"], "Первое", "Бірінші")
    admin.press("Подтвердить")
    await admin.expect("Скорость", timeout=10, kind="edit")
    admin.press("Остановить")
    await admin.expect("остановлена. Не отправлено")
    report = await admin.expect("остановлена", timeout=10, kind="edit")
    delivered = sum(len(notices_in(fake, 300 + i)) for i in range(40))
    assert 0 < delivered < 40
    assert f"Доставлено: {delivered}" in report.text
    await admin.settle(1.0)
    assert sum(len(notices_in(fake, 300 + i)) for i in range(40)) == delivered
    # Edit every delivered copy, each in its language.
    limiter.free.interval = 1 / 25
    admin.press("Изменить")
    await admin.expect("Изменение рассылки")
    admin.send("Первое (исправлено)")
    await admin.expect("казахском")
    admin.send("Бірінші (түзетілді)")
    await admin.expect(f"доставленных копиях ({delivered})")
    admin.press("Подтвердить")
    await admin.expect("изменена")
    await fake.wait_until(
        lambda: len([e for e in fake.events if (e.kind == "edit" and "түзетілді" in e.text)
                     or ("исправлено" in e.text and e.kind == "edit")]) >= delivered,
        timeout=10, what="edits",
    )  # fmt: skip
    for i in range(40):
        copies = notices_in(fake, 300 + i)
        if copies:
            assert ("түзетілді" if i % 2 else "исправлено") in copies[0].message["text"]
    # Recall deletes them all.
    admin.press("Отозвать")
    await admin.expect("Отозвать рассылку")
    admin.press("Да")
    await admin.expect("отзывается")
    await fake.wait_until(
        lambda: len([e for e in fake.events if e.kind == "delete"]) >= delivered,
        timeout=10, what="deletions",
    )  # fmt: skip
    actions = [r[0] for r in await run_db("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["notice.create", "notice.cancel", "notice.edit", "notice.recall"]
    citizen = fake.user(301)
    citizen.send("/notices")
    await citizen.expect("әзірге ресми хабарландыру жоқ")


@pytest.mark.slow
async def test_scheduled_daily_local_time_and_restart(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    # AE is UTC+4, TR UTC+3, Astana UTC+5.
    people = [Person(401, "AE"), Person(402, "TR"), Person(403, "AE", lang="kk")]
    await seed(db_path, people)
    citizens(fake, people)
    admin = fake.user(ADMIN)
    clock = bot.clock
    clock.set(datetime(2030, 1, 10, 3, 0, tzinfo=UTC))  # 08:00 in Astana
    # A one-off at 12:00 Astana, a daily one at 09:00 local time for three days.
    await compose(admin, ["Объединённые Арабские Эмираты"], "Разовое", "Бір реттік",
                  when="В дату и время (Астана)", when_text=["2030-01-10 12:00"])  # fmt: skip
    admin.press("Подтвердить")
    await admin.expect("запланирована, первая отправка 2030-01-10 12:00")
    await compose(admin, [], "Ежедневное", "Күнделікті", when="Ежедневно (местное)",
                  when_text=["09:00", "12.01.2030"])  # fmt: skip
    admin.press("Подтвердить")
    await admin.expect("запланирована, первая отправка 2030-01-10 10:00")  # 09:00 in Dubai
    admin.send("/scheduled")
    await admin.expect("Ежедневное")  # soonest first
    await admin.expect("Разовое")
    # 09:00 in Dubai: the AE citizens get the daily one, Turkey waits for its own 09:00.
    clock.set(datetime(2030, 1, 10, 4, 59, 59, tzinfo=UTC))
    await bot.services.notices.engine.arm_all()
    await fake.wait_until(
        lambda: len(notices_in(fake, 401)) == len(notices_in(fake, 403)) == 1,
        timeout=10, what="AE 09:00",
    )  # fmt: skip
    await admin.settle(0.5)
    assert notices_in(fake, 402) == []
    clock.set(datetime(2030, 1, 10, 5, 59, 59, tzinfo=UTC))
    bot.services.notices.engine.wake()
    await fake.wait_until(lambda: len(notices_in(fake, 402)) == 1, timeout=10, what="TR 09:00")
    # The bot is down from 11:30 to 12:30 Astana: the one-off is sent once, at restart.
    clock.set(datetime(2030, 1, 10, 6, 30, tzinfo=UTC))
    await bot.stop()
    clock.set(datetime(2030, 1, 10, 7, 30, tzinfo=UTC))
    await bot.start()
    await fake.wait_until(lambda: len(notices_in(fake, 401)) == 2, timeout=10, what="late one-off")
    await bot.restart()
    await admin.settle(1.0)
    assert [e.text.split("\n\n")[1] for e in notices_in(fake, 401)] == ["Ежедневное", "Разовое"]
    assert notices_in(fake, 402)[0].text.endswith("Ежедневное")
    # Day two: the daily one again, at 09:00 in each country.
    clock.set(datetime(2030, 1, 11, 4, 59, 59, tzinfo=UTC))
    await bot.services.notices.engine.arm_all()
    await fake.wait_until(lambda: len(notices_in(fake, 403)) == 2, timeout=10, what="AE day 2")
    assert len(notices_in(fake, 402)) == 1
    clock.set(datetime(2030, 1, 11, 5, 59, 59, tzinfo=UTC))
    bot.services.notices.engine.wake()
    await fake.wait_until(lambda: len(notices_in(fake, 402)) == 2, timeout=10, what="TR day 2")
    assert notices_in(fake, 403)[-1].text.endswith("Күнделікті")
    # Day three, down for longer than the grace window: missed, and staff are told.
    clock.set(datetime(2030, 1, 12, 6, 30, tzinfo=UTC))  # after every zone's 09:00
    await bot.restart()
    await admin.expect("пропущена", timeout=10)
    await admin.settle(1.0)
    assert len(notices_in(fake, 402)) == 2
    for _ in range(50):  # the report of the one-off is finished at the next progress tick
        rows = await run_db("SELECT state, missed_runs FROM notices ORDER BY id")
        if rows[0][0] == "done":
            break
        await asyncio.sleep(0.2)
    assert rows == [("done", 0), ("done", 1)]
