"""Urgency in free text: the word list of locales/urgency.yaml, matched the way the FAQ reads.

A citizen who writes "помогите", "нас задержали", "көмектесіңіз" or "jaralandy" should not
wait behind visa questions: the hotline marks the ticket urgent and gives the emergency
line at once. The list is data that admins change (the file explains its format); texts are
folded like FAQ questions (bot.faq.matcher.fold), so one entry serves Russian and Kazakh,
Cyrillic and Latin typing, with or without the Kazakh letters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.faq.matcher import fold
from bot.i18n import LOCALES_DIR

URGENCY_FILE = LOCALES_DIR / "urgency.yaml"
NOT = "not"
_WORD = re.compile(r"[^\W\d_]+")


class UrgencyError(ValueError):
    """The word list cannot be read (the message says where)."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """One entry: folded words, each matched whole or (ending in *) as a prefix."""

    words: tuple[tuple[str, bool], ...]
    entry: str

    def at(self, tokens: list[str], start: int) -> bool:
        """Whether the entry matches the tokens from `start` on."""
        if start + len(self.words) > len(tokens):
            return False
        for offset, (word, prefix) in enumerate(self.words):
            token = tokens[start + offset]
            if not (token.startswith(word) if prefix else token == word):
                return False
        return True


def tokens(text: str) -> list[str]:
    """The folded words of a text (no stop words dropped: "нет воды" needs its "нет")."""
    return _WORD.findall(fold(text))


def _pattern(entry: str, where: str) -> Pattern:
    words = []
    for raw in entry.split():
        prefix = raw.endswith("*")
        folded = tokens(raw.rstrip("*"))
        if len(folded) != 1:
            raise UrgencyError(f"{where}: {entry!r} is not a word or a phrase of words")
        words.append((folded[0], prefix))
    if not words:
        raise UrgencyError(f"{where}: an empty entry")
    return Pattern(tuple(words), entry)


@dataclass(frozen=True, slots=True)
class UrgencyWords:
    """Categories of patterns, and the phrases that void a match inside them."""

    categories: dict[str, tuple[Pattern, ...]]
    voids: tuple[Pattern, ...] = ()

    def match(self, text: str | None) -> tuple[str, str] | None:
        """The first (category, entry) the text matches; None for an ordinary text."""
        if not text:
            return None
        words = tokens(text)
        void = [False] * len(words)
        for pattern in self.voids:
            for start in range(len(words)):
                if pattern.at(words, start):
                    for index in range(start, start + len(pattern.words)):
                        void[index] = True
        for category, patterns in self.categories.items():
            for pattern in patterns:
                for start in range(len(words)):
                    span = range(start, start + len(pattern.words))
                    if pattern.at(words, start) and not all(void[i] for i in span):
                        return category, pattern.entry
        return None

    def urgent(self, text: str | None) -> bool:
        """Whether the text calls for urgent help."""
        return self.match(text) is not None


def parse(document: Any) -> UrgencyWords:
    """The word list from its YAML document (see locales/urgency.yaml)."""
    if not isinstance(document, dict) or not document:
        raise UrgencyError("the word list must map categories to their words")
    categories: dict[str, tuple[Pattern, ...]] = {}
    voids: tuple[Pattern, ...] = ()
    for category, languages in document.items():
        if not isinstance(languages, dict):
            raise UrgencyError(f"{category}: expected ru: and kk: lists")
        patterns = []
        for lang, entries in languages.items():
            if lang not in ("ru", "kk") or not isinstance(entries, list):
                raise UrgencyError(f"{category}.{lang}: expected a list under ru: or kk:")
            for entry in entries:
                patterns.append(_pattern(str(entry), f"{category}.{lang}"))
        if category == NOT:
            voids = tuple(patterns)
        else:
            categories[str(category)] = tuple(patterns)
    return UrgencyWords(categories, voids)


def load(path: Path = URGENCY_FILE) -> UrgencyWords:
    """Read the word list (at start-up); UrgencyError with the place of a mistake."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UrgencyError(f"{path.name}: {exc}") from None
    return parse(document)
