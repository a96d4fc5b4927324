"""Telegram's length rule in UTF-16 units, and numbers in ASCII digits (issue 14, 9-10)."""

from __future__ import annotations

import random

import pytest

from bot.reference.telegram_text import cut, split, utf16_len, visible_len
from handlers.common import ascii_int


def test_length_is_counted_in_utf16_units() -> None:
    # The fuzzed text of the issue: emoji among letters, 3,302 characters, 4,127 units.
    rng = random.Random(14)
    text = "".join(rng.choice(["я", "😀"]) for _ in range(3302))
    assert len(text) == 3302
    assert utf16_len(text) == len(text.encode("utf-16-le")) // 2
    assert utf16_len("😀") == 2
    assert utf16_len("я") == 1
    assert utf16_len("🇯🇴") == 4
    assert visible_len("<b>😀</b> &amp; я") == 6


def test_cut_never_halves_a_character() -> None:
    assert cut("a😀b", 2) == "a"
    assert cut("a😀b", 3) == "a😀"
    assert cut("short", 128) == "short"


@pytest.mark.parametrize("first", [None, 0, 1, 33, 4000])
def test_split_keeps_every_character_within_the_limits(first: int | None) -> None:
    rng = random.Random(first)
    text = "".join(rng.choice(["слово ", "😀", "\n", "x"]) for _ in range(6000))
    pieces = split(text, 4096, first=first)
    assert "".join(pieces) == text
    assert utf16_len(pieces[0]) <= (4096 if first is None else first)
    assert all(utf16_len(p) <= 4096 for p in pieces)


def test_split_prefers_a_line_break_or_a_space() -> None:
    pieces = split("a" * 3000 + "\n" + "b" * 3000, 4096)
    assert pieces == ["a" * 3000 + "\n", "b" * 3000]


@pytest.mark.parametrize("text", ["²", "①", "٣", "１２", "-1", "+1", " 1", "1 ", "", "1.0"])
def test_only_ascii_digits_are_numbers(text: str) -> None:
    assert ascii_int(text) is None


def test_what_isdigit_calls_a_digit() -> None:
    # Why str.isdigit() is not used: it accepts these, and int() refuses the first two.
    assert all(ch.isdigit() for ch in ("²", "①", "٣"))
    with pytest.raises(ValueError, match="invalid literal"):
        int("²")


def test_ascii_numbers_and_their_length() -> None:
    assert ascii_int("0") == 0
    assert ascii_int("20") == 20
    assert ascii_int("1234", max_digits=3) is None
    assert ascii_int(None) is None
