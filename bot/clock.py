"""The time the bot believes it is: real UTC, shifted only by tests that move the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Now, in UTC. Schedules, quiet hours and due times read this and nothing else."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        return datetime.now(UTC) + self.offset

    def set(self, moment: datetime) -> None:
        """Pretend it is `moment` now (tests); time keeps running from there."""
        self.offset = moment - datetime.now(UTC)
