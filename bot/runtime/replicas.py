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


class NameTaken(RuntimeError):
    """Another live replica runs under this REPLICA_NAME."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"another replica named {name!r} is running on this database:"
            " give each replica its own REPLICA_NAME"
        )


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
        # The name is this process's (take_name): only then is the replicas row its own.
        self.joined = False

    @property
    def join_seconds(self) -> float:
        """How long a starting replica beats before it sends: the others see it by then."""
        return 2.5 * self.beat_seconds

    async def take_name(self) -> None:
        """Start under REPLICA_NAME only if no live replica has it (NameTaken otherwise).

        A replica frees the claims held under its name when it starts, taking that run for
        dead: two live replicas of one name would free each other's. The name is a lock
        held by a connection of this process, so a predecessor killed a moment ago (its
        connection gone with it) does not count.
        """
        if not await self.leases.own_name(self.name):
            raise NameTaken(self.name)
        self.joined = True

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
        if not self.joined:
            return  # refused its name: the row is the live namesake's
        await self.leases.leave(self.name)
