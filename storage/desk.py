"""The hotline team's tools: who holds a ticket, the queue, waits past their threshold,
idle tickets, and the staff members the bot has seen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.content import audit
from storage.db import Database, Row
from storage.models import from_iso, to_iso
from storage.tickets import T_COLUMNS, TICKET_NAMES, Ticket, seconds_since_opened, ticket_of


@dataclass(frozen=True, slots=True)
class Officer:
    """A staff member as the bot last saw them (their Telegram name and username)."""

    user_id: int
    name: str
    username: str | None
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class Waiting:
    """An open ticket and whether the citizen's registered needs make it urgent."""

    ticket: Ticket
    urgent: bool


def _urgent(marks: str) -> str:
    """Urgent: words of urgency in one of its messages (urgent_at), or a registered need.

    An integer 0/1 on both engines: PostgreSQL's `IN` is a boolean, which neither
    coalesces with 0 nor sorts with integers; a citizen without a registration (r.needs
    NULL) is not urgent by needs.
    """
    return f"CASE WHEN t.urgent_at IS NOT NULL OR r.needs IN ({marks}) THEN 1 ELSE 0 END"


def _officer(row: Row) -> Officer:
    return Officer(
        user_id=row["user_id"],
        name=row["name"],
        username=row["username"],
        seen_at=from_iso(row["seen_at"]),
    )


def _waiting(row: Row) -> Waiting:
    return Waiting(ticket_of(row), bool(row["urgent"]))


def _marks(values: Iterable[str]) -> tuple[str, list[str]]:
    codes = sorted(values)
    return (", ".join("?" for _ in codes) or "NULL"), codes


class DeskRepo:
    """Assignments, the queue, alarms and idle tickets; the staff directory."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- the staff directory --------------------------------------------------------------

    async def officers(self) -> list[Officer]:
        """Every staff member the bot has seen, by id."""
        rows = await self.db.fetchall(
            "SELECT user_id, name, username, seen_at FROM desk_officers ORDER BY user_id"
        )
        return [_officer(r) for r in rows]

    async def remember(self, officer: Officer) -> None:
        """Store how a staff member is called now (name and username change in Telegram)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO desk_officers (user_id, name, username, seen_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,"
                " username = excluded.username, seen_at = excluded.seen_at",
                (officer.user_id, officer.name, officer.username, to_iso(officer.seen_at)),
            )

    # ---- who holds a ticket ---------------------------------------------------------------

    async def take(self, ticket_id: int, officer_id: int, now: datetime) -> bool:
        """The officer takes an open ticket nobody holds; False if it is closed or held."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE tickets SET assignee_id = ?, assigned_at = ? WHERE id = ?"
                " AND status = 'open' AND assignee_id IS NULL",
                (officer_id, stamp, ticket_id),
            )
            if cur.rowcount != 1:
                return False
            await audit(
                conn, stamp, officer_id, "hotline.take", {"ticket": ticket_id, "to": officer_id}
            )
            return True

    async def assign(
        self, ticket_id: int, officer_id: int | None, actor_id: int, now: datetime
    ) -> bool:
        """Hand an open ticket to an officer, or to nobody (None); audited.

        False if the ticket is closed or already held so.
        """
        stamp = to_iso(now)
        # Not held so already: PostgreSQL has no `IS NOT ?` (SQLite's null-safe compare),
        # and `IS DISTINCT FROM` needs SQLite 3.39; the two cases are spelled out instead.
        params: tuple[object, ...]
        if officer_id is None:
            other, params = "assignee_id IS NOT NULL", (None, None, ticket_id)
        else:
            other = "(assignee_id IS NULL OR assignee_id != ?)"
            params = (officer_id, stamp, ticket_id, officer_id)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE tickets SET assignee_id = ?, assigned_at = ? WHERE id = ?"
                f" AND status = 'open' AND {other}",
                params,
            )
            if cur.rowcount != 1:
                return False
            action = "hotline.assign" if officer_id is not None else "hotline.release"
            await audit(conn, stamp, actor_id, action, {"ticket": ticket_id, "to": officer_id})
            return True

    # ---- what waits -----------------------------------------------------------------------

    async def queue(self, staff_chat_id: int, urgent_needs: Iterable[str]) -> list[Waiting]:
        """Open tickets of a staff group waiting for an answer: nobody holds one first, then
        the urgent ones (registered needs), then the longest wait."""
        marks, needs = _marks(urgent_needs)
        rows = await self.db.fetchall(
            f"SELECT {T_COLUMNS}, {_urgent(marks)} AS urgent FROM tickets t"
            " LEFT JOIN registrations r ON r.user_id = t.user_id"
            " WHERE t.status = 'open' AND t.staff_chat_id = ? AND t.waiting_since IS NOT NULL"
            " ORDER BY t.assignee_id IS NOT NULL, urgent DESC, t.waiting_since, t.id",
            (*needs, staff_chat_id),
        )
        return [_waiting(r) for r in rows]

    async def held_by(self, officer_id: int, urgent_needs: Iterable[str]) -> list[Waiting]:
        """The officer's open tickets: waiting ones first, the longest wait first."""
        marks, needs = _marks(urgent_needs)
        rows = await self.db.fetchall(
            f"SELECT {T_COLUMNS}, {_urgent(marks)} AS urgent FROM tickets t"
            " LEFT JOIN registrations r ON r.user_id = t.user_id"
            " WHERE t.status = 'open' AND t.assignee_id = ?"
            " ORDER BY t.waiting_since NULLS LAST, t.id",
            (*needs, officer_id),
        )
        return [_waiting(r) for r in rows]

    async def due_alarms(
        self,
        urgent_before: datetime,
        normal_before: datetime,
        urgent_needs: Iterable[str],
        now: datetime,
        limit: int,
    ) -> list[Waiting]:
        """At most `limit` waits past their threshold and not flagged yet, marked flagged in
        the same transaction: each wait is flagged once, whatever restarts come between.

        Replicas on PostgreSQL run this side by side: a wait is returned only by the one
        whose mark found it still unflagged (the UPDATE waits for the other's commit and
        checks `alarmed_at` again), so it is flagged once there too.
        """
        marks, needs = _marks(urgent_needs)
        async with self.db.transaction() as conn:
            # A NULL need (no registration) leaves the urgent test unknown: not due by it.
            async with conn.execute(
                f"SELECT {T_COLUMNS}, {_urgent(marks)} AS urgent"
                " FROM tickets t LEFT JOIN registrations r ON r.user_id = t.user_id"
                " WHERE t.status = 'open' AND t.alarmed_at IS NULL AND t.waiting_since <= ?"
                f" AND (r.needs IN ({marks}) OR t.waiting_since <= ?)"
                " ORDER BY t.waiting_since, t.id LIMIT ?",
                (*needs, to_iso(urgent_before), *needs, to_iso(normal_before), limit),
            ) as cur:
                due = [_waiting(r) for r in await cur.fetchall()]
            if not due:
                return []
            ids = [w.ticket.id for w in due]
            async with conn.execute(
                "UPDATE tickets SET alarmed_at = ? WHERE alarmed_at IS NULL"
                f" AND id IN ({', '.join('?' for _ in ids)}) RETURNING id",
                (to_iso(now), *ids),
            ) as cur:
                marked = {int(r["id"]) for r in await cur.fetchall()}
        return [w for w in due if w.ticket.id in marked]

    async def close_idle(self, before: datetime, now: datetime, limit: int) -> list[Ticket]:
        """Close at most `limit` open tickets without a message either way since `before`
        (reason 'idle'), the longest idle first."""
        stamp, cut = to_iso(now), to_iso(before)
        # SQLite's many-argument max() is PostgreSQL's greatest().
        most = "max" if self.db.dialect == "sqlite" else "greatest"
        last = f"{most}(created_at, coalesce(last_citizen_at, ''), coalesce(last_staff_at, ''))"
        async with self.db.transaction() as conn:
            async with conn.execute(
                "UPDATE tickets SET status = 'closed', closed_at = ?, closed_reason = 'idle',"
                " waiting_since = NULL, alarmed_at = NULL,"
                f" close_seconds = {seconds_since_opened(self.db.dialect)}"
                # `status` again outside: PostgreSQL checks it anew on a row another replica
                # closed meanwhile (it waits for that commit), so a ticket closes once.
                " WHERE status = 'open'"
                f" AND id IN (SELECT id FROM tickets WHERE status = 'open' AND {last} < ?"
                f" ORDER BY {last}, id LIMIT ?) RETURNING {', '.join(TICKET_NAMES)}",
                (stamp, stamp, cut, limit),
            ) as cur:
                closed = [ticket_of(r) for r in await cur.fetchall()]
            if closed:
                ids = sorted(t.id for t in closed)
                await audit(conn, stamp, None, "hotline.idle_close", {"tickets": ids})
        return sorted(closed, key=lambda t: t.id)
