"""`python -m bot purge`: erases what has been untouched long enough, and nothing else."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from tests.support.cli import cli
from tests.support.seed import Person, seed

OLD = "2025-01-01T08:00:00+00:00"


def test_purge_erases_inactive_citizens_only(tmp_path: Path) -> None:
    db_path = tmp_path / "db" / "h.sqlite3"
    people = [
        Person(71, "AE", updated=OLD),  # untouched for long: erased
        Person(72, "AE"),  # recent: kept
        Person(73, "QA", updated=OLD),  # old but an open hotline ticket: kept
        Person(74, "QA", updated=OLD),  # old but staff: kept
        Person(75, "TR", updated=OLD),  # closed long ago: erased
    ]
    asyncio.run(seed(db_path, people))
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE registrations SET active = 0 WHERE user_id = 75")
        conn.execute("INSERT INTO place_history (user_id, country, city, status, recorded_at)"
                     " VALUES (71, 'AE', 'Dubai', 'tourist', ?)", (OLD,))  # fmt: skip
        conn.execute("INSERT INTO tickets (user_id, staff_chat_id, created_at) VALUES (73, -1, ?)",
                     (OLD,))  # fmt: skip
        conn.execute("INSERT INTO staff (user_id, role, granted_at) VALUES (74, 'admin', ?)",
                     (OLD,))  # fmt: skip
        conn.execute("INSERT INTO audit_log (at, action, details) VALUES (?, 'hotline.ban',"
                     " '{\"user_id\": 71, \"reason\": \"spam\"}')", (OLD,))  # fmt: skip
    env = {"DATABASE_PATH": str(db_path)}
    dry = cli(tmp_path, "purge", "--inactive-days", "30", "--dry-run", **env)
    assert dry.returncode == 0, dry.stderr
    assert "would erase 2 citizens" in dry.stdout
    done = cli(tmp_path, "purge", "--inactive-days", "30", **env)
    assert done.returncode == 0, done.stderr
    assert "erased 2 citizens inactive for 30+ days" in done.stdout
    with sqlite3.connect(db_path) as conn:
        assert [r[0] for r in conn.execute("SELECT user_id FROM citizens ORDER BY 1")] == [
            72, 73, 74,
        ]  # fmt: skip
        assert conn.execute("SELECT count(*) FROM place_history").fetchone() == (0,)
        details = [r[0] for r in conn.execute("SELECT details FROM audit_log ORDER BY id")]
        assert "71" not in details[0]
        assert '"citizens": 2' in details[-1]
    assert cli(tmp_path, "purge", "--inactive-days", "0", **env).returncode == 2
