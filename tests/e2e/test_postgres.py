"""PostgreSQL only (the suite's second run): migrations once across replicas, the CLI, backup."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.runtime.replicas import NameTaken
from bot.settings import Settings
from storage.db import Database, IntegrityError, migrations
from tests.support.cli import cli
from tests.support.pg import SERVER_URL
from tests.support.running import RunningBot

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")


async def test_replicas_starting_together_migrate_once(db_path: Path | str) -> None:
    replicas = [Database(db_path, pool_size=2) for _ in range(3)]
    await asyncio.gather(*(db.open() for db in replicas))
    try:
        assert {await db.user_version() for db in replicas} == {len(migrations())}
        rows = await replicas[0].fetchall("SELECT version FROM schema_version ORDER BY version")
        assert [r[0] for r in rows] == list(range(1, len(migrations()) + 1))
    finally:
        await asyncio.gather(*(db.close() for db in replicas))


async def test_a_failed_statement_rolls_its_transaction_back(db_path: Path | str) -> None:
    db = Database(db_path, pool_size=2)
    await db.open()
    stamp = "2030-01-01T00:00:00+00:00"
    try:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO citizens (user_id, lang, created_at, updated_at)"
                " VALUES (?, 'ru', ?, ?)",
                (5, stamp, stamp),
            )
            with pytest.raises(IntegrityError):
                await tx.execute(
                    "INSERT INTO citizens (user_id, lang, created_at, updated_at)"
                    " VALUES (?, 'xx', ?, ?)",
                    (6, stamp, stamp),
                )
        # PostgreSQL aborted the transaction: nothing of it was committed.
        assert await db.fetchall("SELECT user_id FROM citizens") == []
        # Telegram ids beyond 32 bits fit (chat ids of supergroups, big user ids).
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO citizens (user_id, lang, created_at, updated_at)"
                " VALUES (?, 'kk', ?, ?)",
                (-1001234567890, stamp, stamp),
            )
        row = await db.fetchone("SELECT user_id, lang FROM citizens")
        assert row is not None
        assert (row["user_id"], row[1]) == (-1001234567890, "kk")
    finally:
        await db.close()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_cli_migrate_and_backup_on_postgres(tmp_path: Path, db_path: Path | str) -> None:
    migrated = cli(tmp_path, "migrate", DATABASE_URL=str(db_path))
    assert migrated.returncode == 0, migrated.stderr
    assert f"database PostgreSQL (DATABASE_URL) at schema v{len(migrations())}" in migrated.stdout
    assert "postgresql://" not in migrated.stdout + migrated.stderr
    target = tmp_path / "backups" / "hotline.dump"
    done = cli(tmp_path, "backup", str(target), DATABASE_URL=str(db_path))
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = "postgresql://hotline:s3cret@127.0.0.1:9/none"
    result = cli(tmp_path, "migrate", DATABASE_URL=url)
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot connect to PostgreSQL at 127.0.0.1:9/none")
    assert "s3cret" not in result.stderr


async def test_a_second_live_replica_of_one_name_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    """A replica frees the claims held under its name when it starts: a second live one of
    the same name would free the first one's. It is refused, in one line, and the first
    one's stop frees the name at once."""
    named = settings.model_copy(update={"replica_name": "consulate-1"})
    first = RunningBot(named)
    await first.start()
    try:
        with pytest.raises(NameTaken, match="consulate-1"):
            await RunningBot(named).start()
    finally:
        await first.stop()
    again = RunningBot(named)
    await again.start()
    await again.stop()
