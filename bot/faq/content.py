"""The editable content document: FAQ topics and entries plus the country directory.

Admins export it as YAML, edit it and send it back; it is validated here (both languages,
lengths, HTML that Telegram accepts, unique ids that fit callback data) and applied only
after they confirm. The live copy is swapped in one assignment, so readers never see half.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import yaml

from bot.faq.directory import (
    CONTACT_FIELDS,
    DIRECTORY_FILE,
    POLLING_STATUSES,
    CountryInfo,
    parse_directory,
)
from bot.faq.matcher import FAQ_FILE, LANGS, Faq, Matcher, parse_faq
from bot.reference import countries

CONTENT_NAME = "faq"
MAX_DOCUMENT = 1_000_000
MAX_QUESTION = 200
MAX_ANSWER = 3500
MAX_TITLE = 60
MAX_ASK = 200
MAX_CONTACT = 300
# "fc:" + id + ":XX" must fit Telegram's 64 bytes of callback data.
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "s", "a", "code", "pre", "blockquote"})
PLACEHOLDERS = ("{contacts}", "{polling}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: a locale key and its arguments."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS and self.error is None:
            self.error = f"<{tag}>"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        elif self.error is None:
            self.error = f"</{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(text: str) -> tuple[str | None, int]:
    """(problem or None, visible length) for Telegram's HTML parse mode."""
    parser = _Html()
    parser.feed(text)
    parser.close()
    error = parser.error or (f"<{parser.stack[-1]}>" if parser.stack else None)
    return error, len("".join(parser.text))


def seed_document() -> dict[str, Any]:
    """The shipped FAQ and directory as one document."""
    faq = yaml.safe_load(FAQ_FILE.read_text(encoding="utf-8"))
    directory = yaml.safe_load(DIRECTORY_FILE.read_text(encoding="utf-8"))
    return {
        "version": 1,
        "topics": faq["topics"],
        "entries": faq["entries"],
        "directory": directory["countries"],
    }


def dump(document: dict[str, Any]) -> str:
    """YAML for humans: Cyrillic as is, keys in the file's order."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def load(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse an uploaded document; structural problems are returned, not raised."""
    if len(text) > MAX_DOCUMENT:
        return None, [Problem("content-err-size", {"max": MAX_DOCUMENT // 1000})]
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        return None, [Problem("content-err-yaml", {"line": line})]
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), t) for k, t in (("topics", list), ("entries", list))
    ):
        return None, [Problem("content-err-structure")]
    data.setdefault("directory", {})
    return data, validate(data)


def _bilingual(
    problems: list[Problem], where: str, value: Any, limit: int, html: bool = False
) -> None:
    if not isinstance(value, dict):
        problems.append(Problem("content-err-missing-lang", {"where": where, "lang": "ru, kk"}))
        return
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem("content-err-missing-lang", {"where": where, "lang": lang}))
            continue
        if html:
            error, visible = check_html(text)
            if error:
                problems.append(
                    Problem("content-err-html", {"where": f"{where}.{lang}", "tag": error})
                )
            length = visible
        else:
            length = len(text)
        if length > limit:
            problems.append(
                Problem("content-err-too-long", {"where": f"{where}.{lang}", "max": limit})
            )


def validate(data: dict[str, Any]) -> list[Problem]:
    """Every problem of a parsed document (empty when it can be applied)."""
    problems: list[Problem] = []
    topic_ids: set[str] = set()
    for index, topic in enumerate(data["topics"]):
        topic_id = topic.get("id") if isinstance(topic, dict) else None
        if not isinstance(topic_id, str) or not ID_RE.match(topic_id):
            problems.append(Problem("content-err-bad-id", {"where": f"topics[{index}]"}))
            continue
        if topic_id in topic_ids:
            problems.append(Problem("content-err-duplicate-id", {"id": topic_id}))
        topic_ids.add(topic_id)
        _bilingual(problems, f"{topic_id}.title", topic.get("title"), MAX_TITLE)
    entry_ids: set[str] = set()
    for index, entry in enumerate(data["entries"]):
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(entry_id, str) or not ID_RE.match(entry_id):
            problems.append(Problem("content-err-bad-id", {"where": f"entries[{index}]"}))
            continue
        if entry_id in entry_ids:
            problems.append(Problem("content-err-duplicate-id", {"id": entry_id}))
        entry_ids.add(entry_id)
        if entry.get("topic") not in topic_ids:
            problems.append(
                Problem(
                    "content-err-unknown-topic",
                    {"where": entry_id, "topic": str(entry.get("topic"))},
                )
            )
        _bilingual(problems, f"{entry_id}.question", entry.get("question"), MAX_QUESTION)
        _bilingual(problems, f"{entry_id}.answer", entry.get("answer"), MAX_ANSWER, html=True)
        ask = entry.get("ask") or {}
        if not isinstance(ask, dict) or any(
            not isinstance(v, list) or any(not isinstance(s, str) or len(s) > MAX_ASK for s in v)
            for v in ask.values()
        ):
            problems.append(Problem("content-err-structure-at", {"where": f"{entry_id}.ask"}))
    if not data["entries"]:
        problems.append(Problem("content-err-empty"))
    directory = data.get("directory") or {}
    if not isinstance(directory, dict):
        problems.append(Problem("content-err-structure-at", {"where": "directory"}))
        return problems
    for code, info in directory.items():
        if countries.get(str(code)) is None:
            problems.append(Problem("content-err-country", {"code": str(code)}))
            continue
        if not isinstance(info, dict):
            problems.append(Problem("content-err-structure-at", {"where": f"directory.{code}"}))
            continue
        status = (info.get("polling") or {}).get("status", "unknown")
        if status not in POLLING_STATUSES:
            problems.append(Problem("content-err-polling", {"code": code, "status": str(status)}))
        for mission in info.get("missions") or ():
            for key in CONTACT_FIELDS:
                value = mission.get(key) if isinstance(mission, dict) else None
                if value is not None and (not isinstance(value, str) or len(value) > MAX_CONTACT):
                    problems.append(
                        Problem(
                            "content-err-too-long",
                            {"where": f"directory.{code}.{key}", "max": MAX_CONTACT},
                        )
                    )
    return problems


@dataclass(frozen=True, slots=True)
class Changes:
    """What an upload changes, for the admin's confirmation."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    topics_changed: int
    countries_changed: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """Nothing would change."""
        return not (
            self.added or self.removed or self.changed or self.topics_changed
            or self.countries_changed
        )  # fmt: skip


def diff(old: dict[str, Any], new: dict[str, Any]) -> Changes:
    """Entries added, removed and changed; topics and countries changed."""
    before = {e["id"]: e for e in old["entries"]}
    after = {e["id"]: e for e in new["entries"]}
    old_topics = {t["id"]: t for t in old["topics"]}
    new_topics = {t["id"]: t for t in new["topics"]}
    topics_changed = sum(
        old_topics.get(k) != new_topics.get(k) for k in set(old_topics) | set(new_topics)
    )
    old_dir, new_dir = old.get("directory") or {}, new.get("directory") or {}
    return Changes(
        added=tuple(k for k in after if k not in before),
        removed=tuple(k for k in before if k not in after),
        changed=tuple(k for k in after if k in before and after[k] != before[k]),
        topics_changed=topics_changed,
        countries_changed=tuple(
            sorted(str(k) for k in set(old_dir) | set(new_dir) if old_dir.get(k) != new_dir.get(k))
        ),
    )


class Content:
    """The live FAQ, its matcher and the directory; replaced whole on an upload."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.faq: Faq = parse_faq(document)
        self.matcher = Matcher(self.faq)
        self.directory: dict[str, CountryInfo] = parse_directory(
            {"countries": document.get("directory") or {}}
        )


class ContentHolder:
    """Holds the current Content; `replace` swaps it in one assignment."""

    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self.current = Content(document or seed_document())

    def replace(self, document: dict[str, Any]) -> None:
        """Make a validated document live."""
        self.current = Content(document)
