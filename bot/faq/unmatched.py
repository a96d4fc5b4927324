"""Questions the FAQ could not answer: stripped of personal data before they are stored,
and grouped by similarity for the admins' /faq_report.

What is removed: every word with a digit in it (phones, passport numbers, dates, flights),
e-mail addresses, links and @usernames, patronymics, and capitalised words that are neither
in the FAQ's vocabulary nor a country's name (names of people; sometimes a city too, which
errs on the side of privacy). A name typed in lower case is not caught; it is rare in
questions and the text stays with its asker only until they erase their data.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from bot.faq.matcher import fold, kazakh_stem, stem, words
from bot.reference import countries

MAX_STORED = 300
# Two questions are one group when the stems they share weigh this much of the smaller's.
SIMILAR = 0.6
# Wordings of a group that newcomers are compared with, and groups weighed per question,
# at most: grouping 100,000 questions stays well under a second (bench/scale.py).
_MEMBERS = 8
_CANDIDATES = 12
# Groups a stem points to, at most: the largest come first, and a question joins one of
# them; without a cap a common stem ("паспо") would make grouping quadratic.
_POSTINGS = 24
_CONTACT = re.compile(r"@|https?:|www\.|t\.me/|\.(com|kz|ru|org|net)\b", re.IGNORECASE)
_PATRONYMIC = re.compile(
    r"(ович|евич|ьич|овна|евна|ична|инична|улы|ұлы|кызы|қызы)$", re.IGNORECASE
)
_EDGES = "\"'«»()[]{}.,;:!?—–-…"


@cache
def _country_prefixes() -> frozenset[str]:
    """Folded beginnings of the names of the region's countries and Kazakhstan, long enough
    to tell "Катара" (a country) from "Катерина" (a person)."""
    found = set()
    for code in (*countries.REGION, "KZ"):
        country = countries.get(code)
        for lang in ("ru", "kk", "en"):
            for word in fold(country.name(lang)).split() if country else ():
                if len(word) >= 3:
                    found.add(word if len(word) <= 4 else word[: min(6, len(word) - 1)])
    return frozenset(found)


def known_word(vocabulary: Iterable[str] | Callable[[str], bool]) -> Callable[[str], bool]:
    """Whether a capitalised word is an ordinary word: a stop word, a term of the FAQ's
    vocabulary (its stems), or a country."""
    has = vocabulary if callable(vocabulary) else frozenset(vocabulary).__contains__
    prefixes = _country_prefixes()

    def known(word: str) -> bool:
        meaningful = words(word)
        if not meaningful:
            return True  # a stop word ("Где", "Как") or a single letter
        folded = meaningful[0]
        if has(stem(folded)) or has(kazakh_stem(folded)):
            return True
        return any(folded[:n] in prefixes for n in range(3, 7))

    return known


def scrub(text: str, known: Callable[[str], bool]) -> str:
    """The question without numbers, contacts and names; empty if nothing is left."""
    kept: list[str] = []
    for token in text.split():
        core = token.strip(_EDGES)
        if not core:
            continue
        if any(ch.isdigit() for ch in token) or _CONTACT.search(token):
            continue
        if _PATRONYMIC.search(core):
            continue
        titled = core[0].isupper() and not core.isupper()
        if titled and not known(core):
            continue
        kept.append(token)
    cleaned = " ".join(kept)[:MAX_STORED].strip(" ,;:—–-")
    return cleaned if key_of(cleaned) else ""


def key_of(text: str) -> str:
    """The question's meaningful word stems, sorted: questions worded alike share it."""
    return " ".join(sorted({stem(w) for w in words(text)}))


@dataclass
class Group:
    """Similar questions: how often they were asked, and a few of their texts."""

    count: int
    examples: list[str] = field(default_factory=list)
    variants: int = 0
    # The stems of its first wordings and their weight, to compare newcomers with.
    members: list[tuple[frozenset[str], float]] = field(default_factory=list)

    @property
    def sample(self) -> str:
        """The most asked wording."""
        return self.examples[0] if self.examples else ""


def group(keys: Sequence[tuple[str, int, str]], max_examples: int = 3) -> list[Group]:
    """Group (key, count, sample) rows, most asked first, by the similarity of their stems.

    Stems are weighted by how rare they are among the questions (a "можно" in every second
    question says little, a "кошку" says what it is about). Greedy: rows in order of count;
    a row joins the group with the most similar early wording (the shared weight over the
    smaller of the two, at least SIMILAR, and two stems in common), or starts a new group.
    """
    rows = sorted(keys, key=lambda row: (-row[1], row[0]))
    spread = Counter(stem for key, _, _ in rows for stem in set(key.split()))
    weight = {stem: math.log(1 + len(rows) / n) for stem, n in spread.items()}
    groups: list[Group] = []
    postings: dict[str, list[int]] = {}
    for key, count, sample in rows:
        stems = frozenset(key.split())
        mass = sum(weight[s] for s in stems)
        candidates: Counter[int] = Counter()
        for s in stems:
            candidates.update(postings.get(s, ()))
        best, best_score = -1, 0.0
        # The groups that share the most stems with it are the only ones worth weighing.
        for index, _ in candidates.most_common(_CANDIDATES):
            for other, other_mass in groups[index].members:
                shared = stems & other
                if len(shared) < 2 or not mass or not other_mass:
                    continue
                score = sum(weight[s] for s in shared) / min(mass, other_mass)
                if score > best_score:
                    best, best_score = index, score
        if best >= 0 and best_score >= SIMILAR:
            found = groups[best]
            found.count += count
            found.variants += 1
            if len(found.examples) < max_examples and sample not in found.examples:
                found.examples.append(sample)
            if len(found.members) < _MEMBERS:
                found.members.append((stems, mass))
                _post(postings, stems, best)
            continue
        groups.append(Group(count, [sample], 1, [(stems, mass)]))
        _post(postings, stems, len(groups) - 1)
    return sorted(groups, key=lambda g: -g.count)


def _post(postings: dict[str, list[int]], stems: frozenset[str], index: int) -> None:
    for s in stems:
        bucket = postings.setdefault(s, [])
        if len(bucket) < _POSTINGS and index not in bucket:
            bucket.append(index)
