"""An FAQ that learns: "Did this help?" and unanswered questions, for the admins' report;
no personal data is stored, and a citizen's erasure takes theirs away."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.fakebot import FakeBotApi, FakeUser
from tests.support.journeys import consent
from tests.support.running import RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
ADMIN = 900001
PASSPORT = "Я потерял паспорт. Как вернуться домой?"
CATS = (
    "Можно ли взять кошку в самолёт? Меня зовут Айгерим Серикова, тел. +77011234567",
    "можно взять кошку в самолет",
    "Можно ли провезти кошку в самолёте? Звоните 87011234567, Данияр Ерланович",
)


async def judge(user: FakeUser, verdict: str) -> None:
    """Read the lost-passport answer and say whether it helped."""
    user.send("/faq")
    await user.expect("Частые вопросы")
    user.press("Документы")
    await user.expect("Документы")
    user.press(PASSPORT)
    await user.expect("свидетельство на возвращение")
    user.press(verdict)
    if verdict == "Помогло":  # thanked in a toast; the answer keeps only its way back
        await user.expect("свидетельство на возвращение", kind="edit")
    else:
        await user.expect("горячую линию")


async def test_the_report_shows_what_the_faq_fails_without_personal_data(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    users = [fake.user(8400 + n) for n in range(4)]
    for user in users:
        await consent(user)
    for user, question in zip(users, CATS, strict=False):
        user.send(question)
        answer = await user.expect()  # unsure or no match: both offer the hotline
        assert any("горячую линию" in b["text"] for b in answer.buttons())
    for _ in range(2):
        users[3].send("рецепт плова")
        await users[3].expect("Не нашли ответа")
    await judge(users[0], "Не помогло")
    await judge(users[1], "Не помогло")
    users[1].press_data("fh:n:lost-passport")  # pressed again (a stale copy): still one verdict
    await users[1].expect("горячую линию")
    await judge(users[2], "Помогло")
    await asyncio.sleep(0.2)
    # What is stored carries no number and no name.
    stored = [r[0] for r in await run_db("SELECT text FROM faq_questions ORDER BY id")]
    assert len(stored) == 5
    assert stored[0] == "Можно ли взять кошку в самолёт? Меня зовут тел."
    for text in stored:
        assert not any(ch.isdigit() for ch in text), text
        assert "Айгерим" not in text
        assert "Серикова" not in text
        assert "Ерланович" not in text
    assert await run_db("SELECT count(*) FROM faq_feedback") == [(3,)]
    # The admin's report.
    admin = fake.user(ADMIN)
    await consent(admin)
    admin.send("/faq_report 7")
    report = (await admin.expect("Чего не знает FAQ")).text
    assert f"lost-passport «{PASSPORT}»: не помогло 2, помогло 1" in report
    assert "Вопросы без уверенного ответа: 5, групп похожих: 2" in report
    lines = report.splitlines()
    cats = next(line for line in lines if "кошку" in line)
    assert cats.startswith("• 3 × «")
    assert "(формулировок: 3)" in cats
    assert "• 2 × «рецепт плова» (формулировок: 1)" in report
    assert "Айгерим" not in report
    assert "7701" not in report
    sheet = await admin.expect("Все группы вопросов без ответа (2)")
    data = fake.files[sheet.message["document"]["file_id"]].decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert rows[0] == ["Сколько раз", "Как спрашивали", "Формулировок"]
    assert [r[0] for r in rows[1:]] == ["3", "2"]
    # Erasing a citizen erases their questions and answers.
    users[0].send("/delete")
    await users[0].expect("Удалить мои данные?")
    users[0].press("Да, удалить всё")
    await users[0].expect("Ваши данные удалены")
    assert await run_db("SELECT count(*) FROM faq_questions WHERE user_id = 8400") == [(0,)]
    assert await run_db("SELECT count(*) FROM faq_feedback WHERE user_id = 8400") == [(0,)]
    admin.send("/faq_report")
    report = (await admin.expect("Чего не знает FAQ")).text
    assert "не помогло 1, помогло 1" in report
    assert "• 2 × «" in next(line for line in report.splitlines() if "кошку" in line)
    # Bad input and other roles.
    for bad in ("/faq_report abc", "/faq_report 0", "/faq_report 1000"):
        admin.send(bad)
        await admin.expect("Формат: /faq_report")
    users[1].send("/faq_report")
    await users[1].expect("Эта команда недоступна")
