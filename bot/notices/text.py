"""A notice as recipients see it, and the checks Telegram would make on it."""

from __future__ import annotations

from html.parser import HTMLParser

from bot.i18n import Catalog

MAX_TEXT = 4096
MAX_CAPTION = 1024
# Tags Telegram accepts with parse_mode=HTML.
_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip


class _Check(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible = 0
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            self.error = self.error or f"unsupported tag <{tag}>"
        elif tag == "a" and not dict(attrs).get("href"):
            self.error = self.error or "a link without href"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f"unexpected </{tag}>"
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        # Telegram counts UTF-16 code units.
        self.visible += len(data.encode("utf-16-le")) // 2


def problem(html: str, limit: int) -> str | None:
    """Why Telegram would reject this HTML text: 'markup', 'long', 'empty', or None."""
    checker = _Check()
    checker.feed(html)
    checker.close()
    if checker.error or checker.stack:
        return "markup"
    if checker.visible > limit:
        return "long"
    if checker.visible == 0:
        return "empty"
    return None


def render(catalog: Catalog, lang: str, text: str) -> str:
    """Header and text, exactly as the recipient receives it."""
    return catalog.format(lang, "notice-header") + "\n\n" + text


def check(catalog: Catalog, text: str, with_media: bool) -> str | None:
    """Check the rendered notice in both languages' headers against Telegram's limits."""
    limit = MAX_CAPTION if with_media else MAX_TEXT
    for lang in ("ru", "kk"):
        found = problem(render(catalog, lang, text), limit)
        if found:
            return found
    return None
