"""The objects every handler needs, built once in build_application()."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from telegram.ext import filters

from bot.clock import Clock
from bot.faq.content import ContentHolder
from bot.faq.directory import CountryInfo
from bot.faq.matcher import Faq, Matcher
from bot.i18n import Catalog
from bot.notices.engine import Delivery
from bot.notices.service import NoticeService
from bot.settings import Settings
from bot.staff.roles import RoleBook
from storage.audience import AudienceRepo
from storage.bot_state import BotStateRepo
from storage.cache import UserCache
from storage.citizens import CitizenRepo
from storage.content import ContentRepo
from storage.db import Database
from storage.notices import NoticeRepo
from storage.outbox import OutboxRepo
from storage.registrations import RegistrationRepo
from storage.staff import StaffRepo
from storage.stats import StatsRepo
from storage.tickets import RouteRepo, TicketRepo


@dataclass(slots=True)
class Services:
    """Settings, translations and repositories over one database."""

    settings: Settings
    db: Database
    catalog: Catalog
    citizens: CitizenRepo
    registrations: RegistrationRepo
    bot_state: BotStateRepo
    content_repo: ContentRepo
    content: ContentHolder
    tickets: TicketRepo
    routes: RouteRepo
    staff: StaffRepo
    # Official notices: the one door to their storage and their delivery engine.
    notices: NoticeService
    roles: RoleBook
    stats: StatsRepo
    clock: Clock
    # Country -> mission staff group, loaded at start-up and kept current by /route.
    route_map: dict[str, int] = field(default_factory=dict)
    # The chats whose topic messages are staff messages (central group and mission groups).
    staff_chats: filters.Chat = field(default_factory=lambda: filters.Chat(allow_empty=False))
    # Recent hotline message times per citizen, for the flood limit (memory only: a
    # restart forgets them, which only ever errs towards letting a message through).
    hotline_recent: dict[int, deque[float]] = field(default_factory=dict)

    @property
    def faq(self) -> Faq:
        """The live FAQ."""
        return self.content.current.faq

    @property
    def matcher(self) -> Matcher:
        """The matcher over the live FAQ."""
        return self.content.current.matcher

    @property
    def directory(self) -> dict[str, CountryInfo]:
        """The live country directory."""
        return self.content.current.directory

    @classmethod
    def create(
        cls, settings: Settings, catalog: Catalog | None = None, clock: Clock | None = None
    ) -> Services:
        """Wire repositories and the notice engine to a (not yet opened) database."""
        db = Database(settings.database_path)
        cache = UserCache()
        catalog = catalog or Catalog()
        clock = clock or Clock()
        citizens, registrations = CitizenRepo(db, cache), RegistrationRepo(db, cache)
        notices, outbox, audience = NoticeRepo(db), OutboxRepo(db), AudienceRepo(db)
        engine = Delivery(
            settings, notices, outbox, audience, catalog, citizens, registrations, clock
        )
        return cls(
            settings=settings,
            db=db,
            catalog=catalog,
            citizens=citizens,
            registrations=registrations,
            bot_state=BotStateRepo(db),
            content_repo=ContentRepo(db),
            content=ContentHolder(),
            tickets=TicketRepo(db),
            routes=RouteRepo(db),
            staff=StaffRepo(db),
            notices=NoticeService(settings, notices, outbox, audience, engine, clock),
            roles=RoleBook(settings.admin_ids),
            stats=StatsRepo(db),
            clock=clock,
        )
