"""When a notice's occurrences fall due: wall-clock times in Astana or in each country."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

# Countries spanning several zones: the capital's zone, not zone.tab's first line.
_CAPITAL_ZONE = {
    "RU": "Europe/Moscow", "US": "America/New_York", "CA": "America/Toronto",
    "AU": "Australia/Sydney", "BR": "America/Sao_Paulo", "MX": "America/Mexico_City",
    "ID": "Asia/Jakarta", "CN": "Asia/Shanghai", "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon", "DE": "Europe/Berlin", "AR": "America/Argentina/Buenos_Aires",
}  # fmt: skip

NOW = "now"
# re.ASCII: \d is 0-9 only; a "²" typed as a date must be refused, not crash int().
_WHEN = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:.](\d{2})\s*$", re.ASCII)
_WHEN_DMY = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2})[:.](\d{2})\s*$", re.ASCII)
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$", re.ASCII)
_DATE = re.compile(
    r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.(\d{4}))\s*$", re.ASCII
)


@cache
def _zone_table() -> dict[str, str]:
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    zones: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _, name = line.split("\t")[:3]
            zones.setdefault(code, name)
    zones.update(_CAPITAL_ZONE)
    return zones


def country_zone(code: str, fallback: ZoneInfo) -> ZoneInfo:
    """The time zone of a country (its capital's when it has several)."""
    name = _zone_table().get(code.upper())
    return ZoneInfo(name) if name else fallback


def parse_when(text: str) -> datetime | None:
    """'2026-11-23 09:00' or '23.11.2026 09:00' as a naive wall-clock time."""
    match = _WHEN.match(text)
    if match:
        y, mo, d, h, mi = (int(g) for g in match.groups())
    elif match := _WHEN_DMY.match(text):
        d, mo, y, h, mi = (int(g) for g in match.groups())
    else:
        return None
    try:
        return datetime(y, mo, d, h, mi)  # noqa: DTZ001 - a wall-clock time, zone applied later
    except ValueError:
        return None


def parse_time(text: str) -> str | None:
    """'9:00' -> '09:00'."""
    match = _TIME.match(text)
    if not match:
        return None
    h, m = int(match.group(1)), int(match.group(2))
    return f"{h:02d}:{m:02d}" if h < 24 and m < 60 else None


def parse_date(text: str) -> date | None:
    """'2026-11-30' or '30.11.2026'."""
    match = _DATE.match(text)
    if not match:
        return None
    g = match.groups()
    y, mo, d = (g[0], g[1], g[2]) if g[0] else (g[5], g[4], g[3])
    try:
        return date(int(y or 0), int(mo or 0), int(d or 0))
    except ValueError:
        return None


def wall(run: str) -> datetime:
    """The wall-clock time of an occurrence key 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(run, "%Y-%m-%d %H:%M")  # noqa: DTZ007 - zone applied by caller


def run_key(moment: datetime) -> str:
    """The occurrence key of a wall-clock time."""
    return moment.strftime("%Y-%m-%d %H:%M")


def instants(
    run: str, tz_mode: str, home: ZoneInfo, countries: list[str]
) -> dict[str, datetime] | datetime:
    """When an occurrence is due: one instant (Astana), or one per country (local time)."""
    moment = wall(run)
    if tz_mode != "local":
        return moment.replace(tzinfo=home)
    return {c: moment.replace(tzinfo=country_zone(c, home)) for c in countries}


def fill_instant(due: dict[str, datetime] | datetime, fallback: datetime) -> datetime:
    """When to queue an occurrence: its earliest due instant."""
    if isinstance(due, dict):
        return min(due.values()) if due else fallback
    return due


def following(schedule: str, run: str, until: str | None) -> str | None:
    """The occurrence after `run`: the next day for daily notices up to `until`, else none."""
    if schedule != "daily" or run == NOW:
        return None
    nxt = wall(run) + timedelta(days=1)
    if until is not None and nxt.date() > date.fromisoformat(until):
        return None
    return run_key(nxt)


def first_daily(at: str, start: date) -> str:
    """The first occurrence of a daily notice at `at` from the day `start`."""
    return run_key(datetime.combine(start, time.fromisoformat(at)))
