"""The objects every handler needs, built once in build_application()."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.faq.content import ContentHolder
from bot.faq.directory import CountryInfo
from bot.faq.matcher import Faq, Matcher
from bot.hotline import HotlineDesk
from bot.i18n import Catalog
from bot.notices.engine import Delivery
from bot.notices.service import NoticeService
from bot.runtime.replicas import Roster
from bot.settings import Settings
from bot.staff.roles import RoleBook
from storage.audience import AudienceRepo
from storage.audit import AuditLog
from storage.bot_state import BotStateRepo
from storage.cache import UserCache
from storage.citizens import CitizenRepo
from storage.content import ContentRepo
from storage.db import Database
from storage.health import HealthRepo
from storage.inbox import InboxRepo
from storage.leases import LeaseRepo
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
    staff: StaffRepo
    # Official notices: the one door to their storage and their delivery engine.
    notices: NoticeService
    roles: RoleBook
    stats: StatsRepo
    # The audit log's reader and writer for actions that change no other table (exports).
    audit: AuditLog
    # Routes, staff chats and the flood window: the hotline's state in memory, kept with
    # the database by the desk itself.
    hotline: HotlineDesk
    # Queue depths for the metrics.
    health: HealthRepo
    # Webhook mode: updates stored before they are answered, handled by any replica.
    inbox: InboxRepo
    # This replica's heartbeat and share of the send budget (PostgreSQL: several replicas).
    roster: Roster
    clock: Clock

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
        db = Database(settings.database_target, pool_size=settings.database_pool_size)
        cache = UserCache()
        catalog = catalog or Catalog()
        clock = clock or Clock()
        staff = StaffRepo(db)
        hotline = HotlineDesk(
            RouteRepo(db), settings.staff_chat_id, settings.hotline_flood_per_minute
        )
        citizens, registrations = CitizenRepo(db, cache), RegistrationRepo(db, cache)
        notices, outbox, audience = NoticeRepo(db), OutboxRepo(db), AudienceRepo(db)
        leases = LeaseRepo(db)
        engine = Delivery(
            settings, notices, outbox, audience, catalog, citizens, registrations, clock, leases
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
            staff=staff,
            notices=NoticeService(settings, notices, outbox, audience, engine, clock),
            roles=RoleBook(staff, settings.admin_ids),
            stats=StatsRepo(db),
            audit=AuditLog(db),
            hotline=hotline,
            health=HealthRepo(db),
            inbox=InboxRepo(db),
            roster=Roster(
                leases, settings.replica_name, clock.now, settings.replica_heartbeat_seconds
            ),
            clock=clock,
        )
