"""Countries, offline geocoding, phone numbers and settings."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from bot.reference import countries, geo
from bot.reference.phones import normalize_phone
from bot.settings import Settings
from tests.support.fakebot import TEST_TOKEN


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Иран", "IR"), ("израиль", "IL"), ("Jordan", "JO"), ("ОАЭ", "AE"),
        ("Біріккен Араб Әмірліктері", "AE"), ("Түркия", "TR"), ("Türkiye", "TR"),
        ("Сауд Арабиясы", "SA"), ("Мысыр", "EG"), ("Egypt", "EG"), ("Эфиопия", "ET"),
        ("Украина", "UA"), ("Кувейт", "KW"), ("Бахрейн", "BH"), ("Сирия", "SY"),
        ("Германя", "DE"), ("UK", "GB"), ("Ливан", "LB"), ("Oman", "OM"),
    ],
)  # fmt: skip
def test_country_names_in_three_languages(typed: str, code: str) -> None:
    assert countries.search(typed) == [code]


def test_country_search_refuses_nonsense() -> None:
    assert countries.search("Нарния") == []
    assert countries.search("x") == []
    assert countries.get("ZZ") is None
    assert countries.get("ir") is None
    assert countries.get("IR") is not None


def test_region_names_exist_in_both_languages() -> None:
    for code in countries.REGION:
        country = countries.get(code)
        assert country is not None
        assert country.name("ru") != country.name("en")


@pytest.mark.parametrize(
    ("point", "code", "city"),
    [
        ((35.6892, 51.3890), "IR", "Tehran"),
        ((31.95, 35.93), "JO", "Amman"),
        ((25.2854, 51.5310), "QA", "Doha"),
        ((43.238, 76.945), "KZ", "Almaty"),
    ],
)
def test_geocoding_is_offline_and_finds_the_town(
    point: tuple[float, float], code: str, city: str
) -> None:
    place = geo.nearest(*point)
    assert place is not None
    assert place.country == code
    assert place.city == city


@pytest.mark.parametrize("point", [(15.0, 65.0), (0.0, 0.0), (-60.0, -30.0), (91.0, 0.0)])
def test_sea_and_nonsense_points_are_refused(point: tuple[float, float]) -> None:
    assert geo.nearest(*point) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+7 701 123 45 67", "+77011234567"), ("87011234567", "+77011234567"),
        ("8 (701) 123-45-67", "+77011234567"), ("+971 50 123 4567", "+971501234567"),
        ("971501234567", "+971501234567"), ("12345", None), ("phone", None),
        ("+7 701 123 45 67 89 00 11 22", None), ("", None),
    ],
)  # fmt: skip
def test_phone_numbers(typed: str, expected: str | None) -> None:
    assert normalize_phone(typed) == expected


def test_settings_parse_and_derive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("ADMIN_IDS", "111, 222")
    monkeypatch.setenv("BOT_API_BASE_URL", "http://127.0.0.1:8081/bot")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_ids == frozenset({111, 222})
    assert settings.file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.token() == TEST_TOKEN
    assert TEST_TOKEN not in repr(settings)
    assert str(settings.tz) == "Asia/Almaty"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TOKEN", "not-a-token"), ("ADMIN_IDS", "1,abc"), ("TIMEZONE", "Mars/Phobos"),
        ("BOT_API_BASE_URL", "ftp://x"), ("POLL_TIMEOUT", "500"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_notice_text_checks_what_telegram_would_refuse() -> None:
    from bot.notices import text as notice_text

    assert notice_text.problem("<b>Рейс</b> в 10:00", 4096) is None
    assert notice_text.problem("<b>Рейс", 4096) == "markup"
    assert notice_text.problem("<script>x</script>", 4096) == "markup"
    assert notice_text.problem('<a href="">x</a>', 4096) == "markup"
    assert notice_text.problem("я" * 1025, 1024) == "long"
    assert notice_text.problem("&lt;b&gt;" * 10, 4096) is None
    assert notice_text.problem("<b></b>", 4096) == "empty"


def test_schedule_parsing_and_local_times() -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from bot.notices import schedule

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


async def test_pacer_spaces_starts_and_makes_up_only_for_a_short_lag() -> None:
    import itertools
    import time

    from bot.runtime.limiter import CATCH_UP, Pacer

    pacer = Pacer(100)
    burst = int(CATCH_UP * 100)  # slots "lost" before the first call are made up at once

    async def stamps(n: int) -> list[float]:
        out = []
        for _ in range(n):
            await pacer.wait()
            pacer.done()
            out.append(time.monotonic())
        return out

    first = await stamps(burst + 21)
    gaps = [b - a for a, b in itertools.pairwise(first[burst:])]
    assert min(gaps) > 0.004  # one late wake-up shortens the next gap, never more
    assert 0.19 < first[-1] - first[burst] < 0.3
    # A long stall: only CATCH_UP's worth of slots are sent back to back, then spacing.
    await asyncio.sleep(0.3)
    after = await stamps(burst + 5)
    assert after[burst] - after[0] < 0.02
    assert after[-1] - after[burst] > 0.03


async def test_pacer_counts_unpaced_sends_in_its_window() -> None:
    import time

    from bot.runtime.limiter import Pacer

    pacer = Pacer(10, window=0.2)
    for _ in range(pacer.limit):  # replies and progress edits fill the window
        pacer.count()
    for _ in range(pacer.limit):
        pacer.done()
    started = time.monotonic()
    await pacer.wait()  # a broadcast waits until they leave it
    assert time.monotonic() - started > 0.15
    pacer.done()
