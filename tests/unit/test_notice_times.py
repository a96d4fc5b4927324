"""Telegram's newer message features in notices: date_time entities and coloured buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.i18n import Catalog
from bot.notices import text as notice_text
from bot.notices import views

ASTANA = ZoneInfo("Asia/Almaty")


def test_typed_dates_become_date_time_entities() -> None:
    html = notice_text.with_times(
        "Сбор 10.01.2030 12:00, <b>рейс 2030-01-11 8:30</b>; <code>01.02.2030 10:00</code>,"
        ' <a href="https://mfa.kz">02.02.2030 10:00</a>, 31.02.2030 10:00, в 10:00',
        ASTANA,
    )
    noon = int(datetime(2030, 1, 10, 7, 0, tzinfo=UTC).timestamp())
    flight = int(datetime(2030, 1, 11, 3, 30, tzinfo=UTC).timestamp())
    assert html == (
        f'Сбор <tg-time unix="{noon}" format="wDt">10.01.2030 12:00 (UTC+5)</tg-time>,'
        f' <b>рейс <tg-time unix="{flight}" format="wDt">2030-01-11 8:30 (UTC+5)</tg-time></b>;'
        " <code>01.02.2030 10:00</code>,"
        ' <a href="https://mfa.kz">02.02.2030 10:00</a>, 31.02.2030 10:00, в 10:00'
    )
    # Readable on older clients, accepted by the checks, and never marked twice.
    assert notice_text.problem(html, notice_text.MAX_TEXT) is None
    assert notice_text.with_times(html, ASTANA) == html


def test_buttons_have_colours() -> None:
    catalog = Catalog()
    _, markup = views.body(catalog, "ru", "Текст", 5)
    assert markup is not None
    assert markup.inline_keyboard[0][0].style == "success"
    _, question = views.safety_question(catalog.translator("kk"), 5, "Дубай")
    assert question is not None
    assert [row[0].style for row in question.inline_keyboard] == ["success", "danger"]
    text, reminder = views.reminder(catalog, "kk", 5)
    assert "еске салуы" in text
    assert reminder is not None
    assert reminder.inline_keyboard[0][0].callback_data == "ack:5"
    assert reminder.inline_keyboard[0][0].style == "success"
