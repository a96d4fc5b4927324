"""The hotline's statistics from the raw sample: percentiles, averages, per officer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from storage.desk_stats import HotlineSample


def nearest_rank(ordered: Sequence[int], percent: int) -> int | None:
    """The `percent`th percentile of sorted values by nearest rank (None when empty).

    Nearest rank is a value that occurred: "90 % were answered within 1 h 40 min" is a
    real ticket's time, not an interpolation between two.
    """
    if not ordered:
        return None
    rank = -(-percent * len(ordered) // 100)  # ceil(p * n / 100) in integers
    return ordered[max(1, rank) - 1]


@dataclass(frozen=True, slots=True)
class Spread:
    """How many durations there are, and their median and 90th percentile, in seconds."""

    count: int = 0
    p50: int | None = None
    p90: int | None = None

    @classmethod
    def of(cls, values: Sequence[int]) -> Spread:
        """The spread of unsorted values."""
        ordered = sorted(values)
        return cls(len(ordered), nearest_rank(ordered, 50), nearest_rank(ordered, 90))


@dataclass(frozen=True, slots=True)
class Rating:
    """Citizens' ratings: how many, and their sum (for the average)."""

    count: int = 0
    total: int = 0

    @property
    def average(self) -> float | None:
        """The mean rating, None without ratings."""
        return self.total / self.count if self.count else None


@dataclass(frozen=True, slots=True)
class OfficerSummary:
    """One officer: open tickets held now, closed in the period while held, first
    responses of the tickets they hold or held, the ratings of those they closed."""

    officer_id: int
    holding: int = 0
    closed: int = 0
    first_response: Spread = field(default_factory=Spread)
    rating: Rating = field(default_factory=Rating)


@dataclass(frozen=True, slots=True)
class Summary:
    """What /stats hotline shows."""

    days: list[tuple[date, int, int]]
    waiting: int
    waiting_urgent: int
    overdue: int
    first_response: Spread
    to_close: Spread
    rating: Rating
    officers: list[OfficerSummary]

    @property
    def opened(self) -> int:
        """Tickets opened in the period."""
        return sum(opened for _, opened, _ in self.days)

    @property
    def closed(self) -> int:
        """Tickets closed in the period (and still closed)."""
        return sum(closed for _, _, closed in self.days)


def summarise(sample: HotlineSample, first_day: date, last_day: date) -> Summary:
    """Every local day from `first_day` to `last_day` (days without tickets count 0)."""
    days = []
    day = first_day
    while day <= last_day:
        key = day.isoformat()
        days.append((day, sample.opened_per_day.get(key, 0), sample.closed_per_day.get(key, 0)))
        day += timedelta(days=1)
    officers = []
    for officer in sorted(o for o in {*sample.holding, *sample.responses, *sample.closes} if o):
        closed, total, count = sample.closes.get(officer, ([], 0, 0))
        officers.append(
            OfficerSummary(
                officer_id=officer,
                holding=sample.holding.get(officer, 0),
                closed=len(closed),
                first_response=Spread.of(sample.responses.get(officer, [])),
                rating=Rating(count, total),
            )
        )
    return Summary(
        days=days,
        waiting=sample.waiting,
        waiting_urgent=sample.waiting_urgent,
        overdue=sample.overdue,
        first_response=Spread.of([s for values in sample.responses.values() for s in values]),
        to_close=Spread.of([s for values, _, _ in sample.closes.values() for s in values]),
        rating=Rating(
            sum(count for _, _, count in sample.closes.values()),
            sum(total for _, total, _ in sample.closes.values()),
        ),
        officers=officers,
    )
