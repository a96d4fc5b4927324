"""Family invitation codes: random, used once, carried in a t.me/<bot>?start= link.

Only a code's SHA-256 is stored, so a copy of the database cannot be turned into working
links. 16 random bytes (128 bits) cannot be guessed; a forged or mistyped code simply
matches nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets

# The /start payload: Telegram allows up to 64 characters of A-Z a-z 0-9 _ -.
PREFIX = "fam_"
_CODE = re.compile(r"^[A-Za-z0-9_-]{22}$")


def new_code() -> str:
    """A fresh code: 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


def code_hash(code: str) -> str:
    """What is stored for a code."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def invite_link(bot_username: str, code: str) -> str:
    """The link a citizen sends to relatives."""
    return f"https://t.me/{bot_username}?start={PREFIX}{code}"


def code_of(payload: str) -> str | None:
    """The code in a /start payload, or None if the payload is not an invitation's."""
    if not payload.startswith(PREFIX):
        return None
    code = payload[len(PREFIX) :]
    return code if _CODE.fullmatch(code) else None
