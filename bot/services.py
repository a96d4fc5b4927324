"""The objects every handler needs, built once in build_application()."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.desk.service import TeamDesk
from bot.evacuation.service import EvacuationService
from bot.faq.content import ContentHolder
from bot.faq.directory import CountryInfo
from bot.faq.matcher import Faq, Matcher
from bot.faq.urgency import UrgencyWords
from bot.faq.urgency import load as load_urgency
from bot.hotline import BanList, HotlineDesk
from bot.i18n import Catalog
from bot.notices.engine import Delivery
from bot.notices.service import NoticeService
from bot.people.service import PeopleService
from bot.relay.engine import RelayEngine
from bot.runtime.inbox import ClaimingInbox, Inbox
from bot.runtime.replicas import Roster
from bot.settings import Settings
from bot.sms.sender import SmsSender
from bot.sms.smsc import SmscGateway
from bot.staff.roles import RoleBook
from storage.approvals import ApprovalRepo
from storage.audience import AudienceRepo
from storage.audit import AuditLog
from storage.bans import BanRepo
from storage.bot_state import BotStateRepo
from storage.cache import UserCache
from storage.citizens import CitizenRepo
from storage.content import ContentRepo
from storage.db import Database
from storage.desk import DeskRepo
from storage.desk_stats import DeskStatsRepo
from storage.evacuation import EvacuationRepo
from storage.evacuation_offers import OfferRepo
from storage.faq_log import FaqLogRepo
from storage.health import HealthRepo
from storage.inbox import InboxRepo
from storage.leases import LeaseRepo
from storage.notices import NoticeRepo
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo
from storage.people_links import PeopleLinks
from storage.reach import ReachRepo
from storage.registrations import RegistrationRepo
from storage.relays import RelayRepo
from storage.sms import SmsRepo
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
    # Evacuation departures: offers (through the notices' outbox), answers, boarding.
    evacuation: EvacuationService
    # End of stay, companions and groups, follows, family links, inquiries and /find.
    people: PeopleService
    # The hotline team's tools: templates, who holds a ticket, alarms, hotline statistics.
    desk: TeamDesk
    # "Did this help?" and the questions the FAQ could not answer (/faq_report).
    faq_log: FaqLogRepo
    # Citizens' messages on their way into the staff topics (queue, digests, delivery marks).
    relay: RelayEngine
    # The words that make a message urgent (locales/urgency.yaml).
    urgency: UrgencyWords
    # The durable inbox: updates are stored before Telegram is told. Polling feeds it from
    # getUpdates; webhook mode (any number of replicas) claims what the receiver stored.
    inbox: Inbox | ClaimingInbox
    # The inbox's table, for the webhook receiver (bot.runtime.webhook).
    inbox_repo: InboxRepo
    # Queue depths for the metrics.
    health: HealthRepo
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
        leases = LeaseRepo(db)
        engine = Delivery(
            settings, notices, outbox, audience, catalog, citizens, registrations, clock, leases
        )
        sms = SmsRepo(db)
        sender = None
        if settings.sms_enabled and settings.sms_api_key is not None:
            gateway = SmscGateway(
                settings.sms_api_url, settings.sms_api_key.get_secret_value(), settings.sms_sender
            )
            sender = SmsSender(
                gateway,
                sms,
                clock,
                settings.sms_rate,
                settings.broadcast_retries,
                engine.watch,
                settings.replica_name,
            )
        service = NoticeService(
            settings, notices, outbox, audience, engine, clock, ReachRepo(db), ApprovalRepo(db),
            sms, sender,
        )  # fmt: skip
        evacuation = EvacuationService(
            settings, EvacuationRepo(db), OfferRepo(db), service, citizens, registrations,
            catalog, clock,
        )  # fmt: skip
        # The engine sends the evacuation wing's offers as the rows of its carrier notices.
        engine.renderers["evacuation"] = evacuation.render
        content_repo = ContentRepo(db)
        desk = TeamDesk(settings, DeskRepo(db), DeskStatsRepo(db), content_repo, clock)
        inbox_repo = InboxRepo(db)
        beat = settings.replica_heartbeat_seconds
        roster = Roster(leases, settings.replica_name, clock.now, beat)
        roster.shared = settings.database_url is not None
        inbox: Inbox | ClaimingInbox
        if settings.webhook_url is not None:
            inbox = ClaimingInbox(inbox_repo, settings.replica_name, clock.now)
        else:
            inbox = Inbox(inbox_repo, settings.poll_timeout, clock.now)
        return cls(
            settings=settings,
            db=db,
            catalog=catalog,
            citizens=citizens,
            registrations=registrations,
            bot_state=BotStateRepo(db),
            content_repo=content_repo,
            content=ContentHolder(),
            tickets=tickets,
            staff=staff,
            notices=service,
            roles=roles,
            stats=StatsRepo(db),
            audit=AuditLog(db),
            hotline=hotline,
            evacuation=evacuation,
            people=PeopleService(settings, PeopleRepo(db), PeopleLinks(db), clock),
            desk=desk,
            faq_log=FaqLogRepo(db),
            relay=RelayEngine(RelayRepo(db), tickets, clock, settings.tz),
            urgency=load_urgency(),
            inbox=inbox,
            inbox_repo=inbox_repo,
            health=HealthRepo(db),
            roster=roster,
            clock=clock,
        )
