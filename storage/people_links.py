"""Who else hears about a citizen: followers of a country, linked relatives, and relatives who
filed "I cannot reach my relative" (with the citizens staff asked for consent)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from storage.audit import audit
from storage.db import Database, Row
from storage.models import from_iso, to_iso

InviteResult = Literal["linked", "already", "used", "expired", "unknown", "self"]


@dataclass(frozen=True, slots=True)
class Link:
    """A relative who receives what a citizen shares."""

    id: int
    user_id: int
    relative_id: int
    relative_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class InquiryInput:
    """What a relative told us about someone they cannot reach (validated by the bot)."""

    full_name: str
    phone: str | None
    country: str
    place: str | None
    filer_name: str
    filer_phone: str


@dataclass(frozen=True, slots=True)
class Inquiry:
    """A stored inquiry."""

    id: int
    filer_id: int
    full_name: str
    phone: str | None
    country: str
    place: str | None
    filer_name: str
    filer_phone: str
    ticket_id: int | None
    state: str
    created_at: datetime


def _link(row: Row) -> Link:
    return Link(
        id=row["id"],
        user_id=row["user_id"],
        relative_id=row["relative_id"],
        relative_name=row["relative_name"],
        created_at=from_iso(row["created_at"]),
    )


def _inquiry(row: Row) -> Inquiry:
    return Inquiry(
        id=row["id"],
        filer_id=row["filer_id"],
        full_name=row["full_name"],
        phone=row["phone"],
        country=row["country"],
        place=row["place"],
        filer_name=row["filer_name"],
        filer_phone=row["filer_phone"],
        ticket_id=row["ticket_id"],
        state=row["state"],
        created_at=from_iso(row["created_at"]),
    )


_LINK = "id, user_id, relative_id, relative_name, created_at"
_INQUIRY = (
    "id, filer_id, full_name, phone, country, place, filer_name, filer_phone, ticket_id,"
    " state, created_at"
)


async def _ensure_citizen(conn: Any, user_id: int, lang: str, stamp: str) -> None:
    """A chat that follows or links needs its language and nothing else: a bare citizen row."""
    await conn.execute(
        "INSERT INTO citizens (user_id, lang, created_at, updated_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (user_id, lang, stamp, stamp),
    )


class PeopleLinks:
    """Reads and writes follows, family invitations and links, inquiries and their asks.

    What citizens do here is not audited: the audit log records staff, and a citizen's id
    as its actor would outlive their erasure.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- following a country ------------------------------------------------------------------

    async def followed(self, user_id: int) -> list[str]:
        """The countries this chat follows, by code."""
        rows = await self.db.fetchall(
            "SELECT country FROM follows WHERE user_id = ? ORDER BY country", (user_id,)
        )
        return [r["country"] for r in rows]

    async def follow(self, user_id: int, country: str, lang: str, now: datetime) -> bool:
        """Follow a country; False if it was already followed."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            await _ensure_citizen(conn, user_id, lang, stamp)
            cur = await conn.execute(
                "INSERT INTO follows (user_id, country, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (user_id, country, stamp),
            )
            return cur.rowcount == 1

    async def unfollow(self, user_id: int, country: str | None) -> int:
        """Stop following a country (None: every country); how many were removed."""
        async with self.db.transaction() as conn:
            if country is None:
                cur = await conn.execute("DELETE FROM follows WHERE user_id = ?", (user_id,))
            else:
                cur = await conn.execute(
                    "DELETE FROM follows WHERE user_id = ? AND country = ?", (user_id, country)
                )
            return cur.rowcount

    async def followers_by_country(self, scope: Iterable[str] | None) -> dict[str, int]:
        """Reachable followers per country in scope (None: every country)."""
        params: list[Any] = []
        where = ""
        if scope is not None:
            codes = sorted(scope)
            where = f" AND f.country IN ({','.join('?' * len(codes))})" if codes else " AND 0"
            params = codes
        rows = await self.db.fetchall(
            "SELECT f.country AS country, count(*) AS n FROM follows f JOIN citizens c"
            f" ON c.user_id = f.user_id WHERE c.blocked_at IS NULL{where} GROUP BY f.country",
            params,
        )
        return {r["country"]: r["n"] for r in rows}

    # ---- family links -------------------------------------------------------------------------

    async def create_invite(
        self, user_id: int, code_hash: str, now: datetime, expires: datetime
    ) -> None:
        """Store a new invitation (its hash only)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO family_invites (code_hash, user_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (code_hash, user_id, to_iso(now), to_iso(expires)),
            )

    async def invite_owner(self, code_hash: str, now: datetime) -> tuple[InviteResult, int]:
        """Who made an invitation, and whether it can still be used: ("linked", owner) if so."""
        row = await self.db.fetchone(
            "SELECT user_id, expires_at, used_at FROM family_invites WHERE code_hash = ?",
            (code_hash,),
        )
        if row is None:
            return "unknown", 0
        if row["used_at"] is not None:
            return "used", row["user_id"]
        if from_iso(row["expires_at"]) <= now:
            return "expired", row["user_id"]
        return "linked", row["user_id"]

    async def accept(
        self, code_hash: str, relative_id: int, relative_name: str, lang: str, now: datetime
    ) -> tuple[InviteResult, Link | None]:
        """Use an invitation: the link it makes, or why not. One transaction, so a code
        pressed twice at once links once."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT user_id, expires_at, used_at FROM family_invites WHERE code_hash = ?",
                (code_hash,),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return "unknown", None
            owner = int(row["user_id"])
            if row["used_at"] is not None:
                return "used", None
            if from_iso(row["expires_at"]) <= now:
                return "expired", None
            if owner == relative_id:
                return "self", None
            await _ensure_citizen(conn, relative_id, lang, stamp)
            await conn.execute(
                "UPDATE family_invites SET used_at = ? WHERE code_hash = ?", (stamp, code_hash)
            )
            cur2 = await conn.execute(
                "INSERT INTO family_links (user_id, relative_id, relative_name,"
                " created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (owner, relative_id, relative_name, stamp),
            )
            result: InviteResult = "linked" if cur2.rowcount == 1 else "already"
            async with conn.execute(
                f"SELECT {_LINK} FROM family_links WHERE user_id = ? AND relative_id = ?",
                (owner, relative_id),
            ) as cur3:
                link_row = await cur3.fetchone()
        return result, _link(link_row) if link_row else None

    async def links_of(self, user_id: int) -> list[Link]:
        """The relatives linked to a citizen, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_LINK} FROM family_links WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_link(r) for r in rows]

    async def links_to(self, relative_id: int) -> list[Link]:
        """The citizens a relative is linked to, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_LINK} FROM family_links WHERE relative_id = ? ORDER BY id", (relative_id,)
        )
        return [_link(r) for r in rows]

    async def unlink(self, link_id: int, by: int) -> Link | None:
        """End a link, by either side; None (nothing changed) if it is not theirs."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                f"SELECT {_LINK} FROM family_links WHERE id = ? AND (user_id = ? OR"
                " relative_id = ?)",
                (link_id, by, by),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            await conn.execute("DELETE FROM family_links WHERE id = ?", (link_id,))
        return _link(row)

    # ---- inquiries ------------------------------------------------------------------------------

    async def file_inquiry(
        self, filer_id: int, inquiry: InquiryInput, lang: str, now: datetime
    ) -> Inquiry:
        """Store an inquiry (the filer's citizen row is created if needed)."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            await _ensure_citizen(conn, filer_id, lang, stamp)
            cur = await conn.execute(
                "INSERT INTO inquiries (filer_id, full_name, phone, country, place, filer_name,"
                " filer_phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (
                    filer_id,
                    inquiry.full_name,
                    inquiry.phone,
                    inquiry.country,
                    inquiry.place,
                    inquiry.filer_name,
                    inquiry.filer_phone,
                    stamp,
                    stamp,
                ),
            )
            inquiry_id = int((await cur.fetchone())[0])
        found = await self.inquiry(inquiry_id)
        if found is None:
            raise LookupError("inquiry vanished right after it was stored")
        return found

    async def set_ticket(self, inquiry_id: int, ticket_id: int) -> None:
        """The hotline ticket the inquiry is worked on in."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE inquiries SET ticket_id = ? WHERE id = ?", (ticket_id, inquiry_id)
            )

    async def inquiry(self, inquiry_id: int) -> Inquiry | None:
        """One inquiry."""
        row = await self.db.fetchone(
            f"SELECT {_INQUIRY} FROM inquiries WHERE id = ?", (inquiry_id,)
        )
        return _inquiry(row) if row else None

    async def ask(self, inquiry_id: int, user_id: int, staff_id: int, now: datetime) -> bool:
        """Record that staff asked this citizen for consent; False if already asked."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO inquiry_asks (inquiry_id, user_id, asked_by, asked_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (inquiry_id, user_id, staff_id, stamp),
            )
            if cur.rowcount == 1:
                await audit(
                    conn,
                    stamp,
                    staff_id,
                    "inquiry.ask",
                    {"inquiry": inquiry_id, "user_id": user_id},
                )
            return cur.rowcount == 1

    async def consent(
        self, inquiry_id: int, user_id: int, yes: bool, now: datetime
    ) -> Inquiry | None:
        """The citizen's answer, once; None (nothing changed) unless they were asked and have
        not answered yet."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE inquiry_asks SET answer = ?, answered_at = ? WHERE inquiry_id = ?"
                " AND user_id = ? AND answer IS NULL",
                ("yes" if yes else "no", stamp, inquiry_id, user_id),
            )
            if cur.rowcount != 1:
                return None
            if yes:
                await conn.execute(
                    "UPDATE inquiries SET state = 'found', updated_at = ? WHERE id = ?",
                    (stamp, inquiry_id),
                )
        return await self.inquiry(inquiry_id)

    async def asked(self, inquiry_id: int) -> Sequence[tuple[int, str | None]]:
        """Who was asked for an inquiry, and their answer so far."""
        rows = await self.db.fetchall(
            "SELECT user_id, answer FROM inquiry_asks WHERE inquiry_id = ? ORDER BY asked_at",
            (inquiry_id,),
        )
        return [(r["user_id"], r["answer"]) for r in rows]
