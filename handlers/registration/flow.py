"""The registration draft and the order of its steps, with no Telegram in them.

The draft is persisted: it is the dict under user_data["draft"], and the conversation's state
is stored beside it in conversation_states. Its keys (the field names, and "_mode", "_state",
"_gps", "_geo"; since issue 15 also "_prompt" and "_check") are part of the database: a draft
saved by an older version must resume, so RegistrationDraft only gives them types and never
renames them.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Literal

from storage.models import Registration, RegistrationInput

# Persisted user_data key of the draft.
DRAFT_KEY = "draft"

# Steps are strings (stored as they are); PTB's END is the integer -1.
State = str | int
# new: a first registration; update: "where are you now" (place, then the summary);
# edit: one field from the summary or "My registration", then the summary again.
Mode = Literal["new", "update", "edit"]
ChoiceField = Literal["status", "needs"]

MAX_CITY = 100
MAX_NAME = 100
MAX_NOTE = 500
MAX_COUNTRY_QUERY = 60

# After a step, the next one in a new registration. The note is a line of the summary, not a
# step ("needs" used to lead to it; drafts saved at "note" still go on to the summary).
CHAIN: dict[State, State] = {
    "country": "city",
    "city": "status",
    "city_check": "status",
    "status": "party",
    "party": "children",
    "children": "name",
    "name": "phone",
    "phone": "needs",
    "needs": "confirm",
    "note": "confirm",
}
# States whose answer is a button press; typing there gets "use the buttons".
BUTTON_STATES = frozenset(
    {"status", "needs", "confirm", "edit", "gps", "city_check", "vulnerable"}
)
# What a saved registration needs, in the order it is asked: (step, draft key).
REQUIRED: tuple[tuple[State, str], ...] = (
    ("country", "country"), ("city", "city"), ("status", "status"), ("party", "party_size"),
    ("name", "full_name"), ("phone", "phone"), ("needs", "needs"),
)  # fmt: skip


class RegistrationDraft:
    """Typed access to the persisted draft dict; every change is made in that same dict."""

    __slots__ = ("data",)

    def __init__(self, data: MutableMapping[str, Any]) -> None:
        self.data = data

    @classmethod
    def of(cls, user_data: MutableMapping[str, Any]) -> RegistrationDraft:
        """The draft being filled in; an empty new one if there is none."""
        data = user_data.get(DRAFT_KEY)
        if not isinstance(data, dict):
            data = user_data[DRAFT_KEY] = {"_mode": "new", "_state": "country"}
        return cls(data)

    @classmethod
    def start(
        cls, user_data: MutableMapping[str, Any], mode: Mode, existing: Registration | None = None
    ) -> RegistrationDraft:
        """A fresh draft in `mode`, prefilled from the saved registration if there is one."""
        data: dict[str, Any] = _fields_of(existing) if existing else {}
        data["_mode"] = mode
        user_data[DRAFT_KEY] = data
        return cls(data)

    @staticmethod
    def discard(user_data: MutableMapping[str, Any] | None) -> None:
        """Drop the draft (saved, cancelled or left); a saved registration is untouched."""
        if user_data is not None:
            user_data.pop(DRAFT_KEY, None)

    # ---- where the conversation is ----------------------------------------------------

    @property
    def mode(self) -> Mode:
        """new, update or edit; drafts without the key are new ones."""
        mode = self.data.get("_mode", "new")
        return mode if mode in ("update", "edit") else "new"

    @mode.setter
    def mode(self, value: Mode) -> None:
        self.data["_mode"] = value

    @property
    def state(self) -> State:
        """The step whose question was asked last."""
        state = self.data.get("_state", "country")
        return state if isinstance(state, str | int) else "country"

    @state.setter
    def state(self, value: State) -> None:
        self.data["_state"] = value

    @property
    def gps(self) -> bool:
        """Whether the place came from a confirmed shared location (which gave the city)."""
        return bool(self.data.get("_gps"))

    @property
    def prompt(self) -> int | None:
        """The message of the question asked last, to be edited to show its answer."""
        value = self.data.get("_prompt")
        return value if isinstance(value, int) else None

    @prompt.setter
    def prompt(self, value: int | None) -> None:
        self.data["_prompt"] = value

    @property
    def check(self) -> dict[str, str] | None:
        """A typed city the gazetteer places in another country: {"country", "city"}."""
        found = self.data.get("_check")
        return found if isinstance(found, dict) else None

    def hold_check(self, country: str, city: str) -> None:
        """Ask once whether the citizen is in `country` (where `city` is) after all."""
        self.data["_check"] = {"country": country, "city": city}

    def drop_check(self) -> None:
        """The city-country question is answered."""
        self.data.pop("_check", None)

    @property
    def city(self) -> str | None:
        """The city or place as typed (or resolved from a shared location)."""
        value = self.data.get("city")
        return str(value) if value else None

    @property
    def geo(self) -> dict[str, Any] | None:
        """A place resolved from a shared location, waiting for the citizen's yes or no."""
        found = self.data.get("_geo")
        return found if isinstance(found, dict) else None

    # ---- the fields ---------------------------------------------------------------------

    @property
    def country(self) -> str | None:
        """ISO code of the chosen country."""
        value = self.data.get("country")
        return str(value) if value else None

    @property
    def party_size(self) -> int:
        """People in the party, the citizen included (1 until asked)."""
        return int(self.data.get("party_size", 1))

    @property
    def children(self) -> int:
        """Children among them."""
        return int(self.data.get("children") or 0)

    @children.setter
    def children(self, value: int) -> None:
        self.data["children"] = value

    def set_country(self, code: str) -> None:
        """A chosen country; the city belonged to the old one, and coordinates are dropped."""
        if self.data.get("country") != code:
            self.data.pop("city", None)
        self.data.update(country=code, latitude=None, longitude=None, _gps=False)

    def hold_geo(self, country: str, city: str, latitude: float, longitude: float) -> None:
        """Keep a resolved location until the citizen confirms it."""
        self.data["_geo"] = {
            "country": country,
            "city": city,
            "latitude": round(latitude, 5),
            "longitude": round(longitude, 5),
        }

    def take_geo(self) -> None:
        """The citizen confirmed the resolved place: it becomes country, city and point."""
        found = self.geo
        if found is not None:
            self.data.update(found, _gps=True)
        self.drop_geo()

    def take_place(self, country: str, city: str, latitude: float, longitude: float) -> None:
        """A shared location resolved offline: country, city and point at once."""
        self.hold_geo(country, city, latitude, longitude)
        self.take_geo()

    def drop_geo(self) -> None:
        """The resolved place was wrong."""
        self.data.pop("_geo", None)

    def set_city(self, city: str) -> None:
        """A typed city: no coordinates go with it, and it no longer comes from a location."""
        self.data.update(city=city, latitude=None, longitude=None, _gps=False)

    def choose(self, field: ChoiceField, value: str) -> None:
        """A button answer (status, needs)."""
        self.data[field] = value

    def set_party(self, size: int) -> None:
        """The party size; the children already given are capped by it (none for one)."""
        self.data["party_size"] = size
        self.data["children"] = 0 if size == 1 else min(self.children, size)

    def set_name(self, name: str) -> None:
        """Full name as in the passport."""
        self.data["full_name"] = name

    def set_phone(self, phone: str) -> None:
        """A normalized international number."""
        self.data["phone"] = phone

    def set_note(self, note: str | None) -> None:
        """The note for the consul; empty means none."""
        self.data["note"] = note or None

    @property
    def vulnerable(self) -> bool:
        """Someone in the party needs special care (optional; drafts without it: no)."""
        return bool(self.data.get("vulnerable"))

    def set_vulnerable(self, value: bool) -> None:
        """The answer to the vulnerable question."""
        self.data["vulnerable"] = value

    # ---- finishing ----------------------------------------------------------------------

    def to_input(self) -> RegistrationInput:
        """What storage saves; KeyError, TypeError or ValueError if a step is missing."""
        draft = self.data
        return RegistrationInput(
            full_name=str(draft["full_name"]),
            country=str(draft["country"]),
            city=str(draft["city"]),
            latitude=draft.get("latitude"),
            longitude=draft.get("longitude"),
            status=str(draft["status"]),
            party_size=int(draft["party_size"]),
            children=int(draft.get("children") or 0),
            phone=str(draft["phone"]),
            needs=str(draft["needs"]),
            note=draft.get("note"),
            vulnerable=bool(draft.get("vulnerable")),
        )

    def first_missing(self) -> State:
        """The first unanswered step (the flow goes on as a new one from there), or confirm."""
        for state, key in REQUIRED:
            if not self.data.get(key):
                self.mode = "new"
                return state
        return "confirm"

    @property
    def card(self) -> Mapping[str, Any]:
        """The fields, as the registration card reads them."""
        return self.data


def next_state(done: State, draft: RegistrationDraft) -> State:
    """Which step follows `done`, given the mode (new, update of place, edit of one field)."""
    mode = draft.mode
    if done == "country":
        # A confirmed GPS point already gave the city.
        nxt = "status" if draft.gps else "city"
        return "confirm" if mode == "edit" and nxt == "status" else nxt
    if done == "party" and draft.party_size == 1:
        return "confirm" if mode == "edit" else "name"
    if done == "party":
        return "children"
    if done == "needs" and mode == "new" and draft.data.get("needs") == "evacuation":
        # Who needs evacuation is asked whether someone vulnerable travels with them (it
        # moves them up the queue for seats); everyone else can set it as a field.
        return "vulnerable"
    if done == "vulnerable":
        return "confirm"
    if mode == "edit" or (mode == "update" and done == "status"):
        return "confirm"
    return CHAIN[done]


def _fields_of(reg: Registration) -> dict[str, Any]:
    """A stored registration as draft fields (JSON-serialisable)."""
    return {
        "full_name": reg.full_name,
        "country": reg.country,
        "city": reg.city,
        "latitude": reg.latitude,
        "longitude": reg.longitude,
        "status": reg.status,
        "party_size": reg.party_size,
        "children": reg.children,
        "phone": reg.phone,
        "needs": reg.needs,
        "note": reg.note,
        "vulnerable": reg.vulnerable,
    }
