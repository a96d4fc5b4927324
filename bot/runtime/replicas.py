"""Replicas behind one load balancer share one send budget (Telegram's caps are per token).

Each replica writes a heartbeat to the database every REPLICA_HEARTBEAT_SECONDS and paces
its broadcasts at the cap divided by the replicas seen alive in the last three beats. A
replica that dies stops beating and the others take its share three beats later; a new
replica beats for a while before it sends, so the others have halved first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.runtime.limiter import HotlineRateLimiter
from storage.leases import LeaseRepo

log = logging.getLogger(__name__)


class Roster:
    """This replica's heartbeat and its share of the send budget."""

    def __init__(
        self,
        leases: LeaseRepo,
        name: str,
        now: Callable[[], datetime],
        beat_seconds: float,
    ) -> None:
        self.leases, self.name, self.now = leases, name, now
        # The application's limiter, handed in once the application exists.
        self.limiter: HotlineRateLimiter | None = None
        self.beat_seconds = beat_seconds
        self.replicas = 1
        # Several replicas may run on this database (PostgreSQL): periodic jobs take leases.
        self.shared = False

    @property
    def join_seconds(self) -> float:
        """How long a starting replica beats before it sends: the others see it by then."""
        return 2.5 * self.beat_seconds

    async def beat(self) -> int:
        """Record this replica as alive; re-share the budget; return the live count."""
        now = self.now()
        await self.leases.beat(self.name, now)
        live = await self.leases.live(now - timedelta(seconds=3 * self.beat_seconds))
        count = max(1, len(live))
        if self.limiter is not None:
            self.limiter.share(count)
        if count != self.replicas:
            log.info("replicas alive: %s; this one sends 1/%s of the budget", count, count)
        self.replicas = count
        return count

    async def leads(self, job: str, every: float) -> bool:
        """Whether this replica runs the periodic job `job` (every `every` seconds) now.

        Alone (SQLite, one process) always. Beside other replicas the job's lease decides:
        its holder keeps it by running on time; when the holder dies the lease runs out
        and the next replica whose tick comes takes it over.
        """
        if not self.shared:
            return True
        now = self.now()
        return await self.leases.take(
            f"job:{job}", self.name, now, now + timedelta(seconds=1.5 * every + 5)
        )

    async def leave(self) -> None:
        """A clean stop: the others take the whole budget at their next beat."""
        await self.leases.leave(self.name)
