"""The two-person rule and priority end to end: an urgent notice waits for a second consul,
the author cannot approve it, and once approved it overtakes a routine notice, those who
need help first; coloured buttons and date_time entities in what Telegram received."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from tests.support.fakebot import Event, FakeBotApi
from tests.support.journeys import citizens, compose, staff_of
from tests.support.running import RunningBot
from tests.support.seed import Person, seed

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
ADMIN = 900001
CONSUL, SECOND = 700100, 700101
PEOPLE = range(2001, 2031)
# Need evacuation or consular help, stuck at the airport, or travel with children.
FIRST = {2003: "evacuation", 2007: "consular", 2011: "evacuation", 2015: "evacuation",
         2019: "consular", 2023: "evacuation", 2027: "evacuation"}  # fmt: skip
STUCK, WITH_CHILDREN = {2010, 2020}, {2030}
URGENT_TEXT = "Эвакуационный автобус 11.01.2030 09:00 от посольства."


def received(fake: FakeBotApi, fragment: str) -> list[Event]:
    """Copies of a notice delivered to citizens, in the order the server got them."""
    return [e for e in fake.events if e.kind == "send" and e.chat_id in PEOPLE
            and fragment in e.text]  # fmt: skip


@pytest.fixture
async def slow_bot(settings: Settings) -> AsyncIterator[RunningBot]:
    """Two workers and a threshold above this test's audience: urgent alone needs approval."""
    tuned = settings.model_copy(update={"broadcast_workers": 2, "approval_threshold": 40})
    running = RunningBot(Settings.model_validate(tuned.model_dump()))
    await running.start()
    yield running
    await running.stop()


async def test_urgent_waits_for_a_second_consul_then_goes_first(
    fake: FakeBotApi, slow_bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    people = [
        Person(uid, "AE", "stuck" if uid in STUCK else "tourist", FIRST.get(uid, "none"),
               party=2, children=1 if uid in WITH_CHILDREN else 0)
        for uid in PEOPLE
    ]  # fmt: skip
    await seed(db_path, people)
    users = citizens(fake, people)
    admin = fake.user(ADMIN, first_name="Админ")
    consul = await staff_of(fake, admin, CONSUL, "AE")
    second = await staff_of(fake, admin, SECOND, "AE")
    outsider = await staff_of(fake, admin, 700102, "QA")
    summary = await compose(consul, [], URGENT_TEXT, "Эвакуациялық автобус 11.01.2030 09:00.",
                            ack=True)  # fmt: skip
    assert "Срочно: нет" in summary.text
    assert "подтвердить второму" not in summary.text
    consul.press("Отметить как срочную")
    marked = await consul.expect("Срочно: да", kind="edit")
    assert "Рассылку нужно будет подтвердить второму сотруднику" in marked.text
    consul.press("Подтвердить")
    waiting = await consul.expect("ждёт подтверждения второго сотрудника (запрос №1)")
    assert "Запрос отправлен: 2" in waiting.text  # the second consul and the admin
    request = await second.expect("Нужно ваше подтверждение")
    assert "⚡ срочно" in request.text
    assert "Получателей: 30" in request.text
    [approve, reject] = request.buttons()
    assert (approve["style"], reject["style"]) == ("success", "danger")
    await admin.expect("Нужно ваше подтверждение")
    assert [e for e in outsider.events() if "подтверждение" in e.text] == []
    assert received(fake, "Эвакуационный") == [], "nothing goes before the approval"
    # The author cannot approve their own notice, forged button or not; nor can another
    # mission's consul.
    own = consul.press_data("ap:y:1")
    assert "Свою рассылку подтвердить нельзя" in (await consul.expect_answer(own))["text"]
    foreign = outsider.press_data("ap:y:1")
    assert (await outsider.expect_answer(foreign))["text"] == "Эта команда недоступна."
    assert received(fake, "Эвакуационный") == []

    # A routine notice starts going out, slowly; then the urgent one is approved.
    limiter = slow_bot.app.bot.rate_limiter  # type: ignore[union-attr]
    limiter.free.interval = 1 / 6
    await compose(admin, [], "Плановое сообщение о работе консульства.", "Жоспарлы хабарлама.")
    admin.press("Подтвердить")
    await fake.wait_until(lambda: len(received(fake, "Плановое")) >= 10, timeout=10,
                          what="the routine notice under way")  # fmt: skip
    second.press("Подтвердить отправку")
    await second.expect("Запрос №1 подтверждён: рассылка №2")
    await consul.expect("Запрос №1 подтвердил(а) Консул: рассылка №2")
    await fake.wait_until(lambda: len(received(fake, "Эвакуационный")) == 30, timeout=20,
                          what="the urgent notice")  # fmt: skip
    await fake.wait_until(lambda: len(received(fake, "Плановое")) == 30, timeout=20,
                          what="the routine notice")  # fmt: skip
    order = [("U" if "Эвакуационный" in e.text else "R", e.chat_id) for e in fake.events
             if e.kind == "send" and e.chat_id in PEOPLE]  # fmt: skip
    first_u = order.index(next(x for x in order if x[0] == "U"))
    last_u = max(i for i, x in enumerate(order) if x[0] == "U")
    overtaken = [x for x in order[first_u:last_u] if x[0] == "R"]
    # Only sends already in flight (one per worker) go between the urgent copies.
    assert len(overtaken) <= 2, order
    assert [x for x in order[last_u:] if x[0] == "R"], "the routine notice was overtaken"
    urgent_order = [uid for kind, uid in order if kind == "U"]
    assert set(urgent_order[:7]) == set(FIRST)
    assert set(urgent_order[7:9]) == STUCK
    assert urgent_order[9] in WITH_CHILDREN

    # What Telegram received: a green button, the time as a date_time entity, and the
    # typed text with its UTC offset for clients that do not know the entity.
    copy = received(fake, "Эвакуационный")[0]
    assert copy.buttons()[0]["style"] == "success"
    assert "11.01.2030 09:00 (UTC+5)" in copy.text
    [entity] = copy.message["entities"]
    assert entity["type"] == "date_time"
    assert entity["unix_time"] == int(datetime(2030, 1, 11, 4, 0, tzinfo=UTC).timestamp())
    units = copy.text.encode("utf-16-le")  # Telegram counts offsets in UTF-16 units
    start, end = 2 * entity["offset"], 2 * (entity["offset"] + entity["length"])
    assert units[start:end].decode("utf-16-le") == "11.01.2030 09:00 (UTC+5)"
    report = await consul.expect("⚡ Срочная рассылка", timeout=10, kind="edit")
    assert "Рассылка №2 завершена" in report.text

    # A second urgent notice, rejected by the admin: nothing goes, the author is told.
    await compose(consul, [], "Второе срочное", "Екінші шұғыл", ack=True)
    consul.press("Отметить как срочную")
    await consul.expect("Срочно: да", kind="edit")
    consul.press("Подтвердить")
    await consul.expect("запрос №2")
    await admin.expect("запрос №2")
    admin.press("Отклонить")
    await admin.expect("Запрос №2 отклонён")
    await consul.expect("Запрос №2 отклонил(а) Админ")
    late = second.press_data("ap:y:2")
    assert "уже принято решение" in (await second.expect_answer(late))["text"]
    assert received(fake, "Второе срочное") == []
    actions = [r[0] for r in await run_db(
        "SELECT action FROM audit_log WHERE action LIKE 'approval.%' ORDER BY id")]  # fmt: skip
    assert actions == [
        "approval.request", "approval.refused", "approval.approved", "approval.request",
        "approval.rejected",
    ]  # fmt: skip

    # Safety checks: a green "I am safe" and a red "I need help".
    limiter.free.interval = 1 / 25
    admin.send("/safety AE")
    await admin.expect("граждан (30)")
    admin.press("Подтвердить")
    question = await users[2001].expect("вы в безопасности?", timeout=10)
    assert [b["style"] for b in question.buttons()] == ["success", "danger"]
