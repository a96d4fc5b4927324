"""The objects every handler needs, built once in build_application()."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.faq.content import ContentHolder
from bot.faq.directory import CountryInfo
from bot.faq.matcher import Faq, Matcher
from bot.faq.urgency import UrgencyWords
from bot.faq.urgency import load as load_urgency
from bot.hotline import BanList, HotlineDesk
from bot.i18n import Catalog
from bot.notices.engine import Delivery
from bot.notices.service import NoticeService
from bot.relay.engine import RelayEngine
from bot.runtime.inbox import Inbox
from bot.settings import Settings
from bot.staff.roles import RoleBook
from storage.audience import AudienceRepo
from storage.audit import AuditLog
from storage.bans import BanRepo
from storage.bot_state import BotStateRepo
from storage.cache import UserCache
from storage.citizens import CitizenRepo
from storage.content import ContentRepo
from storage.db import Database
from storage.inbox import InboxRepo
from storage.notices import NoticeRepo
from storage.outbox import OutboxRepo
from storage.registrations import RegistrationRepo
from storage.relays import RelayRepo
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
    # Routes, staff chats and their members, bans and the flood window: the hotline's state,
    # kept with the database by the desk itself.
    hotline: HotlineDesk
    # Citizens' messages on their way into the staff topics (queue, digests, delivery marks).
    relay: RelayEngine
    # The words that make a message urgent (locales/urgency.yaml).
    urgency: UrgencyWords
    # The durable inbox polling loop: updates are stored before Telegram is told.
    inbox: Inbox
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
        db = Database(settings.database_path)
        cache = UserCache()
        catalog = catalog or Catalog()
        clock = clock or Clock()
        staff = StaffRepo(db)
        roles = RoleBook(staff, settings.admin_ids)
        hotline = HotlineDesk(
            RouteRepo(db),
            settings.staff_chat_id,
            settings.hotline_flood_per_minute,
            roles=roles,
            bans=BanList(BanRepo(db), settings.ban_key),
        )
        citizens, registrations = CitizenRepo(db, cache), RegistrationRepo(db, cache)
        tickets = TicketRepo(db)
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
            tickets=tickets,
            staff=staff,
            notices=NoticeService(settings, notices, outbox, audience, engine, clock),
            roles=roles,
            stats=StatsRepo(db),
            audit=AuditLog(db),
            hotline=hotline,
            relay=RelayEngine(RelayRepo(db), tickets, clock, settings.tz),
            urgency=load_urgency(),
            inbox=Inbox(InboxRepo(db), settings.poll_timeout, clock.now),
            clock=clock,
        )
