"""Phone numbers as citizens type them, normalised to E.164 or refused."""

from __future__ import annotations

import pytest

from bot.reference.phones import normalize_phone


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
