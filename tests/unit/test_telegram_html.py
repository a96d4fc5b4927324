"""The one Telegram-HTML checker: Telegram's tags, <a href>, and lengths in UTF-16 units."""

from __future__ import annotations

import pytest

from bot.notices import text as notice_text
from bot.reference.telegram_html import check, utf16_len


def test_length_is_counted_in_utf16_units() -> None:
    assert utf16_len("") == 0
    assert utf16_len("паспорт") == 7
    assert utf16_len("🇰🇿") == 4  # two regional indicators, each a surrogate pair
    assert utf16_len("a😀b") == 4
    assert utf16_len("я" * 10) == len(("я" * 10).encode("utf-16-le")) // 2


def test_visible_length_drops_tags_and_decodes_entities() -> None:
    assert check("<b>😀</b> &lt;b&gt;").visible == 2 + 1 + 3
    assert check('<a href="https://gov.kz">ссылка</a>').visible == 6


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>Рейс</b> <i>в</i> <tg-spoiler>10:00</tg-spoiler>", None),
        ("<blockquote>цитата</blockquote> <u>x</u> <s>y</s> <code>z</code>", None),
        ("<script>alert(1)</script>", "<script>"),
        ("<b>Рейс", "<b>"),
        ("Рейс</b>", "</b>"),
        ("<b><i>x</b></i>", "</b>"),
        ('<a href="">x</a>', "<a>"),
        ("<a>x</a>", "<a>"),
        ("<!-- x --> y", "<!--"),
        ("<br/>", "<br>"),
    ],
)
def test_markup_errors(html: str, error: str | None) -> None:
    assert check(html).error == error


def test_notices_and_content_share_the_checker() -> None:
    # 2,049 emoji are 4,098 units: too long for a message although only 2,049 characters.
    assert notice_text.problem("😀" * 2049, notice_text.MAX_TEXT) == "long"
    assert notice_text.problem("😀" * 2048, notice_text.MAX_TEXT) is None
    assert notice_text.problem("<tg-spoiler>x</tg-spoiler>", 100) is None
    assert notice_text.problem("<b></b>", 100) == "empty"
