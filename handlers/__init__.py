"""Handlers, one module per area; the order they see updates is set here and only here."""

from __future__ import annotations

from bot.context import AnyApp
from handlers import (
    common,
    content_admin,
    fallback,
    faq,
    faq_report,
    hotline,
    menu,
    notices,
    registration,
    staff_admin,
    staff_tools,
)
from handlers.hotline import templates
from handlers.notices import safety


def register_all(app: AnyApp) -> None:
    """Register every handler in its group and order.

    Group -1 resolves the user's language for everything after it. In group 0 the
    registration conversation comes first, so while a citizen is inside it every update of
    theirs goes there; then the menu; the catch-alls last, so nothing goes unanswered.
    """
    common.register(app)
    # Before content_admin, whose FAQ upload would take the templates file too.
    templates.register(app)
    content_admin.register(app)
    staff_admin.register(app)
    staff_tools.register(app)
    faq_report.register(app)
    notices.register(app)
    hotline.register(app)
    registration.register(app)
    safety.register(app)
    menu.register(app)
    faq.register(app)
    fallback.register(app)
