"""/stats hotline [days] [country]: the hotline's own figures, scoped like /stats.

Tickets opened and closed per day, the waits now, first-response and close times (median
and 90th percentile), ratings, and per officer; a table and a chart. A staff member sees
the tickets of citizens registered in their countries; admins see every ticket.
"""

from __future__ import annotations

import asyncio
import html

from telegram import InputFile, Update

from bot.context import HotlineContext
from bot.desk import chart
from bot.desk.figures import Rating, Spread, Summary
from bot.i18n import Markup, Translator
from bot.reference import countries
from bot.staff.roles import Role
from handlers.common import reply
from handlers.hotline.desk_views import duration, officer_name

DEFAULT_DAYS = 14
MAX_DAYS = 90
MAX_OFFICERS = 15


def _args(words: list[str]) -> tuple[int, str | None, str | None]:
    """(days, country code, the first word understood as neither)."""
    days, code = DEFAULT_DAYS, None
    for word in words:
        if word.isdigit() and 1 <= int(word) <= MAX_DAYS:
            days = int(word)
        elif code is None and (found := countries.code_of(word)) is not None:
            code = found
        else:
            return days, code, word[:40]
    return days, code, None


def _spread(t: Translator, spread: Spread) -> str:
    if not spread.count:
        return t("desk-stats-none")
    return t(
        "desk-stats-spread",
        p50=duration(t, spread.p50),
        p90=duration(t, spread.p90),
        count=spread.count,
    )


def _rating(t: Translator, rating: Rating) -> str:
    if rating.average is None:
        return t("desk-stats-none")
    average = f"{rating.average:.1f}".replace(".", ",")
    return t("desk-stats-rating-value", average=average, count=rating.count)


def stats_text(context: HotlineContext, t: Translator, summary: Summary, scope: str) -> str:
    """The figures as one message."""
    first, last = summary.days[0][0], summary.days[-1][0]
    table = [f"{t('desk-stats-col-day'):<6}{t('desk-stats-col-opened'):>9}"
             f"{t('desk-stats-col-closed'):>9}"]  # fmt: skip
    table += [f"{d:%d.%m} {o:>9}{c:>9}" for d, o, c in summary.days]
    officers = [
        t(
            "desk-stats-officer",
            officer=officer_name(context, o.officer_id),
            holding=o.holding,
            closed=o.closed,
            response=duration(t, o.first_response.p50),
            rating=_rating(t, o.rating),
        )
        for o in summary.officers[:MAX_OFFICERS]
    ]
    return t(
        "desk-stats",
        days=len(summary.days),
        first=f"{first:%d.%m}",
        last=f"{last:%d.%m}",
        scope=scope,
        opened=summary.opened,
        closed=summary.closed,
        waiting=summary.waiting,
        urgent=summary.waiting_urgent,
        overdue=summary.overdue,
        response=_spread(t, summary.first_response),
        to_close=_spread(t, summary.to_close),
        rating=_rating(t, summary.rating),
        table=Markup("<pre>" + html.escape("\n".join(table)) + "</pre>"),
        officers="\n".join(officers) or t("desk-stats-no-officers"),
    )


async def hotline_stats(
    update: Update, context: HotlineContext, role: Role, words: list[str]
) -> None:
    """/stats hotline [days] [country] (the caller checked the staff role)."""
    t = context.t
    days, code, bad = _args(words)
    if bad is not None:
        await reply(update, t("desk-stats-usage", word=bad, max=MAX_DAYS))
        return
    if code is not None and not role.covers(code):
        await reply(update, t("bc-scope-outside"))
        return
    scope = role.scope([code] if code else [])
    summary = await context.services.desk.summary(scope, days)
    label = ", ".join(sorted(scope)) if scope is not None else t("desk-stats-scope-all")
    await reply(update, stats_text(context, t, summary, label))
    png = await asyncio.to_thread(
        chart.chart_png, summary.days, t("desk-stats-col-opened"), t("desk-stats-col-closed"),
        t("desk-stats-chart-title"),
    )  # fmt: skip
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(
            InputFile(png, filename="hotline.png"), caption=t("desk-stats-chart-title")
        )
