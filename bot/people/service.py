"""The people feature's one object in Services: its repositories, /find, invitations, the
end-of-stay plan. No Telegram here: handlers send what it decides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from bot.clock import Clock
from bot.people import codes, stay
from bot.people.matching import Query, search_key
from bot.settings import Settings
from storage.people import Hit, PeopleRepo
from storage.people_links import PeopleLinks

MAX_HITS = 10
INDEX_BATCH = 5000


class PeopleService:
    """Details, lists, follows, links and inquiries over one database."""

    def __init__(
        self, settings: Settings, repo: PeopleRepo, links: PeopleLinks, clock: Clock
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.links = links
        self.clock = clock

    async def reindex(self) -> int:
        """Normalise the names and cities that changed since the last search."""
        done = 0
        while rows := await self.repo.unindexed(INDEX_BATCH):
            await self.repo.index([(uid, search_key(name, city)) for uid, name, city in rows])
            done += len(rows)
            if len(rows) < INDEX_BATCH:
                break
        return done

    async def find(self, query: Query, scope: Iterable[str] | None) -> tuple[list[Hit], bool]:
        """Up to ten matches in scope (None: every country), and whether there were more."""
        await self.reindex()
        countries = None if scope is None else frozenset(scope)
        if query.phone is not None:
            hits = await self.repo.find_phone(query.phone, countries, MAX_HITS + 1)
        else:
            hits = await self.repo.find_names(query.needles, countries, MAX_HITS + 1)
            if len(hits) <= MAX_HITS:
                hits += await self.repo.find_members(query.needles, countries, MAX_HITS + 1)
        return hits[:MAX_HITS], len(hits) > MAX_HITS

    async def invite(self, user_id: int) -> str:
        """A new one-time invitation code for the citizen's relatives."""
        code = codes.new_code()
        now = self.clock.now()
        expires = now + timedelta(days=self.settings.family_invite_days)
        await self.links.create_invite(user_id, codes.code_hash(code), now, expires)
        return code

    async def stay_plan(self) -> stay.Plan:
        """What the end-of-stay check does now (see bot.people.stay.plan)."""
        now = self.clock.now()
        # Every declared date that could be due anywhere: the latest calendar on Earth is
        # at most 14 hours ahead of UTC.
        last = (now + timedelta(hours=14)).date()
        rows = await self.repo.stays_until(last)
        settings = self.settings
        return stay.plan(rows, now, settings.tz, settings.stay_erase_days, settings.fresh_hours)
