"""The hotline desk: which staff group serves which country, who sits in those groups, who may
write and how fast.

The route map lives in the database (`staff_routes`, and `staff_overflow` for the overflow
groups of a country or of the central group) and in memory. This class is the only writer
of both, so /route, /overflow and the start-up load can never leave the two disagreeing; the
handlers filter staff-group updates on `staff_chats`, which it keeps current too.

Everyone in a Telegram group reads every topic, so a group may only receive the citizens of
countries that all its members' roles cover: `chat_for` never routes a citizen to a group
with a member whose scope leaves the citizen's country out (handlers tell the admins).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

from pydantic import SecretStr
from telegram.ext import filters

from bot.staff.roles import Role, RoleBook
from storage.bans import BanRepo
from storage.tickets import RouteRepo

# The flood window: at most `flood_per_minute` relayed messages in any 60 seconds.
FLOOD_WINDOW = 60.0
# A member refused in a staff group is told at most once in this many seconds: refusals
# must not eat the group's 20 messages a minute that citizens' messages need.
REFUSAL_WINDOW = 60.0
# The owner of the central group's overflow groups (a country's are under its code).
CENTRAL = "*"
# Name of the stored secret the ban key is derived from when BAN_KEY is not set.
BAN_SECRET_NAME = "ban-key"  # noqa: S105 (the name of the row, not a secret)
# Derivation context: the same secret gives other keys for other purposes.
_BAN_CONTEXT = b"consular-hotline ban subject v1"


class BanList:
    """Who may not write to the hotline: HMAC-SHA256 of the Telegram id, reason and date.

    The record names nobody, so erasure leaves it and a banned citizen who erased their data
    stays banned. Without the key (BAN_KEY, or the secret in the database) a hash cannot be
    turned back into an id.
    """

    def __init__(self, repo: BanRepo, key: SecretStr | None = None) -> None:
        self._repo = repo
        self._configured = key
        self._key: bytes | None = None
        self._lock = asyncio.Lock()

    async def prepare(self) -> None:
        """Load the key and convert bans still stored by Telegram id (once; then a no-op)."""
        async with self._lock:
            if self._key is not None:
                return
            if self._configured is not None:
                secret = self._configured.get_secret_value()
            else:
                secret = await self._repo.secret(BAN_SECRET_NAME, secrets.token_hex(32))
            self._key = hmac.new(secret.encode(), _BAN_CONTEXT, hashlib.sha256).digest()
            legacy = await self._repo.legacy()
            if legacy:
                await self._repo.adopt([(self._subject(b.user_id), b) for b in legacy])

    def _subject(self, user_id: int) -> str:
        if self._key is None:
            raise RuntimeError("BanList.prepare() was not awaited")
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()

    async def subject(self, user_id: int) -> str:
        """The keyed hash a ban of this Telegram id is stored under."""
        await self.prepare()
        return self._subject(user_id)

    async def ban(self, user_id: int, reason: str, by: int, now: datetime) -> None:
        """Stop relaying a citizen's messages, for good (erasure keeps the ban)."""
        await self._repo.ban(await self.subject(user_id), reason, by, now)

    async def unban(self, user_id: int) -> bool:
        """Lift a ban; False if there was none."""
        return await self._repo.unban(await self.subject(user_id))

    async def is_banned(self, user_id: int) -> bool:
        """Whether the citizen is banned from the hotline."""
        return await self._repo.is_banned(await self.subject(user_id))


class HotlineDesk:
    """Routes (country -> mission group), the staff chats and their members, the bans and the
    per-citizen flood window."""

    def __init__(
        self,
        routes: RouteRepo,
        central_chat_id: int | None,
        flood_per_minute: int,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        roles: RoleBook | None = None,
        bans: BanList | None = None,
    ) -> None:
        self._repo = routes
        self.central_chat_id = central_chat_id
        self._routes: dict[str, int] = {}
        # Owner (a country code, or CENTRAL) -> its overflow groups, in the order added.
        self._overflow: dict[str, list[int]] = {}
        # The chats whose topic messages are staff messages; empty until load() (and then
        # matching nothing, rather than everything).
        self.staff_chats = filters.Chat(allow_empty=False)
        self._flood_per_minute = flood_per_minute
        self._monotonic = monotonic
        # Recent message times per citizen. Memory only: a restart forgets them, which only
        # ever errs towards letting a message through.
        self._recent: dict[int, deque[float]] = {}
        # When each citizen was last told they write too fast (once per window).
        self._told: dict[int, float] = {}
        # Without a role book (unit tests of routing alone) nobody's scope is checked.
        self._roles = roles
        self.bans = bans or BanList(BanRepo(routes.db))
        # Staff chat -> members the bot knows of: role holders checked at start-up and after
        # /grant, and whoever joined or left since (chat_member updates). Memory only: the
        # start-up check asks Telegram again.
        self._members: dict[int, set[int]] = {}
        self._refused: dict[tuple[int, int], float] = {}

    async def load(self) -> list[int]:
        """Read the routes from the database; returns every staff chat (central and missions)."""
        self._routes = await self._repo.all()
        self._overflow = await self._repo.overflow()
        chats = self.chats()
        self.staff_chats.add_chat_ids(chats)
        return chats

    def chats(self) -> list[int]:
        """The central group, every mission group and every overflow group, by id."""
        extra = [c for chats in self._overflow.values() for c in chats]
        found = (self.central_chat_id, *self._routes.values(), *extra)
        return sorted({c for c in found if c is not None})

    @property
    def routes(self) -> dict[str, int]:
        """Country code -> mission group, by country (a copy)."""
        return dict(sorted(self._routes.items()))

    @property
    def overflow(self) -> dict[str, list[int]]:
        """Owner (a country code, or CENTRAL) -> its overflow groups (a copy)."""
        return {owner: list(chats) for owner, chats in sorted(self._overflow.items())}

    def chats_for(self, country: str | None) -> list[int]:
        """The groups a new ticket of a citizen of `country` may go to, the main one first.

        The country's mission group and the country's overflow groups; without a mission
        group (or when it does not cover the country), the central group, the country's
        overflow groups and the central group's. Each only if every member's scope covers
        the country.
        """
        routed = self._routes.get(country) if country is not None else None
        own = self._overflow.get(country, []) if country is not None else []
        chain: list[int | None]
        if routed is not None and self.admits(routed, country):
            chain = [routed, *own]
        else:
            chain = [self.central_chat_id, *own, *self._overflow.get(CENTRAL, ())]
        found: list[int] = []
        for chat in chain:
            if chat is not None and chat not in found and self.admits(chat, country):
                found.append(chat)
        return found

    def chat_for(self, country: str | None) -> int | None:
        """The main group a citizen of `country` writes to (None: no group may take them)."""
        found = self.chats_for(country)
        return found[0] if found else None

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

    async def set_overflow(self, owner: str, chat_id: int | None, by: int, now: datetime) -> None:
        """Add an overflow group to a country's groups (or CENTRAL's); None removes all of
        the owner's (they stay staff chats: answers in their open topics still go out)."""
        await self._repo.set_overflow(owner, chat_id, by, now)
        if chat_id is None:
            self._overflow.pop(owner, None)
        else:
            chats = self._overflow.setdefault(owner, [])
            if chat_id not in chats:
                chats.append(chat_id)
            self.staff_chats.add_chat_ids(chat_id)

    # ---- who sits in the staff groups ------------------------------------------------------

    def set_member(self, chat_id: int, user_id: int, present: bool) -> bool:
        """Record that a user is (or no longer is) in a staff chat; True if that is news."""
        members = self._members.setdefault(chat_id, set())
        if present == (user_id in members):
            return False
        if present:
            members.add(user_id)
        else:
            members.discard(user_id)
        return True

    def members(self, chat_id: int) -> frozenset[int]:
        """The members of a staff chat the bot knows of."""
        return frozenset(self._members.get(chat_id, ()))

    def serves(self, chat_id: int) -> frozenset[str] | None:
        """The countries routed to a group; None for the central group and its overflow
        groups (every other one)."""
        if chat_id == self.central_chat_id or chat_id in self._overflow.get(CENTRAL, ()):
            return None
        routed = {c for c, chat in self._routes.items() if chat == chat_id}
        routed |= {c for c, chats in self._overflow.items() if c != CENTRAL and chat_id in chats}
        return frozenset(routed)

    def covers(self, role: Role, chat_id: int) -> bool:
        """Whether a role reaches every country the group receives."""
        served = self.serves(chat_id)
        if role.is_admin:
            return True
        # The central group receives any country that has no mission group: only a role
        # without a country limit (an admin's) reaches them all.
        return served is not None and served <= role.countries

    def outside_scope(self, chat_id: int) -> list[tuple[int, Role]]:
        """Known members with a role that does not cover the group's countries, by id."""
        found = []
        for user_id in sorted(self.members(chat_id)):
            role = self._roles.get(user_id) if self._roles else None
            if role is not None and not self.covers(role, chat_id):
                found.append((user_id, role))
        return found

    def admits(self, chat_id: int, country: str | None) -> bool:
        """Whether a citizen of `country` may be shown in this group: every member with a
        role covers it. An unregistered citizen (no country) has no country data to keep
        from anyone; members without a role are reported to admins, not counted here."""
        if country is None or self._roles is None:
            return True
        for user_id in self._members.get(chat_id, ()):
            role = self._roles.get(user_id)
            if role is not None and not role.covers(country):
                return False
        return True

    def refusal_due(self, chat_id: int, user_id: int) -> bool:
        """Whether a member refused in a staff chat should be told (once a minute at most)."""
        now = self._monotonic()
        key = (chat_id, user_id)
        if now - self._refused.get(key, -REFUSAL_WINDOW) < REFUSAL_WINDOW:
            return False
        if len(self._refused) > 10_000:
            # Bounded: a flood of one-off members cannot grow it without end.
            self._refused.clear()
        self._refused[key] = now
        return True

    # ---- citizens' pace ---------------------------------------------------------------------

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

    def tell_flooding(self, user_id: int) -> bool:
        """After a refused message: whether to say why (once in a window, not per message:
        2,000 messages of one user earned 2,000 answers)."""
        now = self._monotonic()
        if now - self._told.get(user_id, -FLOOD_WINDOW) < FLOOD_WINDOW:
            return False
        if len(self._told) > 10_000:
            self._told = {u: t for u, t in self._told.items() if now - t < FLOOD_WINDOW}
        self._told[user_id] = now
        return True
