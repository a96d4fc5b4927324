"""Telegram's HTML parse mode as the fake checks it: a small tag set, properly nested."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from tests.support.fakebot.model import ApiError

ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "tg-spoiler", "span", "blockquote", "tg-emoji", "tg-time",
    }
)  # fmt: skip


class _HtmlCheck(HTMLParser):
    """Telegram's HTML parse mode: a small tag set, properly nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None
        # Bot API 9.5 date_time entities (<tg-time unix=... format=...>), as Telegram
        # reports them: offsets and lengths in UTF-16 code units.
        self.entities: list[dict[str, object]] = []
        self._units = 0
        self._open: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'unsupported start tag "{tag}"'
        if tag == "tg-time":
            values = dict(attrs)
            unix = values.get("unix") or ""
            if not unix.isdigit():
                self.error = 'tg-time needs a "unix" attribute'
            entity: dict[str, object] = {"type": "date_time", "offset": self._units,
                                         "unix_time": int(unix or 0)}  # fmt: skip
            if values.get("format"):
                entity["date_time_format"] = values["format"]
            self._open.append(entity)
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = f'unexpected end tag "{tag}"'
        else:
            self.stack.pop()
            if tag == "tg-time" and self._open:
                entity = self._open.pop()
                entity["length"] = self._units - int(str(entity["offset"]))
                self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        self._units += len(data.encode("utf-16-le")) // 2


def _parsed(text: str, parse_mode: str | None) -> _HtmlCheck | None:
    if (parse_mode or "").upper() != "HTML":
        return None
    checker = _HtmlCheck()
    checker.feed(text)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {checker.error}")
    return checker


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text a user would see; raises ApiError where Telegram would refuse the markup."""
    checker = _parsed(text, parse_mode)
    return text if checker is None else "".join(checker.text)


def time_entities(text: str, parse_mode: str | None) -> list[dict[str, object]]:
    """The date_time entities Telegram would attach to the message (tg-time tags)."""
    checker = _parsed(text, parse_mode)
    return [] if checker is None else sorted(checker.entities, key=lambda e: str(e["offset"]))


def escape(text: str) -> str:
    """HTML-escape like the bot does, for building expected strings in tests."""
    return html.escape(text)
