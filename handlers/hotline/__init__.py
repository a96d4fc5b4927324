"""Hotline chats: a citizen's messages go to a forum topic in the staff group; staff
replies in the topic go back to the citizen, anonymously. The mapping lives in the
database, so a restart loses nothing.

citizen.py is the citizen's side, topic.py the staff's (albums.py: their albums), routes.py
which group serves which country, members.py who sits in those groups, cards.py what staff
see, relay_views.py what the relay (bot.relay) shows, marks.py the delivery mark,
erasure.py what an erasure leaves of a citizen there. Citizens' free messages reach relay_in
through handlers.fallback, which asks is_active first. The team's tools: desk.py (who holds a
ticket, /queue, /mine), templates.py (/t; registered by handlers.register_all, before the
FAQ upload), watch.py (the alarm and idle jobs), stats.py (/stats hotline).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.hotline import HotlineDesk
from handlers.common import PRIVATE
from handlers.hotline.cards import RATE
from handlers.hotline.citizen import (
    citizen_edit,
    end_hotline,
    is_active,
    open_urgent,
    rate,
    relay_in,
    relay_urgent,
    start_hotline,
)
from handlers.hotline.desk import register as register_team
from handlers.hotline.erasure import erase_topics
from handlers.hotline.members import member_changed, role_changed
from handlers.hotline.relay_views import HotlineRelayViews
from handlers.hotline.routes import check_staff_chats, list_routes, overflow, route
from handlers.hotline.topic import (
    STAFF_COMMANDS,
    ban,
    card,
    close,
    note,
    relay_out,
    reopen,
    send_faq,
    staff_edit,
    unban,
)
from handlers.hotline.watch import start_desk
from handlers.keyboards import END_CHAT
from handlers.roles import admins, not_available

__all__ = [
    "HotlineRelayViews",
    "check_staff_chats",
    "citizen_edit",
    "erase_topics",
    "is_active",
    "open_urgent",
    "register",
    "relay_in",
    "relay_urgent",
    "role_changed",
    "start_desk",
    "start_hotline",
]


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Staff-group handlers and the rating button; citizen relaying is called by fallback."""
    # Services are wired before any handler is registered; a missing desk fails here.
    desk: HotlineDesk = app.bot_data.services.hotline
    in_staff = desk.staff_chats & filters.UpdateType.MESSAGE
    topic = in_staff & filters.IS_TOPIC_MESSAGE
    for name, callback in (
        ("close", close), ("reopen", reopen), ("card", card), ("ban", ban),
        ("unban", unban), ("faq", send_faq), ("note", note),
    ):  # fmt: skip
        app.add_handler(CommandHandler(name, callback, filters=topic))
    app.add_handler(MessageHandler(topic & ~filters.COMMAND, relay_out))
    edited = desk.staff_chats & filters.UpdateType.EDITED_MESSAGE
    app.add_handler(MessageHandler(edited, staff_edit))
    app.add_handler(CallbackQueryHandler(rate, pattern=rf"^{RATE}"))
    # Joins and leaves in the staff groups (member_changed ignores other chats).
    app.add_handler(ChatMemberHandler(member_changed, ChatMemberHandler.CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(end_hotline, pattern=rf"^{END_CHAT}$"))
    app.add_handler(CommandHandler("route", route, filters=admins(app)))
    app.add_handler(CommandHandler("routes", list_routes, filters=admins(app)))
    app.add_handler(CommandHandler("overflow", overflow, filters=admins(app)))
    app.add_handler(
        CommandHandler(["route", "routes", "overflow"], not_available, filters=PRIVATE)
    )
    app.add_handler(CommandHandler(list(STAFF_COMMANDS), not_available, filters=PRIVATE))
    # The team's tools: /take, /assign, /release, /queue, /mine.
    register_team(app)
