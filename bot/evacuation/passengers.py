"""The passport data a confirmed party gives, checked before it is stored. No Telegram.

Asked only when a citizen confirms seats and used only for the departure's manifest: the name
as printed in the passport's Latin line (what airlines and border posts match), the passport
or ID card number, and the date of birth.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from bot.notices.schedule import parse_date

MAX_NAME = 100
# Children travel too; nobody is older than this.
MAX_AGE_YEARS = 120
_NAME = re.compile(r"^[A-Z][A-Z' -]*[A-Z]$")
# ICAO 9303: a document number is up to 9 letters and digits. Kazakh passports are N and 8
# digits, ID cards 9 digits; other countries' passports (a spouse's) are 6 to 9 characters.
_PASSPORT = re.compile(r"^(?=.*\d)[A-Z0-9]{6,9}$")

Problem = Literal["too-long", "latin", "passport", "date", "future", "too-old"]


def name(text: str) -> tuple[str | None, Problem | None]:
    """'Serikova  Aigerim' -> 'SERIKOVA AIGERIM'; Latin letters, spaces, hyphens, apostrophes."""
    value = " ".join(text.split()).upper()
    if len(value) > MAX_NAME:
        return None, "too-long"
    if len(value) < 2 or not _NAME.match(value):
        return None, "latin"
    return value, None


def passport(text: str) -> tuple[str | None, Problem | None]:
    """'n 1234 5678' -> 'N12345678'."""
    value = re.sub(r"[\s\-]+", "", text).upper()
    if not _PASSPORT.match(value):
        return None, "passport"
    return value, None


def birth_date(text: str, today: date) -> tuple[str | None, Problem | None]:
    """'05.03.2019' or '2019-03-05' -> '2019-03-05'; not in the future, not before 120 years."""
    value = parse_date(text)
    if value is None:
        return None, "date"
    if value > today:
        return None, "future"
    if value.year < today.year - MAX_AGE_YEARS:
        return None, "too-old"
    return value.isoformat(), None


def shown_date(iso: str) -> str:
    """A stored date of birth as people write it: 05.03.2019."""
    return date.fromisoformat(iso).strftime("%d.%m.%Y")
