"""The end of a declared stay: which dates are accepted, and what is due on which day.

On the declared last day (in the country's own calendar, in its daytime) the citizen is asked
whether they are still there; STAY_ERASE_DAYS later the registration closes and its personal
data is erased, with a warning the day before. Nothing here touches Telegram or storage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.notices.schedule import country_zone, parse_date
from storage.people import StayRow

# A stay is declared at most this far ahead; beyond it "don't know" is the honest answer
# (and the freshness pings keep the register current).
MAX_AHEAD_DAYS = 366
# The quick answers: a week, two weeks, a month, three months from today.
QUICK_DAYS = {"7": 7, "14": 14, "30": 30, "91": 91}

StayProblem = Literal["format", "past", "far"]


def local_today(country: str, now: datetime, home: ZoneInfo) -> date:
    """Today's date where the citizen is."""
    return now.astimezone(country_zone(country, home)).date()


def check(day: date, today: date) -> StayProblem | None:
    """Why a declared last day cannot be taken, or None: not before today, at most a year on."""
    if day < today:
        return "past"
    if day > today + timedelta(days=MAX_AHEAD_DAYS):
        return "far"
    return None


def parse(text: str, today: date) -> tuple[date | None, StayProblem | None]:
    """A typed last day ('30.12.2026' or '2026-12-30') and its problem, if any."""
    day = parse_date(text)
    if day is None:
        return None, "format"
    problem = check(day, today)
    return (None, problem) if problem else (day, None)


def erase_day(until: date, days: int) -> date:
    """The day the registration closes and its data is erased."""
    return until + timedelta(days=days)


def daytime(country: str, now: datetime, home: ZoneInfo, hours: str) -> bool:
    """Whether it is daytime where the citizen is ('10:00-20:00', as FRESH_HOURS)."""
    start, end = hours.split("-")
    local = now.astimezone(country_zone(country, home)).strftime("%H:%M")
    return start <= local < end


@dataclass(slots=True)
class Plan:
    """What the end-of-stay check does now."""

    ask: list[StayRow] = field(default_factory=list)
    warn: list[tuple[StayRow, date]] = field(default_factory=list)
    erase: list[StayRow] = field(default_factory=list)
    # Due for erasure but kept while a hotline ticket is open or a seat is held.
    held: int = 0


def plan(
    rows: Iterable[StayRow], now: datetime, home: ZoneInfo, erase_days: int, hours: str
) -> Plan:
    """Who is asked "are you still there?", warned of the erasure tomorrow, or erased now."""
    result = Plan()
    for row in rows:
        today = local_today(row.country, now, home)
        gone = erase_day(row.stay_until, erase_days)
        if today >= gone:
            if row.held:
                result.held += 1
            else:
                result.erase.append(row)
            continue
        if not daytime(row.country, now, home, hours):
            continue
        if today >= gone - timedelta(days=1) and not row.warned:
            result.warn.append((row, gone))
        elif today >= row.stay_until and not row.asked and row.active:
            result.ask.append(row)
    return result
