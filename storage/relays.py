"""The hotline's relay queue: citizens' messages on their way into their ticket's topic.

A row is written when the citizen's update is handled (its update id makes a re-handled
update relay once) and marked sent, with the topic message it went into, in the same
transaction that links the two for edits and replies; what it held of the citizen's
message (text, file, name) is cleared then. Rows go with their ticket (erasure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row
from storage.models import from_iso, to_iso

# Kinds that are not a citizen's message of their own: no copy to link, no delivery mark.
EDIT = "edit"
NOTE = "note"

_COLUMNS = (
    "id, ticket_id, staff_chat_id, kind, message_id, body, file_id, media_group_id,"
    " sender_name, reply_to, written_at, urgent"
)


@dataclass(frozen=True, slots=True)
class RelayDraft:
    """What a handler queues: one message (or edit, or note) for the ticket's topic."""

    kind: str
    written_at: datetime
    message_id: int | None = None
    body: str | None = None
    file_id: str | None = None
    media_group_id: str | None = None
    sender_name: str | None = None
    reply_to: int | None = None
    urgent: bool = False
    update_id: int | None = None


@dataclass(frozen=True, slots=True)
class PendingRelay:
    """A pending row, as the group sender reads it."""

    id: int
    ticket_id: int
    staff_chat_id: int
    kind: str
    message_id: int | None
    body: str | None
    file_id: str | None
    media_group_id: str | None
    sender_name: str | None
    reply_to: int | None
    written_at: datetime
    urgent: bool

    @property
    def own(self) -> bool:
        """A message the citizen wrote (copied, linked, marked delivered)."""
        return self.kind not in (EDIT, NOTE) and self.message_id is not None


def _relay(row: Row) -> PendingRelay:
    return PendingRelay(
        id=row["id"],
        ticket_id=row["ticket_id"],
        staff_chat_id=row["staff_chat_id"],
        kind=row["kind"],
        message_id=row["message_id"],
        body=row["body"],
        file_id=row["file_id"],
        media_group_id=row["media_group_id"],
        sender_name=row["sender_name"],
        reply_to=row["reply_to"],
        written_at=from_iso(row["written_at"]),
        urgent=bool(row["urgent"]),
    )


@dataclass(frozen=True, slots=True)
class Delivered:
    """Rows that went into the topic as the message `staff_message_id` (an album: the first)."""

    rows: Sequence[PendingRelay]
    staff_message_ids: Sequence[int]


class RelayRepo:
    """Reads and writes the `relays` table (and the links of what it relayed)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, ticket_id: int, staff_chat_id: int, drafts: Sequence[RelayDraft], now: datetime
    ) -> int:
        """Queue rows in one transaction; returns how many were new (an update id queued
        before is not queued again)."""
        stamp = to_iso(now)
        added = 0
        async with self.db.transaction() as conn:
            for d in drafts:
                cur = await conn.execute(
                    "INSERT INTO relays (ticket_id, staff_chat_id, update_id, kind, message_id,"
                    " body, file_id, media_group_id, sender_name, reply_to, written_at, urgent,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (update_id) DO NOTHING",
                    (
                        ticket_id, staff_chat_id, d.update_id, d.kind, d.message_id, d.body,
                        d.file_id, d.media_group_id, d.sender_name, d.reply_to,
                        to_iso(d.written_at), int(d.urgent), stamp,
                    ),
                )  # fmt: skip
                added += cur.rowcount
        return added

    async def pending_tickets(self) -> list[tuple[int, int, int]]:
        """(staff chat, ticket, rows) of every ticket with rows waiting."""
        rows = await self.db.fetchall(
            "SELECT staff_chat_id, ticket_id, count(*) AS n FROM relays WHERE state = 'pending'"
            " GROUP BY staff_chat_id, ticket_id"
        )
        return [(r["staff_chat_id"], r["ticket_id"], r["n"]) for r in rows]

    async def next_tickets(self, staff_chat_id: int, limit: int) -> list[int]:
        """Tickets of a group with rows waiting, the one waiting longest first."""
        rows = await self.db.fetchall(
            "SELECT ticket_id FROM relays WHERE staff_chat_id = ? AND state = 'pending'"
            " GROUP BY ticket_id ORDER BY min(id) LIMIT ?",
            (staff_chat_id, limit),
        )
        return [r["ticket_id"] for r in rows]

    async def pending_of(self, ticket_id: int, limit: int) -> list[PendingRelay]:
        """A ticket's waiting rows, in the order they were written."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM relays WHERE ticket_id = ? AND state = 'pending'"
            " ORDER BY id LIMIT ?",
            (ticket_id, limit),
        )
        return [_relay(r) for r in rows]

    async def rewrite(self, ticket_id: int, message_id: int, body: str) -> bool:
        """The citizen edited a message still waiting: it goes as edited; False if none."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE relays SET body = ? WHERE ticket_id = ? AND message_id = ?"
                " AND state = 'pending' AND kind NOT IN (?, ?)",
                (body, ticket_id, message_id, EDIT, NOTE),
            )
            return cur.rowcount > 0

    async def sent(self, ticket_id: int, delivered: Delivered, now: datetime) -> None:
        """Rows that reached the topic: marked, linked to their copies, emptied (one
        transaction)."""
        stamp = to_iso(now)
        first = delivered.staff_message_ids[0] if delivered.staff_message_ids else None
        copies = list(delivered.staff_message_ids)
        async with self.db.transaction() as conn:
            for index, row in enumerate(delivered.rows):
                # An album's items each have their own copy; a digest's rows share one.
                staff_id = copies[index] if len(copies) == len(delivered.rows) else first
                await conn.execute(
                    "UPDATE relays SET state = 'sent', staff_message_id = ?, done_at = ?,"
                    " body = NULL, file_id = NULL, sender_name = NULL WHERE id = ?",
                    (staff_id, stamp, row.id),
                )
                if row.own and staff_id is not None:
                    await conn.execute(
                        "INSERT INTO ticket_messages (ticket_id, direction, citizen_message_id,"
                        " staff_message_id, created_at) VALUES (?, 'in', ?, ?, ?)",
                        (ticket_id, row.message_id, staff_id, stamp),
                    )

    async def failed(self, row_ids: Sequence[int], now: datetime) -> None:
        """Rows that cannot be relayed (the citizen was told): emptied, never tried again."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE relays SET state = 'failed', done_at = ?, body = NULL, file_id = NULL,"
                " sender_name = NULL WHERE id = ?",
                [(stamp, row_id) for row_id in row_ids],
            )

    async def purge(self, before: datetime) -> int:
        """Forget rows relayed (or given up) before `before`: their update can no longer come
        again; the links to the copies stay in ticket_messages."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM relays WHERE state != 'pending' AND done_at < ?", (to_iso(before),)
            )
            return cur.rowcount
