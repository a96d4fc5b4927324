"""The desk's watch, two JobQueue jobs with stable names: "desk-alarms" flags tickets whose
citizen waited past the threshold for their urgency (in the topic, and in a summary to the
group that mentions whoever holds each, or the admins), "desk-idle" closes tickets without
a message for TICKET_IDLE_DAYS. What they did is in the database (alarmed_at, closed_reason),
so a restart neither repeats nor forgets anything; both read services.clock.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict

from telegram.error import TelegramError

from bot.context import AnyApp, HotlineContext, one_replica
from bot.i18n import DEFAULT_LANG, Markup, Translator
from handlers.hotline.cards import staff_t
from handlers.hotline.citizen import HOTLINE_KEY
from handlers.hotline.desk_views import duration, line, mention, ticket_ref
from storage.desk import Waiting
from storage.tickets import Ticket

ALARM_JOB = "desk-alarms"
IDLE_JOB = "desk-idle"
# Idle tickets are days old: a look every quarter of an hour is plenty.
IDLE_EVERY = 900
MAX_ADMINS_MENTIONED = 5


async def start_desk(app: AnyApp) -> None:
    """At start-up: load the templates and the staff directory, arm the two jobs."""
    services = app.bot_data.services
    await services.desk.load()
    if app.job_queue is None:
        return
    every = services.settings.desk_check_seconds
    # Beside other replicas one of them flags the waits and closes the idle tickets (each
    # is also marked once in the database).
    alarms = one_replica(ALARM_JOB, every, alarm_tick)
    app.job_queue.run_repeating(alarms, interval=every, first=every, name=ALARM_JOB)
    idle = one_replica(IDLE_JOB, IDLE_EVERY, idle_tick)
    app.job_queue.run_repeating(idle, interval=IDLE_EVERY, first=every, name=IDLE_JOB)


def _admins(context: HotlineContext) -> Markup:
    admins = [uid for uid, role in context.services.roles.items() if role.is_admin]
    return Markup(", ".join(mention(context, uid) for uid in admins[:MAX_ADMINS_MENTIONED]))


def _who(context: HotlineContext, t: Translator, ticket: Ticket) -> str:
    if ticket.assignee_id is not None:
        return mention(context, ticket.assignee_id)
    admins = _admins(context)
    return t("desk-owner-admins", admins=admins) if admins else t("desk-owner-none")


async def alarm_tick(context: HotlineContext) -> None:
    """Flag the waits that just passed their threshold; each is flagged once."""
    services = context.services
    desk = services.desk
    due = await desk.due_alarms()
    if not due:
        return
    now = services.clock.now()
    t = staff_t(context)
    by_chat: dict[int, list[Waiting]] = defaultdict(list)
    for item in due:
        ticket = item.ticket
        by_chat[ticket.staff_chat_id].append(item)
        waited = desk.waited(ticket.waiting_since, now)
        text = t(
            "desk-alarm-topic",
            wait=duration(t, waited.total_seconds()),
            limit=duration(t, desk.thresholds.limit(item.urgent).total_seconds()),
            who=Markup(_who(context, t, ticket)),
        )
        if ticket.thread_id is not None:
            # The flag is stored; a topic deleted meanwhile loses only this message.
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(
                    ticket.staff_chat_id, text, message_thread_id=ticket.thread_id
                )
    for chat_id, items in by_chat.items():
        lines = [t("desk-alarm-summary", count=len(items))]
        for item in items:
            waited = desk.waited(item.ticket.waiting_since, now)
            lines.append(
                line(
                    f"{desk.thresholds.light(waited, item.urgent)} {ticket_ref(item.ticket)}",
                    t("desk-urgent") if item.urgent else "",
                    t("desk-wait", wait=duration(t, waited.total_seconds())),
                    _who(context, t, item.ticket),
                )
            )
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                chat_id, "\n".join(lines), disable_web_page_preview=True
            )


async def idle_tick(context: HotlineContext) -> None:
    """Close tickets without a message for TICKET_IDLE_DAYS; writing again reopens them."""
    services = context.services
    days = services.settings.ticket_idle_days
    closed = await services.desk.close_idle()
    t = staff_t(context)
    for ticket in closed:
        # The citizen's next message goes to the hotline again (and reopens the ticket,
        # storage.tickets.open_for), whether or not they came through the menu. user_data
        # is a read-only view of a defaultdict: reading a user creates their dict.
        context.application.user_data[ticket.user_id][HOTLINE_KEY] = True
        context.application.mark_data_for_update_persistence(user_ids=ticket.user_id)
        citizen = await services.citizens.get(ticket.user_id)
        ct = services.catalog.translator(citizen.lang if citizen else DEFAULT_LANG)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                ticket.user_id, ct("desk-idle-citizen", ticket=ticket.id, days=days)
            )
        if ticket.thread_id is not None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(
                    ticket.staff_chat_id,
                    t("desk-idle-topic", ticket=ticket.id, days=days),
                    message_thread_id=ticket.thread_id,
                )
