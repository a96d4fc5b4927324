"""A citizen's step and mode survive kill -9 right after the bot answered: after the
restart every citizen resumes at the question they were shown, and hotline mode holds."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from storage.db import Database
from storage.models import to_iso, utcnow
from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FakeUser
from tests.support.seed import Person, seed

ROOT = Path(__file__).resolve().parents[2]
STAFF_CHAT = -1001234567890
EXPECT = 20.0  # seconds: two bots' start-up on a loaded machine

Action = Callable[[FakeUser], object]
# A new registration, one step at a time: what the citizen does, then what the bot asks.
STEPS: list[tuple[Action, str]] = [
    (lambda u: u.send("/register"), "В какой стране"),
    (lambda u: u.press("Иордания"), "Город или место"),
    (lambda u: u.send("Амман"), "Ваш статус"),
    (lambda u: u.press("Застрял(а) в аэропорту"), "Сколько вас"),
    (lambda u: u.press("1"), "ФИО как в паспорте"),
    (lambda u: u.send("Серикова Айгерим Болатовна"), "Номер телефона"),
    (lambda u: u.reply_button("Поделиться номером"), "Какая помощь"),
    (lambda u: u.press("Эвакуация"), "особая помощь"),
    (lambda u: u.press("Нет"), "Проверьте данные"),
    (lambda u: u.press("Подтвердить"), "✅ Сохранено"),
]
REGISTERING = 18  # citizens stopped after 1..9 steps, two at each
IN_HOTLINE = 6


def bot_env(db_path: Path, fake: FakeBotApi) -> dict[str, str]:
    """The bot's environment: the fake server, this database, nothing inherited."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {
        **base, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN,
        "BOT_API_BASE_URL": fake.base_url, "DATABASE_PATH": str(db_path), "POLL_TIMEOUT": "1",
        "STAFF_CHAT_ID": str(STAFF_CHAT), "WORKING_HOURS": "", "GROUP_MAX_PER_MINUTE": "0",
    }  # fmt: skip


async def start_bot(cwd: Path, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """`python -m bot run` as its own process, stderr appended to `log`."""
    with log.open("ab") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )  # fmt: skip


async def consented(db_path: Path, ids: list[int]) -> None:
    """Citizens who chose Russian and accepted the privacy notice, not registered yet."""
    db = Database(db_path)
    await db.open()
    stamp = to_iso(utcnow())
    try:
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO citizens (user_id, lang, consent_at, created_at, updated_at)"
                " VALUES (?, 'ru', ?, ?, ?)",
                [(i, stamp, stamp, stamp) for i in ids],
            )
    finally:
        await db.close()


async def step(user: FakeUser, index: int) -> None:
    """Take one step of the registration and wait for the next question."""
    action, prompt = STEPS[index]
    action(user)
    await user.expect(prompt, timeout=EXPECT)


async def walk(user: FakeUser, steps: int) -> None:
    """The first `steps` steps, each answered."""
    for index in range(steps):
        await step(user, index)


async def resumes(user: FakeUser, index: int) -> str | None:
    """Take step `index`; None if the bot asks the question that follows it."""
    try:
        await step(user, index)
    except AssertionError as exc:
        return f"{user.id} at step {index}: {str(exc)[:300]}"
    return None


async def test_kill_right_after_answers_loses_no_step_and_no_hotline_mode(
    tmp_path: Path, fake: FakeBotApi
) -> None:
    db_path = tmp_path / "db" / "h.sqlite3"
    registering = [20_000 + i for i in range(REGISTERING)]
    hotline = [30_000 + i for i in range(IN_HOTLINE)]
    await seed(db_path, [Person(i) for i in hotline])
    await consented(db_path, registering)
    fake.group(STAFF_CHAT, "Консульская горячая линия")
    env = bot_env(db_path, fake)
    log = tmp_path / "bot.log"
    # Citizen i stops after steps[i] steps: the last one answered just before the kill.
    steps = {uid: 1 + n % (len(STEPS) - 1) for n, uid in enumerate(registering)}
    users = {uid: fake.user(uid) for uid in registering + hotline}

    first = await start_bot(tmp_path, env, log)
    try:
        await asyncio.gather(*(walk(users[uid], n - 1) for uid, n in steps.items()))
        # Everybody's last answer at once; the kill follows the last question shown.
        for uid, n in steps.items():
            STEPS[n - 1][0](users[uid])
        for uid in hotline:
            users[uid].press_data("m:hot")
        await asyncio.gather(
            *(users[uid].expect(STEPS[n - 1][1], timeout=EXPECT) for uid, n in steps.items()),
            *(users[uid].expect("Напишите ваш вопрос", timeout=EXPECT) for uid in hotline),
        )
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()

    second = await start_bot(tmp_path, env, log)
    try:
        for uid in hotline:
            users[uid].send("паспорт украли, что делать")
        lost = await asyncio.gather(*(resumes(users[uid], n) for uid, n in steps.items()))
        assert [m for m in lost if m] == [], "citizens resumed at another step than shown"
        for uid in hotline:
            # Relayed to staff, not answered from the FAQ.
            await users[uid].expect("передано консульским сотрудникам", timeout=EXPECT)
        topics = fake.chats[STAFF_CHAT].topics
        # The relay opens the topics as it sends, after the acknowledgements.
        await fake.wait_until(lambda: len(topics) == IN_HOTLINE, timeout=EXPECT, what="topics")
        assert len(topics) == IN_HOTLINE
    finally:
        second.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(second.wait(), timeout=30)
    assert code == 0, log.read_text()[-3000:]
