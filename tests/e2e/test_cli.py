"""The command line: one-line errors with exit code 2, migrate, backup, and a real run."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from storage.db import migrations
from tests.support.cli import cli, env
from tests.support.fakebot import TEST_TOKEN, FakeBotApi


def test_help(tmp_path: Path) -> None:
    result = cli(tmp_path, "--help")
    assert result.returncode == 0
    for word in ("run", "migrate", "backup"):
        assert word in result.stdout


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "12345"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": TEST_TOKEN, "TIMEZONE": "Mars/Phobos"}, "TIMEZONE"),
        ({"BOT_TOKEN": TEST_TOKEN, "ADMIN_IDS": "one,two"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": TEST_TOKEN, "DATABASE_PATH": "/proc/no/such/h.sqlite3"}, "/proc/no"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    tmp_path: Path, settings: dict[str, str], expected: str
) -> None:
    result = cli(tmp_path, "run", **settings)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "12345" not in result.stderr or expected == "BOT_TOKEN"
    assert "Traceback" not in result.stderr


def test_unwritable_database_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli(tmp_path, "migrate", DATABASE_PATH=str(blocker / "h.sqlite3"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")


def test_faq_ask(tmp_path: Path) -> None:
    result = cli(tmp_path, "faq", "ask", "pasport joghalttym", "--lang", "kk")
    assert result.returncode == 0, result.stderr
    assert "lost-passport" in result.stdout.splitlines()[1]
    assert "Төлқұжатымды жоғалттым" in result.stdout


def test_health_fails_without_a_running_bot(tmp_path: Path) -> None:
    assert cli(tmp_path, "health").returncode == 1


def test_migrate_and_backup(tmp_path: Path) -> None:
    result = cli(tmp_path, "migrate")
    assert result.returncode == 0, result.stderr
    assert f"schema v{len(migrations())}" in result.stdout
    again = cli(tmp_path, "migrate")
    assert again.returncode == 0
    db = tmp_path / "db" / "h.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO citizens (user_id, lang, created_at, updated_at)"
            " VALUES (1, 'kk', 'x', 'x')"
        )
    target = tmp_path / "backups" / "copy.sqlite3"
    result = cli(tmp_path, "backup", str(target))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT user_id, lang FROM citizens").fetchall() == [(1, "kk")]
        assert conn.execute("PRAGMA user_version").fetchone() == (len(migrations()),)
    missing = cli(tmp_path, "backup", "x.sqlite3", DATABASE_PATH=str(tmp_path / "none.db"))
    assert missing.returncode == 2


async def test_run_answers_and_stops_cleanly_on_sigterm(tmp_path: Path, fake: FakeBotApi) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=tmp_path,
        env=env(tmp_path, BOT_TOKEN=TEST_TOKEN, BOT_API_BASE_URL=fake.base_url, POLL_TIMEOUT="1"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        user = fake.user(4001)
        user.send("/start")
        await user.expect("🔒", timeout=30)
        assert fake.commands[("all_private_chats", "kk")][0]["description"] == "Бастау"
        # The heartbeat makes `health` pass while the bot runs.
        health = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "health", cwd=tmp_path, env=env(tmp_path),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert await health.wait() == 0, (
            (await process.stderr.read(2000)).decode() if process.stderr else ""
        )
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    log = stderr.decode()
    assert TEST_TOKEN not in log
    assert "started" in log
