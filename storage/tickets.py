"""Hotline tickets and the message mapping between citizen and staff copies (bans: bans.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.audit import audit
from storage.db import Database, IntegrityError, Row
from storage.models import from_iso, to_iso

_NAMES = (
    "id", "user_id", "staff_chat_id", "thread_id", "status", "created_at", "last_citizen_at",
    "last_staff_at", "closed_at", "rating", "card_message_id",
)  # fmt: skip
_COLUMNS = ", ".join(_NAMES)
# The same columns read through the alias `t`, named as in `tickets` (for joins).
_T_COLUMNS = ", ".join(f"t.{name} AS {name}" for name in _NAMES)


@dataclass(frozen=True, slots=True)
class Ticket:
    """One hotline conversation."""

    id: int
    user_id: int
    staff_chat_id: int
    thread_id: int | None
    status: str
    created_at: datetime
    last_citizen_at: datetime | None
    last_staff_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    # The citizen card posted at the top of the topic (None for tickets opened before 0010).
    card_message_id: int | None = None

    @property
    def waiting(self) -> bool:
        """The citizen wrote last and nobody answered yet."""
        return self.last_citizen_at is not None and (
            self.last_staff_at is None or self.last_staff_at < self.last_citizen_at
        )


def _when(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _ticket(row: Row) -> Ticket:
    return Ticket(
        id=row["id"],
        user_id=row["user_id"],
        staff_chat_id=row["staff_chat_id"],
        thread_id=row["thread_id"],
        status=row["status"],
        created_at=from_iso(row["created_at"]),
        last_citizen_at=_when(row["last_citizen_at"]),
        last_staff_at=_when(row["last_staff_at"]),
        closed_at=_when(row["closed_at"]),
        rating=row["rating"],
        card_message_id=row["card_message_id"],
    )


@dataclass(frozen=True, slots=True)
class Waiting:
    """An open ticket in /queue: urgent by the registered need, and the registered country."""

    ticket: Ticket
    urgent: bool
    country: str | None


class TicketRepo:
    """Reads and writes tickets and message links."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_for(
        self, user_id: int, staff_chat_id: int, now: datetime
    ) -> tuple[Ticket, bool]:
        """The citizen's open ticket, created if there is none; (ticket, created)."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                f"SELECT {_COLUMNS} FROM tickets WHERE user_id = ? AND status = 'open'",
                (user_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is not None:
                return _ticket(row), False
            cur2 = await conn.execute(
                "INSERT INTO tickets (user_id, staff_chat_id, created_at) VALUES (?, ?, ?)"
                " RETURNING id",
                (user_id, staff_chat_id, stamp),
            )
            ticket_id = (await cur2.fetchone())[0]
        ticket = await self.get(int(ticket_id))
        if ticket is None:
            raise LookupError("ticket vanished right after it was created")
        return ticket, True

    async def get(self, ticket_id: int) -> Ticket | None:
        """A ticket by id."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM tickets WHERE id = ?",
            (ticket_id,),
        )
        return _ticket(row) if row else None

    async def open_of(self, user_id: int) -> Ticket | None:
        """The citizen's open ticket, if any."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM tickets WHERE user_id = ? AND status = 'open'",
            (user_id,),
        )
        return _ticket(row) if row else None

    async def latest_of(self, user_id: int) -> Ticket | None:
        """The citizen's most recent ticket, open or closed."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM tickets WHERE user_id = ? ORDER BY id DESC LIMIT 1",
            (user_id,),
        )
        return _ticket(row) if row else None

    async def of_user(self, user_id: int) -> list[Ticket]:
        """Every ticket of the citizen, open or closed (their topics, before an erasure)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM tickets WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_ticket(r) for r in rows]

    async def by_thread(self, staff_chat_id: int, thread_id: int) -> Ticket | None:
        """The newest ticket shown in a topic."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM tickets WHERE staff_chat_id = ? AND thread_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (staff_chat_id, thread_id),
        )
        return _ticket(row) if row else None

    async def set_thread(self, ticket_id: int, thread_id: int) -> None:
        """Remember the ticket's topic."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE tickets SET thread_id = ? WHERE id = ?", (thread_id, ticket_id)
            )

    async def set_card(self, ticket_id: int, message_id: int) -> None:
        """Remember the card message at the top of the ticket's topic."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE tickets SET card_message_id = ? WHERE id = ?", (message_id, ticket_id)
            )

    async def touch(self, ticket_id: int, side: str, now: datetime) -> None:
        """Record who wrote last ('citizen' or 'staff')."""
        column = "last_citizen_at" if side == "citizen" else "last_staff_at"
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE tickets SET {column} = ? WHERE id = ?",
                (to_iso(now), ticket_id),
            )

    async def set_status(self, ticket_id: int, status: str, now: datetime) -> bool:
        """Close or reopen; False if the ticket is already so (or another is open)."""
        stamp = to_iso(now) if status == "closed" else None
        async with self.db.transaction() as conn:
            try:
                cur = await conn.execute(
                    "UPDATE tickets SET status = ?, closed_at = ? WHERE id = ? AND status != ?",
                    (status, stamp, ticket_id, status),
                )
            except IntegrityError:
                # The unique index: the citizen already has another open ticket.
                return False
            return cur.rowcount == 1

    async def rate(self, ticket_id: int, user_id: int, rating: int) -> bool:
        """Store the citizen's rating of a closed ticket of theirs."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE tickets SET rating = ? WHERE id = ? AND user_id = ? AND status = 'closed'",
                (rating, ticket_id, user_id),
            )
            return cur.rowcount == 1

    async def link(
        self,
        ticket_id: int,
        direction: str,
        citizen_message_id: int,
        staff_message_id: int,
        now: datetime,
    ) -> None:
        """Remember which copy belongs to which original."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO ticket_messages (ticket_id, direction, citizen_message_id,"
                " staff_message_id, created_at) VALUES (?, ?, ?, ?, ?)",
                (ticket_id, direction, citizen_message_id, staff_message_id, to_iso(now)),
            )

    async def staff_copy_of(self, ticket_id: int, citizen_message_id: int) -> int | None:
        """The topic copy of a citizen's message."""
        row = await self.db.fetchone(
            "SELECT staff_message_id FROM ticket_messages WHERE ticket_id = ?"
            " AND citizen_message_id = ? AND direction = 'in'",
            (ticket_id, citizen_message_id),
        )
        return int(row["staff_message_id"]) if row else None

    async def citizen_copy_of(self, ticket_id: int, staff_message_id: int) -> int | None:
        """The citizen's copy of a staff message."""
        row = await self.db.fetchone(
            "SELECT citizen_message_id FROM ticket_messages WHERE ticket_id = ?"
            " AND staff_message_id = ? AND direction = 'out'",
            (ticket_id, staff_message_id),
        )
        return int(row["citizen_message_id"]) if row else None

    async def queue(self, staff_chat_id: int, urgent_needs: frozenset[str]) -> list[Waiting]:
        """Open tickets waiting for an answer: urgent first, then the longest waiting.

        Urgency is the citizen's registered need, read in the same query with the country.
        """
        marks = ", ".join("?" for _ in urgent_needs) or "NULL"
        rows = await self.db.fetchall(
            f"SELECT {_T_COLUMNS}, r.needs IN ({marks}) AS urgent, r.country AS country"
            " FROM tickets t LEFT JOIN registrations r ON r.user_id = t.user_id"
            " WHERE t.staff_chat_id = ? AND t.status = 'open'",
            (*sorted(urgent_needs), staff_chat_id),
        )
        waiting = [Waiting(_ticket(r), bool(r["urgent"]), r["country"]) for r in rows]
        waiting = [w for w in waiting if w.ticket.waiting]
        return sorted(
            waiting, key=lambda w: (not w.urgent, w.ticket.last_citizen_at or w.ticket.created_at)
        )


class RouteRepo:
    """Which staff group serves which country."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> dict[str, int]:
        """Country code -> staff group id."""
        rows = await self.db.fetchall("SELECT country, chat_id FROM staff_routes ORDER BY country")
        return {r["country"]: r["chat_id"] for r in rows}

    async def set(self, country: str, chat_id: int | None, by: int, now: datetime) -> None:
        """Route a country to a group, or back to the central group (None); audited."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            if chat_id is None:
                await conn.execute("DELETE FROM staff_routes WHERE country = ?", (country,))
            else:
                await conn.execute(
                    "INSERT INTO staff_routes (country, chat_id, set_by, set_at)"
                    " VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (country) DO UPDATE SET chat_id = excluded.chat_id,"
                    " set_by = excluded.set_by, set_at = excluded.set_at",
                    (country, chat_id, by, stamp),
                )
            await audit(conn, stamp, by, "hotline.route", {"country": country, "chat_id": chat_id})
