"""Reply templates: the YAML document admins export, edit and upload, its validation, and
the rendering of a template for one citizen.

A template is plain text in Russian and Kazakh (what an officer would type), with
placeholders in braces that are filled per citizen: {name}, {ticket}, {contacts}. The text
is HTML-escaped when sent, so a "<" in a template never breaks the message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.i18n import LOCALES_DIR
from storage.models import LANGS

TEMPLATES_FILE = LOCALES_DIR / "templates.yaml"
# The row of the `content` table that holds the admins' last upload.
TEMPLATES_NAME = "templates"
MAX_DOCUMENT = 200_000
MAX_TEMPLATES = 60
# Room under Telegram's 4096 for the contacts block that {contacts} adds.
MAX_TEXT = 3000
# "dk:s:" + ticket + ":" + name must fit Telegram's 64 bytes of callback data.
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
PLACEHOLDERS = ("name", "ticket", "contacts")
PLACEHOLDER_RE = re.compile(r"\{([^{}\s]{0,40})\}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: a locale key and its arguments."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Template:
    """One reply template in both languages."""

    name: str
    text: dict[str, str]

    def placeholders(self, lang: str) -> set[str]:
        """The placeholders the text of one language uses."""
        return set(PLACEHOLDER_RE.findall(self.text[lang]))


@dataclass(frozen=True, slots=True)
class Templates:
    """The live templates, in file order."""

    items: tuple[Template, ...]

    def get(self, name: str) -> Template | None:
        """A template by name (None for unknown or forged names)."""
        return next((t for t in self.items if t.name == name), None)

    @property
    def names(self) -> list[str]:
        """Every template's name, in file order."""
        return [t.name for t in self.items]


@dataclass(frozen=True, slots=True)
class Changes:
    """What an upload changes, for the admin's confirmation."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """Nothing would change."""
        return not (self.added or self.removed or self.changed)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def seed_document() -> dict[str, Any]:
    """The templates shipped in locales/templates.yaml."""
    data: dict[str, Any] = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return data


def dump(document: dict[str, Any]) -> str:
    """YAML for humans: Cyrillic as is, keys in the file's order."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def load(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse an uploaded document; problems are returned, not raised."""
    if len(text) > MAX_DOCUMENT:
        return None, [Problem("tpl-err-size", {"max": MAX_DOCUMENT // 1000})]
    try:
        # An alias can make a small file expand into a huge one; templates never need one.
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader)):
            return None, [Problem("tpl-err-alias")]
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        return None, [Problem("tpl-err-yaml", {"line": line})]
    if not isinstance(data, dict) or not isinstance(data.get("templates"), list):
        return None, [Problem("tpl-err-structure")]
    return data, validate(data)


def validate(data: dict[str, Any]) -> list[Problem]:
    """Every problem of a parsed document (empty when it can be applied)."""
    problems: list[Problem] = []
    items = data["templates"]
    if not items:
        problems.append(Problem("tpl-err-empty"))
    if len(items) > MAX_TEMPLATES:
        problems.append(Problem("tpl-err-too-many", {"max": MAX_TEMPLATES}))
    seen: set[str] = set()
    for index, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not NAME_RE.match(name):
            problems.append(Problem("tpl-err-bad-name", {"where": f"templates[{index}]"}))
            continue
        if name in seen:
            problems.append(Problem("tpl-err-duplicate", {"name": name}))
        seen.add(name)
        texts = item.get("text")
        for lang in LANGS:
            text = texts.get(lang) if isinstance(texts, dict) else None
            if not isinstance(text, str) or not text.strip():
                problems.append(Problem("tpl-err-missing-lang", {"name": name, "lang": lang}))
                continue
            if utf16_len(text) > MAX_TEXT:
                problems.append(
                    Problem("tpl-err-too-long", {"name": name, "lang": lang, "max": MAX_TEXT})
                )
            for found in PLACEHOLDER_RE.findall(text):
                if found not in PLACEHOLDERS:
                    problems.append(
                        Problem(
                            "tpl-err-placeholder",
                            {"name": name, "lang": lang, "placeholder": "{" + found + "}",
                             "allowed": ", ".join("{" + p + "}" for p in PLACEHOLDERS)},
                        )
                    )  # fmt: skip
    return problems


def parse(data: dict[str, Any]) -> Templates:
    """Build the templates from a validated document."""
    return Templates(
        tuple(
            Template(item["name"], {lang: str(item["text"][lang]) for lang in LANGS})
            for item in data["templates"]
        )
    )


def diff(old: dict[str, Any], new: dict[str, Any]) -> Changes:
    """Templates added, removed and changed, by name."""
    before = {t["name"]: t for t in old["templates"]}
    after = {t["name"]: t for t in new["templates"]}
    return Changes(
        added=tuple(k for k in after if k not in before),
        removed=tuple(k for k in before if k not in after),
        changed=tuple(k for k in after if k in before and after[k] != before[k]),
    )


def render(text: str, values: Mapping[str, str]) -> str:
    """The template as HTML: its own text escaped, placeholders replaced by `values`
    (which are HTML already); a placeholder without a value is left out."""
    parts: list[str] = []
    position = 0
    for match in PLACEHOLDER_RE.finditer(text):
        parts.append(html.escape(text[position : match.start()], quote=False))
        name = match.group(1)
        known = name in PLACEHOLDERS
        parts.append(values.get(name, "") if known else html.escape(match.group(0), quote=False))
        position = match.end()
    parts.append(html.escape(text[position:], quote=False))
    return "".join(parts).strip()
