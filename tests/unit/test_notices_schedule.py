"""A notice's first occurrence, as the notice service computes it (once, for create)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import Clock
from bot.i18n import Catalog
from bot.notices.engine import Delivery
from bot.notices.service import NoticeService
from bot.settings import Settings
from storage.audience import Audience, AudienceRepo
from storage.citizens import CitizenRepo
from storage.db import Database
from storage.leases import LeaseRepo
from storage.notices import NoticeDraft, NoticeRepo
from storage.outbox import OutboxRepo
from storage.registrations import RegistrationRepo

CATALOG = Catalog()
# 08:00 in Astana (UTC+5), 07:00 in Dubai (UTC+4), 06:00 in Istanbul (UTC+3).
NOW = datetime(2030, 1, 10, 3, 0, tzinfo=UTC)


class Frozen(Clock):
    """A clock that stays at NOW."""

    def now(self) -> datetime:
        return NOW


class Register(AudienceRepo):
    """The countries citizens are registered in, without a database."""

    def __init__(self, codes: list[str]) -> None:
        self.codes = codes
        self.asked = 0

    async def countries(self, audience: Audience) -> list[str]:
        self.asked += 1
        return self.codes


def service(register: Register) -> NoticeService:
    """The service over an engine that is never started: only its schedule is used."""
    settings = Settings(_env_file=None, timezone="Asia/Almaty")  # type: ignore[call-arg]
    db = Database(":memory:")  # never opened: nothing here reads or writes it
    clock = Frozen()
    repo, outbox = NoticeRepo(db), OutboxRepo(db)
    engine = Delivery(
        settings, repo, outbox, register, CATALOG, CitizenRepo(db), RegistrationRepo(db), clock,
        LeaseRepo(db),
    )  # fmt: skip
    return NoticeService(settings, repo, outbox, register, engine, clock)


def draft(schedule: str, tz: str = "astana", when: str | None = None, **more: str) -> NoticeDraft:
    """A notice for `more`'s countries (or all), scheduled as staff chose."""
    countries = tuple(more["countries"].split()) if "countries" in more else ()
    return NoticeDraft(
        Audience(countries=countries), "Текст", None, schedule=schedule,  # type: ignore[arg-type]
        tz_mode=tz, wall_time=when, until_date=more.get("until"),  # type: ignore[arg-type]
    )  # fmt: skip


def at(text: str) -> datetime:
    """A UTC instant written 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def first(draft: NoticeDraft, codes: tuple[str, ...] = ()) -> tuple[str, datetime] | None:
    """The first occurrence, with citizens registered in `codes`."""
    return await service(Register(list(codes))).first_run(draft)


async def test_now_is_now() -> None:
    assert await first(draft("now")) == ("now", NOW)


async def test_a_one_off_in_astana_time() -> None:
    assert await first(draft("at", when="2030-01-10 12:00")) == (
        "2030-01-10 12:00",
        at("2030-01-10 07:00"),
    )


async def test_a_one_off_in_local_time_is_queued_at_the_earliest_zone() -> None:
    found = await first(draft("at", "local", "2030-01-10 12:00"), ("AE", "TR"))
    assert found == ("2030-01-10 12:00", at("2030-01-10 08:00"))  # 12:00 in Dubai


async def test_local_time_for_all_countries_reads_the_register_once_per_occurrence() -> None:
    register = Register(["TR"])
    notices = service(register)
    found = await notices.first_run(draft("at", "local", "2030-01-10 12:00"))
    assert found == ("2030-01-10 12:00", at("2030-01-10 09:00"))  # 12:00 in Istanbul
    assert register.asked == 1
    # Countries named in the audience are not looked up.
    register.asked = 0
    await notices.first_run(draft("at", "local", "2030-01-10 12:00", countries="AE"))
    assert register.asked == 0


async def test_a_one_off_for_a_local_time_nobody_is_in_is_queued_now() -> None:
    assert await first(draft("at", "local", "2030-01-10 12:00")) == ("2030-01-10 12:00", NOW)


@pytest.mark.parametrize(
    ("at_time", "tz", "codes", "expected"),
    [
        # 09:00 Astana is still ahead today.
        ("09:00", "astana", (), ("2030-01-10 09:00", at("2030-01-10 04:00"))),
        # 07:30 Astana has passed: tomorrow.
        ("07:30", "astana", (), ("2030-01-11 07:30", at("2030-01-11 02:30"))),
        # 06:30 local has passed in Dubai (07:00 now), not yet in Istanbul (06:00 now):
        # tomorrow, so that nobody gets today's late.
        ("06:30", "local", ("AE", "TR"), ("2030-01-11 06:30", at("2030-01-11 02:30"))),
        ("07:30", "local", ("AE", "TR"), ("2030-01-10 07:30", at("2030-01-10 03:30"))),
    ],
)
async def test_a_daily_notice_starts_at_its_next_time_of_day(
    at_time: str, tz: str, codes: tuple[str, ...], expected: tuple[str, datetime]
) -> None:
    assert await first(draft("daily", tz, at_time, until="2030-01-20"), codes) == expected


async def test_a_daily_notice_whose_last_day_has_passed_has_no_first_occurrence() -> None:
    assert await first(draft("daily", when="07:30", until="2030-01-10")) is None


async def test_the_instants_of_one_occurrence_one_per_zone() -> None:
    notices = service(Register([]))
    audience = Audience(countries=("AE", "TR"))
    instants = await notices.instants(audience, "local", "2030-01-10 12:00")
    assert sorted(instants) == [at("2030-01-10 08:00"), at("2030-01-10 09:00")]
    assert await notices.instants(audience, "astana", "2030-01-10 12:00") == [
        at("2030-01-10 07:00")
    ]
