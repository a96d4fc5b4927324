"""Country directory: ISO codes, names in Russian/Kazakh/English, typed-name lookup."""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pycountry
from rapidfuzz import fuzz, process

# The transit hubs where flights stop and people get stuck come first (a citizen at Doha's
# airport at night should not hunt for Qatar), then the escalation region in the order the
# ministry lists it.
HUBS: tuple[str, ...] = ("QA", "AE", "TR")
REGION: tuple[str, ...] = (
    *HUBS,
    "IR", "IL", "JO", "OM", "LB", "KW",
    "SA", "BH", "IQ", "SY", "EG", "UA", "ET",
)  # fmt: skip

# Names people actually type that ISO does not carry (abbreviations, short forms).
_ALIASES: dict[str, tuple[str, ...]] = {
    "AE": (
        "ОАЭ",
        "Эмираты",
        "Арабские Эмираты",
        "БАӘ",
        "Әмірліктер",
        "UAE",
        "Emirates",
        "Дубай",
        "Абу-Даби",
        "Dubai",
        "Abu Dhabi",
    ),
    "US": ("США", "Америка", "USA", "America"),
    "GB": ("Великобритания", "Англия", "UK", "England", "Британия"),
    "SY": ("Сирия", "Syria"),
    "IR": ("Persia", "Персия"),
    "KR": ("Южная Корея", "Корея", "Оңтүстік Корея", "South Korea", "Korea"),
    "RU": ("Россия", "Russia"),
    "CZ": ("Чехия", "Czechia"),
    "TR": ("Турция", "Туркия", "Türkiye", "Turkey"),
    "EG": ("Египет", "Egypt"),
    "KZ": ("Казахстан", "Kazakhstan"),
}

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """Casefold, drop punctuation and accents, fold ё to е: the form names are compared in."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ё", "е"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch) or ch == "\u0306")
    text = unicodedata.normalize("NFC", text)
    return _PUNCT.sub(" ", text).strip()


def flag(code: str) -> str:
    """The emoji flag of an ISO alpha-2 code."""
    return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in code.upper())


@dataclass(frozen=True, slots=True)
class Country:
    """One country with its display names."""

    code: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        """Name in the given language, falling back to Russian."""
        return self.names.get(lang) or self.names["ru"]


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])


@cache
def all_countries() -> dict[str, Country]:
    """Every ISO 3166-1 country, keyed by alpha-2 code."""
    result = {}
    for entry in pycountry.countries:
        base = entry.name
        names = {
            "en": getattr(entry, "common_name", base),
            "ru": _translations("ru").gettext(base),
            "kk": _translations("kk").gettext(base),
        }
        result[entry.alpha_2] = Country(entry.alpha_2, names)
    # Short forms the ministry uses instead of the long ISO names.
    result["SY"].names.update(ru="Сирия", kk="Сирия")
    result["US"].names.update(ru="США")
    result["GB"].names.update(ru="Великобритания")
    result["RU"].names.update(ru="Россия")
    return result


def get(code: str) -> Country | None:
    """Look a country up by its alpha-2 code (None for anything else, e.g. forged input)."""
    if not re.fullmatch(r"[A-Z]{2}", code):
        return None
    return all_countries().get(code)


@cache
def _index() -> tuple[list[str], list[str]]:
    """Parallel lists of normalized names and their country codes."""
    names: list[str] = []
    codes: list[str] = []
    for code, country in all_countries().items():
        entry = pycountry.countries.get(alpha_2=code)
        variants = {
            *country.names.values(),
            getattr(entry, "name", ""),
            getattr(entry, "official_name", ""),
        }
        variants.update(_ALIASES.get(code, ()))
        for variant in variants:
            if variant:
                names.append(normalize(variant))
                codes.append(code)
    return names, codes


def search(text: str, limit: int = 3) -> list[str]:
    """Country codes matching a typed name, best first; one item when the match is certain."""
    query = normalize(text)
    if len(query) < 2:
        return []
    names, codes = _index()
    exact = {codes[i] for i, name in enumerate(names) if name == query}
    if len(exact) == 1:
        return list(exact)
    if len(query) in (2, 3) and query.isascii():
        entry = pycountry.countries.get(alpha_2=query.upper()) or pycountry.countries.get(
            alpha_3=query.upper()
        )
        if entry is not None:
            return [entry.alpha_2]
    hits = process.extract(query, names, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=80)
    ordered: list[str] = []
    for _, score, idx in sorted(hits, key=lambda h: -h[1]):
        if codes[idx] not in ordered:
            ordered.append(codes[idx])
        if score >= 97 and len(ordered) == 1 and len(query) >= 4:
            return ordered
    return ordered[:limit]


def label(code: str | None, lang: str, missing: str = "—") -> str:
    """The one "flag + name" label of a country in a language; `missing` for an unknown code."""
    country = get(code or "")
    if country is None:
        return missing
    return f"{flag(country.code)} {country.name(lang)}"


def code_of(text: str, names: bool = True) -> str | None:
    """The country a typed word means: an ISO alpha-2 code, or (with `names`) one certain name."""
    word = text.strip()
    if get(word.upper()) is not None:
        return word.upper()
    if not names:
        return None
    found = search(word)
    return found[0] if len(found) == 1 else None


def parse_codes(text: str, names: bool = True) -> tuple[list[str], str | None]:
    """Countries from a list typed with commas or semicolons: (codes in order, first bad part).

    The one parser for typed country lists (audiences, /grant, /stats); a bad part stops the
    parse, so the caller can name it back to the user instead of silently dropping it.
    """
    codes: list[str] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        code = code_of(part, names=names)
        if code is None:
            return codes, part
        if code not in codes:
            codes.append(code)
    return codes, None
