"""Departures as staff see them: /evacuation, each departure's card, its manifest, cancelling.

A card shows the departure and its live counts (the service keeps the last one shown up
to date); its buttons name the departure by id, and every press re-checks the role and
the departure's country against the staff member's scope.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.context import HotlineContext
from bot.evacuation import views
from bot.evacuation.passengers import shown_date
from bot.evacuation.views import CANCEL, CANCEL_SURE, MANIFEST, NEW
from bot.i18n import Translator
from bot.staff import reports
from bot.staff.roles import Role
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.keyboards import Button
from handlers.roles import not_available, requires
from handlers.staff_tools import MANIFEST as REGISTER_MANIFEST
from storage.evacuation import Departure, EvacuationRepo
from storage.models import NEEDS, STATUSES

# The manifest: the register's evacuation-manifest layout, then the passport fields of
# each person and the party's confirmation number (and when it boarded).
# The register's first ten columns (name to last update); each passenger is its own row below
# them, so the party's companions are already listed by name.
REGISTER_COLUMNS = REGISTER_MANIFEST[:10]
PASSENGER_COLUMNS = ("passenger", "passport", "birth_date", "confirmation", "boarded")
LISTED = 10


async def managed(
    update: Update, context: HotlineContext, role: Role, prefix: str
) -> Departure | None:
    """The departure a card's button names, if it exists and is in the role's scope."""
    arg = callback_arg(update, prefix)
    services = context.services
    departure = await services.evacuation.repo.get(int(arg)) if arg and arg.isdigit() else None
    if departure is None:
        await refuse_button(update, context)
        return None
    if not role.covers(departure.country):
        await not_available(update, context)
        return None
    return departure


async def post_card(update: Update, context: HotlineContext, departure: Departure) -> None:
    """Show the departure's card; it becomes the one kept current."""
    text, markup = await context.services.evacuation.card(departure, context.t)
    message = await reply(update, text, reply_markup=markup)
    await context.services.evacuation.shown_at(departure, message.chat_id, message.message_id)


@requires("staff")
async def listing(update: Update, context: HotlineContext, role: Role) -> None:
    """/evacuation: the departures in scope (open first), each a card; then "new"."""
    scope = None if role.is_admin else role.countries
    found = await context.services.evacuation.repo.listing(scope, LISTED)
    t = context.t
    for departure in reversed(found):
        await post_card(update, context, departure)
    markup = InlineKeyboardMarkup([[Button(t("btn-ev-new"), callback_data=NEW)]])
    await reply(update, t("ev-list-new" if found else "ev-list-empty"), reply_markup=markup)


def _manifest_rows(t: Translator, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # Each label once, not once per row.
    labels = {f"status-{s}": t(f"status-{s}") for s in STATUSES}
    labels.update({f"needs-{n}": t(f"needs-{n}") for n in NEEDS})
    out = []
    for row in rows:
        (name, phone, party, children, country, city, status, needs, note, updated,
         passenger, passport, birth, confirmation, boarded) = row  # fmt: skip
        out.append((
            name or "", phone or "", party, children or 0, country or "", city or "",
            labels.get(f"status-{status}", ""), labels.get(f"needs-{needs}", ""), note or "",
            (updated or "").replace("T", " ")[:16], passenger, passport, shown_date(birth),
            confirmation or "", (boarded or "").replace("T", " ")[:16],
        ))  # fmt: skip
    return out


async def manifest_files(
    t: Translator, repo: EvacuationRepo, departure: Departure
) -> tuple[list[tuple[Any, ...]], bytes, bytes]:
    """A departure's manifest: its rows, as CSV and as XLSX (built off the event loop)."""
    rows = _manifest_rows(t, await repo.manifest(departure.id))
    header = [t(f"export-col-{c}") for c in REGISTER_COLUMNS]
    header += [t(f"ev-col-{c}") for c in PASSENGER_COLUMNS]
    csv_data, xlsx_data = await asyncio.gather(
        asyncio.to_thread(reports.csv_bytes, header, rows),
        asyncio.to_thread(reports.xlsx_bytes, t("ev-sheet"), header, rows),
    )
    return rows, csv_data, xlsx_data


@requires("staff")
async def manifest(update: Update, context: HotlineContext, role: Role) -> None:
    """ev:m:<id>: the confirmed passengers with their passport data, CSV and XLSX (audited)."""
    departure = await managed(update, context, role, MANIFEST)
    if departure is None:
        return
    await answer_query(update)
    services, t = context.services, context.t
    rows, csv_data, xlsx_data = await manifest_files(t, services.evacuation.repo, departure)
    user = update.effective_user
    stamp = services.clock.now()
    await services.audit.log(
        user.id if user else None, "evacuation.manifest",
        {"departure": departure.id, "country": departure.country, "rows": len(rows)}, stamp,
    )  # fmt: skip
    name = f"departure-{departure.id}-" + stamp.astimezone(services.settings.tz).strftime(
        "%Y%m%d-%H%M"
    )
    chat = update.effective_chat
    if chat is None:
        return
    caption = t("ev-manifest-done", id=str(departure.id), rows=len(rows))
    await chat.send_document(InputFile(csv_data, filename=f"{name}.csv"), caption=caption)
    await chat.send_document(InputFile(xlsx_data, filename=f"{name}.xlsx"))


@requires("staff")
async def ask_cancel(update: Update, context: HotlineContext, role: Role) -> None:
    """ev:c:<id>: cancel the departure? Everyone offered or confirmed will be told."""
    departure = await managed(update, context, role, CANCEL)
    if departure is None:
        return
    if departure.state != "open":
        await answer_query(update, context.t("ev-not-open"), alert=True)
        return
    await answer_query(update)
    text, markup = views.cancel_question(context.t, departure)
    await reply(update, text, reply_markup=markup)


@requires("staff")
async def cancel(update: Update, context: HotlineContext, role: Role) -> None:
    """ev:cc:<id>: cancelled; the people told are queued through the outbox."""
    departure = await managed(update, context, role, CANCEL_SURE)
    if departure is None:
        return
    user = update.effective_user
    told = await context.services.evacuation.cancel(departure.id, user.id if user else 0)
    if told < 0:
        await answer_query(update, context.t("ev-not-open"), alert=True)
        return
    await answer_query(update)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)
    await reply(update, context.t("ev-cancelled", id=str(departure.id), count=told))
