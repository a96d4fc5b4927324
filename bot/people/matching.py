"""How /find compares names and cities: one Latin skeleton for Cyrillic, Kazakh and Latin.

A relative abroad types "Serikova Aigerim", a consul "серикова", the register holds
"СЕРИКОВА Айгерим": all three become " serikova aigerim". Stored keys and typed queries go
through the same function, and a query word matches the start of a word in the key.
Stored keys are this function's output: a change to it needs a migration that sets
people_search.search_key to NULL (the bot recomputes them) and recomputes the members' keys.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.reference.phones import normalize_phone

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i",
}  # fmt: skip
# Kazakh Latin (2021) letters whose accent-free form would mean another sound, and Latin
# spellings of the same sounds: ş is ш, j is ж, q is қ, y is й or ы.
_LATIN = {"ş": "sh", "ç": "ch", "ı": "i", "ğ": "g", "ñ": "n", "q": "k", "j": "zh", "y": "i"}
_SPELLINGS = (("kh", "h"), ("dzh", "zh"), ("tz", "ts"), ("x", "ks"), ("w", "v"))
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Doubled letters are spelled either way (Ахмеддинов, Ahmedinov); doubled digits are not.
_DOUBLE = re.compile(r"([^\W\d_])\1+")

MIN_NEEDLE = 2
MAX_NEEDLES = 5


def skeleton(word: str) -> str:
    """One word as /find compares it: lower case, Latin letters, no doubled letters."""
    text = word.casefold()
    text = "".join(_LATIN.get(ch, _CYRILLIC.get(ch, ch)) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for spelling, sound in _SPELLINGS:
        text = text.replace(spelling, sound)
    return _DOUBLE.sub(r"\1", text)


def words(text: str) -> list[str]:
    """The skeletons of a text's words, in order."""
    return [s for s in (skeleton(w) for w in _WORD.findall(text)) if s]


def search_key(*parts: str | None) -> str:
    """The stored key of a name (and city): its words, each after a space."""
    found = [w for part in parts if part for w in words(part)]
    return "".join(" " + w for w in found) + " "


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed /find query: a phone, or words to find at the start of words."""

    phone: str | None = None
    needles: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing searchable was typed."""
        return self.phone is None and not self.needles


def parse_query(text: str) -> Query:
    """A phone number if the text is one, else up to five words of at least two letters."""
    text = text.strip()
    if re.fullmatch(r"\+?[\d\s()\-.]{6,24}", text):
        phone = normalize_phone(text)
        return Query(phone=phone) if phone else Query()
    needles = tuple(" " + w for w in words(text) if len(w) >= MIN_NEEDLE)[:MAX_NEEDLES]
    return Query(needles=needles)
