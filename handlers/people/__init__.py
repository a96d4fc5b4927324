"""People around a registration (issue 18): 'More details' after registering (end of stay,
person to notify, those travelling together, a group's people), following a country without
registering, family links, "I cannot reach my relative", and /find for staff.

details.py and inquiry.py are persistent conversations ("people_details", "people_inquiry");
follow.py, family.py and find.py are single handlers; stay.py is the end-of-stay job;
hooks.py holds the one-line calls other features make into this one. The submodules are
imported where the handlers are built: the hotline and registration import hooks.py, and
details.py imports the menu, which imports the hotline.
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
from handlers.common import PRIVATE

TEXT = filters.TEXT & ~filters.COMMAND & PRIVATE
CONTACT = filters.CONTACT & PRIVATE
FILES = filters.Document.ALL & PRIVATE
# Buttons that start the registration conversation, or leave for the main menu: pressed
# inside one of these conversations, they end it first (two conversations never overlap).
LEAVING = r"^(m:|e:|fr:\d{1,12}:moved$)"
Handlers = list[BaseHandler[Any, Any, Any]]


def _on(callback: Any, pattern: str) -> CallbackQueryHandler[Any, Any]:
    return CallbackQueryHandler(callback, pattern=pattern)


def _conversation(
    name: str, entry: Handlers, states: dict[object, Handlers], fallbacks: Handlers
) -> ConversationHandler[Any]:
    with warnings.catch_warnings():
        # Buttons are not tied to their message on purpose: the state decides which are live.
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return ConversationHandler(
            entry_points=entry,
            states=states,
            fallbacks=fallbacks,
            name=name,
            persistent=True,
            allow_reentry=False,
        )


def build_details() -> ConversationHandler[Any]:
    """The 'More details' conversation."""
    from handlers.people import details, views

    sections = "|".join(views.SECTIONS)
    back = _on(details.back, f"^{views.BACK}$")
    clear = _on(details.clear, f"^{views.CLEAR}")
    states: dict[object, Handlers] = {
        "menu": [],
        "stay": [
            _on(details.stay_button, f"^{views.STAY_PICK}"),
            MessageHandler(TEXT, details.stay_text),
            clear,
            back,
        ],
        "contact_name": [MessageHandler(TEXT, details.contact_name), clear, back],
        "contact_phone": [MessageHandler(TEXT | CONTACT, details.contact_phone), back],
        "contact_relation": [_on(details.contact_relation, f"^{views.RELATION}"), back],
        "party": [MessageHandler(TEXT, details.party_text), clear, back],
        "group": [
            MessageHandler(TEXT, details.group_text),
            MessageHandler(FILES, details.group_file),
            clear,
            back,
        ],
    }
    fallbacks: Handlers = [
        CommandHandler("cancel", details.cancel, filters=PRIVATE),
        _on(details.done, f"^{views.DONE}$"),
        _on(details.begin, f"^{views.OPEN}$"),
        # A section or the template from an earlier message works from any step.
        _on(details.section, f"^{views.DETAILS}({sections})$"),
        _on(details.template, f"^{views.TEMPLATE}$"),
        _on(details.leave_for, LEAVING),
        MessageHandler(filters.COMMAND & PRIVATE, details.busy_command),
        MessageHandler(filters.ALL & PRIVATE, details.wrong_input),
    ]
    entry: Handlers = [_on(details.begin, f"^{views.OPEN}$")]
    return _conversation(details.NAME, entry, states, fallbacks)


def build_inquiry() -> ConversationHandler[Any]:
    """The "I cannot reach my relative" conversation."""
    from handlers.people import inquiry, views

    skip = f"^{views.INQ_SKIP}$"
    states: dict[object, Handlers] = {
        "iq_name": [MessageHandler(TEXT, inquiry.sought_name)],
        "iq_phone": [_on(inquiry.sought_phone, skip), MessageHandler(TEXT, inquiry.sought_phone)],
        "iq_country": [
            _on(inquiry.country_button, f"^{views.INQ_COUNTRY}"),
            MessageHandler(TEXT, inquiry.country_text),
        ],
        "iq_place": [_on(inquiry.last_place, skip), MessageHandler(TEXT, inquiry.last_place)],
        "iq_filer_name": [MessageHandler(TEXT, inquiry.filer_name)],
        "iq_filer_phone": [MessageHandler(TEXT | CONTACT, inquiry.filer_phone)],
        "iq_confirm": [_on(inquiry.send, f"^{views.INQ_SEND}$")],
    }
    fallbacks: Handlers = [
        CommandHandler("cancel", inquiry.cancel, filters=PRIVATE),
        _on(inquiry.cancel, f"^{views.INQ_CANCEL}$"),
        _on(inquiry.leave_for, LEAVING),
        MessageHandler(filters.COMMAND & PRIVATE, inquiry.busy_command),
        MessageHandler(filters.ALL & PRIVATE, inquiry.wrong_input),
    ]
    entry: Handlers = [CommandHandler("relative", inquiry.begin, filters=PRIVATE)]
    return _conversation(inquiry.NAME, entry, states, fallbacks)


def register(app: AnyApp) -> None:
    """The conversations first (each owns a citizen's updates while it runs), then the rest.

    Registered before the registration conversation and the menu: an invitation link is a
    /start with a payload, and the menu's /start would take it otherwise.
    """
    from handlers.people import family, find, follow, inquiry, views

    app.add_handler(build_details())
    app.add_handler(build_inquiry())
    invitation = PRIVATE & filters.Regex(r"^/start\s+fam_")
    app.add_handler(CommandHandler("start", family.open_invite, filters=invitation))
    app.add_handler(CommandHandler("family", family.show_family, filters=PRIVATE))
    app.add_handler(CommandHandler("follow", follow.follow, filters=PRIVATE))
    app.add_handler(CommandHandler("unfollow", follow.unfollow, filters=PRIVATE))
    app.add_handler(CommandHandler("find", find.find, filters=PRIVATE))
    for pattern, callback in (
        (f"^{views.FOLLOW_TOGGLE}", follow.toggle),
        (f"^{views.UNFOLLOW}", follow.unfollow_button),
        (f"^{views.FOLLOW_DONE}$", follow.picker_done),
        (f"^{views.SHARE}", family.share_switch),
        (f"^{views.LINK_NEW}$", family.new_invite),
        (f"^{views.ACCEPT}", family.accept),
        (f"^{views.DECLINE}$", family.decline),
        (f"^{views.UNLINK}", family.unlink),
        (f"^({views.CONSENT_YES}|{views.CONSENT_NO})", inquiry.consent),
        (f"^{views.ASK}", find.ask),
    ):
        app.add_handler(_on(callback, pattern))
