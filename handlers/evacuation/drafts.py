"""What staff and citizens are in the middle of, kept in user_data between steps.

user_data is persisted (bot.runtime.persistence), so these keys and the JSON under them are
part of the database: a draft saved before an upgrade must resume after it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import datetime
from typing import Any

from bot.context import HotlineContext
from storage.evacuation import DepartureDraft
from storage.evacuation_offers import Offer
from storage.models import from_iso, to_iso

# A staff member's departure in the making, or what they do with one:
# {"mode": "new", "kind", "country", "city", "audience", "city_only", "point", "latitude",
#  "longitude", "departs_at" (ISO UTC), "seats", "hours", "destination"};
# {"mode": "edit", "id", "country", "field"}; {"mode": "notice", "id", "text_ru",
#  "text_kk"}; {"mode": "board", "id"}.
DEPARTURE = "departure"
# A citizen giving the passport data of a party: {"offer", "token", "seats", "person"} (the
# person being entered, from 1). The answers themselves go straight to storage: no passport
# data in the persisted user_data.
PARTY = "evac_party"


def _data(context: HotlineContext) -> MutableMapping[str, Any]:
    return context.user_data if context.user_data is not None else {}


class StaffDraft:
    """The "departure" draft, read and written by name; the dict underneath is what is stored."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def mode(self) -> str:
        """new, edit, notice or board."""
        return str(self.data.get("mode", "new"))

    @property
    def departure_id(self) -> int:
        """The departure edited, told or boarded (0 while composing a new one)."""
        return int(self.data.get("id") or 0)

    @property
    def country(self) -> str:
        """ISO code of the departure's country."""
        return str(self.data.get("country") or "")

    @property
    def city(self) -> str:
        """The city it leaves from."""
        return str(self.data.get("city") or "")

    @property
    def field(self) -> str:
        """The field being edited."""
        return str(self.data.get("field") or "")

    def set(self, **values: Any) -> None:
        """Store answers (JSON values)."""
        self.data.update(values)

    def set_when(self, moment: datetime) -> None:
        """The departure instant (stored as ISO UTC)."""
        self.data["departs_at"] = to_iso(moment)

    def to_draft(self) -> DepartureDraft:
        """What storage saves; KeyError or ValueError if a step is missing."""
        d = self.data
        return DepartureDraft(
            kind=str(d["kind"]), country=str(d["country"]), city=str(d["city"]),
            audience=str(d["audience"]), city_only=bool(d["city_only"]), point=str(d["point"]),
            latitude=d.get("latitude"), longitude=d.get("longitude"),
            destination=d.get("destination"), departs_at=from_iso(str(d["departs_at"])),
            seats=int(d["seats"]), confirm_hours=int(d["hours"]),
        )  # fmt: skip


def staff_draft(context: HotlineContext) -> StaffDraft:
    """The current staff draft (an empty new one if there is none)."""
    data = _data(context).setdefault(DEPARTURE, {"mode": "new"})
    return StaffDraft(data)


def start_staff(context: HotlineContext, mode: str, **values: Any) -> StaffDraft:
    """Start composing, editing, telling or boarding."""
    data: dict[str, Any] = {"mode": mode, **values}
    _data(context)[DEPARTURE] = data
    return StaffDraft(data)


def drop_staff(context: HotlineContext) -> None:
    """Forget the staff draft (done or cancelled)."""
    _data(context).pop(DEPARTURE, None)


class PartyDraft:
    """The "evac_party" draft: the offer being confirmed and its people so far."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def offer_id(self) -> int:
        """The offer being confirmed."""
        return int(self.data.get("offer") or 0)

    @property
    def token(self) -> str:
        """The offer's token (as on its buttons)."""
        return str(self.data.get("token") or "")

    @property
    def seats(self) -> int:
        """How many people to enter."""
        return int(self.data.get("seats") or 1)

    @property
    def person(self) -> int:
        """The person being entered (1-based)."""
        return int(self.data.get("person") or 1)

    def next_person(self) -> None:
        """The current person is complete."""
        self.data["person"] = self.person + 1

    @property
    def complete(self) -> bool:
        """Every person of the party entered."""
        return self.person > self.seats


def party_draft(context: HotlineContext) -> PartyDraft:
    """The current party draft (empty if there is none)."""
    return PartyDraft(_data(context).setdefault(PARTY, {}))


def start_party(context: HotlineContext, offer: Offer) -> PartyDraft:
    """Start entering the passport data of an offer's party."""
    data: dict[str, Any] = {
        "offer": offer.id, "token": offer.token, "seats": offer.seats, "person": 1,
    }  # fmt: skip
    _data(context)[PARTY] = data
    return PartyDraft(data)


def drop_party(context: HotlineContext) -> None:
    """Forget the party's passport data (stored, cancelled, or the offer is gone)."""
    _data(context).pop(PARTY, None)


def offer_args(data: str, prefix: str) -> tuple[int, str] | None:
    """(offer id, token) from an offer button's callback data, or None if malformed."""
    if not data.startswith(prefix):
        return None
    offer, _, token = data[len(prefix) :].partition(":")
    if not offer.isdigit() or len(offer) > 12 or not token.isalnum() or len(token) > 16:
        return None
    return int(offer), token
