"""The durable inbox: updates stored before Telegram is told they arrived, marked once handled.

The protocol, for polling (bot.runtime.inbox) and for a webhook alike:
1. `store(batch, now)` commits a batch of raw updates in one transaction and returns the
   ones it had not seen; only then is the batch confirmed to Telegram (the next getUpdates
   offset, or the webhook's 200). Telegram sends an unconfirmed update again; its id and the
   hash of its content are kept, so it is stored and handled once (a different update
   under a known id, as after a change of token, is new).
2. Each new update is handled; `done(ids, now)` records that its handlers finished and
   clears what the row held of the person (payload, user id). `skip(id, error, now)` marks
   one that cannot be read: kept for an operator to look at, never handled, never fetched
   again.
3. At start-up `unfinished()` returns what was stored and not yet handled, in order.
4. `purge(before, skipped_before)` deletes rows handled before `before`: once the batch
   after them was confirmed, Telegram no longer sends them.
Erasure deletes a citizen's rows that still hold data (CitizenRepo.erase, by user id).

Webhook mode, any number of replicas on one database: the receiver `put`s each update (the
200 goes after the commit) with its chat, and each replica `claim`s what to handle: the
oldest new update of each chat whose earlier updates are done and that no live lease holds
(FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer). A replica renews the leases
of what it has in hand; a dead replica's leases expire and another replica takes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import to_iso


@dataclass(frozen=True, slots=True)
class Incoming:
    """An update as received: its id, its JSON object and whose it is (for erasure)."""

    update_id: int
    payload: dict[str, Any]
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class Unfinished:
    """A stored update whose handlers had not finished when the last process stopped (or,
    in webhook mode, one claimed to handle)."""

    update_id: int
    payload: dict[str, Any]


# A row for an update; a known id with other content is a new update under a reused id.
_REPLACE = (
    "INSERT INTO inbox (update_id, payload, digest, user_id, received_at)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (update_id) DO UPDATE SET payload = excluded.payload,"
    " digest = excluded.digest, user_id = excluded.user_id, received_at = excluded.received_at,"
    " state = 'new', handled_at = NULL, error = NULL"
)


def _row(update: Incoming, texts: dict[int, str], stamp: str) -> tuple[Any, ...]:
    text = texts[update.update_id]
    return (update.update_id, text, _digest(text), update.user_id, stamp)


async def _mark_done(conn: Any, ids: Sequence[int], stamp: str) -> None:
    # One statement per few hundred ids: the marks of many updates come together.
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        await conn.execute(
            "UPDATE inbox SET state = 'done', handled_at = ?, payload = NULL, user_id = NULL"
            f" WHERE update_id IN ({marks}) AND state = 'new'",
            (stamp, *chunk),
        )


def _digest(text: str) -> str:
    """A short hash of a stored payload (it tells a repeat from a new update)."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class InboxRepo:
    """Reads and writes the `inbox` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def store(
        self,
        batch: Sequence[Incoming],
        now: datetime,
        *,
        fresh_ids: bool = False,
        done: Sequence[int] = (),
    ) -> list[Incoming]:
        """Commit a batch in one transaction; returns the updates not stored before, in order.

        `fresh_ids`: the caller knows none of them can be a repeat (a polling loop after its
        first batch: Telegram sends again only what was not confirmed); an id already stored
        is then a new update under a reused id, and replaces the row. `done`: ids finished
        meanwhile, marked in the same transaction (one commit instead of two).
        """
        if not batch:
            return []
        stamp = to_iso(now)
        texts = {u.update_id: json.dumps(u.payload, ensure_ascii=False) for u in batch}
        async with self.db.transaction() as conn:
            if done:
                await _mark_done(conn, done, stamp)
            if fresh_ids:
                await conn.executemany(_REPLACE, [_row(u, texts, stamp) for u in batch])
                return list(batch)
            ids = list(texts)
            marks = ", ".join("?" for _ in ids)
            async with conn.execute(
                f"SELECT update_id, digest FROM inbox WHERE update_id IN ({marks})", ids
            ) as cur:
                known = {row[0]: row[1] for row in await cur.fetchall()}
            fresh: list[Incoming] = []
            for update in batch:
                digest = _digest(texts[update.update_id])
                if known.get(update.update_id) == digest:
                    continue
                known[update.update_id] = digest
                fresh.append(update)
            if fresh:
                await conn.executemany(_REPLACE, [_row(u, texts, stamp) for u in fresh])
        return fresh

    async def put(self, update: Incoming, chat_key: int | None, now: datetime) -> bool:
        """Webhook mode: store one update (committed when this returns); False if Telegram
        sent it before (a redelivery of an update already stored)."""
        text = json.dumps(update.payload, ensure_ascii=False)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO inbox (update_id, chat_key, payload, digest, user_id, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (update.update_id, chat_key, text, _digest(text), update.user_id, to_iso(now)),
            )
            return cur.rowcount == 1

    async def claim(
        self, holder: str, now: datetime, until: datetime, limit: int
    ) -> list[Unfinished]:
        """Take up to `limit` updates to handle, each the next one of its chat."""
        async with self.db.transaction() as conn:
            rows = await conn.fetchall(
                "SELECT i.update_id, i.payload FROM inbox i"
                " WHERE i.state = 'new' AND (i.claimed_until IS NULL OR i.claimed_until < ?)"
                " AND NOT EXISTS (SELECT 1 FROM inbox j WHERE j.chat_key = i.chat_key"
                " AND j.state = 'new' AND j.update_id < i.update_id)"
                f" ORDER BY i.update_id LIMIT ?{self.db.skip_locked}",
                (to_iso(now), limit),
            )
            if not rows:
                return []
            ids = [int(r["update_id"]) for r in rows]
            await conn.execute(
                "UPDATE inbox SET claimed_by = ?, claimed_until = ?"
                f" WHERE update_id IN ({', '.join('?' for _ in ids)})",
                (holder, to_iso(until), *ids),
            )
        return [Unfinished(int(r["update_id"]), json.loads(r["payload"])) for r in rows]

    async def renew(self, update_ids: Iterable[int], until: datetime) -> None:
        """Extend the leases of updates still being handled."""
        ids = list(update_ids)
        if not ids:
            return
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE inbox SET claimed_until = ?"
                f" WHERE update_id IN ({', '.join('?' for _ in ids)}) AND state = 'new'",
                (to_iso(until), *ids),
            )

    async def release(self, holder: str) -> int:
        """A replica starting again under its name: what its last run held is free now
        (that run is dead; nobody else waits out its leases)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE inbox SET claimed_by = NULL, claimed_until = NULL"
                " WHERE claimed_by = ? AND state = 'new'",
                (holder,),
            )
            return cur.rowcount

    async def unblock(self, update_id: int) -> None:
        """A held update (an album item waiting for the rest) no longer keeps its chat's
        next updates from being claimed; it stays new and claimed until it is done."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE inbox SET chat_key = NULL WHERE update_id = ? AND state = 'new'",
                (update_id,),
            )

    async def pending(self) -> int:
        """Updates stored and not yet handled."""
        row = await self.db.fetchone("SELECT count(*) FROM inbox WHERE state = 'new'")
        return int(row[0]) if row else 0

    async def done(self, update_ids: Iterable[int], now: datetime) -> None:
        """Handled: the row keeps its id and times only."""
        ids = list(update_ids)
        if not ids:
            return
        async with self.db.transaction() as conn:
            await _mark_done(conn, ids, to_iso(now))

    async def skip(self, update_id: int, error: str, now: datetime) -> None:
        """An update that cannot be read: recorded once, never handled."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE inbox SET state = 'skipped', handled_at = ?, error = ?"
                " WHERE update_id = ?",
                (to_iso(now), error[:200], update_id),
            )

    async def unfinished(self) -> list[Unfinished]:
        """Stored and not yet handled, oldest first."""
        rows = await self.db.fetchall(
            "SELECT update_id, payload FROM inbox WHERE state = 'new' ORDER BY update_id"
        )
        return [Unfinished(r["update_id"], json.loads(r["payload"])) for r in rows]

    async def skipped(self) -> list[tuple[int, str]]:
        """Updates that could not be read: (update id, why), oldest first."""
        rows = await self.db.fetchall(
            "SELECT update_id, error FROM inbox WHERE state = 'skipped' ORDER BY update_id"
        )
        return [(r["update_id"], r["error"] or "") for r in rows]

    async def purge(self, before: datetime, skipped_before: datetime) -> int:
        """Forget rows handled before `before` and skipped ones (which keep their payload for
        an operator to look at) before `skipped_before`; returns how many went."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM inbox WHERE (state = 'done' AND handled_at < ?)"
                " OR (state = 'skipped' AND handled_at < ?)",
                (to_iso(before), to_iso(skipped_before)),
            )
            return cur.rowcount
