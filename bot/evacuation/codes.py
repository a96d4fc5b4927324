"""Boarding codes, confirmation numbers and offer tokens; the boarding QR image. No Telegram.

A boarding code is the party's ticket at the gate: 8 characters from an alphabet without
look-alikes (no 0/O, 1/I/L), random, so it cannot be guessed from another one. Staff type it
(dashes and case do not matter) or scan its QR code, which opens the bot with the code.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterator

import segno

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
# The /start payload a scanned boarding QR sends (Telegram allows A-Z, a-z, 0-9, _ and -).
START_PREFIX = "board_"
_TYPED = re.compile(r"[\s\-]+")


def boarding_code() -> str:
    """A new random boarding code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def tokens() -> Iterator[str]:
    """Random parts for offers' buttons, as many as needed."""
    while True:
        yield secrets.token_hex(4)


def normalize(text: str) -> str | None:
    """A typed or scanned code as stored ('k7qx-4m2p' -> 'K7QX4M2P'); None if it cannot be one."""
    code = _TYPED.sub("", text.strip()).upper().removeprefix(START_PREFIX.upper())
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def shown(code: str) -> str:
    """The code as people read it: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def confirmation_number(departure_id: int, offer_id: int) -> str:
    """The party's reference for staff and the hotline (not a secret: the code is)."""
    return f"EV{departure_id}-{offer_id:04d}"


def start_link(bot_username: str, code: str) -> str:
    """The deep link in the QR: scanning it opens the bot and sends /start board_<code>."""
    return f"https://t.me/{bot_username}?start={START_PREFIX}{code}"


def qr_png(data: str) -> bytes:
    """The QR code of `data` as a PNG, large enough to scan from a phone screen.

    segno writes PNG itself (pure Python, no Pillow); error correction M survives a cracked
    screen or glare at the gate.
    """
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()
