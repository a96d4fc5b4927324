"""Boarding at the gate: staff type a code (/board CODE, or one after another after "Check-in"
on a card) or scan the party's QR code, which opens the bot with /start board_<code>."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.evacuation import codes, views
from bot.evacuation.views import CHECK_IN, CHECK_IN_DONE
from bot.staff.roles import Role
from handlers.common import answer_query, reply
from handlers.evacuation.cards import managed
from handlers.evacuation.drafts import drop_staff, staff_draft, start_staff
from handlers.keyboards import Button
from handlers.people import family
from handlers.roles import requires, role_of

END = ConversationHandler.END


async def _board(update: Update, context: HotlineContext, role: Role, text: str) -> None:
    """Check the party of a typed or scanned code in, and say how it went."""
    t, services = context.t, context.services
    code = codes.normalize(text)
    found = await services.evacuation.find(code) if code else None
    if found is None:
        await reply(update, t("ev-board-unknown", code=text.strip()[:20]))
        return
    offer, departure = found
    if not role.covers(departure.country):
        await reply(update, t("bc-scope-outside"))
        return
    d = staff_draft(context)
    if d.mode == "board" and d.departure_id not in (0, departure.id):
        await reply(update, t("ev-board-other", id=str(departure.id)))
        return
    user = update.effective_user
    status = await services.evacuation.board(offer, user.id if user else 0)
    shown = codes.shown(offer.boarding_code or "")
    if status == "answered" and offer.boarded_at is not None:
        when = views.local(offer.boarded_at, departure.country, context.settings.tz)
        await reply(update, t("ev-board-again", code=shown, at=when))
        return
    if status != "ok":
        await reply(update, t("ev-board-closed", code=shown))
        return
    people = await services.evacuation.offers.passengers(offer.id)
    counts = await services.evacuation.counts(departure)
    await reply(update, views.board_line(t, offer, people, counts))
    # Relatives the citizen chose to tell about boarding hear of it (issue 18's family link).
    with contextlib.suppress(TelegramError):
        await family.boarded(context, offer.user_id, f"№{departure.id}")


@requires("staff")
async def board_command(update: Update, context: HotlineContext, role: Role) -> None:
    """/board CODE."""
    args = context.args or []
    if not args:
        await reply(update, context.t("ev-board-usage"))
        return
    await _board(update, context, role, " ".join(args))


async def scanned(update: Update, context: HotlineContext) -> None:
    """/start board_<code>: staff scanned a boarding QR; anyone else is told what it is."""
    role = role_of(update, context)
    if role is None:
        await reply(update, context.t("ev-board-show-staff"))
        return
    await _board(update, context, role, " ".join(context.args or []))


@requires("staff", refused=END)
async def begin(update: Update, context: HotlineContext, role: Role) -> object:
    """ev:b:<id>: check-in mode for one departure: each code typed or scanned is boarded."""
    departure = await managed(update, context, role, CHECK_IN)
    if departure is None:
        return END
    if departure.state != "open":
        await answer_query(update, context.t("ev-not-open"), alert=True)
        return END
    await answer_query(update)
    start_staff(context, "board", id=departure.id)
    markup = InlineKeyboardMarkup(
        [[Button(context.t("btn-ev-checkin-done"), callback_data=CHECK_IN_DONE)]]
    )
    await reply(update, context.t("ev-checkin-start", id=str(departure.id)), reply_markup=markup)
    return "ev_board"


@requires("staff", refused=END)
async def code_typed(update: Update, context: HotlineContext, role: Role) -> None:
    """A code typed in check-in mode."""
    message = update.effective_message
    await _board(update, context, role, (message.text if message else "") or "")


@requires("staff", refused=END)
async def code_scanned(update: Update, context: HotlineContext, role: Role) -> None:
    """A QR scanned in check-in mode (/start board_<code>), or /board CODE."""
    await _board(update, context, role, " ".join(context.args or []))


@requires("staff", refused=END)
async def done(update: Update, context: HotlineContext, role: Role) -> object:
    """ "Done": out of check-in mode, with boarded against confirmed."""
    await answer_query(update)
    services = context.services
    departure = await services.evacuation.repo.get(staff_draft(context).departure_id)
    drop_staff(context)
    if departure is not None:
        counts = await services.evacuation.counts(departure)
        await reply(
            update,
            context.t(
                "ev-checkin-done", boarded=counts.boarded_seats, confirmed=counts.confirmed_seats
            ),
        )
    return END
