"""A restart keeps Telegram's flood wait: a process started after a kill -9 inside a
`retry_after` sends nothing before its end (the wait belongs to the token)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.fakebot import TEST_TOKEN, FakeBotApi
from tests.support.seed import Person, seed

ROOT = Path(__file__).resolve().parents[2]
WAIT = 3  # seconds of retry_after
# A request already on its way when the 429 was answered arrives just after it.
IN_FLIGHT = 0.05
CITIZENS = 30


def bot_env(db_path: Path, fake: FakeBotApi) -> dict[str, str]:
    """The bot's environment: the fake server, this database, nothing inherited."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {
        **base, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN,
        "BOT_API_BASE_URL": fake.base_url, "DATABASE_PATH": str(db_path), "POLL_TIMEOUT": "1",
    }  # fmt: skip


async def start_bot(cwd: Path, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """`python -m bot run` as its own process, stderr appended to `log`."""
    with log.open("ab") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )  # fmt: skip


async def keep_writing(fake: FakeBotApi, ids: list[int], stop: asyncio.Event) -> None:
    """Citizens ask for /help all the time, before, during and after the crash."""
    users = [fake.user(i) for i in ids]
    while not stop.is_set():
        for user in users:
            user.send("/help")
        with contextlib.suppress(TimeoutError):
            # Each chat under Telegram's 1 a second: the 429 below is the token's, not a
            # chat's own (which would hold back that chat only).
            await asyncio.wait_for(stop.wait(), timeout=1.2)


def answers(fake: FakeBotApi) -> int:
    """Replies the citizens got."""
    return sum(1 for e in fake.events if e.kind == "send" and e.chat_id >= 10_000)


async def test_a_restart_sends_nothing_inside_the_wait_a_killed_process_was_told(
    tmp_path: Path, fake: FakeBotApi
) -> None:
    db_path = tmp_path / "db" / "h.sqlite3"
    ids = [10_000 + i for i in range(CITIZENS)]
    await seed(db_path, [Person(i) for i in ids])
    env = bot_env(db_path, fake)
    log = tmp_path / "bot.log"
    stop = asyncio.Event()
    writing: asyncio.Task[None] | None = None
    try:
        # The 41st reply is refused: "retry after 3".
        fake.inject("sendMessage", 429, f"Too Many Requests: retry after {WAIT}",
                    retry_after=WAIT, skip=40)  # fmt: skip
        first = await start_bot(tmp_path, env, log)
        try:
            # Writing from when the bot polls: a backlog of one citizen's /help answered
            # back to back is that chat's own flood, not the token's.
            await fake.wait_until(lambda: fake.pending_polls > 0, timeout=60, what="polling")
            writing = asyncio.create_task(keep_writing(fake, ids, stop))
            await fake.wait_until(lambda: fake.flood_events, timeout=60, what="the 429")
            told = fake.flood_events[0][0]
            await asyncio.sleep(max(0.0, told + 0.1 - time.monotonic()))
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        killed = time.monotonic()
        assert killed < told + 0.5, "the kill came too late to test anything"
        second = await start_bot(tmp_path, env, log)
        try:
            before = answers(fake)

            def more() -> bool:
                return answers(fake) >= before + CITIZENS

            await fake.wait_until(more, timeout=60, what="answers after the restart")
        finally:
            second.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(second.wait(), timeout=30)
        assert code == 0, log.read_text()[-3000:]
    finally:
        stop.set()
        if writing is not None:
            await writing

    def during(start: float, keep: Callable[[str], bool]) -> list[str]:
        return [c.method for c in fake.calls if start < c.at < told + WAIT and keep(c.method)]

    # The killed process sent nothing after its 429 (polling Telegram is not sending) ...
    assert during(told + IN_FLIGHT, lambda m: m != "getUpdates") == []
    # ... and the new one made no request at all (not even getMe) before the wait's end.
    assert during(killed, lambda m: True) == []
    assert [e for e in fake.flood_events if e[0] > told] == [], "a 429 after the restart"
