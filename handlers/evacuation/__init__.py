"""Evacuation departures: staff open and manage them, citizens confirm or decline seats, staff
board them at the gate.

Two persistent conversations (their names and states are stored in conversation_states, so
they do not change): "evacuation", a staff member opening, editing, telling or boarding a
departure; "evac_party", a citizen entering the passport data of a confirmed party.
Registered before registration, so an offer's buttons work in the middle of any flow that
does not own its user's updates.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import AnyApp, HotlineContext
from bot.evacuation import codes
from bot.evacuation.views import (
    CANCEL,
    CANCEL_SURE,
    CHECK_IN,
    CHECK_IN_DONE,
    CONFIRM,
    DECLINE,
    DECLINE_SURE,
    EDIT,
    FIELD,
    KEEP,
    KIND,
    MANIFEST,
    NEW,
    NOTIFY,
    OPEN,
    PARTY_OK,
    PARTY_STOP,
    RUSSIAN_FOR_ALL,
    SKIP,
    STOP,
    WHO,
)
from handlers.common import PRIVATE, refuse_button, reply
from handlers.evacuation import boarding, cards, departures, offers, tell
from handlers.evacuation.drafts import drop_staff

TEXT = filters.TEXT & ~filters.COMMAND & PRIVATE
Handlers = list[BaseHandler[Any, Any, Any]]
# /start board_<code>: what a scanned boarding QR code sends.
SCANNED = PRIVATE & filters.Regex(rf"^/start {re.escape(codes.START_PREFIX)}")


def _on(callback: Any, prefix: str, exact: bool = False) -> CallbackQueryHandler[Any, Any]:
    return CallbackQueryHandler(callback, pattern=f"^{re.escape(prefix)}" + ("$" if exact else ""))


async def _stop(update: Update, context: HotlineContext) -> object:
    """/cancel or Cancel: whatever was being composed is dropped; nothing was stored."""
    await offers.keep(update, context)
    drop_staff(context)
    await reply(update, context.t("ev-stopped"))
    return ConversationHandler.END


async def _busy(update: Update, context: HotlineContext) -> None:
    """Another command in the middle of a step."""
    await reply(update, context.t("bc-finish-first"))


async def _wrong(update: Update, context: HotlineContext) -> None:
    """Anything the current step cannot use."""
    if update.callback_query is not None:
        await refuse_button(update, context)
        return
    await reply(update, context.t("bc-wrong-kind"))


def build_staff(app: AnyApp) -> ConversationHandler[Any]:
    """Opening, editing, telling and boarding a departure (staff)."""
    d = departures
    states: dict[object, Handlers] = {
        "ev_kind": [_on(d.kind_chosen, KIND)],
        "ev_country": [MessageHandler(TEXT, d.country_typed)],
        "ev_city": [MessageHandler(TEXT, d.city_typed)],
        "ev_who": [_on(d.who_chosen, WHO)],
        "ev_point": [MessageHandler(TEXT, d.point_typed)],
        "ev_loc": [
            MessageHandler(filters.LOCATION & PRIVATE, d.location_shared),
            _on(d.location_skipped, SKIP, exact=True),
        ],
        "ev_when": [MessageHandler(TEXT, d.when_typed)],
        "ev_seats": [MessageHandler(TEXT, d.seats_typed)],
        "ev_hours": [MessageHandler(TEXT, d.hours_typed)],
        "ev_dest": [
            MessageHandler(TEXT, d.destination_typed),
            _on(d.destination_skipped, SKIP, exact=True),
        ],
        "ev_open": [_on(d.open_departure, OPEN, exact=True)],
        "ev_field": [_on(d.field_chosen, FIELD)],
        "ev_nru": [MessageHandler(TEXT, tell.text_ru)],
        "ev_nkk": [
            MessageHandler(TEXT, tell.text_kk),
            _on(tell.russian_for_all, RUSSIAN_FOR_ALL, exact=True),
        ],
        "ev_nok": [_on(tell.send, OPEN, exact=True)],
        "ev_board": [
            MessageHandler(TEXT, boarding.code_typed),
            CommandHandler("start", boarding.code_scanned, filters=SCANNED),
            CommandHandler("board", boarding.code_scanned, filters=PRIVATE),
            _on(boarding.done, CHECK_IN_DONE, exact=True),
        ],
    }
    with warnings.catch_warnings():
        # Buttons are not tied to their message on purpose: the state decides which are live.
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                _on(d.begin, NEW, exact=True),
                _on(d.begin_edit, EDIT),
                _on(tell.begin, NOTIFY),
                _on(boarding.begin, CHECK_IN),
            ],
            states=states,
            fallbacks=[
                CommandHandler("cancel", _stop, filters=PRIVATE),
                _on(_stop, STOP, exact=True),
                MessageHandler(filters.COMMAND & PRIVATE, _busy),
                CallbackQueryHandler(_wrong),
                MessageHandler(filters.ALL & PRIVATE, _wrong),
            ],
            name="evacuation",
            persistent=True,
            allow_reentry=False,
        )


def build_party() -> ConversationHandler[Any]:
    """A citizen confirming seats: each person's passport data, then the summary."""
    o = offers
    states: dict[object, Handlers] = {
        "ev_name": [MessageHandler(TEXT, o.name_typed)],
        "ev_passport": [MessageHandler(TEXT, o.passport_typed)],
        "ev_birth": [MessageHandler(TEXT, o.birth_typed)],
        "ev_check": [_on(o.party_confirmed, PARTY_OK, exact=True)],
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return ConversationHandler(
            entry_points=[_on(o.confirm_pressed, CONFIRM)],
            states=states,
            fallbacks=[
                CommandHandler("cancel", o.stop_party, filters=PRIVATE),
                _on(o.stop_party, PARTY_STOP, exact=True),
                _on(o.ask_decline, DECLINE),
                _on(o.decline, DECLINE_SURE),
                _on(o.keep, KEEP, exact=True),
                MessageHandler(filters.COMMAND & PRIVATE, o.party_busy),
                CallbackQueryHandler(o.party_wrong_input),
                MessageHandler(filters.ALL & PRIVATE, o.party_wrong_input),
            ],
            name="evac_party",
            persistent=True,
            allow_reentry=False,
        )


def register(app: AnyApp) -> None:
    """The conversations first (each owns its user's updates while in it), then the rest."""
    app.add_handler(build_party())
    app.add_handler(build_staff(app))
    app.add_handler(CommandHandler("evacuation", cards.listing, filters=PRIVATE))
    app.add_handler(CommandHandler("board", boarding.board_command, filters=PRIVATE))
    app.add_handler(CommandHandler("start", boarding.scanned, filters=SCANNED))
    app.add_handler(_on(cards.manifest, MANIFEST))
    app.add_handler(_on(cards.ask_cancel, CANCEL))
    app.add_handler(_on(cards.cancel, CANCEL_SURE))
    app.add_handler(_on(offers.ask_decline, DECLINE))
    app.add_handler(_on(offers.decline, DECLINE_SURE))
    app.add_handler(_on(offers.keep, KEEP, exact=True))
