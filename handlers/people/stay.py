"""The end-of-stay check, run as a repeating job: "are you still there?" on the declared last
day, a warning the day before the erasure, and the erasure itself STAY_ERASE_DAYS later
(never while a hotline ticket is open or an evacuation seat is held).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.context import AnyApp, HotlineContext
from bot.i18n import DEFAULT_LANG
from handlers.people import views

log = logging.getLogger(__name__)

# Warnings and erasure notes go straight to the chat, one at a time: a few a day at most,
# well under the per-chat and overall limits.
PAUSE = 0.05


async def tick(context: HotlineContext) -> None:
    """One pass of the check (the job "people-stay").

    Every replica keeps its own /find index; one of them (a lease, beside other replicas)
    asks, warns and erases: a warning sent by two would reach the citizen twice.
    """
    services = context.services
    if not await services.roster.leads("people-stay", services.settings.fresh_check_minutes * 60):
        await services.people.reindex()
        return
    await run(context.application)


async def run(app: AnyApp) -> tuple[int, int, int]:
    """Ask, warn and erase what is due now; (asked, warned, erased)."""
    services = app.bot_data.services
    people = services.people
    await people.reindex()
    plan = await people.stay_plan()
    now = services.clock.now()
    asked = 0
    if plan.ask:
        fresh_id = await services.notices.repo.fresh_notice(now)
        # Through the outbox like the freshness pings: paced, durable, answered by the same
        # buttons (still here / moved / back home). The engine's feeder looks every 5 s.
        asked = await people.repo.queue_stay_questions(fresh_id, plan.ask, now)
    warned = 0
    for row, erase in plan.warn:
        lang = await services.citizens.lang_of(row.user_id) or DEFAULT_LANG
        t = services.catalog.translator(lang)
        markup = InlineKeyboardMarkup([views.more_row(t)])
        text = t("stay-warning", day=views.day_text(erase))
        try:
            await app.bot.send_message(row.user_id, text, reply_markup=markup)
            warned += 1
        except TelegramError as exc:
            log.info("end-of-stay warning not delivered: %s", type(exc).__name__)
        # Marked either way: a blocked chat is not retried every half hour.
        await people.repo.mark_warned(row.user_id, row.stay_until)
        await asyncio.sleep(PAUSE)
    erased = 0
    for row in plan.erase:
        if not await people.repo.still_due(row.user_id, row.stay_until):
            continue
        lang = await services.citizens.lang_of(row.user_id) or DEFAULT_LANG
        await services.citizens.erase(row.user_id)
        # PTB's copy of the chat's user_data would otherwise be written back.
        app.drop_user_data(row.user_id)
        erased += 1
        text = services.catalog.format(lang, "stay-erased")
        try:
            await app.bot.send_message(row.user_id, text)
        except TelegramError as exc:
            log.info("end-of-stay erasure note not delivered: %s", type(exc).__name__)
        await asyncio.sleep(PAUSE)
    if erased:
        await services.audit.log(None, "people.stay_erase", {"citizens": erased}, now)
    if asked or warned or erased or plan.held:
        log.info(
            "end of stay: %s asked, %s warned, %s erased, %s kept (ticket or seat)",
            asked,
            warned,
            erased,
            plan.held,
        )
    return asked, warned, erased
