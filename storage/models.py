"""Frozen dataclasses that repositories return; no aiosqlite.Row leaves `storage`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

Lang = Literal["ru", "kk"]
LANGS: tuple[Lang, ...] = ("ru", "kk")
STATUSES = ("resident", "tourist", "transit", "stuck", "other")
NEEDS = ("none", "consular", "accommodation", "evacuation")
MAX_PARTY = 20


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """Store times as ISO 8601 UTC text, which sorts correctly."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    """Parse a stored time."""
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Citizen:
    """A Telegram user who opened the bot."""

    user_id: int
    lang: Lang
    consent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Registration:
    """Where a citizen is and what they need."""

    user_id: int
    full_name: str
    country: str
    city: str
    latitude: float | None
    longitude: float | None
    status: str
    party_size: int
    children: int
    phone: str
    needs: str
    note: str | None
    active: bool
    created_at: datetime
    updated_at: datetime
    # Children, elderly, medical need or pregnancy in the party: offered evacuation seats first.
    vulnerable: bool = False


@dataclass(frozen=True, slots=True)
class RegistrationInput:
    """The fields a citizen fills in; validated by the bot before it reaches storage."""

    full_name: str
    country: str
    city: str
    latitude: float | None
    longitude: float | None
    status: str
    party_size: int
    children: int
    phone: str
    needs: str
    note: str | None
    vulnerable: bool = False


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """How many rows of each kind an erasure removed."""

    profile: int
    registration: int
    places: int
    drafts: int
    tickets: int = 0
    # Details, companions, follows, family links and inquiries (storage.people).
    people: int = 0
    # FAQ questions and "Did this help?" answers.
    faq: int = 0

    @property
    def total(self) -> int:
        """All rows removed."""
        return (
            self.profile + self.registration + self.places + self.drafts + self.tickets
            + self.people
            + self.faq
        )  # fmt: skip
