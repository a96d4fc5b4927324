"""The editable content document: FAQ topics and entries plus the country directory.

Admins export it as YAML, edit it and send it back; it is validated against the one schema
(bot/faq/schema.py) and applied only after they confirm. The live copy is swapped in one
assignment, so readers never see half.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import yaml

from bot.faq import schema
from bot.faq.directory import CountryInfo, parse_directory
from bot.faq.matcher import Faq, Matcher, parse_faq
from bot.faq.schema import Problem

CONTENT_NAME = "faq"
DOWNLOAD_CHUNK = 64 * 1024
DOWNLOAD_TIMEOUT = 60.0


class _Dumper(yaml.SafeDumper):
    # Uploads may not use anchors, so the export must not write any (it would for a value
    # that appears twice, as the seed's shared directory entries did).
    def ignore_aliases(self, data: Any) -> bool:
        return True


def seed_document() -> dict[str, Any]:
    """The shipped FAQ and directory as one document."""
    return schema.export(schema.seed())


def dump(document: dict[str, Any]) -> str:
    """YAML for humans: Cyrillic as is, keys in the file's order, no anchors."""
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def load(text: str, stored: bool = False) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse and validate a document: its plain data, or every problem found.

    `stored`: the bot's own copy in the database, which may use YAML anchors (exports
    before anchors were refused wrote them); an upload may not.
    """
    document, problems = schema.parse(text, aliases=stored)
    if document is None:
        return None, problems
    return schema.export(document), []


class Downloadable(Protocol):
    """What a file needs for `read_upload` (a telegram.File has both)."""

    @property
    def file_size(self) -> int | None:
        """The size the server announced, if it did."""

    @property
    def file_path(self) -> str | None:
        """A URL to download it from, or a path on this machine (a local Bot API server)."""


class DownloadError(Exception):
    """The file could not be fetched (the URL, which holds the bot token, is not in it)."""


async def read_upload(file: Downloadable, limit: int) -> bytes | None:
    """The file's bytes, or None when it is larger than `limit`: at most limit+1 are read.

    Telegram does not always say how big a file is, and a self-hosted Bot API server serves
    files far larger than an upload may be: the download stops at the limit instead.
    """
    if (file.file_size or 0) > limit:
        return None
    path = file.file_path or ""
    if not path.startswith(("http://", "https://")):
        # A Bot API server in --local mode hands out paths on this machine.
        data = await asyncio.to_thread(_read_local, path, limit + 1)
    else:
        data = await _read_remote(path, limit + 1)
    return data if len(data) <= limit else None


def _read_local(path: str, most: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(most)
    except OSError as exc:
        raise DownloadError(f"cannot read the file: {exc.strerror}") from None


async def _read_remote(url: str, most: int) -> bytes:
    data = bytearray()
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url) as response,
        ):
            if response.status != 200:
                raise DownloadError(f"file download answered HTTP {response.status}")
            async for chunk in response.content.iter_chunked(DOWNLOAD_CHUNK):
                data += chunk
                if len(data) >= most:
                    break
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DownloadError(f"file download failed: {type(exc).__name__}") from None
    return bytes(data[:most])


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
        # Validated on the way in (load); a document that fails here was never checked.
        model = schema.Document.model_validate(document)
        self.document = schema.export(model)
        self.faq: Faq = parse_faq(model)
        self.matcher = Matcher(self.faq)
        self.directory: dict[str, CountryInfo] = parse_directory(model)


class ContentHolder:
    """Holds the current Content; `replace` swaps it in one assignment."""

    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self.current = Content(document or seed_document())

    def replace(self, document: dict[str, Any]) -> None:
        """Make a validated document live."""
        self.current = Content(document)
