"""The hotline desk: which staff group serves which country, and how fast a citizen may write.

The route map lives in the database (`staff_routes`) and in memory. This class is the only
writer of both, so /route and the start-up load can never leave the two disagreeing; the
handlers filter staff-group updates on `staff_chats`, which it keeps current too.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

from telegram.ext import filters

from storage.tickets import RouteRepo

# The flood window: at most `flood_per_minute` relayed messages in any 60 seconds.
FLOOD_WINDOW = 60.0


class HotlineDesk:
    """Routes (country -> mission group), the staff chats, the per-citizen flood window."""

    def __init__(
        self,
        routes: RouteRepo,
        central_chat_id: int | None,
        flood_per_minute: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = routes
        self.central_chat_id = central_chat_id
        self._routes: dict[str, int] = {}
        # The chats whose topic messages are staff messages; empty until load() (and then
        # matching nothing, rather than everything).
        self.staff_chats = filters.Chat(allow_empty=False)
        self._flood_per_minute = flood_per_minute
        self._monotonic = monotonic
        # Recent message times per citizen. Memory only: a restart forgets them, which only
        # ever errs towards letting a message through.
        self._recent: dict[int, deque[float]] = {}

    async def load(self) -> list[int]:
        """Read the routes from the database; returns every staff chat (central and missions)."""
        self._routes = await self._repo.all()
        chats = self.chats()
        self.staff_chats.add_chat_ids(chats)
        return chats

    def chats(self) -> list[int]:
        """The central group and every mission group, by id."""
        return sorted({c for c in (self.central_chat_id, *self._routes.values()) if c is not None})

    @property
    def routes(self) -> dict[str, int]:
        """Country code -> mission group, by country (a copy)."""
        return dict(sorted(self._routes.items()))

    def chat_for(self, country: str | None) -> int | None:
        """The mission group of a country, else the central group (None: no hotline)."""
        if country is not None and country in self._routes:
            return self._routes[country]
        return self.central_chat_id

    async def set_route(self, country: str, chat_id: int | None, by: int, now: datetime) -> None:
        """Route a country to a mission group, or back to the central group (None); audited."""
        await self._repo.set(country, chat_id, by, now)
        if chat_id is None:
            # The group stays a staff chat: answers in its open topics must still reach
            # their citizens.
            self._routes.pop(country, None)
        else:
            self._routes[country] = chat_id
            self.staff_chats.add_chat_ids(chat_id)

    def flooding(self, user_id: int) -> bool:
        """Whether this message is one too many in the window; if not, it is counted."""
        recent = self._recent.setdefault(user_id, deque())
        now = self._monotonic()
        while recent and now - recent[0] > FLOOD_WINDOW:
            recent.popleft()
        if len(recent) >= self._flood_per_minute:
            return True
        recent.append(now)
        return False
