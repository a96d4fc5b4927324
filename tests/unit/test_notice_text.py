"""A notice's text is refused where Telegram would refuse it: markup, length, emptiness."""

from __future__ import annotations

from bot.notices import text as notice_text


def test_notice_text_checks_what_telegram_would_refuse() -> None:
    assert notice_text.problem("<b>Рейс</b> в 10:00", 4096) is None
    assert notice_text.problem("<b>Рейс", 4096) == "markup"
    assert notice_text.problem("<script>x</script>", 4096) == "markup"
    assert notice_text.problem('<a href="">x</a>', 4096) == "markup"
    assert notice_text.problem("я" * 1025, 1024) == "long"
    assert notice_text.problem("&lt;b&gt;" * 10, 4096) is None
    assert notice_text.problem("<b></b>", 4096) == "empty"
