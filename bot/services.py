"""The objects every handler needs, built once in build_application()."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.faq.content import ContentHolder
from bot.faq.directory import CountryInfo
from bot.faq.matcher import Faq, Matcher
from bot.hotline import BanList, HotlineDesk
from bot.i18n import Catalog
from bot.settings import Settings
from bot.staff.roles import RoleBook
from storage.bans import BanRepo
from storage.bot_state import BotStateRepo
from storage.cache import UserCache
from storage.citizens import CitizenRepo
from storage.content import ContentRepo
from storage.db import Database
from storage.notices import NoticeRepo
from storage.registrations import RegistrationRepo
from storage.staff import StaffRepo
from storage.stats import StatsRepo
from storage.tickets import RouteRepo, TicketRepo

if TYPE_CHECKING:
    from bot.notices.engine import Delivery


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
    notices: NoticeRepo
    roles: RoleBook
    stats: StatsRepo
    # Routes, staff chats and their members, bans and the flood window: the hotline's state,
    # kept with the database by the desk itself.
    hotline: HotlineDesk
    clock: Clock = field(default_factory=Clock)
    # The broadcast engine; set by build_application (it needs the application).
    delivery: Delivery | None = None

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
    def create(cls, settings: Settings, catalog: Catalog | None = None) -> Services:
        """Wire repositories to a (not yet opened) database."""
        db = Database(settings.database_path)
        cache = UserCache()
        staff = StaffRepo(db)
        roles = RoleBook(staff, settings.admin_ids)
        hotline = HotlineDesk(
            RouteRepo(db),
            settings.staff_chat_id,
            settings.hotline_flood_per_minute,
            roles=roles,
            bans=BanList(BanRepo(db), settings.ban_key),
        )
        return cls(
            settings=settings,
            db=db,
            catalog=catalog or Catalog(),
            citizens=CitizenRepo(db, cache),
            registrations=RegistrationRepo(db, cache),
            bot_state=BotStateRepo(db),
            content_repo=ContentRepo(db),
            content=ContentHolder(),
            tickets=TicketRepo(db),
            staff=staff,
            notices=NoticeRepo(db),
            roles=roles,
            stats=StatsRepo(db),
            hotline=hotline,
        )


class BotData:
    """Application-wide data; PTB creates it, build_application() fills `services`."""

    __slots__ = ("services",)

    def __init__(self) -> None:
        self.services: Services | None = None
