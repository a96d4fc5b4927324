"""PostgreSQL through psycopg 3: a connection pool, portable SQL translated in storage/sql.py.

psycopg 3 rather than asyncpg: it keeps the DB-API shape the repositories already use with
aiosqlite (cursor.rowcount, fetchone/fetchmany, executemany), it sends Python strings
untyped so PostgreSQL infers them from the column (asyncpg's strict per-statement types
would reject half the portable SQL, e.g. `? || ','` or a `CASE ... WHEN ? THEN ?`), it
streams through server-side cursors, and its binary wheel needs nothing from the system.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import AsyncConnectionPool

from storage.backends import DatabaseError, Dialect, IntegrityError, Row, RowStream
from storage.sql import qmark_to_pyformat

log = logging.getLogger(__name__)

# pg_advisory_lock key of the migration step (any constant shared by all replicas).
_MIGRATION_LOCK = 0x686F746C696E65


class PgRow(tuple[Any, ...]):
    """A row readable by position and by column name, like sqlite3.Row."""

    _index: dict[str, int] = {}  # noqa: RUF012 (each row class of a result sets its own)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        """Column names, in order."""
        return list(self._index)


_ROW_CLASSES: dict[tuple[str, ...], type[PgRow]] = {}


def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        if len(_ROW_CLASSES) > 2000:  # a bounded cache: column lists are few in practice
            _ROW_CLASSES.clear()
        index = {name: i for i, name in enumerate(names)}
        cls = _ROW_CLASSES[names] = type("PgRow", (PgRow,), {"_index": index, "__slots__": ()})
    return cls


def row_factory(cursor: AsyncCursor[Any]) -> Callable[[Sequence[Any]], PgRow]:
    """psycopg row factory producing PgRow."""
    names = tuple(c.name for c in cursor.description or ())
    cls = _row_class(names)
    return lambda values: cls(values)


def _mapped(exc: psycopg.Error) -> DatabaseError:
    if isinstance(exc, psycopg.errors.IntegrityError):
        return IntegrityError(str(exc).splitlines()[0])
    return DatabaseError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


class _Statement:
    """One statement on a connection: awaitable or an async context manager."""

    def __init__(self, tx: PgTx, sql: str, params: Sequence[Any]) -> None:
        self._tx, self._sql, self._params = tx, sql, params

    async def _run(self) -> AsyncCursor[Any]:
        try:
            return await self._tx.conn.execute(qmark_to_pyformat(self._sql), tuple(self._params))
        except psycopg.Error as exc:
            self._tx.failed = True
            raise _mapped(exc) from exc

    def __await__(self) -> Generator[Any, None, AsyncCursor[Any]]:
        return self._run().__await__()

    async def __aenter__(self) -> AsyncCursor[Any]:
        return await self._run()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class PgTx:
    """Statements on one pooled connection, inside a transaction or autocommitted."""

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self.conn = conn
        # PostgreSQL aborts a transaction at its first error; one caught by the caller
        # (an IntegrityError it expected) must still end in ROLLBACK, not COMMIT.
        self.failed = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Statement:
        """Run one statement."""
        return _Statement(self, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows (pipelined by psycopg)."""
        try:
            async with self.conn.cursor() as cur:
                await cur.executemany(qmark_to_pyformat(sql), [tuple(r) for r in rows])
        except psycopg.Error as exc:
            self.failed = True
            raise _mapped(exc) from exc

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """First row of a query."""
        cur = await self.execute(sql, params)
        row: Row | None = await cur.fetchone()
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query."""
        cur = await self.execute(sql, params)
        return list(await cur.fetchall())


class PostgresBackend:
    """A pool of autocommit connections; `transaction()` wraps one in BEGIN/COMMIT."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None
        # The connection that holds this process's name lock (lock_name) while it runs.
        self._holder: AsyncConnection[Any] | None = None

    @property
    def pool(self) -> AsyncConnectionPool[AsyncConnection[Any]]:
        """The open pool."""
        if self._pool is None:
            raise DatabaseError("database is not open")
        return self._pool

    async def open(self) -> None:
        """Connect (fails within 10 s with one readable line when the server is not there)."""
        if self._pool is not None:
            return
        where = conninfo_to_dict(self.url)
        try:
            # One plain connection first: a wrong address fails now, in one line, instead of
            # the pool retrying (and logging) in the background until its timeout.
            probe = await AsyncConnection.connect(self.url, connect_timeout=10)
            await probe.close()
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
            secret = str(where.get("password", "")) or None
            if secret:
                reason = reason.replace(secret, "***")
            # Never the URL itself: it may carry the password.
            raise DatabaseError(
                f"cannot connect to PostgreSQL at {where.get('host', 'localhost')}:"
                f"{where.get('port', 5432)}/{where.get('dbname', '')}: {reason}"
            ) from None
        pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            open=False,
            kwargs={"autocommit": True, "row_factory": row_factory},
            name="hotline",
        )
        try:
            await pool.open(wait=True, timeout=10)
        except Exception as exc:
            await pool.close()
            raise DatabaseError(
                f"cannot connect to PostgreSQL at {where.get('host', 'localhost')}:"
                f"{where.get('port', 5432)}/{where.get('dbname', '')}: {type(exc).__name__}"
            ) from None
        self._pool = pool

    async def lock_name(self, name: str) -> bool:
        """Hold a session lock named `name` for as long as this process runs; False if
        another process holds it. PostgreSQL frees it when the holder's connection ends, a
        killed process's included (its socket closes)."""
        if self._holder is None:
            self._holder = await AsyncConnection.connect(self.url, autocommit=True)
        # Advisory locks are per database: the schema is part of the key, so deployments
        # (and test runs) in schemas of their own never share a name.
        cur = await self._holder.execute(
            "SELECT pg_try_advisory_lock(hashtextextended(current_schema() || ':' || %s, 0))",
            (name,),
        )
        row = await cur.fetchone()
        return bool(row and row[0])

    async def close(self) -> None:
        """Close every pooled connection (and the name lock's)."""
        if self._holder is not None:
            holder, self._holder = self._holder, None
            await holder.close()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def user_version(self) -> int:
        """The last applied migration, from the schema_version table."""
        async with self.pool.connection() as conn:
            return await self._version(conn)

    @staticmethod
    async def _version(conn: AsyncConnection[Any]) -> int:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        cur = await conn.execute("SELECT max(version) FROM schema_version")
        row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def migrate(self, plan: list[tuple[int, str, str]]) -> list[str]:
        """Apply the migrations above the stored version, each in one transaction.

        Replicas starting at once take turns on an advisory lock, so each runs once.
        """
        applied = []
        async with self.pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                current = await self._version(conn)
                for version, name, sql in plan:
                    if version <= current:
                        continue
                    try:
                        async with conn.transaction():
                            # No parameters: psycopg sends the script as is, all statements.
                            await conn.execute(sql.encode())
                            await conn.execute(
                                "INSERT INTO schema_version (version) VALUES (%s)", (version,)
                            )
                    except psycopg.Error as exc:
                        raise DatabaseError(f"migration {name} failed: {_mapped(exc)}") from exc
                    log.info("applied migration %s", name)
                    applied.append(name)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTx]:
        """BEGIN ... COMMIT on one pooled connection; ROLLBACK if the body raised or failed."""
        async with self.pool.connection() as conn:
            tx = PgTx(conn)
            async with conn.transaction():
                yield tx
                if tx.failed:
                    raise psycopg.Rollback()

    async def checkpoint(self) -> bool:
        """After an erasure: nothing to do here (no WAL file of ours; dead rows go at VACUUM)."""
        return True

    async def fetchone(self, sql: str, params: Sequence[Any]) -> Row | None:
        """First row of a read (autocommit)."""
        async with self.pool.connection() as conn:
            return await PgTx(conn).fetchone(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """All rows of a read (autocommit)."""
        async with self.pool.connection() as conn:
            return await PgTx(conn).fetchall(sql, params)

    async def stream(self, sql: str, params: Sequence[Any], size: int) -> RowStream:
        """A server-side cursor: the server holds the result, we hold `size` rows."""
        async with (
            self.pool.connection() as conn,
            conn.transaction(),
            conn.cursor(name="hotline_stream") as cur,
        ):
            await cur.execute(qmark_to_pyformat(sql), tuple(params))
            while batch := await cur.fetchmany(size):
                for row in batch:
                    yield row

    async def columns(self) -> dict[str, list[str]]:
        """Tables of the current schema and their columns."""
        rows = await self.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
            (),
        )
        found: dict[str, list[str]] = {}
        for table, column in rows:
            found.setdefault(table, []).append(column)
        return found

    async def backup(self, target: Path) -> None:
        """pg_dump in its custom format (restore with pg_restore); it must be installed."""
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise DatabaseError(
                "backup of PostgreSQL needs pg_dump (postgresql-client); or use the server's"
                " own backups (pg_basebackup, WAL archiving)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        params = conninfo_to_dict(self.url)
        env = dict(os.environ)
        # The password goes through the environment, never the command line (ps shows it).
        if "password" in params:
            env["PGPASSWORD"] = str(params.pop("password"))
        conninfo = make_conninfo("", **params)
        proc = await asyncio.create_subprocess_exec(
            pg_dump, "--format=custom", f"--file={target}", f"--dbname={conninfo}",
            env=env, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await proc.communicate()
        if proc.returncode != 0:
            first = err.decode(errors="replace").strip().splitlines()[:1]
            raise DatabaseError(f"pg_dump failed: {first[0] if first else proc.returncode}")
