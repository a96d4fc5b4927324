"""Settings from the environment: parsed, derived, and refused with the reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from tests.support.fakebot import TEST_TOKEN


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
        ("EMERGENCY_LINE", "call the embassy"), ("EMERGENCY_LINE", "+7 12"),
        ("HOTLINE_ANSWER_MINUTES", "0"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_the_emergency_line_is_kept_as_the_operator_wrote_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EMERGENCY_LINE", " +7 7172  00 00 00 ")
    assert Settings(_env_file=None).emergency_line == "+7 7172 00 00 00"  # type: ignore[call-arg]
    monkeypatch.setenv("EMERGENCY_LINE", "")
    assert Settings(_env_file=None).emergency_line == ""  # type: ignore[call-arg]


def test_the_next_opening_of_the_hotline() -> None:
    from datetime import UTC, datetime

    settings = Settings(_env_file=None, working_hours="09:00-18:00")  # type: ignore[call-arg]
    night = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # 23:30 in Astana (UTC+5)
    opening = settings.next_opening(night)
    assert opening.astimezone(settings.tz).strftime("%d %H:%M") == "02 09:00"
    day = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 11:00 in Astana
    assert settings.next_opening(day) == day
