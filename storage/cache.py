"""A write-through cache of per-user facts read on every update.

This process is the only writer of the database, so repositories that write also update
the cache and the cached answers are exact. Each aiosqlite query costs a thread hop, and
the language and "is registered" lookups run for nearly every update.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

MAX_ENTRIES = 200_000


class BoundedMap(Generic[K, V]):
    """A dict that is emptied when full: a flood of one-off users cannot grow it forever."""

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self.limit = limit
        self._data: dict[K, V] = {}

    def __contains__(self, key: K) -> bool:
        return key in self._data

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def put(self, key: K, value: V) -> None:
        """Remember a value."""
        if len(self._data) >= self.limit:
            self._data.clear()
        self._data[key] = value

    def forget(self, key: K) -> None:
        """Drop a value (the next read goes to the database)."""
        self._data.pop(key, None)


class UserCache:
    """Cached citizen rows and whether each user has a registration."""

    def __init__(self) -> None:
        self.citizens: BoundedMap[int, object] = BoundedMap()
        self.registered: BoundedMap[int, bool] = BoundedMap()

    def forget(self, user_id: int) -> None:
        """Drop everything known about a user."""
        self.citizens.forget(user_id)
        self.registered.forget(user_id)
