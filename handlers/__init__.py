"""Handlers, one module per area; the order they see updates is set here and only here."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    broadcast,
    common,
    content_admin,
    fallback,
    faq,
    hotline,
    menu,
    registration,
    safety,
    staff_admin,
    staff_tools,
)


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every handler in its group and order.

    Group -1 resolves the user's language for everything after it. In group 0 the
    registration conversation comes first, so while a citizen is inside it every update of
    theirs goes there; then the menu; the catch-alls last, so nothing goes unanswered.
    """
    common.register(app)
    content_admin.register(app)
    staff_admin.register(app)
    staff_tools.register(app)
    broadcast.register(app)
    hotline.register(app)
    registration.register(app)
    safety.register(app)
    menu.register(app)
    faq.register(app)
    fallback.register(app)
