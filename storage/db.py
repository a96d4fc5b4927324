"""The database: one facade over two backends (SQLite, PostgreSQL), migrations, transactions.

`Database(target)` picks the backend from the target: a `postgresql://` URL selects
PostgreSQL (psycopg 3, a connection pool), anything else is the path of a SQLite file
(aiosqlite, one connection, nothing to install). Repositories write their SQL once, in the
portable dialect described in `storage/sql.py`; the backend translates placeholders and
migrations in one place, and maps driver errors to `DatabaseError` / `IntegrityError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from storage.backends import DatabaseError as DatabaseError
from storage.backends import Dialect as Dialect
from storage.backends import IntegrityError as IntegrityError
from storage.backends import Row as Row
from storage.backends import RowStream as RowStream
from storage.backends import Tx as Tx

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_OVERRIDE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.postgresql\.sql$")
_PG_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)


class Backend(Protocol):
    """What each engine implements; the facade adds migrations on top."""

    dialect: Dialect

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    async def fetchone(self, sql: str, params: Sequence[Any]) -> Row | None: ...

    async def fetchall(self, sql: str, params: Sequence[Any]) -> list[Row]: ...

    def stream(self, sql: str, params: Sequence[Any], size: int) -> RowStream: ...

    async def user_version(self) -> int: ...

    async def migrate(self, plan: list[tuple[int, str, str]]) -> list[str]: ...

    async def backup(self, target: Path) -> None: ...

    async def checkpoint(self) -> bool: ...

    async def lock_name(self, name: str) -> bool: ...

    async def columns(self) -> dict[str, list[str]]: ...


def is_postgres_url(target: object) -> bool:
    """Whether a DATABASE_URL names a PostgreSQL server."""
    return isinstance(target, str) and bool(_PG_URL.match(target))


def migrations(dialect: Dialect = "sqlite") -> list[tuple[int, str, str]]:
    """Return (version, name, sql) for every shipped migration, in order, for a dialect.

    PostgreSQL runs the same file translated by `storage.sql.ddl_for_postgres`, unless a
    `NNNN_name.postgresql.sql` beside it says otherwise.
    """
    from storage.sql import ddl_for_postgres

    found: list[tuple[int, str, str]] = []
    overrides: dict[int, str] = {}
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        if match := _OVERRIDE_NAME.match(entry.name):
            overrides[int(match.group(1))] = entry.read_text(encoding="utf-8")
        elif match := _MIGRATION_NAME.match(entry.name):
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise DatabaseError(f"migration numbers must run 1..N without gaps, got {versions}")
    if dialect == "postgresql":
        return [(v, n, overrides.get(v) or ddl_for_postgres(sql)) for v, n, sql in found]
    return found


class Database:
    """The bot's database on one backend; writes go through `transaction()`."""

    def __init__(self, target: Path | str, *, pool_size: int = 10) -> None:
        self.backend: Backend
        if is_postgres_url(target):
            from storage.backends.postgres import PostgresBackend

            self.backend = PostgresBackend(str(target), pool_size=pool_size)
            self.path: Path | str = "postgresql"
        else:
            from storage.backends.sqlite import SqliteBackend

            self.path = Path(target) if str(target) != ":memory:" else str(target)
            self.backend = SqliteBackend(self.path)
        self._open = False

    @property
    def is_open(self) -> bool:
        """Whether open() succeeded and close() has not run."""
        return self._open

    @property
    def dialect(self) -> Dialect:
        """'sqlite' or 'postgresql': for the few statements that must differ."""
        return self.backend.dialect

    async def open(self) -> None:
        """Connect and apply pending migrations. Idempotent (persistence opens it early)."""
        if self._open:
            return
        await self.backend.open()
        try:
            await self.migrate()
        except BaseException:
            await self.backend.close()
            raise
        self._open = True

    async def close(self) -> None:
        """Close connections (aiosqlite's thread, the pool's connections)."""
        self._open = False
        await self.backend.close()

    async def user_version(self) -> int:
        """The number of the last applied migration."""
        return await self.backend.user_version()

    async def migrate(self) -> list[str]:
        """Apply migrations above the stored version, each in its own transaction.

        On PostgreSQL replicas starting together take turns (an advisory lock), so each
        migration runs once.
        """
        return await self.backend.migrate(migrations(self.dialect))

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """One transaction: committed when the body ends, rolled back if it raises."""
        return self.backend.transaction()

    async def checkpoint(self) -> bool:
        """Write SQLite's WAL into the file and truncate it; False if a reader blocked it.

        After an erasure: until a checkpoint the old pages (with the erased rows) stay in the
        -wal file, where secure_delete does not reach. PostgreSQL: nothing to do.
        """
        return await self.backend.checkpoint()

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """Run a read and return its first row."""
        return await self.backend.fetchone(sql, tuple(params))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Run a read and return all rows."""
        return await self.backend.fetchall(sql, tuple(params))

    def stream(self, sql: str, params: Iterable[Any] = (), size: int = 2000) -> RowStream:
        """Rows of a large read, `size` at a time: memory stays flat whatever the result."""
        return self.backend.stream(sql, tuple(params), size)

    @property
    def skip_locked(self) -> str:
        """Appended to a claim's SELECT: rows another replica is claiming are passed over.

        SQLite needs nothing: `transaction()` takes its one write lock before the read.
        """
        return " FOR UPDATE SKIP LOCKED" if self.dialect == "postgresql" else ""

    async def lock_name(self, name: str) -> bool:
        """Hold a lock named `name` until close(); False if another live process holds it
        (PostgreSQL: a session advisory lock, freed when a killed holder's connection ends;
        SQLite: always True, one process per file)."""
        return await self.backend.lock_name(name)

    async def columns(self) -> dict[str, list[str]]:
        """Every table of ours and its columns (the erasure test walks them all)."""
        return await self.backend.columns()

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live database at `target` (SQLite file or pg_dump)."""
        await self.backend.backup(target)
