"""What notices and their messages look like: texts, buttons and the buttons' callback data.

The engine sends these and the handlers' previews show them, so a preview is the copy. The
callback prefixes are defined here, beside the code that builds the buttons, and the
handlers' patterns import them: buttons already in citizens' chats carry these strings.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Catalog, Translator
from bot.notices.text import render
from bot.reference import countries
from storage.notices import Notice
from storage.outbox import Progress

# ack:<notice id> under a notice; ack:preview under a preview; ack:done once pressed.
ACK = "ack:"
PREVIEW = "preview"
DONE = "done"
# The author's buttons under the progress message and the report.
CANCEL = "nt:x:"
EDIT = "nt:e:"
RECALL = "nt:r:"
# sf:<notice id>:safe|help under "Are you safe?"; fr:<notice id>:here|moved|home under
# "Are you still in ...?"; sf:done once either is answered.
SAFETY = "sf:"
FRESH = "fr:"
ANSWERED = SAFETY + DONE
# rc:<notice id>: the notice's reach by country and state (a button on the report).
REACH = "rc:"
# Bot API 9.4 button colours; clients released before February 2026 show plain buttons.
GREEN, RED = "success", "danger"

# A notice's text and button, as one recipient language gets them.
Body = tuple[str, InlineKeyboardMarkup | None]


def _one(label: str, data: str, style: str | None = None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data, style=style)]])


def body(catalog: Catalog, lang: str, text: str, ack: int | str | None) -> Body:
    """Header, text and acknowledgement button (for notice `ack`, or PREVIEW; None: none)."""
    label = catalog.format(lang, "btn-notice-ack")
    markup = _one(label, f"{ACK}{ack}", GREEN) if ack is not None else None
    return render(catalog, lang, text), markup


def reminder(catalog: Catalog, lang: str, notice_id: int) -> Body:
    """A short reminder (sent as a reply to the notice's copy) with the same green button."""
    label = catalog.format(lang, "btn-notice-ack")
    return catalog.format(lang, "reach-reminder"), _one(label, f"{ACK}{notice_id}", GREEN)


def acked(t: Translator) -> InlineKeyboardMarkup:
    """The acknowledgement button once pressed."""
    return _one(t("btn-notice-acked"), ACK + DONE)


def answered(label: str) -> InlineKeyboardMarkup:
    """The answer buttons of a safety check or freshness ping, once one is chosen."""
    return _one(label, ANSWERED)


def place(lang: str, code: str) -> str:
    """A recipient's country as the questions name it (the bare code if unknown)."""
    return countries.label(code, lang, missing=code)


def _questions(
    t: Translator, prefix: str, notice_id: int, buttons: Sequence[tuple[str, str, str | None]]
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(k), callback_data=f"{prefix}{notice_id}:{v}", style=style)]
            for k, v, style in buttons
        ]
    )


def safety_question(t: Translator, notice_id: int, where: str) -> Body:
    """ "Are you safe?" with its two answers: green "I am safe", red "I need help"."""
    buttons = [("btn-safe", "safe", GREEN), ("btn-need-help", "help", RED)]
    return t("safety-question", place=where), _questions(t, SAFETY, notice_id, buttons)


def fresh_question(t: Translator, notice_id: int, where: str) -> Body:
    """ "Are you still in ...?" with its three answers."""
    buttons = [
        ("btn-still-here", "here", None),
        ("btn-moved", "moved", None),
        ("btn-home", "home", None),
    ]
    return t("fresh-question", place=where), _questions(t, FRESH, notice_id, buttons)


def cancel_markup(t: Translator, notice_id: int) -> InlineKeyboardMarkup:
    """The author's Cancel button of a sending or scheduled notice."""
    return _one(t("btn-notice-cancel"), f"{CANCEL}{notice_id}")


def progress_view(
    t: Translator, notice: Notice, p: Progress, rate: float | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The progress message while sending; the report once done."""
    done = p.sent + p.failed + p.blocked + p.cancelled
    busy = p.pending > 0
    if notice.kind == "safety":
        text = t(
            "safety-progress", id=str(notice.id), total=p.total, sent=p.sent, safe=p.safe,
            help=p.help, silent=p.sent - p.safe - p.help, left=p.pending,
            blocked=p.blocked + p.failed,
        )  # fmt: skip
        if busy and notice.state == "active":
            return text, cancel_markup(t, notice.id)
        return text, _one(t("btn-reach"), f"{REACH}{notice.id}")
    if notice.state == "active" and busy:
        share = done / p.total if p.total else 0.0
        filled = round(share * 20)
        eta = round(p.pending / rate) if rate else None
        text = t(
            "notice-progress", id=str(notice.id), bar="▰" * filled + "▱" * (20 - filled),
            percent=round(share * 100), sent=p.sent, failed=p.failed, blocked=p.blocked,
            left=p.pending, rate=f"{rate:.1f}" if rate else "—",
            eta=_duration(eta) if eta is not None else "—",
        )  # fmt: skip
        return text, cancel_markup(t, notice.id)
    key = {
        "cancelled": "notice-report-cancelled",
        "recalled": "notice-report-recalled",
    }.get(notice.state, "notice-report")
    text = t(
        key, id=str(notice.id), total=p.total, sent=p.sent, failed=p.failed, blocked=p.blocked,
        cancelled=p.cancelled, acked=p.acked, ack=1 if notice.ack else 0,
        deleted=p.deleted, pending=p.edits_pending + p.deletes_pending,
    )  # fmt: skip
    if notice.state == "active" and notice.next_run:
        text += "\n" + t("notice-next-run", when=notice.next_run)
    text += _reach_lines(t, notice, p)
    buttons = []
    if notice.state != "recalled":
        buttons.append(
            InlineKeyboardButton(t("btn-notice-edit"), callback_data=f"{EDIT}{notice.id}")
        )
        buttons.append(
            InlineKeyboardButton(t("btn-notice-recall"), callback_data=f"{RECALL}{notice.id}")
        )
    reach = [InlineKeyboardButton(t("btn-reach"), callback_data=f"{REACH}{notice.id}")]
    return text, InlineKeyboardMarkup([buttons, reach] if buttons else [reach])


def _reach_lines(t: Translator, notice: Notice, p: Progress) -> str:
    """Reminders and SMS under a report, when the notice has them."""
    lines = ""
    if notice.urgent:
        lines += "\n" + t("reach-report-urgent")
    if notice.remind_max or p.reminded or p.reminders_pending:
        lines += "\n" + t("reach-report-reminders", sent=p.reminded, pending=p.reminders_pending)
    if p.sms_sent or p.sms_failed or p.sms_pending:
        lines += "\n" + t(
            "reach-report-sms", sent=p.sms_sent, failed=p.sms_failed, pending=p.sms_pending
        )
    return lines


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
