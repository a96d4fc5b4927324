"""What a citizen adds after registering: end of stay, the person to notify, those travelling
together or a group's people; the /find index over the register; the end-of-stay queries.

Follows, family links and inquiries are in storage/people_links.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from storage.db import Database, Row
from storage.models import from_iso, to_iso
from storage.sql import contains, ordered_join

MemberKind = Literal["companion", "group"]
# A citizen holding an evacuation seat (offered or confirmed, on a departure still open) must
# not be erased at the end of the stay: this is the one SQL condition that says so, over the
# user id column it is given (storage/evacuation_offers.py keeps the seats).
SEAT_HOLD = (
    # Aliases of its own: PostgreSQL resolves {user} (e.g. `d.user_id` of the caller's
    # people_details d) in the innermost scope that has the alias, and stops there.
    "EXISTS (SELECT 1 FROM evac_offers hold_o JOIN departures hold_d"
    " ON hold_d.id = hold_o.departure_id WHERE hold_o.user_id = {user}"
    " AND hold_o.state IN ('offered', 'confirmed') AND hold_d.state = 'open')"
)


def seat_hold(user_column: str) -> str:
    """SQL that is true when the user in `user_column` holds an evacuation seat (hook)."""
    return SEAT_HOLD.replace("{user}", user_column)


@dataclass(frozen=True, slots=True)
class Details:
    """A citizen's optional details (all None until given)."""

    user_id: int
    stay_until: date | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_relation: str | None = None
    share_safety: bool = True
    share_place: bool = False
    share_boarding: bool = False
    shared_place: str | None = None


@dataclass(frozen=True, slots=True)
class MemberInput:
    """One person travelling with a citizen, or one person of a group (validated by the bot)."""

    full_name: str
    birth_year: int | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A stored companion or group member."""

    kind: MemberKind
    position: int
    full_name: str
    birth_year: int | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class Hit:
    """A registration that /find matched (`member`: the companion or group member matched)."""

    user_id: int
    full_name: str
    country: str
    city: str
    status: str
    phone: str
    updated_at: datetime
    member: str | None = None
    member_phone: str | None = None


@dataclass(frozen=True, slots=True)
class StayRow:
    """A declared end of stay and how far its citizen has been taken through it."""

    user_id: int
    country: str
    stay_until: date
    asked: bool
    warned: bool
    active: bool
    # An open hotline ticket or an evacuation seat: never erased while it lasts.
    held: bool


def _details(row: Row) -> Details:
    stay = row["stay_until"]
    return Details(
        user_id=row["user_id"],
        stay_until=date.fromisoformat(stay) if stay else None,
        contact_name=row["contact_name"],
        contact_phone=row["contact_phone"],
        contact_relation=row["contact_relation"],
        share_safety=bool(row["share_safety"]),
        share_place=bool(row["share_place"]),
        share_boarding=bool(row["share_boarding"]),
        shared_place=row["shared_place"],
    )


def _member(row: Row) -> Member:
    return Member(
        kind=row["kind"],
        position=row["position"],
        full_name=row["full_name"],
        birth_year=row["birth_year"],
        phone=row["phone"],
    )


def _hit(row: Row, member: bool = False) -> Hit:
    return Hit(
        user_id=row["user_id"],
        full_name=row["full_name"],
        country=row["country"],
        city=row["city"],
        status=row["status"],
        phone=row["phone"],
        updated_at=from_iso(row["updated_at"]),
        member=row["member"] if member else None,
        member_phone=row["member_phone"] if member else None,
    )


def _stay(row: Row) -> StayRow:
    stay = str(row["stay_until"])
    return StayRow(
        user_id=row["user_id"],
        country=row["country"],
        stay_until=date.fromisoformat(stay),
        asked=row["stay_asked"] == stay,
        warned=row["stay_warned"] == stay,
        active=bool(row["active"]),
        held=bool(row["held"]),
    )


def _scope(column: str, scope: Iterable[str] | None) -> tuple[str, list[Any]]:
    if scope is None:
        return "", []
    codes = sorted(scope)
    if not codes:
        return " AND 0", []
    return f" AND {column} IN ({','.join('?' * len(codes))})", codes


_HIT = "r.user_id, r.full_name, r.country, r.city, r.status, r.phone, r.updated_at"
_DETAILS = (
    "user_id, stay_until, contact_name, contact_phone, contact_relation, share_safety,"
    " share_place, share_boarding, shared_place"
)
# Writes one column set of a details row, creating the row with its defaults if needed.
_UPSERT = (
    "INSERT INTO people_details (user_id, updated_at, {cols}) VALUES (?, ?, {marks})"
    " ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at, {sets}"
)

# What /export adds to each registration: the end of stay, the person to notify, and
# everyone travelling with the citizen (a group's people) in one cell, plus a group's size.
EXPORT_JOIN = " LEFT JOIN people_details d ON d.user_id = r.user_id"
# The companions' labels in one cell: the one aggregate the engines name differently.
_JOINED = {
    "sqlite": "(SELECT group_concat(label, '; ') FROM (SELECT {label} AS label {source}))",
    "postgresql": "(SELECT string_agg({label}, '; ' ORDER BY m.kind, m.position) {source})",
}


def export_extra(dialect: str) -> str:
    """The columns /export adds to each registration, in the engine's words."""
    label = (
        "m.full_name || coalesce(' (' || m.birth_year || ')', '') || coalesce(' ' || m.phone, '')"
    )
    source = "FROM people_members m WHERE m.user_id = r.user_id"
    companions = _JOINED[dialect].format(
        label=label,
        source=source + (" ORDER BY m.kind, m.position" if dialect == "sqlite" else ""),
    )
    return (
        ", d.stay_until AS stay_until, d.contact_name AS contact_name,"
        " d.contact_phone AS contact_phone, d.contact_relation AS contact_relation,"
        f" {companions} AS companions,"
        " (SELECT nullif(count(*), 0) FROM people_members m WHERE m.user_id = r.user_id"
        " AND m.kind = 'group') AS group_size"
    )


EXPORT_COLUMNS = (
    "stay_until",
    "contact_name",
    "contact_phone",
    "contact_relation",
    "companions",
    "group_size",
)


async def erase_person(conn: Any, user_id: int) -> int:
    """Delete every row of this feature that mentions the user, inside the caller's erasure.

    The foreign keys cascade too; this says so explicitly and counts what went.
    """
    statements = (
        "DELETE FROM inquiry_asks WHERE user_id = ? OR inquiry_id IN"
        " (SELECT id FROM inquiries WHERE filer_id = ?)",
        "DELETE FROM inquiries WHERE filer_id = ?",
        "DELETE FROM family_links WHERE user_id = ? OR relative_id = ?",
        "DELETE FROM family_invites WHERE user_id = ?",
        "DELETE FROM follows WHERE user_id = ?",
        "DELETE FROM people_members WHERE user_id = ?",
        "DELETE FROM people_details WHERE user_id = ?",
    )
    removed = 0
    for sql in statements:
        cur = await conn.execute(sql, (user_id,) * sql.count("?"))
        removed += max(cur.rowcount, 0)
    # The /find keys of the registration: an index, not something the citizen gave us, so
    # it is erased without being counted in what the citizen is told went.
    await conn.execute("DELETE FROM people_search WHERE user_id = ?", (user_id,))
    return removed


class PeopleRepo:
    """Reads and writes `people_details`, `people_members` and `people_search`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- details ---------------------------------------------------------------------------

    async def details(self, user_id: int) -> Details:
        """The citizen's details (defaults if they never gave any)."""
        row = await self.db.fetchone(
            f"SELECT {_DETAILS} FROM people_details WHERE user_id = ?", (user_id,)
        )
        return _details(row) if row else Details(user_id)

    async def _set(self, user_id: int, values: dict[str, Any], now: datetime) -> bool:
        """Write some columns of the details; False if the citizen is gone (erased)."""
        cols = ", ".join(values)
        sql = _UPSERT.format(
            cols=cols,
            marks=", ".join("?" * len(values)),
            sets=", ".join(f"{c} = excluded.{c}" for c in values),
        )
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT 1 FROM citizens WHERE user_id = ?", (user_id,)) as cur:
                if await cur.fetchone() is None:
                    return False
            await conn.execute(sql, (user_id, to_iso(now), *values.values()))
        return True

    async def set_stay(self, user_id: int, until: date | None, now: datetime) -> bool:
        """The declared end of stay (None: "don't know"); its questions start over."""
        day = until.isoformat() if until else None
        values = {"stay_until": day, "stay_asked": None, "stay_warned": None}
        return await self._set(user_id, values, now)

    async def set_contact(
        self,
        user_id: int,
        name: str | None,
        phone: str | None,
        relation: str | None,
        now: datetime,
    ) -> bool:
        """The person to notify at home (all None: removed)."""
        values = {"contact_name": name, "contact_phone": phone, "contact_relation": relation}
        return await self._set(user_id, values, now)

    async def set_shares(
        self, user_id: int, safety: bool, place: bool, boarding: bool, now: datetime
    ) -> bool:
        """What linked relatives receive."""
        values = {
            "share_safety": int(safety),
            "share_place": int(place),
            "share_boarding": int(boarding),
        }
        return await self._set(user_id, values, now)

    async def set_shared_place(self, user_id: int, place: str | None, now: datetime) -> bool:
        """The place relatives were last told of."""
        return await self._set(user_id, {"shared_place": place}, now)

    # ---- companions and groups -------------------------------------------------------------

    async def members(self, user_id: int) -> list[Member]:
        """Those travelling with the citizen, or their group's people, in the order given."""
        rows = await self.db.fetchall(
            "SELECT kind, position, full_name, birth_year, phone FROM people_members"
            " WHERE user_id = ? ORDER BY kind, position",
            (user_id,),
        )
        return [_member(r) for r in rows]

    async def save_members(
        self,
        user_id: int,
        kind: MemberKind,
        members: Sequence[MemberInput],
        keys: Sequence[str],
        now: datetime,
    ) -> bool:
        """Replace the list (companions or a group: one replaces the other) in one transaction.

        False, and nothing written, if the citizen has no registration any more.
        """
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM registrations WHERE user_id = ?", (user_id,)
            ) as cur:
                if await cur.fetchone() is None:
                    return False
            await conn.execute("DELETE FROM people_members WHERE user_id = ?", (user_id,))
            await conn.executemany(
                "INSERT INTO people_members (user_id, kind, position, full_name, birth_year,"
                " phone, search_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (user_id, kind, i, m.full_name, m.birth_year, m.phone, key)
                    for i, (m, key) in enumerate(zip(members, keys, strict=True), start=1)
                ],
            )
            await conn.execute(
                "UPDATE registrations SET updated_at = ? WHERE user_id = ?",
                (to_iso(now), user_id),
            )
        return True

    async def clear_members(self, user_id: int) -> int:
        """Remove the list; how many people were on it."""
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM people_members WHERE user_id = ?", (user_id,))
            return cur.rowcount

    async def group_extra(self, scope: Iterable[str] | None) -> dict[str, int]:
        """Per country, the people that groups add beyond their registrations' party sizes."""
        where, params = _scope("r.country", scope)
        # CROSS JOIN: from the few groups to their registrations, never the other way round
        # (which reads every active registration: 5 ms at 100,000 with no group at all).
        rows = await self.db.fetchall(
            "SELECT r.country AS country, sum(g.n - r.party_size) AS extra FROM (SELECT"
            " user_id, count(*) AS n FROM people_members WHERE kind = 'group' GROUP BY user_id)"
            f" g {ordered_join(self.db.dialect)} registrations r ON r.user_id = g.user_id"
            f" WHERE r.active = 1{where}"
            " GROUP BY r.country",
            params,
        )
        return {r["country"]: int(r["extra"] or 0) for r in rows}

    # ---- the /find index --------------------------------------------------------------------

    async def unindexed(self, limit: int = 5000) -> list[tuple[int, str, str]]:
        """Registrations whose name or city changed since the bot last normalised them."""
        rows = await self.db.fetchall(
            "SELECT s.user_id, r.full_name, r.city FROM people_search s"
            " JOIN registrations r ON r.user_id = s.user_id WHERE s.search_key IS NULL LIMIT ?",
            (limit,),
        )
        return [(r["user_id"], r["full_name"], r["city"]) for r in rows]

    async def index(self, keys: Sequence[tuple[int, str]]) -> None:
        """Store normalised keys; a registration erased meanwhile gets none (no row to set)."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE people_search SET search_key = ? WHERE user_id = ?",
                [(key, user_id) for user_id, key in keys],
            )

    async def find_names(
        self, needles: Sequence[str], scope: Iterable[str] | None, limit: int
    ) -> list[Hit]:
        """Active registrations whose name or city contains every needle, in scope.

        CROSS JOIN keeps the scan on the narrow keys, joining only the rows that match;
        left to itself SQLite walks the registrations and looks up every key (85 ms instead
        of 20 at 100,000, bench/scale.py). No ORDER BY, so LIMIT stops the scan early.
        """
        where, params = _scope("r.country", scope)
        ordered = sorted(needles, key=len, reverse=True)  # the rarest first: AND stops early
        match = " AND ".join("s.search_key LIKE ? ESCAPE '\\'" for _ in ordered)
        rows = await self.db.fetchall(
            f"SELECT {_HIT} FROM people_search s {ordered_join(self.db.dialect)} registrations r"
            f" ON r.user_id = s.user_id WHERE {match} AND r.active = 1{where} LIMIT ?",
            [*(contains(n) for n in ordered), *params, limit],
        )
        return [_hit(r) for r in rows]

    async def find_members(
        self, needles: Sequence[str], scope: Iterable[str] | None, limit: int
    ) -> list[Hit]:
        """Companions and group members whose name contains every needle, in scope."""
        where, params = _scope("r.country", scope)
        ordered = sorted(needles, key=len, reverse=True)
        match = " AND ".join("m.search_key LIKE ? ESCAPE '\\'" for _ in ordered)
        rows = await self.db.fetchall(
            f"SELECT {_HIT}, m.full_name AS member, m.phone AS member_phone FROM people_members m"
            f" {ordered_join(self.db.dialect)} registrations r ON r.user_id = m.user_id"
            f" WHERE {match} AND r.active = 1{where} LIMIT ?",
            [*(contains(n) for n in ordered), *params, limit],
        )
        return [_hit(r, member=True) for r in rows]

    async def find_phone(self, phone: str, scope: Iterable[str] | None, limit: int) -> list[Hit]:
        """Active registrations, companions and group members with this phone, in scope."""
        where, params = _scope("r.country", scope)
        own = await self.db.fetchall(
            f"SELECT {_HIT} FROM registrations r WHERE r.active = 1 AND r.phone = ?{where}"
            " LIMIT ?",
            [phone, *params, limit],
        )
        others = await self.db.fetchall(
            f"SELECT {_HIT}, m.full_name AS member, m.phone AS member_phone FROM people_members m"
            f" JOIN registrations r ON r.user_id = m.user_id WHERE r.active = 1 AND m.phone = ?"
            f"{where} LIMIT ?",
            [phone, *params, limit],
        )
        return [_hit(r) for r in own] + [_hit(r, member=True) for r in others]

    # ---- end of stay ----------------------------------------------------------------------------

    async def stays_until(self, last_day: date) -> list[StayRow]:
        """Declared ends of stay up to `last_day`, with what was done and what holds them."""
        rows = await self.db.fetchall(
            "SELECT d.user_id AS user_id, r.country AS country, d.stay_until AS stay_until,"
            " d.stay_asked AS stay_asked, d.stay_warned AS stay_warned, r.active AS active,"
            " (EXISTS (SELECT 1 FROM tickets t WHERE t.user_id = d.user_id"
            f" AND t.status = 'open') OR {seat_hold('d.user_id')}) AS held"
            " FROM people_details d JOIN registrations r ON r.user_id = d.user_id"
            " WHERE d.stay_until IS NOT NULL AND d.stay_until <= ? ORDER BY d.stay_until",
            (last_day.isoformat(),),
        )
        return [_stay(r) for r in rows]

    async def queue_stay_questions(
        self, fresh_id: int, rows: Sequence[StayRow], now: datetime
    ) -> int:
        """Queue "are you still in ...?" through the outbox (paced, durable), once per date.

        The run key names the declared date, so a fill repeated after a crash, or an
        ordinary freshness ping of the same citizen, never collides with it.
        """
        stamp = to_iso(now)
        queued = 0
        async with self.db.transaction() as conn:
            for row in rows:
                day = row.stay_until.isoformat()
                cur = await conn.execute(
                    "INSERT INTO outbox (notice_id, run, user_id, op, lang, country,"
                    " due_at) SELECT ?, ?, r.user_id, 'send', c.lang, r.country, ?"
                    " FROM registrations r JOIN citizens c ON c.user_id = r.user_id"
                    " WHERE r.user_id = ? AND r.active = 1 AND c.blocked_at IS NULL"
                    " ON CONFLICT DO NOTHING",
                    (fresh_id, f"stay:{day}", stamp, row.user_id),
                )
                queued += cur.rowcount
                await conn.execute(
                    "UPDATE people_details SET stay_asked = ? WHERE user_id = ?"
                    " AND stay_until = ?",
                    (day, row.user_id, day),
                )
        return queued

    async def mark_warned(self, user_id: int, until: date) -> None:
        """The erasure warning for this declared date went out."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE people_details SET stay_warned = ? WHERE user_id = ? AND stay_until = ?",
                (until.isoformat(), user_id, until.isoformat()),
            )

    async def still_due(self, user_id: int, until: date) -> bool:
        """Whether the citizen still has this declared date and nothing holds them."""
        row = await self.db.fetchone(
            "SELECT 1 FROM people_details d WHERE d.user_id = ? AND d.stay_until = ?"
            " AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.user_id = d.user_id"
            f" AND t.status = 'open') AND NOT {seat_hold('d.user_id')}",
            (user_id, until.isoformat()),
        )
        return row is not None
