"""The database engines behind `storage.db.Database`: SQLite (default) and PostgreSQL.

This package's root holds what both engines and the facade share: the errors and the
shapes of rows, cursors and transactions (so `storage.db` and the engines import it, not
each other).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgresql"]


class DatabaseError(Exception):
    """The database cannot be opened or migrated (bad path, permissions, corrupt file)."""


class IntegrityError(DatabaseError):
    """A constraint refused a write (unique index, check, foreign key), on either backend."""


class Row(Protocol):
    """A result row: by column name (`row["id"]`) or position (`row[0]`), and unpackable."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Any: ...

    def __len__(self) -> int: ...


# What `stream` returns: close it (contextlib.aclosing) when leaving it before the end.
RowStream = AsyncGenerator[Row, None]


class Cursor(Protocol):
    """What a statement returns: rows to fetch and the number of rows it changed."""

    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...

    async def fetchmany(self, size: int) -> Iterable[Any]: ...


class Statement(Awaitable[Cursor], AbstractAsyncContextManager[Cursor], Protocol):
    """`await tx.execute(...)` or `async with tx.execute(...) as cur`, as with aiosqlite."""


class Tx(Protocol):
    """One transaction (or, outside `transaction()`, one autocommitted statement)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Statement: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
