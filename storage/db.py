"""Connection, pragmas, numbered migrations and transactions on one aiosqlite connection."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database cannot be opened or migrated (bad path, permissions, corrupt file)."""


def migrations() -> list[tuple[int, str, str]]:
    """Return (version, name, sql) for every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise DatabaseError(f"migration numbers must run 1..N without gaps, got {versions}")
    return found


class Database:
    """One shared connection in autocommit mode; writes go through `transaction()`.

    Reads may run at any time. Writes are serialised by an asyncio lock so two coroutines
    never interleave statements inside one SQLite transaction on the shared connection.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._conn is None:
            raise DatabaseError("database is not open")
        return self._conn

    async def open(self) -> None:
        """Open (creating the folder if needed), set pragmas and apply pending migrations.

        Idempotent: PTB's persistence needs the database before post_init runs.
        """
        if self._conn is not None:
            return
        if isinstance(self.path, Path):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create {self.path.parent}: {exc.strerror}") from exc
        try:
            conn = await aiosqlite.connect(str(self.path), isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open database {self.path}: {exc}") from exc
        self._conn = conn
        try:
            conn.row_factory = aiosqlite.Row
            # WAL lets readers (exports, backups) run beside the bot's writes; NORMAL sync
            # is durable across process crashes in WAL mode, which is what we need.
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            # Deleted rows are overwritten with zeros, not left in free pages: an erased
            # citizen's name and phone must not be readable from the file afterwards.
            await conn.execute("PRAGMA secure_delete=ON")
            await self.migrate()
        except sqlite3.Error as exc:
            await self.close()
            raise DatabaseError(f"cannot use database {self.path}: {exc}") from exc

    async def close(self) -> None:
        """Close the connection; aiosqlite's worker thread would otherwise outlive the loop."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    async def user_version(self) -> int:
        """Return PRAGMA user_version, the number of the last applied migration."""
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> list[str]:
        """Apply migrations above user_version, each in its own transaction."""
        applied = []
        current = await self.user_version()
        for version, name, sql in migrations():
            if version <= current:
                continue
            async with self._write_lock:
                # executescript commits anything pending first, so the BEGIN/COMMIT are
                # written into the script itself: a failing migration leaves no trace.
                script = f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
                try:
                    await self.conn.executescript(script)
                except sqlite3.Error:
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise
            log.info("applied migration %s", name)
            applied.append(name)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the body as one IMMEDIATE transaction; commit on success, roll back on error."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def checkpoint(self) -> bool:
        """Write the WAL into the database file and truncate it; False if a reader blocked it.

        After an erasure: until a checkpoint the old pages (with the erased rows) stay in the
        -wal file, where secure_delete does not reach.
        """
        async with self._write_lock, self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            row = await cur.fetchone()
        # (busy, WAL frames, frames checkpointed); busy = 1 when a reader held it back.
        return row is None or int(row[0]) == 0

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """Run a read and return its first row."""
        async with self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run a read and return all rows."""
        async with self.conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def backup(self, target: Path) -> None:
        """Copy the live database to `target` with SQLite's online backup API."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(target)) as dest:
            await self.conn.backup(dest)
