"""What staff see of a notice's reach: the breakdown by country and state, the list of
recent notices, and the hand-over message; with the buttons (and their prefixes) for the
list of those not reached and for the SMS to them."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Markup, Translator
from bot.notices.views import REACH
from bot.reference import countries
from storage.notices import Notice
from storage.reach import CountryReach

# rc:x:<id> the list of those not reached (CSV and XLSX); rc:s:<id> SMS to them, asked
# first, and rc:sy:<id> the confirmation. The handlers re-check role, scope and notice.
EXPORT = REACH + "x:"
SMS = REACH + "s:"
SMS_YES = REACH + "sy:"
COLUMNS = ("total", "delivered", "acked", "silent", "blocked", "failed", "reminded", "sms")
_WIDTHS = (6, 6, 6, 6, 6, 6, 6, 5)


def totals(rows: Sequence[CountryReach]) -> CountryReach:
    """Every country summed."""
    fields = [f for f in CountryReach.__dataclass_fields__ if f != "country"]
    return CountryReach("Σ", *(sum(getattr(r, f) for r in rows) for f in fields))


def _values(r: CountryReach) -> list[int]:
    return [r.total, r.delivered, r.acked, r.silent, r.blocked, r.failed, r.reminded, r.sms_sent]


def table(t: Translator, rows: Sequence[CountryReach]) -> Markup:
    """The breakdown as a fixed-width table, one line per country and the sum."""

    def line(first: str, values: Sequence[object]) -> str:
        return f"{first:4}" + "".join(f"{v!s:>{w}}" for v, w in zip(values, _WIDTHS, strict=True))

    lines = [line("", [t(f"reach-col-{c}") for c in COLUMNS])]
    lines += [line(r.country, _values(r)) for r in rows]
    if len(rows) > 1:
        lines.append(line("Σ", _values(totals(rows))))
    return Markup("<pre>" + html.escape("\n".join(lines)) + "</pre>")


def breakdown_view(
    t: Translator, notice: Notice, rows: Sequence[CountryReach], sms_ready: int, sms_on: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The notice's reach per country, with the list and SMS buttons when they apply."""
    sum_ = totals(rows)
    text = t(
        "reach-breakdown", id=str(notice.id), table=table(t, rows), missing=sum_.not_reached,
        blocked=sum_.blocked, failed=sum_.failed, silent=sum_.silent, sms=sum_.sms_sent,
    )  # fmt: skip
    buttons = []
    if sum_.not_reached:
        buttons.append(
            [
                InlineKeyboardButton(
                    t("btn-reach-export", count=sum_.not_reached),
                    callback_data=f"{EXPORT}{notice.id}",
                )
            ]
        )
    if sms_on and notice.sms_text and sms_ready:
        buttons.append(
            [
                InlineKeyboardButton(
                    t("btn-reach-sms", count=sms_ready), callback_data=f"{SMS}{notice.id}"
                )
            ]
        )
    return text, InlineKeyboardMarkup(buttons) if buttons else None


def listing_view(
    t: Translator, items: Sequence[tuple[Notice, CountryReach]], zone: tzinfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    """/reach: recent notices in scope, one line each, a button per notice."""
    if not items:
        return t("reach-empty"), None
    lines = []
    buttons = []
    for notice, sum_ in items:
        when = notice.created_at.astimezone(zone).strftime("%d.%m %H:%M")
        where = (
            ", ".join(countries.label(c, t.lang) for c in notice.audience.countries[:3])
            if notice.audience.countries
            else t("aud-all-countries")
        )
        if len(notice.audience.countries) > 3:
            where += " …"
        key = "reach-line-safety" if notice.kind == "safety" else "reach-line"
        lines.append(
            t(
                key,
                id=str(notice.id),
                when=when,
                where=where,
                total=sum_.total,
                delivered=sum_.delivered,
                acked=sum_.acked,
                missing=sum_.not_reached,
                urgent=1 if notice.urgent else 0,
            )
        )
        buttons.append(
            InlineKeyboardButton(
                t("btn-reach-open", id=str(notice.id)), callback_data=f"{REACH}{notice.id}"
            )
        )
    markup = InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)])
    return t("reach-title") + "\n\n" + "\n".join(lines), markup


def handed_view(
    t: Translator, notice: Notice, rows: Sequence[CountryReach], sms: int
) -> tuple[str, InlineKeyboardMarkup]:
    """To the author once the last reminder's wait is over: who is still not reached."""
    sum_ = totals(rows)
    text = t(
        "reach-handed", id=str(notice.id), missing=sum_.not_reached, blocked=sum_.blocked,
        failed=sum_.failed, silent=sum_.silent, sms=sms,
    )  # fmt: skip
    buttons = [[InlineKeyboardButton(t("btn-reach"), callback_data=f"{REACH}{notice.id}")]]
    if sum_.not_reached:
        buttons.insert(
            0,
            [
                InlineKeyboardButton(
                    t("btn-reach-export", count=sum_.not_reached),
                    callback_data=f"{EXPORT}{notice.id}",
                )
            ],
        )
    return text, InlineKeyboardMarkup(buttons)
