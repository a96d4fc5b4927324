"""How many SMS a text takes: GSM-7 (160 characters, 153 a part) or UCS-2 (70, 67).

Cyrillic, Kazakh letters and emoji need UCS-2, whose parts count UTF-16 units; GSM-7's
extension characters (such as € and [ ]) take two of its septets.
"""

from __future__ import annotations

from dataclasses import dataclass

_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True, slots=True)
class Length:
    """A text's size as an SMS."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int

    @property
    def per_part(self) -> int:
        """Characters a part holds at this length (one part, or one of several)."""
        single, multi = (160, 153) if self.encoding == "GSM-7" else (70, 67)
        return single if self.parts <= 1 else multi


def measure(text: str) -> Length:
    """The encoding, length and number of parts of `text` as one SMS."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
        encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
        encoding = "UCS-2"
    if units == 0:
        parts = 0
    elif units <= single:
        parts = 1
    else:
        parts = -(-units // multi)
    return Length(encoding, units, parts)
