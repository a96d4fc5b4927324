"""Per-country directory: missions, contacts and the polling station status."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.faq import schema
from bot.i18n import Markup, Translator

CONTACT_FIELDS = schema.CONTACT_FIELDS
POLLING_STATUSES = schema.POLLING_STATUSES


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


def parse_directory(document: schema.Document) -> dict[str, CountryInfo]:
    """Build the directory from its validated document."""
    result = {}
    for code, item in (document.directory or {}).items():
        missions = tuple(
            Mission(
                kind=m.kind,
                city=m.city.model_dump() if m.city else {},
                contacts={f: getattr(m, f) or "" for f in CONTACT_FIELDS},
            )
            for m in item.missions or ()
        )
        polling = item.polling or schema.Polling()
        result[code] = CountryInfo(
            code=code,
            missions=missions,
            polling_status=polling.status,
            polling_note=polling.note.model_dump() if polling.note else {},
        )
    return result


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
