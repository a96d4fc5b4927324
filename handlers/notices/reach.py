"""Proof of reach for staff: /reach, a notice's breakdown by country and state, the list of
those it did not reach (CSV and XLSX, for phone calls), SMS to them, and the register's
quality per country in /stats.

Every button names a notice by id; the handler reads it again and checks that the role
may manage it, so a forged button reaches nothing. Lists and SMS are audited.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.context import HotlineContext
from bot.i18n import Markup, Translator
from bot.notices.reach import EXPORT, SMS, SMS_YES, breakdown_view, listing_view, totals
from bot.notices.views import REACH
from bot.staff import reports
from bot.staff.roles import Role
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.keyboards import Button
from handlers.notices import approval
from handlers.notices.manage import NEVER_MIND, can_manage
from handlers.render import country_label
from handlers.roles import not_available, requires
from storage.notices import Notice
from storage.reach import CountryQuality, Unreached

RECENT = 10
LIST_COLUMNS = (
    "full_name", "phone", "country", "city", "status", "needs", "reach", "reason",
    "delivered", "reminders", "sms",
)  # fmt: skip
QUALITY_COLUMNS = ("reg", "confirmed", "stale", "blocked", "nophone", "dupes", "urgent")
_QUALITY_WIDTHS = (6, 6, 6, 6, 6, 6, 6)


@requires("staff")
async def reach(update: Update, context: HotlineContext, role: Role) -> None:
    """/reach: the recent notices in scope with their reach, a button each."""
    repo = context.services.notices.reach
    found = [n for n in await repo.recent() if can_manage(role, n)][:RECENT]
    items = [(n, totals(await repo.breakdown(n.id))) for n in found]
    text, markup = listing_view(context.t, items, context.settings.tz)
    await reply(update, text, reply_markup=markup)
    await approval.show_waiting(update, context, role)


async def _managed(
    update: Update, context: HotlineContext, role: Role, prefix: str
) -> Notice | None:
    """The notice a reach button names, if it exists and the role may manage it."""
    arg = callback_arg(update, prefix)
    if not arg or not arg.isdigit():
        await refuse_button(update, context)
        return None
    notice = await context.services.notices.repo.get(int(arg))
    if notice is None or notice.kind not in ("notice", "safety"):
        await refuse_button(update, context)
        return None
    if not can_manage(role, notice):
        await not_available(update, context)
        return None
    return notice


@requires("staff")
async def open_reach(update: Update, context: HotlineContext, role: Role) -> None:
    """rc:<id>: the notice's reach by country and state."""
    notice = await _managed(update, context, role, REACH)
    if notice is None:
        return
    await answer_query(update)
    repo = context.services.notices.reach
    rows = await repo.breakdown(notice.id)
    ready = await repo.sms_candidates(notice.id)
    text, markup = breakdown_view(context.t, notice, rows, ready, context.settings.sms_enabled)
    await reply(update, text, reply_markup=markup)


def _list_row(tz: Any, labels: dict[str, str], u: Unreached) -> tuple[Any, ...]:
    sms = labels.get(f"reach-sms-{u.sms}", "") if u.sms else ""
    if u.sms_error and u.sms != "sent":
        sms += f" ({u.sms_error})"
    delivered = u.delivered_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if u.delivered_at else ""
    return (
        u.full_name, u.phone, u.country, u.city, labels.get(f"status-{u.status}", u.status),
        labels.get(f"needs-{u.needs}", u.needs), labels[f"reach-state-{u.reach}"],
        u.error or "", delivered, u.reminders, sms,
    )  # fmt: skip


@requires("staff")
async def export(update: Update, context: HotlineContext, role: Role) -> None:
    """rc:x:<id>: everyone the notice did not reach, with phones, as CSV and XLSX (audited)."""
    notice = await _managed(update, context, role, EXPORT)
    if notice is None:
        return
    await answer_query(update)
    services = context.services
    t = context.t
    scope = None if role.is_admin else role.countries
    people = await services.notices.reach.not_reached(notice.id, scope)
    keys = [f"status-{s}" for s in {p.status for p in people} if s]
    keys += [f"needs-{n}" for n in {p.needs for p in people} if n]
    keys += [f"reach-state-{s}" for s in ("blocked", "failed", "silent")]
    keys += [f"reach-sms-{s}" for s in ("pending", "sent", "failed", "cancelled")]
    labels = {k: t(k) for k in keys}
    tz = context.settings.tz
    rows = [_list_row(tz, labels, p) for p in people]
    header = [t(f"reach-list-col-{c}") for c in LIST_COLUMNS]
    csv_data, xlsx_data = await asyncio.gather(
        asyncio.to_thread(reports.csv_bytes, header, rows),
        asyncio.to_thread(reports.xlsx_bytes, t("reach-list-sheet"), header, rows),
    )
    user = update.effective_user
    stamp = services.clock.now()
    await services.audit.log(
        user.id if user else None, "reach.export",
        {"notice": notice.id, "countries": sorted(scope) if scope is not None else "all",
         "rows": len(rows)},
        stamp,
    )  # fmt: skip
    chat = update.effective_chat
    if chat is None:
        return
    name = f"not-reached-{notice.id}-" + stamp.astimezone(tz).strftime("%Y%m%d-%H%M")
    caption = t("reach-list-done", id=str(notice.id), rows=len(rows))
    await chat.send_document(InputFile(csv_data, filename=f"{name}.csv"), caption=caption)
    await chat.send_document(InputFile(xlsx_data, filename=f"{name}.xlsx"))


@requires("staff")
async def ask_sms(update: Update, context: HotlineContext, role: Role) -> None:
    """rc:s:<id>: how many SMS would go, Yes / No (SMS cost money)."""
    notice = await _managed(update, context, role, SMS)
    if notice is None:
        return
    if not context.settings.sms_enabled or not notice.sms_text:
        await refuse_button(update, context)
        return
    await answer_query(update)
    count = await context.services.notices.reach.sms_candidates(notice.id)
    t = context.t
    markup = InlineKeyboardMarkup(
        [[
            Button(t("btn-yes"), callback_data=f"{SMS_YES}{notice.id}"),
            Button(t("btn-no"), callback_data=NEVER_MIND),
        ]]
    )  # fmt: skip
    await reply(
        update,
        t("reach-sms-ask", id=str(notice.id), count=count, text=notice.sms_text),
        reply_markup=markup,
    )


@requires("staff")
async def send_sms(update: Update, context: HotlineContext, role: Role) -> None:
    """rc:sy:<id>: queue the SMS (paced, durable, audited); counted in the report."""
    notice = await _managed(update, context, role, SMS_YES)
    if notice is None:
        return
    if not context.settings.sms_enabled or not notice.sms_text:
        await refuse_button(update, context)
        return
    await answer_query(update)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)
    user = update.effective_user
    scope = None if role.is_admin else role.countries
    queued = await context.services.notices.send_sms(notice.id, user.id if user else 0, scope)
    await reply(update, context.t("reach-sms-queued", id=str(notice.id), count=queued))


# ---- the register's quality in /stats -------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _quality_values(q: CountryQuality) -> list[str]:
    urgent = _share(q.urgent_acked, q.urgent_sent) if q.urgent_notice else "—"
    return [
        str(q.registered), _share(q.confirmed, q.registered), str(q.stale), str(q.blocked),
        str(q.no_phone), str(q.duplicates), urgent,
    ]  # fmt: skip


def quality_table(t: Translator, rows: Sequence[CountryQuality]) -> Markup:
    """The register's quality per country, a fixed-width table."""

    def line(first: str, values: Sequence[str]) -> str:
        return f"{first:4}" + "".join(
            f"{v:>{w}}" for v, w in zip(values, _QUALITY_WIDTHS, strict=True)
        )

    lines = [line("", [t(f"quality-col-{c}") for c in QUALITY_COLUMNS])]
    lines += [line(q.country, _quality_values(q)) for q in rows]
    return Markup("<pre>" + html.escape("\n".join(lines)) + "</pre>")


async def send_quality(
    update: Update, context: HotlineContext, scope: Iterable[str] | None
) -> None:
    """After /stats: confirmed, stale, blocked, without phone, duplicates, last urgent ack."""
    services = context.services
    days = context.settings.stale_days
    stale_before = services.clock.now() - timedelta(days=days)
    rows = await services.notices.reach.quality(scope, stale_before)
    if not rows:
        return
    t = context.t
    await reply(update, t("quality-table", table=quality_table(t, rows), days=days))
    series = [
        (t("quality-chart-confirmed"), "#54A24B", [_pct(q.confirmed, q.registered) for q in rows]),
        (t("quality-chart-blocked"), "#E45756", [_pct(q.blocked, q.registered) for q in rows]),
        (t("quality-chart-nophone"), "#F58518", [_pct(q.no_phone, q.registered) for q in rows]),
        (t("quality-chart-dupes"), "#B279A2", [_pct(q.duplicates, q.registered) for q in rows]),
        (t("quality-chart-urgent"), "#4C78A8",
         [_pct(q.urgent_acked, q.urgent_sent) for q in rows]),
    ]  # fmt: skip
    names = [country_label(t, q.country).split(" ", 1)[-1][:28] for q in rows]
    png = await asyncio.to_thread(reports.shares_png, names, series, t("quality-chart-title"))
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(InputFile(png, filename="quality.png"),
                              caption=t("quality-chart-title"))  # fmt: skip


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0
