"""Evacuation departures: their rows and lifecycle (create, edit, cancel, depart), the
retention of passport data, the manifest, and notices to a departure's passengers.

Offers and passengers are in storage/evacuation_offers.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from storage.audience import Audience
from storage.content import audit
from storage.db import Database
from storage.models import from_iso, to_iso

KINDS = ("charter", "scheduled", "bus", "other")
AUDIENCES = ("evacuation", "all")
# What EVACUATION_PRIORITY may order by, in the order given, before "first registered
# first served"; each is a condition over the registration r.
PRIORITIES: dict[str, str] = {
    "vulnerable": "r.vulnerable = 1",
    "children": "r.children > 0",
    "stuck": "r.status = 'stuck'",
    "transit": "r.status = 'transit'",
}
# The outbox runs of a departure's carrier notice: an offer, and "the departure is cancelled".
OFFER_RUN = "o:"
CANCEL_RUN = "x"
# The run of a notice to a departure's confirmed passengers (a notice row of its own).
PASSENGER_RUN = "p"
EDITABLE = ("kind", "point", "destination", "departs_at", "seats", "confirm_hours")

Status = Literal["ok", "forged", "answered", "deadline", "closed", "full", "held", "missing"]
# Passport data of offers that no longer stand (typed, never confirmed).
ABANDONED = (
    "DELETE FROM evac_passengers WHERE offer_id IN (SELECT id FROM evac_offers"
    " WHERE state IN ('declined', 'expired', 'withdrawn'))"
)

DEPARTURE_COLUMNS = (
    "id, kind, country, city, audience, city_only, point, latitude, longitude, destination,"
    " departs_at, seats, confirm_hours, state, notice_id, created_by, card_chat, card_msg,"
    " created_at, finished_at, erased_at, evacuated"
)
# Offer states that hold seats.
HOLDING = "('offered', 'confirmed')"


@dataclass(frozen=True, slots=True)
class DepartureDraft:
    """What staff entered for a new departure, validated by the bot."""

    kind: str
    country: str
    city: str
    audience: str
    city_only: bool
    point: str
    latitude: float | None
    longitude: float | None
    destination: str | None
    departs_at: datetime
    seats: int
    confirm_hours: int


@dataclass(frozen=True, slots=True)
class Departure:
    """A stored departure."""

    id: int
    kind: str
    country: str
    city: str
    audience: str
    city_only: bool
    point: str
    latitude: float | None
    longitude: float | None
    destination: str | None
    departs_at: datetime
    seats: int
    confirm_hours: int
    state: str
    notice_id: int
    created_by: int
    card_chat: int | None
    card_msg: int | None
    created_at: datetime
    finished_at: datetime | None
    erased_at: datetime | None
    evacuated: int

    @property
    def eligible(self) -> Audience:
        """Who may be offered a seat (blocked and closed registrations never are)."""
        return Audience(
            countries=(self.country,),
            needs=("evacuation",) if self.audience == "evacuation" else (),
            city=self.city if self.city_only else None,
        )


def maybe_time(value: str | None) -> datetime | None:
    """A stored time, or None."""
    return from_iso(value) if value else None


def departure_of(row: Any) -> Departure:
    """A departures row as a Departure."""
    return Departure(
        id=row["id"], kind=row["kind"], country=row["country"], city=row["city"],
        audience=row["audience"], city_only=bool(row["city_only"]), point=row["point"],
        latitude=row["latitude"], longitude=row["longitude"], destination=row["destination"],
        departs_at=from_iso(row["departs_at"]), seats=row["seats"],
        confirm_hours=row["confirm_hours"], state=row["state"], notice_id=row["notice_id"],
        created_by=row["created_by"], card_chat=row["card_chat"], card_msg=row["card_msg"],
        created_at=from_iso(row["created_at"]), finished_at=maybe_time(row["finished_at"]),
        erased_at=maybe_time(row["erased_at"]), evacuated=row["evacuated"],
    )  # fmt: skip


class EvacuationRepo:
    """Reads and writes departures, their offers and passengers (and their outbox rows)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- departures ------------------------------------------------------------------------

    async def create(self, draft: DepartureDraft, author_id: int, now: datetime) -> Departure:
        """Store a departure and its carrier notice; audited in the same transaction."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            # Its next_run 'now' with no fill time keeps the carrier active and out of every
            # list of notices: the engine never fills it by audience, nor finishes it.
            cur = await conn.execute(
                "INSERT INTO notices (author_id, text_ru, schedule, next_run, created_at,"
                " updated_at, kind) VALUES (?, '', 'now', 'now', ?, ?, 'evacuation') RETURNING id",
                (author_id, stamp, stamp),
            )
            notice_id = int((await cur.fetchone())[0])
            cur = await conn.execute(
                "INSERT INTO departures (kind, country, city, audience, city_only, point,"
                " latitude, longitude, destination, departs_at, seats, confirm_hours,"
                " notice_id, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    draft.kind, draft.country, draft.city, draft.audience, int(draft.city_only),
                    draft.point, draft.latitude, draft.longitude, draft.destination,
                    to_iso(draft.departs_at), draft.seats, draft.confirm_hours, notice_id,
                    author_id, stamp, stamp,
                ),
            )  # fmt: skip
            departure_id = int((await cur.fetchone())[0])
            await audit(
                conn, stamp, author_id, "evacuation.create",
                {"departure": departure_id, "country": draft.country, "kind": draft.kind,
                 "seats": draft.seats, "audience": draft.audience, "city_only": draft.city_only},
            )  # fmt: skip
        departure = await self.get(departure_id)
        if departure is None:
            raise RuntimeError("departure vanished after insert")
        return departure

    async def get(self, departure_id: int) -> Departure | None:
        """One departure."""
        row = await self.db.fetchone(
            f"SELECT {DEPARTURE_COLUMNS} FROM departures WHERE id = ?", (departure_id,)
        )
        return departure_of(row) if row else None

    async def by_notice(self, notice_id: int) -> Departure | None:
        """The departure whose carrier notice this is."""
        row = await self.db.fetchone(
            f"SELECT {DEPARTURE_COLUMNS} FROM departures WHERE notice_id = ?", (notice_id,)
        )
        return departure_of(row) if row else None

    async def listing(self, countries: Iterable[str] | None, limit: int = 10) -> list[Departure]:
        """Departures in scope (None: all), open ones first, then the most recent."""
        codes = sorted(countries) if countries is not None else None
        if codes == []:
            return []
        clause = f" WHERE country IN ({','.join('?' * len(codes))})" if codes else ""
        rows = await self.db.fetchall(
            f"SELECT {DEPARTURE_COLUMNS} FROM departures{clause}"
            " ORDER BY state != 'open', departs_at DESC, id DESC LIMIT ?",
            [*(codes or []), limit],
        )
        return [departure_of(r) for r in rows]

    async def open_ids(self) -> list[int]:
        """Departures still open."""
        rows = await self.db.fetchall("SELECT id FROM departures WHERE state = 'open'")
        return [r["id"] for r in rows]

    async def set_card(self, departure_id: int, chat_id: int, message_id: int) -> None:
        """Remember the staff message that shows this departure's counts."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE departures SET card_chat = ?, card_msg = ? WHERE id = ?",
                (chat_id, message_id, departure_id),
            )

    async def edit(
        self, departure_id: int, field: str, value: Any, actor_id: int, now: datetime
    ) -> Status:
        """Change one field of an open departure; seats never below those held ("held")."""
        if field not in EDITABLE:
            raise ValueError(f"not an editable field: {field}")
        stamp = to_iso(now)
        stored = to_iso(value) if isinstance(value, datetime) else value
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT state, (SELECT coalesce(sum(seats), 0) FROM evac_offers WHERE"
                f" departure_id = d.id AND state IN {HOLDING}) FROM departures d WHERE id = ?",
                (departure_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is None or row[0] != "open":
                return "closed"
            if field == "seats" and int(value) < int(row[1]):
                return "held"
            await conn.execute(
                f"UPDATE departures SET {field} = ?, updated_at = ? WHERE id = ?",
                (stored, stamp, departure_id),
            )
            await audit(
                conn, stamp, actor_id, "evacuation.edit",
                {"departure": departure_id, "field": field},
            )  # fmt: skip
        return "ok"

    async def cancel(self, departure_id: int, actor_id: int, now: datetime) -> int:
        """Cancel an open departure: unsent offers withdrawn, everyone who was offered or
        confirmed told (queued); passport data erased. The people told, or -1."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE departures SET state = 'cancelled', finished_at = ?, updated_at = ?"
                " WHERE id = ? AND state = 'open'",
                (stamp, stamp, departure_id),
            )
            if cur.rowcount == 0:
                return -1
            await conn.execute(
                "UPDATE outbox SET state = 'cancelled', done_at = ? WHERE state = 'pending'"
                " AND op = 'send' AND notice_id = (SELECT notice_id FROM departures WHERE id = ?)"
                f" AND run LIKE '{OFFER_RUN}%'",
                (stamp, departure_id),
            )
            told = await conn.execute(
                "INSERT INTO outbox (notice_id, run, user_id, op, lang, country, due_at)"
                f" SELECT d.notice_id, '{CANCEL_RUN}', o.user_id, 'send', c.lang, d.country, ?"
                " FROM evac_offers o JOIN departures d ON d.id = o.departure_id"
                " JOIN citizens c ON c.user_id = o.user_id WHERE o.departure_id = ?"
                " AND (o.state = 'confirmed' OR (o.state = 'offered' AND EXISTS (SELECT 1"
                f" FROM outbox b WHERE b.notice_id = d.notice_id AND b.run = '{OFFER_RUN}' || o.id"
                " AND b.state = 'sent'))) ON CONFLICT DO NOTHING",
                (stamp, departure_id),
            )
            await conn.execute(
                "UPDATE evac_offers SET state = 'withdrawn', answered_at = ?"
                f" WHERE departure_id = ? AND state IN {HOLDING}",
                (stamp, departure_id),
            )
            erased = await conn.execute(
                "DELETE FROM evac_passengers WHERE offer_id IN"
                " (SELECT id FROM evac_offers WHERE departure_id = ?)",
                (departure_id,),
            )
            await conn.execute(
                "UPDATE departures SET erased_at = ? WHERE id = ?", (stamp, departure_id)
            )
            await audit(
                conn, stamp, actor_id, "evacuation.cancel",
                {"departure": departure_id, "told": told.rowcount,
                 "passengers_erased": erased.rowcount},
            )  # fmt: skip
            return told.rowcount

    # ---- time passing ---------------------------------------------------------------------

    async def expire(self, now: datetime) -> list[int]:
        """Offers past their deadline free their seats: the departures that got seats back."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT DISTINCT departure_id FROM evac_offers WHERE state = 'offered'"
                " AND deadline_at <= ?",
                (stamp,),
            ) as cur:
                touched = [r[0] for r in await cur.fetchall()]
            if touched:
                await conn.execute(
                    "UPDATE evac_offers SET state = 'expired', answered_at = ?"
                    " WHERE state = 'offered' AND deadline_at <= ?",
                    (stamp, stamp),
                )
                await conn.execute(ABANDONED)
        return touched

    async def depart(self, now: datetime) -> list[int]:
        """Departures whose time has come: done; boarded registrations closed as evacuated."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM departures WHERE state = 'open' AND departs_at <= ?", (stamp,)
            ) as cur:
                due = [r[0] for r in await cur.fetchall()]
            boarded = (
                "SELECT user_id FROM evac_offers WHERE departure_id = ? AND boarded_at IS NOT NULL"
            )
            for departure_id in due:
                async with conn.execute(
                    "SELECT count(*), coalesce(sum(seats), 0) FROM evac_offers"
                    " WHERE departure_id = ? AND boarded_at IS NOT NULL",
                    (departure_id,),
                ) as cur:
                    parties, people = await cur.fetchone() or (0, 0)
                people = int(people)  # a sum is a Decimal in PostgreSQL
                await conn.execute(
                    "UPDATE departures SET state = 'departed', finished_at = ?, updated_at = ?,"
                    " evacuated = ? WHERE id = ?",
                    (stamp, stamp, people, departure_id),
                )
                await conn.execute(
                    "UPDATE evac_offers SET state = 'expired', answered_at = ?"
                    " WHERE departure_id = ? AND state = 'offered'",
                    (stamp, departure_id),
                )
                await conn.execute(ABANDONED)
                # Kept as history (where they left from), out of targeting and freshness pings.
                await conn.execute(
                    "INSERT INTO place_history (user_id, country, city, status, recorded_at)"
                    " SELECT r.user_id, d.country, d.city, 'evacuated', ? FROM registrations r,"
                    f" departures d WHERE d.id = ? AND r.active = 1 AND r.user_id IN ({boarded})",
                    (stamp, departure_id, departure_id),
                )
                await conn.execute(
                    "UPDATE registrations SET active = 0, updated_at = ? WHERE active = 1"
                    f" AND user_id IN ({boarded})",
                    (stamp, departure_id),
                )
                await audit(
                    conn, stamp, None, "evacuation.departed",
                    {"departure": departure_id, "parties": parties, "people": people},
                )  # fmt: skip
        return due

    async def erase_passports(self, before: datetime, now: datetime) -> int:
        """Passport fields of departures that left (or were cancelled) before `before`."""
        stamp = to_iso(now)
        erased = 0
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM departures WHERE state != 'open' AND erased_at IS NULL"
                " AND departs_at < ?",
                (to_iso(before),),
            ) as cur:
                due = [r[0] for r in await cur.fetchall()]
            for departure_id in due:
                cur = await conn.execute(
                    "DELETE FROM evac_passengers WHERE offer_id IN"
                    " (SELECT id FROM evac_offers WHERE departure_id = ?)",
                    (departure_id,),
                )
                erased += cur.rowcount
                await conn.execute(
                    "UPDATE departures SET erased_at = ? WHERE id = ?", (stamp, departure_id)
                )
                await audit(
                    conn, stamp, None, "evacuation.erase",
                    {"departure": departure_id, "passengers": cur.rowcount},
                )  # fmt: skip
        return erased

    # ---- staff reads and notices ----------------------------------------------------------

    async def manifest(self, departure_id: int) -> list[tuple[Any, ...]]:
        """Each confirmed passenger with the registration (contact) of their party."""
        rows = await self.db.fetchall(
            "SELECT r.full_name, r.phone, o.seats, r.children, r.country, r.city, r.status,"
            " r.needs, r.note, r.updated_at, p.full_name, p.passport, p.birth_date,"
            " o.confirmation, o.boarded_at FROM evac_offers o"
            " JOIN evac_passengers p ON p.offer_id = o.id"
            " LEFT JOIN registrations r ON r.user_id = o.user_id"
            " WHERE o.departure_id = ? AND o.state = 'confirmed' ORDER BY o.id, p.position",
            (departure_id,),
        )
        return [tuple(r) for r in rows]

    async def evacuated(self, countries: Iterable[str] | None) -> dict[str, int]:
        """People evacuated per country (departed departures, boarded parties)."""
        rows = await self.db.fetchall(
            "SELECT country, sum(evacuated) FROM departures WHERE state = 'departed'"
            " GROUP BY country HAVING sum(evacuated) > 0"
        )
        wanted = set(countries) if countries is not None else None
        return {r[0]: int(r[1]) for r in rows if wanted is None or r[0] in wanted}

    async def notify_passengers(
        self, departure: Departure, text_ru: str, text_kk: str | None, author_id: int,
        now: datetime,
    ) -> tuple[int, int]:  # fmt: skip
        """A notice to the confirmed passengers, queued: (its notice id, copies).

        A notice row of the carrier's kind, filled here instead of by audience; it ends
        like any notice, so its author can edit or recall it.
        """
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO notices (author_id, countries, text_ru, text_kk, schedule,"
                " fill_at, created_at, updated_at, kind)"
                " VALUES (?, ?, ?, ?, 'now', ?, ?, ?, 'evacuation') RETURNING id",
                (author_id, departure.country, text_ru, text_kk, stamp, stamp, stamp),
            )
            notice_id = int((await cur.fetchone())[0])
            queued = await conn.execute(
                "INSERT INTO outbox (notice_id, run, user_id, op, lang, country, due_at)"
                f" SELECT ?, '{PASSENGER_RUN}', o.user_id, 'send', c.lang, ?, ? FROM evac_offers o"
                " JOIN citizens c ON c.user_id = o.user_id WHERE o.departure_id = ?"
                " AND o.state = 'confirmed' ORDER BY o.id ON CONFLICT DO NOTHING",
                (notice_id, departure.country, stamp, departure.id),
            )
            await audit(
                conn, stamp, author_id, "evacuation.notice",
                {"departure": departure.id, "notice": notice_id, "copies": queued.rowcount},
            )  # fmt: skip
        return notice_id, queued.rowcount
