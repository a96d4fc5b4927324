"""The content document's one schema: what an upload must be is exactly what the bot loads.

The FAQ and the country directory are one YAML document that admins export, edit and send
back. It is read in two steps, both of which report problems instead of raising:

1. `read_yaml`: YAML with bounds. Anchors and aliases are refused in uploads (an alias bomb
   is a few lines that expand to billions of nodes, and a self-reference never ends), the
   nesting is bounded before anything recursive sees it, and so is the number of nodes.
2. `validate`: the pydantic models below. The same models build the live FAQ and directory
   (`faq.matcher.parse_faq`, `faq.directory.parse_directory`), so a document that passes
   loads, starts the bot and renders in both languages; nothing reads the YAML a second way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from bot.i18n import LOCALES_DIR
from bot.reference import countries, telegram_html
from storage.models import LANGS

FAQ_FILE = LOCALES_DIR / "faq.yaml"
DIRECTORY_FILE = LOCALES_DIR / "directory.yaml"

MAX_DOCUMENT = 1_000_000  # characters of YAML
# The shipped document nests 7 levels deep (directory > country > missions > mission > city).
MAX_DEPTH = 12
# Nodes after aliases are expanded; the shipped document has about 2,500.
MAX_NODES = 50_000
# Lengths in UTF-16 units, as Telegram counts them (visible text for HTML answers).
MAX_QUESTION = 200
MAX_ANSWER = 3500
MAX_TITLE = 60
MAX_ASK = 200
MAX_CONTACT = 300
MAX_NOTE = 500
MAX_CITY = 60
# "fc:" + id + ":XX" must fit Telegram's 64 bytes of callback data.
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
CONTACT_FIELDS = ("address", "hotline", "emergency", "email", "hours")
# Each has its dir-<kind> and polling-<status> message in every language (a test checks).
MISSION_KINDS = ("embassy", "consulate_general")
POLLING_STATUSES = ("open", "suspended", "unknown")


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: a locale key and its arguments."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)


# ---- YAML with bounds --------------------------------------------------------------------

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.key)
        self.problem = problem


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 0


def _scan(text: str, aliases: bool) -> None:
    """Walk the parser's events once (no recursion) and refuse what must not be composed."""
    # Per open collection: its anchor and its size so far, aliases expanded.
    open_: list[tuple[str | None, int]] = []
    sizes: dict[str, int] = {}  # closed anchors -> their expanded size
    total = 0
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not aliases:
            raise _Refused(Problem("content-err-alias", {"line": _line(event)}))
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_) >= MAX_DEPTH:
                raise _Refused(
                    Problem("content-err-depth", {"line": _line(event), "max": MAX_DEPTH})
                )
            open_.append((anchor, 1))
            size, added = 0, 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, size = open_.pop()
            if anchor is not None:
                sizes[anchor] = size
            added = 0
        elif isinstance(event, yaml.AliasEvent):
            # An anchor still open is an ancestor: the alias would make the document endless.
            size = added = sizes.get(str(anchor), 0)
            if size == 0:
                raise _Refused(Problem("content-err-alias", {"line": _line(event)}))
        elif isinstance(event, yaml.ScalarEvent):
            size = added = 1
            if anchor is not None:
                sizes[anchor] = 1
        else:
            continue
        total += added
        if total > MAX_NODES:
            raise _Refused(Problem("content-err-nodes", {"max": MAX_NODES}))
        if size and open_:
            parent_anchor, parent_size = open_[-1]
            open_[-1] = (parent_anchor, parent_size + size)


def read_yaml(text: str, aliases: bool = False) -> tuple[Any, list[Problem]]:
    """Parse YAML within the bounds; `aliases` only for documents the bot shipped or stored."""
    if len(text) > MAX_DOCUMENT:
        return None, [Problem("content-err-size", {"max": MAX_DOCUMENT // 1000})]
    try:
        _scan(text, aliases)
        return yaml.load(text, Loader=_Loader), []  # noqa: S506 (a safe loader)
    except _Refused as refused:
        return None, [refused.problem]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        if "nesting depth" in str(getattr(exc, "problem", "")):
            # libyaml's scanner reads ahead and stops at 1,000 levels before the scan does.
            return None, [Problem("content-err-depth", {"line": line, "max": MAX_DEPTH})]
        return None, [Problem("content-err-yaml", {"line": line})]


# ---- the document ------------------------------------------------------------------------


def _text(limit: int, html: bool = False) -> AfterValidator:
    def check(value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("content_blank", "no text")
        if html:
            checked = telegram_html.check(value)
            if checked.error:
                raise PydanticCustomError("content_html", "markup", {"tag": checked.error})
            length = checked.visible
        else:
            length = telegram_html.utf16_len(value)
        if length > limit:
            raise PydanticCustomError("content_too_long", "too long", {"max": limit})
        return value

    return AfterValidator(check)


def _contact(value: str) -> str:
    if telegram_html.utf16_len(value) > MAX_CONTACT:
        raise PydanticCustomError("content_too_long", "too long", {"max": MAX_CONTACT})
    return value


def _id(value: str) -> str:
    if not ID_RE.match(value):
        raise PydanticCustomError("content_bad_id", "bad id")
    return value


def _country(value: str) -> str:
    if countries.get(value) is None:
        raise PydanticCustomError("content_country", "unknown country")
    return value


Id = Annotated[str, AfterValidator(_id)]
Contact = Annotated[str, AfterValidator(_contact)]
CountryCode = Annotated[str, AfterValidator(_country)]


class _Model(BaseModel):
    # Strict: YAML's types as they are (no "12" for 12, no 1 for True); unknown keys are
    # typos to report, not data to carry.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Title(_Model):
    """A topic's title in both languages."""

    ru: Annotated[str, _text(MAX_TITLE)]
    kk: Annotated[str, _text(MAX_TITLE)]


class Question(_Model):
    """A question (plain text: it is also a button label) in both languages."""

    ru: Annotated[str, _text(MAX_QUESTION)]
    kk: Annotated[str, _text(MAX_QUESTION)]


class Answer(_Model):
    """An answer in Telegram HTML in both languages."""

    ru: Annotated[str, _text(MAX_ANSWER, html=True)]
    kk: Annotated[str, _text(MAX_ANSWER, html=True)]


class Ask(_Model):
    """Other ways people phrase a question, per language."""

    ru: list[Annotated[str, _text(MAX_ASK)]] | None = None
    kk: list[Annotated[str, _text(MAX_ASK)]] | None = None


class Topic(_Model):
    """A group of entries in the FAQ menu."""

    id: Id
    title: Title


class Entry(_Model):
    """One question and its answer; `country` answers insert the directory's blocks."""

    id: Id
    topic: str
    question: Question
    answer: Answer
    ask: Ask | None = None
    country: bool | None = None


class City(_Model):
    """A mission's city in both languages."""

    ru: Annotated[str, _text(MAX_CITY)]
    kk: Annotated[str, _text(MAX_CITY)]


class Note(_Model):
    """A note under the polling station status, in both languages."""

    ru: Annotated[str, _text(MAX_NOTE)]
    kk: Annotated[str, _text(MAX_NOTE)]


class Mission(_Model):
    """An embassy or consulate general; contacts stay empty until an admin fills them."""

    kind: Literal["embassy", "consulate_general"]
    city: City | None = None
    address: Contact | None = None
    hotline: Contact | None = None
    emergency: Contact | None = None
    email: Contact | None = None
    hours: Contact | None = None

    @model_validator(mode="after")
    def _consulate_has_city(self) -> Mission:
        # dir-consulate_general names the city: without one the heading reads "()".
        if self.kind == "consulate_general" and self.city is None:
            raise PydanticCustomError("content_missing_field", "no city", {"field": "city"})
        return self


class Polling(_Model):
    """The polling station status of a country."""

    status: Literal["open", "suspended", "unknown"] = "unknown"
    note: Note | None = None


class Country(_Model):
    """What the directory knows about one country."""

    missions: list[Mission] | None = None
    polling: Polling | None = None


class Document(_Model):
    """The whole content document: FAQ topics and entries, and the directory."""

    version: int = 1
    topics: list[Topic]
    entries: list[Entry]
    directory: dict[CountryCode, Country] | None = None


# ---- problems, in the admins' words ------------------------------------------------------

_TYPES = {
    "string_type": "content-err-not-text",
    "list_type": "content-err-not-list",
    "dict_type": "content-err-not-map",
    "model_type": "content-err-not-map",
    "model_attributes_type": "content-err-not-map",
    "extra_forbidden": "content-err-unknown-key",
}


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """A readable path: an entry or topic by its id, list items by index, keys by name."""
    parts: list[str] = []
    node = data
    for index, part in enumerate(loc):
        if isinstance(part, int) and isinstance(node, list):
            node = node[part] if 0 <= part < len(node) else None
            ident = node.get("id") if isinstance(node, dict) else None
            if index == 1 and isinstance(ident, str) and ID_RE.match(ident):
                parts = [ident]
            elif parts:
                parts[-1] += f"[{part}]"
            continue
        parts.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def _problem(data: Any, error: Any) -> Problem:
    kind, loc = error["type"], tuple(error["loc"])
    ctx = error.get("ctx") or {}
    if loc and loc[-1] == "[key]":
        return Problem("content-err-country", {"code": str(error["input"])[:40]})
    where = _where(data, loc)
    last = loc[-1] if loc else ""
    if kind in ("missing", "content_blank") and last in LANGS:
        return Problem("content-err-missing-lang", {"where": _where(data, loc[:-1]), "lang": last})
    if kind == "missing":
        return Problem("content-err-missing", {"where": where})
    if kind == "content_missing_field":
        return Problem("content-err-missing", {"where": f"{where}.{ctx['field']}"})
    if kind == "content_bad_id" or (kind == "string_type" and last == "id"):
        return Problem("content-err-bad-id", {"where": _where(data, loc[:-1])})
    if kind == "content_html":
        return Problem("content-err-html", {"where": where, "tag": ctx["tag"]})
    if kind == "content_too_long":
        return Problem("content-err-too-long", {"where": where, "max": ctx["max"]})
    if kind == "literal_error" and last == "status":
        return Problem(
            "content-err-polling", {"code": str(loc[1]), "status": str(error["input"])[:40]}
        )
    if kind == "literal_error" and last == "kind":
        return Problem(
            "content-err-mission-kind", {"where": where, "kind": str(error["input"])[:40]}
        )
    return Problem(_TYPES.get(kind, "content-err-invalid"), {"where": where})


def _cross_checks(data: dict[str, Any]) -> list[Problem]:
    """What one field cannot know: unique ids, known topics, at least one entry."""
    problems: list[Problem] = []
    topic_ids: set[str] = set()
    for topic in data["topics"]:
        topic_id = topic.get("id") if isinstance(topic, dict) else None
        if isinstance(topic_id, str) and ID_RE.match(topic_id):
            if topic_id in topic_ids:
                problems.append(Problem("content-err-duplicate-id", {"id": topic_id}))
            topic_ids.add(topic_id)
    entry_ids: set[str] = set()
    for entry in data["entries"]:
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(entry_id, str) or not ID_RE.match(entry_id):
            continue
        if entry_id in entry_ids:
            problems.append(Problem("content-err-duplicate-id", {"id": entry_id}))
        entry_ids.add(entry_id)
        if entry.get("topic") not in topic_ids:
            topic = str(entry.get("topic"))[:40]
            problems.append(
                Problem("content-err-unknown-topic", {"where": entry_id, "topic": topic})
            )
    if not data["entries"]:
        problems.append(Problem("content-err-empty"))
    return problems


def validate(data: Any) -> tuple[Document | None, list[Problem]]:
    """The document, or every problem found in it (both lists of the shape, then the rest)."""
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), list) for k in ("topics", "entries")
    ):
        return None, [Problem("content-err-structure")]
    problems: list[Problem] = []
    document: Document | None = None
    try:
        document = Document.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(data, error) for error in exc.errors(include_url=False)]
    problems += _cross_checks(data)
    return (document if not problems else None), problems


def parse(text: str, aliases: bool = False) -> tuple[Document | None, list[Problem]]:
    """Read and validate a YAML document (see `read_yaml` for `aliases`)."""
    data, problems = read_yaml(text, aliases)
    if problems:
        return None, problems
    return validate(data)


def export(document: Document) -> dict[str, Any]:
    """The document as plain data for YAML and comparison: the keys it was given, no others."""
    return document.model_dump(exclude_unset=True)


@cache
def seed() -> Document:
    """The FAQ and directory shipped in locales/ (they use anchors, so aliases are allowed)."""
    faq, problems = read_yaml(FAQ_FILE.read_text(encoding="utf-8"), aliases=True)
    directory, more = read_yaml(DIRECTORY_FILE.read_text(encoding="utf-8"), aliases=True)
    data = {**faq, "directory": directory["countries"]} if not problems + more else None
    document, problems = validate(data)
    if document is None:
        raise RuntimeError(f"the shipped content is invalid: {problems}")
    return document
