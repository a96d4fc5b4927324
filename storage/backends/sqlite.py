"""SQLite through aiosqlite: one shared connection, WAL, writes serialised by a lock."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import aiosqlite

from storage.backends import DatabaseError, Dialect, IntegrityError, Row, RowStream

log = logging.getLogger(__name__)


class _Statement:
    """aiosqlite's execute, awaitable or as a context manager, with errors mapped."""

    def __init__(self, conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> None:
        self._conn, self._sql, self._params = conn, sql, params
        self._cursor: aiosqlite.Cursor | None = None

    async def _run(self) -> aiosqlite.Cursor:
        try:
            self._cursor = await self._conn.execute(self._sql, self._params)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        return self._cursor

    def __await__(self) -> Generator[Any, None, aiosqlite.Cursor]:
        return self._run().__await__()

    async def __aenter__(self) -> aiosqlite.Cursor:
        return await self._run()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class SqliteTx:
    """Statements on the shared connection (inside the writer lock when in a transaction)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Statement:
        """Run one statement."""
        return _Statement(self.conn, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows."""
        try:
            await self.conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """First row of a query."""
        async with self.execute(sql, params) as cur:
            row: Row | None = await cur.fetchone()
            return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        async with self.execute(sql, params) as cur:
            return list(await cur.fetchall())


class SqliteBackend:
    """One shared connection in autocommit mode; writes go through `transaction()`.

    Reads may run at any time. Writes are serialised by an asyncio lock so two coroutines
    never interleave statements inside one SQLite transaction on the shared connection.
    """

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._conn is None:
            raise DatabaseError("database is not open")
        return self._conn

    async def open(self) -> None:
        """Open (creating the folder if needed) and set the pragmas."""
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
        except sqlite3.Error as exc:
            await self.close()
            raise DatabaseError(f"cannot use database {self.path}: {exc}") from exc

    async def close(self) -> None:
        """Close the connection; aiosqlite's worker thread would otherwise outlive the loop."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    async def user_version(self) -> int:
        """PRAGMA user_version, the number of the last applied migration."""
        try:
            async with self.conn.execute("PRAGMA user_version") as cur:
                row = await cur.fetchone()
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot use database {self.path}: {exc}") from exc
        return int(row[0]) if row else 0

    async def migrate(self, plan: list[tuple[int, str, str]]) -> list[str]:
        """Apply the migrations above user_version, each atomically."""
        current = await self.user_version()
        applied = []
        for version, name, sql in plan:
            if version > current:
                await self._apply(version, name, sql)
                applied.append(name)
        return applied

    async def _apply(self, version: int, name: str, sql: str) -> None:
        async with self._write_lock:
            # executescript commits anything pending first, so the BEGIN/COMMIT are
            # written into the script itself: a failing migration leaves no trace.
            script = f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
            try:
                await self.conn.executescript(script)
            except sqlite3.Error as exc:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise DatabaseError(f"cannot use database {self.path}: {exc}") from exc
        log.info("applied migration %s", name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTx]:
        """One IMMEDIATE transaction: SQLite takes the write lock before the first read."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTx(self.conn)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def lock_name(self, name: str) -> bool:
        """One process per SQLite file: there is nobody to share a name with."""
        return True

    async def checkpoint(self) -> bool:
        """Write the WAL into the database file and truncate it; False if a reader blocked it."""
        async with self._write_lock, self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            row = await cur.fetchone()
        # (busy, WAL frames, frames checkpointed); busy = 1 when a reader held it back.
        return row is None or int(row[0]) == 0

    async def fetchone(self, sql: str, params: Sequence[Any]) -> Row | None:
        """First row of a read."""
        return await SqliteTx(self.conn).fetchone(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """All rows of a read."""
        return await SqliteTx(self.conn).fetchall(sql, params)

    async def stream(self, sql: str, params: Sequence[Any], size: int) -> RowStream:
        """Rows `size` at a time from one cursor (WAL: a consistent snapshot)."""
        async with self.conn.execute(sql, params) as cur:
            while batch := await cur.fetchmany(size):
                for row in batch:
                    yield row

    async def columns(self) -> dict[str, list[str]]:
        """Tables (not SQLite's own) and their columns."""
        tables = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name",
            (),
        )
        found = {}
        for (table,) in tables:
            found[table] = [r[1] for r in await self.fetchall(f"PRAGMA table_info({table})", ())]
        return found

    async def backup(self, target: Path) -> None:
        """Copy the live database to `target` with SQLite's online backup API."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(target)) as dest:
            await self.conn.backup(dest)
