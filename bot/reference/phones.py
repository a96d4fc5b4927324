"""Phone numbers: accept international numbers only, store them in E.164."""

from __future__ import annotations

import re

import phonenumbers


def normalize_phone(text: str) -> str | None:
    """E.164 form of a valid international number, or None.

    A number without a leading + is read as international too ("7 701 ..." from people who
    drop the plus), because a citizen abroad has no single home region to assume.
    """
    raw = text.strip()
    if not re.fullmatch(r"\+?[\d\s()\-.]{6,24}", raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if not raw.startswith("+") and len(digits) == 11 and digits.startswith("8"):
        # Kazakhstan's domestic trunk prefix: 8 7xx ... is +7 7xx ...
        raw = "+7" + digits[1:]
    elif not raw.startswith("+"):
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
