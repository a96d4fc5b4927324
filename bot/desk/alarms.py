"""When a waiting citizen has waited too long: thresholds per urgency and the colour of a wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# Registered needs that make a ticket urgent (a shorter threshold, first in /queue).
URGENT_NEEDS = frozenset({"consular", "accommodation", "evacuation"})
GREEN, YELLOW, RED = "🟢", "🟡", "🔴"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How long a citizen may wait for a staff answer, urgent or not."""

    urgent: timedelta
    normal: timedelta

    @classmethod
    def of_minutes(cls, urgent: int, normal: int) -> Thresholds:
        """From the settings' minutes."""
        return cls(timedelta(minutes=urgent), timedelta(minutes=normal))

    def limit(self, urgent: bool) -> timedelta:
        """The threshold that applies."""
        return self.urgent if urgent else self.normal

    def light(self, waited: timedelta, urgent: bool) -> str:
        """🟢 under half the threshold, 🟡 under the threshold, 🔴 past it."""
        limit = self.limit(urgent)
        if waited >= limit:
            return RED
        return YELLOW if waited * 2 >= limit else GREEN
