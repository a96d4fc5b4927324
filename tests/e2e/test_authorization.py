"""Every staff and admin command and button against every kind of user.

Roles: a registered citizen, staff of another country (QA), staff of the country (AE),
an admin. A refusal is the same plain "not available" (or "outside your area" for a
country a staff member does not serve) and carries nothing else: no counts, no names.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.audience import Audience
from storage.notices import NoticeDraft
from tests.support.fakebot import FakeBotApi, FakeUser
from tests.support.running import RunningBot
from tests.support.seed import Person, seed

NOT_AVAILABLE = "Эта команда недоступна."
OUTSIDE = "вне вашей зоны"
ADMIN, STAFF_AE, STAFF_QA, CITIZEN = 900001, 700501, 700502, 81

# (what the user does, the answer per role: citizen, staff QA, staff AE, admin)
COMMANDS: list[tuple[str, tuple[str, str, str, str]]] = [
    ("/broadcast", (NOT_AVAILABLE, "Новое официальное", "Новое официальное", "Новое официальное")),
    ("/scheduled", (NOT_AVAILABLE, "Запланированных рассылок нет", "Запланированных",
                    "Запланированных")),
    ("/stats AE", (NOT_AVAILABLE, OUTSIDE, "Зарегистрировано: 2", "Зарегистрировано: 2")),
    ("/export AE", (NOT_AVAILABLE, OUTSIDE, "строк — 2", "строк — 2")),
    # 82 never opened the bot: the notice marked them unreachable, so one is asked.
    ("/safety AE", (NOT_AVAILABLE, OUTSIDE, "граждан (1)", "граждан (1)")),
    ("/grant 1 staff AE", (NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE, "1: сотрудник")),
    ("/revoke 1", (NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE, "отозвана")),
    ("/staff", (NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE, "Сотрудники")),
    ("/audit", (NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE, "Последние действия")),
    ("/faq_export", (NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE, "")),
    ("/routes", (NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE, "")),
]  # fmt: skip
# Buttons on notice 1 (AE). Staff of AE and admins pass the role check and get to the
# notice itself (already finished, or a confirmation).
BUTTONS: list[tuple[str, tuple[str, str, str, str]]] = [
    ("nt:x:1", (NOT_AVAILABLE, NOT_AVAILABLE, "уже завершена", "уже завершена")),
    ("nt:r:1", (NOT_AVAILABLE, NOT_AVAILABLE, "", "")),
    ("nt:ry:9", (NOT_AVAILABLE, "устарела", "устарела", "устарела")),
    ("nt:e:1", (NOT_AVAILABLE, NOT_AVAILABLE, "", "")),
    ("sf:go", (NOT_AVAILABLE, "устарела", "устарела", "устарела")),
    ("ca:yes", (NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE, "устарела")),
]  # fmt: skip
ROLES = ("citizen", "staff-QA", "staff-AE", "admin")


@pytest.fixture
async def cast(fake: FakeBotApi, bot: RunningBot, db_path: Path) -> dict[str, FakeUser]:
    """A citizen, two staff members, an admin, two AE registrations and one AE notice."""
    await seed(db_path, [Person(CITIZEN, "AE"), Person(82, "AE"), Person(83, "QA")])
    users = {}
    for name, uid in zip(ROLES, (CITIZEN, STAFF_QA, STAFF_AE, ADMIN), strict=True):
        users[name] = fake.user(uid, first_name=name)
        users[name].chat.started = True
    services = bot.services
    now = services.clock.now()
    for uid, code in ((STAFF_QA, "QA"), (STAFF_AE, "AE")):
        await services.staff.grant(uid, "staff", frozenset({code}), ADMIN, now)
    services.roles.load(await services.staff.all())
    notice = await services.notices.create(
        NoticeDraft(Audience(countries=("AE",)), "Тест", "Тест"), ADMIN
    )
    assert notice is not None
    for _ in range(100):  # delivered: 82, who never opened the bot, is now unreachable
        if (await services.notices.outbox.progress(notice.id)).pending == 0:
            break
        await asyncio.sleep(0.05)
    for _ in range(100):  # and finished (at the next progress tick): "уже завершена" below
        current = await services.notices.repo.get(notice.id)
        if current is not None and current.state == "done":
            break
        await asyncio.sleep(0.05)
    for name in ROLES[2:]:
        await users[name].settle(0.2)  # the progress message of the admin's notice
    return users


async def test_commands(cast: dict[str, FakeUser]) -> None:
    for action, expected in COMMANDS:
        await command_matrix(cast, action, expected)


async def command_matrix(
    cast: dict[str, FakeUser], action: str, expected: tuple[str, str, str, str]
) -> None:
    """One command, sent by each role (four chats at once; the bot serves chats concurrently)."""
    for role in ROLES:
        user = cast[role]
        user.cursor = len(user.api.events)
        user.send(action)
    for role, fragment in zip(ROLES, expected, strict=True):
        event = await cast[role].expect(fragment)
        if fragment in (NOT_AVAILABLE, OUTSIDE):
            assert event.buttons() == [], (role, action)
    # One quiet period for the four chats: settle() waits until the bot is silent in all.
    await cast["admin"].settle(0.2)
    for role, fragment in zip(ROLES, expected, strict=True):
        if fragment in (NOT_AVAILABLE, OUTSIDE):
            assert [e.text for e in cast[role].unread()] == [], (role, action, "said more")
    if action == "/broadcast":
        for role in ROLES:
            cast[role].send("/cancel")
        await cast["admin"].settle(0.2)


async def test_buttons(cast: dict[str, FakeUser]) -> None:
    for data, expected in BUTTONS:
        await button_matrix(cast, data, expected)


async def button_matrix(
    cast: dict[str, FakeUser], data: str, expected: tuple[str, str, str, str]
) -> None:
    """One button press (real or forged), by each role (four chats at once)."""
    queries = {}
    for role in ROLES:
        user = cast[role]
        user.cursor = len(user.api.events)
        queries[role] = user.press_data(data)
    for role, fragment in zip(ROLES, expected, strict=True):
        answer = await cast[role].expect_answer(queries[role])
        assert fragment in (answer.get("text") or ""), (role, data, answer)
    await cast["admin"].settle(0.2)  # silent in all four chats
    for role, fragment in zip(ROLES, expected, strict=True):
        if fragment in (NOT_AVAILABLE, OUTSIDE):
            assert [e.text for e in cast[role].unread()] == [], (role, data, "said more")
    if data == "nt:e:1":
        for role in ("staff-AE", "admin"):
            cast[role].send("/cancel")
        await cast["admin"].settle(0.2)
