"""Per-country directory: missions, contacts and the polling station status."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.i18n import LOCALES_DIR, Markup, Translator

DIRECTORY_FILE = LOCALES_DIR / "directory.yaml"
CONTACT_FIELDS = ("address", "hotline", "emergency", "email", "hours")
POLLING_STATUSES = ("open", "suspended", "unknown")


@dataclass(frozen=True, slots=True)
class Mission:
    """An embassy or consulate general and its contacts (empty until an admin fills them)."""

    kind: str
    city: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CountryInfo:
    """What the directory knows about one country."""

    code: str
    missions: tuple[Mission, ...]
    polling_status: str
    polling_note: dict[str, str]


def parse_directory(data: Any) -> dict[str, CountryInfo]:
    """Build the directory from its YAML document."""
    result = {}
    for code, item in (data.get("countries") or {}).items():
        missions = tuple(
            Mission(
                kind=m["kind"],
                city=dict(m.get("city") or {}),
                contacts={f: str(m.get(f) or "") for f in CONTACT_FIELDS},
            )
            for m in item.get("missions") or ()
        )
        polling = item.get("polling") or {}
        result[code] = CountryInfo(
            code=code,
            missions=missions,
            polling_status=polling.get("status", "unknown"),
            polling_note=dict(polling.get("note") or {}),
        )
    return result


@cache
def seed_directory(path: Path = DIRECTORY_FILE) -> dict[str, CountryInfo]:
    """The directory shipped in locales/directory.yaml."""
    return parse_directory(yaml.safe_load(path.read_text(encoding="utf-8")))


def render_contacts(t: Translator, info: CountryInfo | None, country_name: str) -> Markup:
    """The missions' contacts, or a pointer to the official resources when none are known."""
    lines = []
    for mission in info.missions if info else ():
        filled = {k: v for k, v in mission.contacts.items() if v}
        if not filled:
            continue
        city = mission.city.get(t.lang) or mission.city.get("ru") or ""
        lines.append(t(f"dir-{mission.kind}", country=country_name, city=city))
        lines.extend(t(f"dir-{key}", value=value) for key, value in filled.items())
    if not lines:
        return Markup(t("dir-no-contacts", country=country_name))
    return Markup("\n".join(lines))


def render_polling(t: Translator, info: CountryInfo | None, country_name: str) -> Markup:
    """The polling station status of a country, with its note."""
    status = info.polling_status if info else "unknown"
    text = t(f"polling-{status}", country=country_name)
    note = (info.polling_note.get(t.lang) or info.polling_note.get("ru")) if info else None
    return Markup(f"{text}\n{t('polling-note', note=note)}" if note else text)
