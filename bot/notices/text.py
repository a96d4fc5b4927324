"""A notice as recipients see it, and the checks Telegram would make on it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Catalog
from bot.reference import telegram_html

MAX_TEXT = 4096
MAX_CAPTION = 1024
# A date and time as staff type them: 10.01.2030 12:00 or 2030-01-10 12:00 (ASCII digits).
_MOMENT = re.compile(
    r"(?<![\d.:-])(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.(\d{4}))"
    r"\s+(\d{1,2}):(\d{2})(?![\d:])",
    re.ASCII,
)
# Inside these a date stays as typed: links, code, and times already marked.
_KEEP = {"a", "code", "pre", "tg-time"}
_TAG = re.compile(r"(<[^>]*>)")


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


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _as_time(match: re.Match[str], tz: ZoneInfo) -> str:
    y1, mo1, d1, d2, mo2, y2, hour, minute = match.groups()
    year, month, day = (y1, mo1, d1) if y1 else (y2, mo2, d2)
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), tzinfo=tz)
    except ValueError:
        return match.group(0)
    stamp = int(moment.timestamp())
    typed = match.group(0)
    # Bot API 9.5: clients show the moment in the reader's own zone and language; older ones
    # show the text inside, which says whose clock it is.
    return f'<tg-time unix="{stamp}" format="wDt">{typed} ({_offset(moment)})</tg-time>'


def with_times(html: str, tz: ZoneInfo) -> str:
    """Dates with times typed in a notice (TIMEZONE's clock) as `date_time` entities."""
    parts = _TAG.split(html)
    keep = 0
    for index, part in enumerate(parts):
        if index % 2:
            name = part.strip("</>").split()[0].lower() if part.strip("</>") else ""
            if name in _KEEP:
                keep += -1 if part.startswith("</") else 1
        elif keep <= 0 and part:
            parts[index] = _MOMENT.sub(lambda m: _as_time(m, tz), part)
    return "".join(parts)
