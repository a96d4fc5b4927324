"""What notices and their messages look like: texts, buttons and the buttons' callback data.

The engine sends these and the handlers' previews show them, so a preview is the copy. The
callback prefixes are defined here, beside the code that builds the buttons, and the
handlers' patterns import them: buttons already in citizens' chats carry these strings.
"""

from __future__ import annotations

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

# A notice's text and button, as one recipient language gets them.
Body = tuple[str, InlineKeyboardMarkup | None]


def _one(label: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


def body(catalog: Catalog, lang: str, text: str, ack: int | str | None) -> Body:
    """Header, text and acknowledgement button (for notice `ack`, or PREVIEW; None: none)."""
    label = catalog.format(lang, "btn-notice-ack")
    markup = _one(label, f"{ACK}{ack}") if ack is not None else None
    return render(catalog, lang, text), markup


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
    t: Translator, prefix: str, notice_id: int, buttons: list[tuple[str, str]]
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(k), callback_data=f"{prefix}{notice_id}:{v}")]
            for k, v in buttons
        ]
    )


def safety_question(t: Translator, notice_id: int, where: str) -> Body:
    """ "Are you safe?" with its two answers."""
    buttons = [("btn-safe", "safe"), ("btn-need-help", "help")]
    return t("safety-question", place=where), _questions(t, SAFETY, notice_id, buttons)


def fresh_question(t: Translator, notice_id: int, where: str) -> Body:
    """ "Are you still in ...?" with its three answers."""
    buttons = [("btn-still-here", "here"), ("btn-moved", "moved"), ("btn-home", "home")]
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
        return text, cancel_markup(t, notice.id) if busy and notice.state == "active" else None
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
    buttons = []
    if notice.state != "recalled":
        buttons.append(
            InlineKeyboardButton(t("btn-notice-edit"), callback_data=f"{EDIT}{notice.id}")
        )
        buttons.append(
            InlineKeyboardButton(t("btn-notice-recall"), callback_data=f"{RECALL}{notice.id}")
        )
    return text, InlineKeyboardMarkup([buttons]) if buttons else None


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
