"""Evacuation offers: seats offered to parties in priority order, answers, passengers, boarding.

Offers are queued in the notice outbox (on the departure's carrier notice, run 'o:<offer>')
in the same transaction that records them, so a crash can neither lose nor repeat one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.audience import where
from storage.content import audit
from storage.db import Database
from storage.evacuation import (
    DEPARTURE_COLUMNS,
    HOLDING,
    OFFER_RUN,
    PRIORITIES,
    Departure,
    Status,
    departure_of,
    maybe_time,
)
from storage.models import from_iso, to_iso
from storage.outbox import URGENT

_OFFER = (
    "id, departure_id, user_id, seats, state, token, offered_at, deadline_at, answered_at,"
    " confirmation, boarding_code, boarded_at"
)


@dataclass(frozen=True, slots=True)
class Offer:
    """Seats offered to one party."""

    id: int
    departure_id: int
    user_id: int
    seats: int
    state: str
    token: str
    offered_at: datetime
    deadline_at: datetime
    answered_at: datetime | None
    confirmation: str | None
    boarding_code: str | None
    boarded_at: datetime | None


@dataclass(frozen=True, slots=True)
class Passenger:
    """One person of a confirmed party, as in the passport."""

    full_name: str
    passport: str
    birth_date: str


@dataclass(frozen=True, slots=True)
class Counts:
    """A departure's offers by state (parties, and seats where they hold some)."""

    seats: int
    offered: int = 0
    offered_seats: int = 0
    confirmed: int = 0
    confirmed_seats: int = 0
    declined: int = 0
    expired: int = 0
    boarded_seats: int = 0
    waitlisted: int = 0
    sending: int = 0

    @property
    def seats_left(self) -> int:
        """Seats no offer holds."""
        return max(0, self.seats - self.offered_seats - self.confirmed_seats)


@dataclass(frozen=True, slots=True)
class Result:
    """What became of a citizen's or an officer's action on an offer."""

    status: Status
    offer: Offer | None = None


def _offer(row: Any) -> Offer:
    return Offer(
        id=row["id"], departure_id=row["departure_id"], user_id=row["user_id"],
        seats=row["seats"], state=row["state"], token=row["token"],
        offered_at=from_iso(row["offered_at"]), deadline_at=from_iso(row["deadline_at"]),
        answered_at=maybe_time(row["answered_at"]), confirmation=row["confirmation"],
        boarding_code=row["boarding_code"], boarded_at=maybe_time(row["boarded_at"]),
    )  # fmt: skip


def _queue_sql(priority: Sequence[str], clause: str, columns: str, ordered: bool) -> str:
    """The eligible parties not yet offered this departure and not held by another one.

    Parameters: the departure id (for "declined or let an earlier offer expire"), the
    audience's, and the departure id again.
    """
    order = "".join(f"({PRIORITIES[p]}) DESC, " for p in priority)
    return (
        f"SELECT {columns} FROM (SELECT r.user_id, c.lang, r.country, r.party_size,"
        " r.vulnerable, r.children, r.status, r.created_at, EXISTS (SELECT 1 FROM evac_offers p"
        " WHERE p.user_id = r.user_id AND p.departure_id < ?"
        " AND p.state IN ('declined', 'expired')) AS demoted"
        " FROM registrations r JOIN citizens c USING (user_id)"
        f" WHERE {clause} AND NOT EXISTS (SELECT 1 FROM evac_offers o WHERE o.user_id = r.user_id"
        f" AND (o.departure_id = ? OR (o.state IN {HOLDING} AND o.departure_id IN"
        " (SELECT id FROM departures WHERE state = 'open'))))) r"
        + (f" ORDER BY r.demoted, {order}r.created_at, r.user_id" if ordered else "")
    )


class OfferRepo:
    """Reads and writes offers and passengers (and the outbox rows of offers)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- offers ---------------------------------------------------------------------------

    async def allocate(
        self,
        departure_id: int,
        priority: Sequence[str],
        tokens: Iterable[str],
        now: datetime,
        last_offer: timedelta,
    ) -> list[Offer]:
        """Offer the free seats to the next parties in order, never splitting a party.

        A party larger than the seats left waits, and the next one that fits is offered.
        One transaction: the offers and their outbox rows are stored together.
        """
        stamp = to_iso(now)
        tokens = iter(tokens)
        made: list[Offer] = []
        async with self.db.transaction() as conn:
            # A claim: another replica allocating this departure's seats now is left to it.
            async with conn.execute(
                f"SELECT {DEPARTURE_COLUMNS} FROM departures WHERE id = ?{self.db.skip_locked}",
                (departure_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return []
            dep = departure_of(row)
            if dep.state != "open" or dep.departs_at - now < last_offer:
                return []
            async with conn.execute(
                "SELECT coalesce(sum(seats), 0) FROM evac_offers"
                f" WHERE departure_id = ? AND state IN {HOLDING}",
                (dep.id,),
            ) as cur:
                held = await cur.fetchone()
            left = dep.seats - int(held[0] if held else 0)
            if left <= 0:
                return []
            deadline = to_iso(min(now + timedelta(hours=dep.confirm_hours), dep.departs_at))
            # As stored (to the second): what a read of the row would give.
            offered_at, deadline_at = from_iso(stamp), from_iso(deadline)
            clause, params = where(dep.eligible)
            sql = _queue_sql(priority, clause, "r.user_id, r.lang, r.country, r.party_size", True)
            picked: list[tuple[int, str, str, int]] = []
            async with conn.execute(sql, [dep.id, *params, dep.id]) as cur:
                while left > 0 and (batch := await cur.fetchmany(500)):
                    for user_id, lang, country, party in batch:
                        if party <= left:
                            picked.append((user_id, lang, country, party))
                            left -= party
                            if left == 0:
                                break
            for user_id, lang, country, party in picked:
                token = next(tokens)
                cur = await conn.execute(
                    "INSERT INTO evac_offers (departure_id, user_id, seats, token, offered_at,"
                    " deadline_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (dep.id, user_id, party, token, stamp, deadline),
                )
                offer_id = int((await cur.fetchone())[0])
                made.append(
                    Offer(offer_id, dep.id, user_id, party, "offered", token, offered_at,
                          deadline_at, None, None, None, None)
                )  # fmt: skip
                await conn.execute(
                    # Urgent tier: a seat offer has a deadline to answer by, and a seat
                    # left unanswered goes to the next party on the list.
                    "INSERT INTO outbox (notice_id, run, user_id, op, lang, country, due_at,"
                    " priority) VALUES (?, ?, ?, 'send', ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (
                        dep.notice_id,
                        f"{OFFER_RUN}{offer_id}",
                        user_id,
                        lang,
                        country,
                        stamp,
                        URGENT,
                    ),
                )
            if made:
                await audit(
                    conn, stamp, None, "evacuation.offer",
                    {"departure": dep.id, "offers": len(made),
                     "seats": sum(o.seats for o in made)},
                )  # fmt: skip
        return made

    async def offer(self, offer_id: int) -> Offer | None:
        """One offer."""
        row = await self.db.fetchone(f"SELECT {_OFFER} FROM evac_offers WHERE id = ?", (offer_id,))
        return _offer(row) if row else None

    async def counts(self, departure: Departure) -> Counts:
        """Offers by state, the waitlist and the offers still being sent."""
        rows = await self.db.fetchall(
            "SELECT state, count(*), coalesce(sum(seats), 0),"
            " coalesce(sum(CASE WHEN boarded_at IS NOT NULL THEN seats END), 0)"
            " FROM evac_offers WHERE departure_id = ? GROUP BY state",
            (departure.id,),
        )
        by: dict[str, tuple[int, int, int]] = {
            r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows
        }
        clause, params = where(departure.eligible)
        waiting = await self.db.fetchone(
            _queue_sql((), clause, "count(*)", False), [departure.id, *params, departure.id]
        )
        sending = await self.db.fetchone(
            "SELECT count(*) FROM outbox WHERE notice_id = ? AND op = 'send'"
            " AND state = 'pending'",
            (departure.notice_id,),
        )
        offered, confirmed = by.get("offered", (0, 0, 0)), by.get("confirmed", (0, 0, 0))
        return Counts(
            seats=departure.seats, offered=offered[0], offered_seats=offered[1],
            confirmed=confirmed[0], confirmed_seats=confirmed[1],
            declined=by.get("declined", (0, 0, 0))[0], expired=by.get("expired", (0, 0, 0))[0],
            boarded_seats=confirmed[2], waitlisted=int(waiting[0]) if waiting else 0,
            sending=int(sending[0]) if sending else 0,
        )  # fmt: skip

    async def _answerable(
        self, conn: Any, offer_id: int, user_id: int, token: str, now: datetime
    ) -> tuple[Result, Offer | None, Departure | None]:
        """The offer a citizen's button names, or why it cannot be answered."""
        async with conn.execute(
            f"SELECT {_OFFER} FROM evac_offers WHERE id = ?", (offer_id,)
        ) as c:
            row = await c.fetchone()
        offer = _offer(row) if row else None
        if offer is None or offer.user_id != user_id or offer.token != token:
            return Result("forged"), None, None
        async with conn.execute(
            f"SELECT {DEPARTURE_COLUMNS} FROM departures WHERE id = ?", (offer.departure_id,)
        ) as c:
            dep_row = await c.fetchone()
        dep = departure_of(dep_row)
        if dep.state != "open" or offer.state == "withdrawn" or now >= dep.departs_at:
            return Result("closed", offer), offer, dep
        if offer.state != "offered":
            return Result("answered", offer), offer, dep
        if now >= offer.deadline_at:
            return Result("deadline", offer), offer, dep
        return Result("ok", offer), offer, dep

    async def accept(
        self, offer_id: int, user_id: int, token: str, party: int, now: datetime
    ) -> Result:
        """The citizen pressed Confirm: the offer still stands (grown to the party's size now
        if the seats left allow it: "full" when they do not)."""
        async with self.db.transaction() as conn:
            result, offer, dep = await self._answerable(conn, offer_id, user_id, token, now)
            if result.status != "ok" or offer is None or dep is None or party <= offer.seats:
                return result
            async with conn.execute(
                "SELECT coalesce(sum(seats), 0) FROM evac_offers"
                f" WHERE departure_id = ? AND state IN {HOLDING}",
                (dep.id,),
            ) as cur:
                held = await cur.fetchone()
            if party - offer.seats > dep.seats - int(held[0] if held else 0):
                return Result("full", offer)
            await conn.execute("UPDATE evac_offers SET seats = ? WHERE id = ?", (party, offer.id))
        return Result("ok", await self.offer(offer_id))

    async def enter(
        self, offer_id: int, user_id: int, token: str, position: int, field: str, value: str
    ) -> bool:
        """One passport answer of person `position` of the party, stored as it is typed; a new
        name starts the person again. False if the offer is not open to this citizen."""
        if field not in ("full_name", "passport", "birth_date"):
            raise ValueError(f"not a passenger field: {field}")
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT seats FROM evac_offers WHERE id = ? AND user_id = ? AND token = ?"
                " AND state = 'offered'",
                (offer_id, user_id, token),
            ) as cur:
                row = await cur.fetchone()
            if row is None or not 1 <= position <= row[0]:
                return False
            if field == "full_name":
                await conn.execute(
                    "INSERT INTO evac_passengers (offer_id, position, full_name) VALUES (?, ?, ?)"
                    " ON CONFLICT (offer_id, position) DO UPDATE SET"
                    " full_name = excluded.full_name, passport = NULL, birth_date = NULL",
                    (offer_id, position, value),
                )
                return True
            cur = await conn.execute(
                f"UPDATE evac_passengers SET {field} = ? WHERE offer_id = ? AND position = ?",
                (value, offer_id, position),
            )
            return cur.rowcount == 1

    async def forget_entries(self, offer_id: int, user_id: int, token: str) -> None:
        """The citizen stopped entering passport data: what was typed goes."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM evac_passengers WHERE offer_id = (SELECT id FROM evac_offers"
                " WHERE id = ? AND user_id = ? AND token = ? AND state = 'offered')",
                (offer_id, user_id, token),
            )

    async def confirm(
        self, offer_id: int, user_id: int, token: str, confirmation: str, code: str,
        now: datetime,
    ) -> Result:  # fmt: skip
        """Confirm the seats once every person's passport data is in ("missing" otherwise);
        audited with counts only."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            result, offer, _ = await self._answerable(conn, offer_id, user_id, token, now)
            if result.status != "ok" or offer is None:
                return result
            # People beyond the party (it was entered larger, then shrank) are not travelling.
            await conn.execute(
                "DELETE FROM evac_passengers WHERE offer_id = ? AND position > ?",
                (offer.id, offer.seats),
            )
            async with conn.execute(
                "SELECT count(*) FROM evac_passengers WHERE offer_id = ? AND passport IS NOT NULL"
                " AND birth_date IS NOT NULL",
                (offer.id,),
            ) as cur:
                complete = await cur.fetchone()
            if complete is None or complete[0] != offer.seats:
                return Result("missing", offer)
            await conn.execute(
                "UPDATE evac_offers SET state = 'confirmed', answered_at = ?, confirmation = ?,"
                " boarding_code = ? WHERE id = ?",
                (stamp, confirmation, code, offer.id),
            )
            await audit(
                conn, stamp, user_id, "evacuation.confirm",
                {"departure": offer.departure_id, "offer": offer.id, "people": offer.seats,
                 "user_id": user_id},
            )  # fmt: skip
        return Result("ok", await self.offer(offer_id))

    async def decline(self, offer_id: int, user_id: int, token: str, now: datetime) -> Result:
        """The citizen gives the seats up (offered or confirmed): freed, passport data gone."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            result, offer, _ = await self._answerable(conn, offer_id, user_id, token, now)
            # Offered and still open, or confirmed (the seats are given back before it leaves).
            given_back = result.status == "answered" and offer and offer.state == "confirmed"
            if offer is None or (result.status != "ok" and not given_back):
                return result
            await conn.execute(
                "UPDATE evac_offers SET state = 'declined', answered_at = ? WHERE id = ?",
                (stamp, offer.id),
            )
            await conn.execute("DELETE FROM evac_passengers WHERE offer_id = ?", (offer.id,))
            await audit(
                conn, stamp, user_id, "evacuation.decline",
                {"departure": offer.departure_id, "offer": offer.id, "was": offer.state,
                 "user_id": user_id},
            )  # fmt: skip
        return Result("ok", await self.offer(offer_id))

    async def passengers(self, offer_id: int) -> list[Passenger]:
        """The people of a party whose passport data is complete, in order."""
        rows = await self.db.fetchall(
            "SELECT full_name, passport, birth_date FROM evac_passengers WHERE offer_id = ?"
            " AND passport IS NOT NULL AND birth_date IS NOT NULL"
            " ORDER BY position",
            (offer_id,),
        )
        return [Passenger(r["full_name"], r["passport"], r["birth_date"]) for r in rows]

    # ---- boarding -------------------------------------------------------------------------

    async def by_code(self, code: str) -> tuple[Offer, Departure] | None:
        """The offer a boarding code belongs to, with its departure."""
        row = await self.db.fetchone(
            f"SELECT {_OFFER} FROM evac_offers WHERE boarding_code = ?", (code,)
        )
        if row is None:
            return None
        offer = _offer(row)
        dep = await self.db.fetchone(
            f"SELECT {DEPARTURE_COLUMNS} FROM departures WHERE id = ?", (offer.departure_id,)
        )
        return (offer, departure_of(dep)) if dep is not None else None

    async def board(self, offer_id: int, actor_id: int, now: datetime) -> Status:
        """Check a confirmed party in at the gate, once ("answered": already boarded)."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE evac_offers SET boarded_at = ? WHERE id = ? AND state = 'confirmed'"
                " AND boarded_at IS NULL AND departure_id IN"
                " (SELECT id FROM departures WHERE state = 'open')",
                (stamp, offer_id),
            )
            if cur.rowcount == 0:
                async with conn.execute(
                    "SELECT boarded_at FROM evac_offers WHERE id = ?", (offer_id,)
                ) as c:
                    row = await c.fetchone()
                return "answered" if row and row[0] else "closed"
            await audit(conn, stamp, actor_id, "evacuation.board", {"offer": offer_id})
        return "ok"
