"""Official notices: staff compose, target, preview, schedule and manage them; citizens read them.

Composing and editing are one persistent conversation in the staff member's private chat
(its name and states are stored in `conversation_states`, so they do not change). Safety
checks are registered separately (`handlers.notices.safety`), after registration.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import AnyApp
from bot.notices.reach import EXPORT, SMS, SMS_YES
from bot.notices.views import ACK, CANCEL, EDIT, REACH, RECALL
from handlers.common import PRIVATE
from handlers.notices import approval, compose, manage, options, reach
from handlers.notices.citizens import acknowledge, my_notices
from handlers.notices.views import REMIND, SMS_ASK, SMS_DROP, URGENT
from handlers.people.views import FOLLOWERS_SWITCH
from handlers.roles import not_available, staff

TEXT = filters.TEXT & ~filters.COMMAND
Handlers = list[BaseHandler[Any, Any, Any]]


def build(app: AnyApp) -> ConversationHandler[Any]:
    """The composing and editing conversation."""
    on = CallbackQueryHandler
    typed = TEXT & PRIVATE
    content = PRIVATE & (filters.PHOTO | filters.Document.ALL)
    states: dict[object, Handlers] = {
        "aud": [
            on(compose.audience_done, pattern=r"^bx:go$"),
            on(compose.audience_button, pattern=r"^bx:[csn]:"),
            MessageHandler(typed, compose.audience_text),
        ],
        "ru": [MessageHandler(typed, compose.text_ru)],
        "kk": [
            on(compose.russian_for_all, pattern=r"^bx:ru1$"),
            MessageHandler(typed, compose.text_kk),
        ],
        "media": [
            on(compose.skip_media, pattern=r"^bx:skip$"),
            MessageHandler(content, compose.media),
        ],
        "ack": [on(compose.ack_choice, pattern=r"^bx:ack:")],
        "when": [on(compose.when_choice, pattern=r"^bx:w:")],
        "at": [MessageHandler(typed, compose.at_text)],
        "daily": [MessageHandler(typed, compose.daily_text)],
        "until": [MessageHandler(typed, compose.until_text)],
        "confirm": [
            on(compose.confirm, pattern=r"^bx:ok$"),
            on(compose.followers_switch, pattern=f"^{FOLLOWERS_SWITCH}$"),
            on(options.toggle_urgent, pattern=f"^{URGENT}$"),
            on(options.cycle_reminders, pattern=f"^{REMIND}$"),
            on(options.ask_sms, pattern=f"^{SMS_ASK}$"),
            on(options.drop_sms, pattern=f"^{SMS_DROP}$"),
        ],
        "sms": [
            on(options.sms_back, pattern=f"^{options.SMS_BACK}$"),
            MessageHandler(typed, options.sms_text),
        ],
        "edit_ru": [MessageHandler(typed, manage.edit_ru)],
        "edit_kk": [
            on(manage.edit_ru_all, pattern=r"^bx:ru1$"),
            MessageHandler(typed, manage.edit_kk),
        ],
        "edit_ok": [on(manage.edit_confirm, pattern=r"^bx:eok$")],
    }
    with warnings.catch_warnings():
        # Buttons are not tied to their message on purpose: the state decides which are live.
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("broadcast", compose.begin, filters=staff(app)),
                on(manage.begin_edit, pattern=f"^{EDIT}"),
            ],
            states=states,
            fallbacks=[
                CommandHandler("cancel", compose.cancel_compose, filters=PRIVATE),
                on(compose.cancel_compose, pattern=r"^bx:x$"),
                MessageHandler(filters.COMMAND & PRIVATE, compose.busy_command),
                on(compose.wrong_input),
                MessageHandler(filters.ALL & PRIVATE, compose.wrong_input),
            ],
            name="broadcast",
            persistent=True,
            allow_reentry=False,
        )


def register(app: AnyApp) -> None:
    """The conversation first (it owns a composing staff member's updates), then the rest."""
    app.add_handler(build(app))
    app.add_handler(CommandHandler("broadcast", not_available, filters=PRIVATE))
    app.add_handler(CommandHandler("scheduled", manage.scheduled, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(manage.cancel_notice, pattern=f"^{CANCEL}"))
    app.add_handler(CallbackQueryHandler(manage.ask_recall, pattern=f"^{RECALL}"))
    app.add_handler(CallbackQueryHandler(manage.recall, pattern=f"^{manage.RECALL_YES}"))
    app.add_handler(CallbackQueryHandler(manage.never_mind, pattern=f"^{manage.NEVER_MIND}$"))
    app.add_handler(CallbackQueryHandler(acknowledge, pattern=f"^{ACK}"))
    app.add_handler(CommandHandler("notices", my_notices, filters=PRIVATE))
    # Proof of reach and the two-person rule.
    app.add_handler(CommandHandler("reach", reach.reach, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(reach.export, pattern=rf"^{EXPORT}\d+$"))
    app.add_handler(CallbackQueryHandler(reach.ask_sms, pattern=rf"^{SMS}\d+$"))
    app.add_handler(CallbackQueryHandler(reach.send_sms, pattern=rf"^{SMS_YES}\d+$"))
    app.add_handler(CallbackQueryHandler(reach.open_reach, pattern=rf"^{REACH}\d+$"))
    app.add_handler(CallbackQueryHandler(approval.approve, pattern=f"^{approval.APPROVE}"))
    app.add_handler(CallbackQueryHandler(approval.reject, pattern=f"^{approval.REJECT}"))
