"""TeamDesk, the one door to the hotline team's tools.

It keeps what lives both in the database and in memory in step: the live templates (the
`content` row "templates" and their parsed form) and the staff directory (`desk_officers`
and the lookups by id and username). Assignments, alarms and idle tickets are database
state only; the service adds the clock and the thresholds from the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from bot.clock import Clock
from bot.desk import templates
from bot.desk.alarms import URGENT_NEEDS, Thresholds
from bot.desk.figures import Summary, summarise
from bot.settings import Settings
from storage.content import ContentRepo
from storage.desk import DeskRepo, Officer, Waiting
from storage.desk_stats import DeskStatsRepo
from storage.tickets import Ticket

log = logging.getLogger(__name__)

# Tickets flagged or closed per run of the watch, at most. Each one is a message in its
# topic, and a group takes about 20 a minute: a backlog (the first run after an upgrade)
# drains over the next runs instead of holding the group's answers for many minutes.
BATCH = 20


class TeamDesk:
    """Templates, the staff directory, assignments, alarms, idle tickets and statistics."""

    def __init__(
        self,
        settings: Settings,
        repo: DeskRepo,
        stats: DeskStatsRepo,
        content: ContentRepo,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.stats = stats
        self.content = content
        self.clock = clock
        self.thresholds = Thresholds.of_minutes(
            settings.alarm_urgent_minutes, settings.alarm_normal_minutes
        )
        self.document: dict[str, Any] = templates.seed_document()
        self.templates = templates.parse(self.document)
        self._officers: dict[int, Officer] = {}
        self._usernames: dict[str, int] = {}

    async def load(self) -> None:
        """Read the admins' last template upload (the shipped seed otherwise) and the
        staff directory."""
        stored = await self.content.get(templates.TEMPLATES_NAME)
        if stored is not None:
            document, problems = templates.load(stored.body)
            if document is None or problems:
                # Validated before it was stored; a broken row means a manual edit.
                log.error("stored templates are invalid (%s problems); using the seed",
                          len(problems))  # fmt: skip
            else:
                self._use(document)
        for officer in await self.repo.officers():
            self._know(officer)

    # ---- templates ------------------------------------------------------------------------

    async def replace_templates(
        self, text: str, document: dict[str, Any], actor_id: int, details: dict[str, Any]
    ) -> None:
        """Store a validated upload (audited), then make it live."""
        await self.content.save(
            templates.TEMPLATES_NAME, text, actor_id, details, self.clock.now()
        )
        self._use(document)

    def _use(self, document: dict[str, Any]) -> None:
        parsed = templates.parse(document)
        # One assignment each: readers see the old set or the new one, never half.
        self.document, self.templates = document, parsed

    # ---- the staff directory --------------------------------------------------------------

    def officer(self, user_id: int | None) -> Officer | None:
        """How the bot last saw a staff member."""
        return self._officers.get(user_id) if user_id is not None else None

    def find(self, username: str) -> int | None:
        """The user id behind a @username the bot has seen on a staff member."""
        return self._usernames.get(username.lstrip("@").casefold())

    async def remember(self, user_id: int, name: str, username: str | None) -> None:
        """A staff member wrote: store their name and username if they changed."""
        known = self._officers.get(user_id)
        if known is not None and (known.name, known.username) == (name, username):
            return
        officer = Officer(user_id, name, username, self.clock.now())
        await self.repo.remember(officer)
        self._know(officer)

    def _know(self, officer: Officer) -> None:
        old = self._officers.get(officer.user_id)
        if old is not None and old.username:
            self._usernames.pop(old.username.casefold(), None)
        self._officers[officer.user_id] = officer
        if officer.username:
            self._usernames[officer.username.casefold()] = officer.user_id

    # ---- assignments ----------------------------------------------------------------------

    async def take(self, ticket_id: int, officer_id: int) -> bool:
        """The officer takes an open ticket nobody holds (audited)."""
        return await self.repo.take(ticket_id, officer_id, self.clock.now())

    async def assign(self, ticket_id: int, officer_id: int | None, actor_id: int) -> bool:
        """Hand an open ticket to an officer, or release it (None); audited."""
        return await self.repo.assign(ticket_id, officer_id, actor_id, self.clock.now())

    async def queue(self, staff_chat_id: int) -> list[Waiting]:
        """A staff group's waiting tickets in the order /queue shows them."""
        return await self.repo.queue(staff_chat_id, URGENT_NEEDS)

    async def held_by(self, officer_id: int) -> list[Waiting]:
        """An officer's open tickets."""
        return await self.repo.held_by(officer_id, URGENT_NEEDS)

    # ---- the watch ------------------------------------------------------------------------

    async def due_alarms(self) -> list[Waiting]:
        """Waits that just passed their threshold, each flagged once (stored)."""
        now = self.clock.now()
        return await self.repo.due_alarms(
            now - self.thresholds.urgent, now - self.thresholds.normal, URGENT_NEEDS, now,
            BATCH,
        )  # fmt: skip

    async def close_idle(self) -> list[Ticket]:
        """Close the tickets without a message for TICKET_IDLE_DAYS."""
        now = self.clock.now()
        return await self.repo.close_idle(
            now - timedelta(days=self.settings.ticket_idle_days), now, BATCH
        )

    def waited(self, since: datetime | None, now: datetime) -> timedelta:
        """How long a wait that started at `since` has lasted."""
        return max(timedelta(0), now - since) if since is not None else timedelta(0)

    # ---- statistics -----------------------------------------------------------------------

    async def summary(self, scope: Iterable[str] | None, days: int) -> Summary:
        """The hotline over the last `days` local days (today included) in a scope."""
        now = self.clock.now()
        tz = self.settings.tz
        today = now.astimezone(tz).date()
        first = today - timedelta(days=days - 1)
        since = datetime.combine(first, time(0), tzinfo=tz)
        offset = now.astimezone(tz).utcoffset() or timedelta(0)
        sample = await self.stats.sample(
            scope,
            since,
            int(offset.total_seconds() // 60),
            now - self.thresholds.urgent,
            now - self.thresholds.normal,
            URGENT_NEEDS,
        )
        return summarise(sample, first, today)
