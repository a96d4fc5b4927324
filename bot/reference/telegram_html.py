"""Telegram's HTML parse mode: the tags it accepts and the length it counts.

The one checker for texts the bot sends with parse_mode=HTML from someone else's hands
(notices that staff compose, FAQ answers that admins upload). Telegram counts a text's
length in UTF-16 code units of its visible text, after tags are removed and entities
decoded: an emoji outside the Basic Multilingual Plane counts two.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from bot.reference.telegram_text import utf16_len

# Tags Telegram accepts with parse_mode=HTML.
TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "tg-spoiler", "span", "blockquote", "tg-emoji", "tg-time",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Checked:
    """What Telegram would make of an HTML text: the first markup error, the visible length."""

    error: str | None
    visible: int


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible = 0
        self.error: str | None = None

    def _fail(self, what: str) -> None:
        self.error = self.error or what

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self._fail(f"<{tag}>")
        elif tag == "a" and not dict(attrs).get("href"):
            self._fail("<a>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self._fail(f"</{tag}>")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.visible += utf16_len(data)

    # Comments, declarations and processing instructions are not Telegram HTML either.
    def handle_comment(self, data: str) -> None:
        self._fail("<!--")

    def handle_decl(self, decl: str) -> None:
        self._fail("<!")

    def handle_pi(self, data: str) -> None:
        self._fail("<?")


def check(html: str) -> Checked:
    """Check an HTML text as Telegram would: the first problem (or None) and its length."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    error = parser.error or (f"<{parser.stack[-1]}>" if parser.stack else None)
    return Checked(error, parser.visible)
