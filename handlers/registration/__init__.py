"""Registration: where the citizen is, who is with them, how to reach them, what they need.

A ConversationHandler whose states and draft are persisted (bot.runtime.persistence), so a restart
resumes at the same step. flow.py holds the draft and the order of the steps, questions.py the
prompts, answers.py the steps, entry.py the ways in and past. The conversation's name and its
state strings are stored in conversation_states: they never change (new ones may be added).
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.notices.views import FRESH
from handlers.common import PRIVATE, refuse_button
from handlers.keyboards import (
    ADD_NOTE,
    CITY_KEEP,
    CITY_MOVE,
    CONSENT_YES,
    OTHER_CITY,
    OTHER_COUNTRY,
)
from handlers.registration import answers as a
from handlers.registration import entry as e

NAME = "registration"
TEXT = filters.TEXT & ~filters.COMMAND
LOCATION = filters.LOCATION & PRIVATE
CONTACT = filters.CONTACT & PRIVATE
TYPED = TEXT & PRIVATE
Handlers = list[BaseHandler[Any, Any, Any]]


def _button(callback: Any, pattern: str) -> CallbackQueryHandler[Any, Any]:
    return CallbackQueryHandler(callback, pattern=pattern)


def _typed(callback: Any) -> MessageHandler[Any, Any]:
    return MessageHandler(TYPED, callback)


def build() -> ConversationHandler[Any]:
    """The registration conversation."""
    states: dict[object, Handlers] = {
        "country": [
            _button(a.country_button, r"^r:c:"),
            MessageHandler(LOCATION, a.location),
            _typed(a.country_text),
        ],
        "gps": [_button(a.gps_answer, r"^r:g:"), MessageHandler(LOCATION, a.location)],
        "city": [_typed(a.city_text)],
        "city_check": [_button(a.city_check, rf"^({CITY_MOVE}|{CITY_KEEP})$")],
        "status": [
            _button(a.status_button, r"^r:s:"),
            _button(a.gps_answer, rf"^({OTHER_CITY}|{OTHER_COUNTRY})$"),
        ],
        "party": [_button(a.party_answer, r"^r:p:"), _typed(a.party_answer)],
        "children": [_button(a.children_answer, r"^r:k:"), _typed(a.children_answer)],
        "name": [_button(a.name_answer, r"^r:nm:tg$"), _typed(a.name_answer)],
        "phone": [MessageHandler(CONTACT, a.phone_contact), _typed(a.phone_text)],
        "needs": [_button(a.needs_button, r"^r:n:")],
        "vulnerable": [_button(a.vulnerable_answer, r"^r:v:")],
        "note": [_button(a.note_answer, r"^r:note:skip$"), _typed(a.note_answer)],
        "confirm": [
            _button(a.confirm, r"^r:ok$"),
            _button(a.add_note, rf"^{ADD_NOTE}$"),
            _button(a.edit_menu, r"^r:ed$"),
        ],
        "edit": [_button(a.edit_field, r"^r:(f:|sum$)")],
    }
    with warnings.catch_warnings():
        # PTB warns that with per_message=False a button is not tied to its message. That
        # is intended: the state decides which buttons are live, older ones are "stale".
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("register", e.begin, filters=PRIVATE),
                _button(e.begin, r"^m:reg$"),
                _button(e.agree, rf"^{CONSENT_YES}$"),
                _button(e.begin_edit, r"^e:"),
                _button(e.fresh_moved, rf"^{FRESH}[0-9]{{1,12}}:moved$"),
            ],
            states=states,
            fallbacks=[
                CommandHandler("cancel", a.cancel, filters=PRIVATE),
                _button(a.cancel, r"^r:x$"),
                _button(e.leave_for_menu, r"^m:"),
                MessageHandler(filters.COMMAND & PRIVATE, e.restart_attempt),
                CallbackQueryHandler(refuse_button),
                MessageHandler(filters.ALL & PRIVATE, e.wrong_input),
            ],
            name=NAME,
            persistent=True,
            allow_reentry=False,
        )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the conversation."""
    app.add_handler(build())
