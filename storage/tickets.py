"""Hotline tickets and the message mapping between citizen and staff copies (bans: bans.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.audit import audit
from storage.db import Database, IntegrityError, Row
from storage.models import from_iso, to_iso
from storage.sql import seconds_since

TICKET_NAMES = (
    "id", "user_id", "staff_chat_id", "thread_id", "status", "created_at", "last_citizen_at",
    "last_staff_at", "closed_at", "rating", "card_message_id", "country", "assignee_id",
    "waiting_since", "first_staff_at", "alarmed_at", "closed_reason", "urgent_at", "acked_at",
)  # fmt: skip
_COLUMNS = ", ".join(TICKET_NAMES)


def seconds_since_opened(dialect: str) -> str:
    """Whole seconds from a ticket's opening to the instant `?` (first answer, close)."""
    return seconds_since(dialect, "created_at")


# The same columns read through the alias `t`, named as in `tickets` (for joins).
T_COLUMNS = ", ".join(f"t.{name} AS {name}" for name in TICKET_NAMES)


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
    # The hotline team's tools (migration 0014): the country the ticket counts for, who
    # holds it, since when the citizen waits for an answer, the first staff answer, when
    # the wait was flagged, and why it closed ('staff' or 'idle').
    country: str | None = None
    assignee_id: int | None = None
    waiting_since: datetime | None = None
    first_staff_at: datetime | None = None
    alarmed_at: datetime | None = None
    closed_reason: str | None = None
    # Marked urgent by the words of a message (bot.faq.urgency); None: not by words.
    urgent_at: datetime | None = None
    # When the citizen's first message was acknowledged; None: not yet (a crash cut it off).
    acked_at: datetime | None = None

    @property
    def waiting(self) -> bool:
        """The citizen wrote last and nobody answered yet."""
        return self.last_citizen_at is not None and (
            self.last_staff_at is None or self.last_staff_at < self.last_citizen_at
        )


def _when(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def ticket_of(row: Row) -> Ticket:
    """A ticket from a row holding the columns of `TICKET_NAMES` (also for storage.desk)."""
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
        country=row["country"],
        assignee_id=row["assignee_id"],
        waiting_since=_when(row["waiting_since"]),
        first_staff_at=_when(row["first_staff_at"]),
        alarmed_at=_when(row["alarmed_at"]),
        closed_reason=row["closed_reason"],
        urgent_at=_when(row["urgent_at"]),
        acked_at=_when(row["acked_at"]),
    )


class TicketRepo:
    """Reads and writes tickets and message links."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_for(
        self, user_id: int, staff_chat_id: int, now: datetime
    ) -> tuple[Ticket, bool]:
        """The citizen's open ticket, created if there is none; (ticket, created).

        A latest ticket that the bot closed for idleness is reopened instead (same number,
        same topic): the citizen was told that writing again reopens it.
        """
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                f"SELECT {_COLUMNS} FROM tickets WHERE user_id = ? AND status = 'open'",
                (user_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is not None:
                return ticket_of(row), False
            again = await conn.fetchone(
                "UPDATE tickets SET status = 'open', closed_at = NULL, closed_reason = NULL,"
                " close_seconds = NULL"
                " WHERE id = (SELECT max(id) FROM tickets WHERE user_id = ?)"
                " AND closed_reason = 'idle' RETURNING id",
                (user_id,),
            )
            if again is not None:
                ticket_id = int(again["id"])
            else:
                # The country it counts for in /stats hotline: where the citizen is registered.
                made = await conn.fetchone(
                    "INSERT INTO tickets (user_id, staff_chat_id, created_at, country)"
                    " VALUES (?, ?, ?, (SELECT country FROM registrations WHERE user_id = ?))"
                    " RETURNING id",
                    (user_id, staff_chat_id, stamp, user_id),
                )
                if made is None:
                    raise IntegrityError("the new ticket returned no id")
                ticket_id = int(made["id"])
        ticket = await self.get(ticket_id)
        if ticket is None:
            raise LookupError("ticket vanished right after it was opened")
        return ticket, again is None

    async def get(self, ticket_id: int) -> Ticket | None:
        """A ticket by id."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM tickets WHERE id = ?",
            (ticket_id,),
        )
        return ticket_of(row) if row else None

    async def open_of(self, user_id: int) -> Ticket | None:
        """The citizen's open ticket, if any."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM tickets WHERE user_id = ? AND status = 'open'",
            (user_id,),
        )
        return ticket_of(row) if row else None

    async def latest_of(self, user_id: int) -> Ticket | None:
        """The citizen's most recent ticket, open or closed."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM tickets WHERE user_id = ? ORDER BY id DESC LIMIT 1",
            (user_id,),
        )
        return ticket_of(row) if row else None

    async def of_user(self, user_id: int) -> list[Ticket]:
        """Every ticket of the citizen, open or closed (their topics, before an erasure)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM tickets WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [ticket_of(r) for r in rows]

    async def by_thread(self, staff_chat_id: int, thread_id: int) -> Ticket | None:
        """The newest ticket shown in a topic."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM tickets WHERE staff_chat_id = ? AND thread_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (staff_chat_id, thread_id),
        )
        return ticket_of(row) if row else None

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

    async def set_urgent(self, ticket_id: int, now: datetime) -> bool:
        """Mark a ticket urgent by the words of a message; False if it already was."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE tickets SET urgent_at = ? WHERE id = ? AND urgent_at IS NULL",
                (to_iso(now), ticket_id),
            )
            return cur.rowcount == 1

    async def set_acked(self, ticket_id: int, now: datetime) -> None:
        """The citizen was told their ticket reached staff."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE tickets SET acked_at = ? WHERE id = ? AND acked_at IS NULL",
                (to_iso(now), ticket_id),
            )

    async def touch(self, ticket_id: int, side: str, now: datetime) -> None:
        """Record who wrote last ('citizen' or 'staff').

        A citizen's message starts a wait unless one is running; a staff answer ends it
        (and its alarm) and, the first time, is the ticket's first response.
        """
        stamp = to_iso(now)
        if side == "citizen":
            sql = (
                "UPDATE tickets SET last_citizen_at = ?,"
                " waiting_since = coalesce(waiting_since, ?) WHERE id = ?"
            )
            params: tuple[object, ...] = (stamp, stamp, ticket_id)
        else:
            sql = (
                "UPDATE tickets SET last_staff_at = ?, waiting_since = NULL,"
                " alarmed_at = NULL, first_staff_at = coalesce(first_staff_at, ?),"
                f" response_seconds = coalesce(response_seconds,"
                f" {seconds_since_opened(self.db.dialect)}) WHERE id = ?"
            )
            params = (stamp, stamp, stamp, ticket_id)
        async with self.db.transaction() as conn:
            await conn.execute(sql, params)

    async def set_status(self, ticket_id: int, status: str, now: datetime) -> bool:
        """Close or reopen (staff); False if the ticket is already so (or another is open)."""
        closing = status == "closed"
        stamp = to_iso(now) if closing else None
        async with self.db.transaction() as conn:
            try:
                # A closed ticket waits for nobody; a reopened one waits from the citizen's
                # next message.
                cur = await conn.execute(
                    "UPDATE tickets SET status = ?, closed_at = ?,"
                    " closed_reason = ?, waiting_since = NULL, alarmed_at = NULL,"
                    " close_seconds = CASE WHEN ? = 1"
                    f" THEN {seconds_since_opened(self.db.dialect)} END"
                    " WHERE id = ? AND status != ?",
                    (status, stamp, "staff" if closing else None, int(closing), stamp,
                     ticket_id, status),
                )  # fmt: skip
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

    async def overflow(self) -> dict[str, list[int]]:
        """Owner (a country code, or '*' for the central group) -> its overflow groups."""
        rows = await self.db.fetchall(
            "SELECT owner, chat_id FROM staff_overflow ORDER BY owner, set_at, chat_id"
        )
        found: dict[str, list[int]] = {}
        for r in rows:
            found.setdefault(r["owner"], []).append(r["chat_id"])
        return found

    async def set_overflow(self, owner: str, chat_id: int | None, by: int, now: datetime) -> None:
        """Add an overflow group to a country's (or the central, '*') groups; None removes
        all of the owner's; audited."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            if chat_id is None:
                await conn.execute("DELETE FROM staff_overflow WHERE owner = ?", (owner,))
            else:
                await conn.execute(
                    "INSERT INTO staff_overflow (owner, chat_id, set_by, set_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (owner, chat_id) DO NOTHING",
                    (owner, chat_id, by, stamp),
                )
            await audit(conn, stamp, by, "hotline.overflow", {"owner": owner, "chat_id": chat_id})
