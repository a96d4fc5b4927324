"""Staff and admin tools over the register: /stats, /export, /audit."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from datetime import timedelta
from typing import Any

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.context import HotlineContext
from bot.evacuation import views as evacuation_views
from bot.i18n import Markup
from bot.reference import countries
from bot.staff import reports
from bot.staff.roles import Role
from handlers.common import PRIVATE, reply
from handlers.hotline.stats import hotline_stats
from handlers.notices.reach import send_quality
from handlers.people.views import RELATIONS
from handlers.render import country_label
from handlers.roles import requires
from storage.models import NEEDS, STATUSES

MAX_EXPORT_ROWS = 200_000


def country_arg(text: str) -> str | None:
    """The one country a command argument names (an ISO code or a certain name), else None."""
    return countries.code_of(text)


@requires("staff")
async def stats(update: Update, context: HotlineContext, role: Role) -> None:
    """/stats [country]: the register per country, a table and a chart; /stats hotline
    [days] [country]: the hotline's own figures (handlers/hotline/stats.py)."""
    t = context.t
    args = context.args or []
    if args and args[0].lower() == "hotline":
        await hotline_stats(update, context, role, args[1:])
        return
    wanted: list[str] = []
    if args:
        code = country_arg(" ".join(args))
        if code is None:
            await reply(update, t("bc-country-unknown", text=" ".join(args)[:60]))
            return
        if not role.covers(code):
            await reply(update, t("bc-scope-outside"))
            return
        wanted = [code]
    scope = role.scope(wanted)
    services = context.services
    now = services.clock.now()
    stale = services.settings.stale_days
    rows = await services.stats.by_country(
        scope, now - timedelta(hours=24), now - timedelta(days=stale)
    )
    if not rows:
        await reply(update, t("stats-empty"))
        return
    if len(rows) == 1:
        r = rows[0]
        by_status = " · ".join(f"{t(f'status-{s}')}: {r.by_status[s]}" for s in STATUSES)
        text = t(
            "stats-country", country=country_label(t, r.country), registered=r.registered,
            people=r.people, statuses=by_status, help=r.need_help, evacuation=r.evacuation,
            new=r.new_24h, stale=r.stale, days=stale,
        )  # fmt: skip
        checks = await services.notices.latest_safety([r.country])
        if r.country in checks:
            safe, help_, silent = checks[r.country]
            text += "\n" + t("stats-safety", safe=safe, help=help_, silent=silent)
    else:
        widths = (6, 7, 7, 6, 6, 6)
        heads = [t(f"stats-col-{c}") for c in ("reg", "people", "help", "evac", "new", "stale")]
        fields = ("registered", "people", "need_help", "evacuation", "new_24h", "stale")

        def line(first: str, values: list[Any]) -> str:
            return f"{first:4}" + "".join(f"{v:>{w}}" for v, w in zip(values, widths, strict=True))

        lines = [line("", heads)]
        lines += [line(r.country, [getattr(r, f) for f in fields]) for r in rows]
        lines.append(line("Σ", [sum(getattr(r, f) for r in rows) for f in fields]))
        text = t("stats-table", table=Markup("<pre>" + html.escape("\n".join(lines)) + "</pre>"),
                 days=stale)  # fmt: skip
    evacuated = await services.evacuation.repo.evacuated(scope)
    if evacuated:
        text += "\n" + evacuation_views.evacuated_line(t, evacuated)
    # Chats following a country without registering (issue 18): not in the register's rows.
    if followers := await services.people.links.followers_by_country(scope):
        shown = " · ".join(f"{c} {n}" for c, n in sorted(followers.items()))
        text += "\n" + t("stats-followers", count=sum(followers.values()), countries=shown)
    await reply(update, text)
    png = await asyncio.to_thread(
        reports.chart_png, rows, lambda c: country_label(t, c).split(" ", 1)[-1][:28],
        lambda s: t(f"status-{s}").split(" ", 1)[-1][:24], t("stats-chart-title"),
    )  # fmt: skip
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(InputFile(png, filename="stats.png"), caption=t("stats-chart-title"))
    # Proof of reach (issue 16): how good the register is for reaching people.
    await send_quality(update, context, scope)


def _export_filters(args: list[str]) -> tuple[list[str], list[str], list[str], str | None]:
    """Countries, statuses and needs from /export arguments; the first bad word if any."""
    codes, statuses, needs = [], [], []
    for raw in " ".join(args).replace(",", " ").split():
        word = raw.strip().lower()
        if word in STATUSES:
            statuses.append(word)
        elif word in NEEDS:
            needs.append(word)
        elif code := countries.code_of(word, names=False):
            # Codes only: the words are split on spaces, which many country names contain.
            codes.append(code)
        else:
            return [], [], [], raw[:40]
    return codes, statuses, needs, None


@requires("staff")
async def export(update: Update, context: HotlineContext, role: Role) -> None:
    """/export [countries] [status] [needs]: CSV and XLSX of the matching registrations."""
    t = context.t
    codes, statuses, needs, bad = _export_filters(context.args or [])
    if bad is not None:
        await reply(update, t("export-usage", word=bad))
        return
    if any(not role.covers(c) for c in codes):
        await reply(update, t("bc-scope-outside"))
        return
    scope = role.scope(codes)
    services = context.services
    files = await asyncio.to_thread(
        reports.ExportFiles, t("export-sheet"), [t(f"export-col-{c}") for c in MANIFEST]
    )
    try:
        await _write_export(context, files, scope, statuses, needs)
        user = update.effective_user
        stamp = services.clock.now()
        await services.audit.log(
            user.id if user else None, "export",
            {"countries": sorted(scope) if scope is not None else "all", "statuses": statuses,
             "needs": needs, "rows": files.rows},
            stamp,
        )  # fmt: skip
        name = "manifest-" + stamp.astimezone(services.settings.tz).strftime("%Y%m%d-%H%M")
        chat = update.effective_chat
        if chat is None:
            return
        with files.csv_path.open("rb") as csv_file:
            await chat.send_document(InputFile(csv_file, filename=f"{name}.csv"),
                                     caption=t("export-done", rows=files.rows))  # fmt: skip
        with files.xlsx_path.open("rb") as xlsx_file:
            await chat.send_document(InputFile(xlsx_file, filename=f"{name}.xlsx"))
    finally:
        await asyncio.to_thread(files.discard)


# Rows handed to the file writers at a time: what an export holds in memory.
EXPORT_BATCH = 2000


async def _write_export(
    context: HotlineContext, files: reports.ExportFiles, scope: frozenset[str] | None,
    statuses: list[str], needs: list[str],
) -> None:  # fmt: skip
    """Stream the matching rows into the files, a batch at a time, off the event loop."""
    t = context.t
    # Each label once, not once per row: Fluent formatting costs more than the query.
    labels = {f"status-{s}": t(f"status-{s}") for s in STATUSES}
    labels.update({f"needs-{n}": t(f"needs-{n}") for n in NEEDS})
    labels.update({f"relation-{r}": t(f"relation-{r}") for r in RELATIONS})
    batch: list[tuple[Any, ...]] = []
    taken = 0
    async with contextlib.aclosing(
        context.services.stats.export_rows(scope, statuses, needs)
    ) as rows:
        async for row in rows:
            batch.append(_manifest_row(labels, row))
            taken += 1
            if len(batch) >= EXPORT_BATCH:
                await asyncio.to_thread(files.write, batch)
                batch = []
            if taken >= MAX_EXPORT_ROWS:
                break
    await asyncio.to_thread(files.write, batch)
    await asyncio.to_thread(files.finish)


# The evacuation-manifest layout: who, how to reach them, how many, where, what they need;
# then the optional details (issue 18): end of stay, person to notify, who travels with them.
MANIFEST = (
    "full_name", "phone", "party_size", "children", "country", "city", "status", "needs",
    "note", "updated_at", "stay_until", "contact_name", "contact_phone", "contact_relation",
    "companions",
)  # fmt: skip


def _manifest_row(labels: dict[str, str], row: tuple[Any, ...]) -> tuple[Any, ...]:
    full_name, phone, country, city, status, party, children, needs, note, updated = row[:10]
    stay, contact, contact_phone, relation, companions, group = row[10:]
    stay_text = ".".join(reversed(stay.split("-"))) if stay else ""
    return (
        # A group counts as its people, not as its leader's party.
        full_name, phone, group or party, children, country, city, labels[f"status-{status}"],
        labels[f"needs-{needs}"], note or "", updated.replace("T", " ")[:16], stay_text,
        contact or "", contact_phone or "",
        labels.get(f"relation-{relation}", "") if relation else "", companions or "",
    )  # fmt: skip


@requires("admin")
async def show_audit(update: Update, context: HotlineContext, role: Role) -> None:
    """/audit: the most recent staff and admin actions (admins)."""
    entries = await context.services.audit.recent(limit=30)
    if not entries:
        await reply(update, context.t("audit-empty"))
        return
    tz = context.settings.tz
    lines = [
        f"{e.at.astimezone(tz):%d.%m %H:%M} · {e.actor_id or '—'} · {e.action} · "
        + json.dumps(e.details, ensure_ascii=False)[:160]
        for e in entries
    ]
    body = html.escape("\n".join(lines))
    await reply(update, context.t("audit-list", lines=Markup(f"<pre>{body[:3800]}</pre>")))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Staff commands; `requires` refuses everyone else with "not available"."""
    app.add_handler(CommandHandler("stats", stats, filters=PRIVATE))
    app.add_handler(CommandHandler("export", export, filters=PRIVATE))
    app.add_handler(CommandHandler("audit", show_audit, filters=PRIVATE))
