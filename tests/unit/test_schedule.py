"""Notice schedules: typed dates and times, local times per country, the next run."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.notices import schedule


def test_schedule_parsing_and_local_times() -> None:
    assert schedule.parse_when("2030-01-10 9:05") == datetime(2030, 1, 10, 9, 5)  # noqa: DTZ001
    assert schedule.parse_when("10.01.2030 09:05") == datetime(2030, 1, 10, 9, 5)  # noqa: DTZ001
    assert schedule.parse_when("2030-02-30 09:00") is None
    assert schedule.parse_time("9:00") == "09:00"
    assert schedule.parse_time("24:00") is None
    assert schedule.parse_date("30.11.2026") == date(2026, 11, 30)
    home = ZoneInfo("Asia/Almaty")
    due = schedule.instants("2030-01-10 09:00", "local", home, ["AE", "TR", "RU"])
    assert isinstance(due, dict)
    assert {c: t.utcoffset().total_seconds() / 3600 for c, t in due.items()} == {  # type: ignore[union-attr]
        "AE": 4, "TR": 3, "RU": 3,
    }  # fmt: skip
    assert schedule.following("daily", "2030-01-10 09:00", "2030-01-11") == "2030-01-11 09:00"
    assert schedule.following("daily", "2030-01-11 09:00", "2030-01-11") is None
    assert schedule.following("at", "2030-01-10 09:00", None) is None
