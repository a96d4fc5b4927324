"""Telegram's length rule, in one place: lengths are counted in UTF-16 code units.

A message holds at most 4,096 units of visible text (after the HTML is parsed), a caption
1,024, a forum topic's name 128. A character outside the Basic Multilingual Plane (most
emoji) counts two: 3,302 characters of fuzzed text were 4,127 units, over the limit.
When the bot adds words to someone's text (a prefix, a signature, a date), it is the
bot's words that are split off or trimmed, never the text itself.
"""

from __future__ import annotations

import html
import re

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_TOPIC_NAME = 128

_TAG = re.compile(r"<[^>]*>")


def utf16_len(text: str) -> int:
    """The length of a text as Telegram counts it: UTF-16 code units."""
    # Every code point above U+FFFF is a surrogate pair; cheaper than encoding the text.
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def visible_len(html_text: str) -> int:
    """The length Telegram counts for an HTML text the bot built (tags off, entities decoded)."""
    return utf16_len(html.unescape(_TAG.sub("", html_text)))


def cut(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` units (a character is never halved)."""
    if utf16_len(text) <= limit:
        return text
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def split(text: str, limit: int = MAX_TEXT, first: int | None = None) -> list[str]:
    """`text` in pieces of at most `limit` units (the first of at most `first`), nothing lost.

    A piece ends at a line break or a space when there is one in its second half.
    """
    if limit < 2:
        raise ValueError("a piece must hold at least one character (2 units)")
    pieces: list[str] = []
    room = limit if first is None else max(first, 0)
    rest = text
    while utf16_len(rest) > room:
        piece = cut(rest, room)
        for mark in ("\n", " "):
            at = piece.rfind(mark)
            if at >= len(piece) // 2 and at > 0:
                piece = piece[: at + 1]
                break
        pieces.append(piece)
        rest = rest[len(piece) :]
        room = limit
    pieces.append(rest)
    return pieces
