"""A notice as recipients see it, and the checks Telegram would make on it."""

from __future__ import annotations

from bot.i18n import Catalog
from bot.reference import telegram_html

MAX_TEXT = 4096
MAX_CAPTION = 1024


def problem(html: str, limit: int) -> str | None:
    """Why Telegram would reject this HTML text: 'markup', 'long', 'empty', or None."""
    checked = telegram_html.check(html)
    if checked.error:
        return "markup"
    if checked.visible > limit:
        return "long"
    if checked.visible == 0:
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
