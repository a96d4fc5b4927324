"""Handlers, one module per area; the order they see updates is set here and only here."""

from __future__ import annotations

from bot.context import AnyApp
from handlers import (
    commands,
    common,
    content_admin,
    emergency,
    evacuation,
    fallback,
    faq,
    faq_report,
    hotline,
    menu,
    notices,
    people,
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
    evacuation.register(app)
    hotline.register(app)
    # Before registration: its two conversations end themselves when a registration button
    # is pressed, and their entry points refuse while a registration is under way.
    people.register(app)
    registration.register(app)
    safety.register(app)
    menu.register(app)
    faq.register(app)
    fallback.register(app)


async def on_startup(app: AnyApp) -> None:
    """What handlers set up once the bot is connected: menus, the staff-chat check, warnings,
    the desk's jobs and the relay into the staff groups."""
    services = app.bot_data.services
    if services is None:
        raise RuntimeError("services are not wired; build the app with build_application")
    await commands.set_command_menus(app.bot, services.catalog)
    await commands.set_staff_menus(app.bot, services)
    await hotline.check_staff_chats(app)
    # Admins hear at every start while the ministry's 24/7 line is not configured.
    await emergency.warn_admins(app)
    # Templates, the staff directory, and the desk's watch (alarms, idle tickets).
    await hotline.start_desk(app)
    # The relay sends what the last run left queued, and from now on what citizens write.
    await services.relay.start(app, hotline.HotlineRelayViews(app))
