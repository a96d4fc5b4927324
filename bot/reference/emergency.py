"""Local emergency numbers per country, from the published table in data/emergency.tsv.

The table names its source in its header (libphonenumber's short-number metadata); the bot
shows only what is there, and nothing for a country the table does not list.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "emergency.tsv"
# A few numbers are enough to call; the source lists up to seven for some countries.
SHOWN = 4


@cache
def _table() -> dict[str, tuple[str, ...]]:
    table = {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, numbers = line.split("\t")
            table[code] = tuple(numbers.split())
    return table


def local_numbers(code: str | None) -> tuple[str, ...]:
    """The country's emergency numbers, the source's main one first; () when unknown."""
    return _table().get((code or "").upper(), ())[:SHOWN]
