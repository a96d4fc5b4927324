"""Citizens and notices: the "Received" button, and /notices to read the recent ones again."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest

from bot.context import HotlineContext
from bot.notices import text as notice_text
from bot.notices.views import ACK, DONE, PREVIEW, acked
from bot.reference.telegram_text import MAX_TEXT, visible_len
from handlers import keyboards
from handlers.common import answer_query, ascii_int, callback_arg, refuse_button, reply

RECENT = 5


async def acknowledge(update: Update, context: HotlineContext) -> None:
    """A recipient pressed "Received / I am safe"."""
    arg = callback_arg(update, ACK)
    user = update.effective_user
    if arg == PREVIEW:
        await answer_query(update, context.t("ack-preview"))
        return
    if arg == DONE:
        await answer_query(update, context.t("ack-already"))
        return
    notice_id = ascii_int(arg, max_digits=12)
    if notice_id is None or user is None:
        await refuse_button(update, context)
        return
    result = await context.services.notices.acknowledge(notice_id, user.id)
    if result is None:
        await refuse_button(update, context)
        return
    await answer_query(update, context.t("ack-thanks" if result else "ack-already"))
    query = update.callback_query
    if result and query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(acked(context.t))


async def my_notices(update: Update, context: HotlineContext) -> None:
    """/notices: the recent notices for the citizen's country, in their language."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    repo = services.notices.repo
    reg = await services.registrations.get(user.id)
    found = {n.id: n for n in await repo.recent_for(user.id)}
    if reg is not None and reg.active:
        for notice in await repo.recent_for_country(reg.country):
            found.setdefault(notice.id, notice)
    recent = sorted(found.values(), key=lambda n: n.id, reverse=True)[:RECENT]
    t = context.t
    # The last message carries the way back to the menu (issue 15: no dead ends).
    menu = keyboards.back_to_menu(t)
    if not recent:
        await reply(
            update, t("notices-empty" if reg else "notices-unregistered"), reply_markup=menu
        )
        return
    await reply(update, t("notices-title", count=len(recent)))
    for n, notice in enumerate(reversed(recent), 1):
        when = notice.created_at.astimezone(context.settings.tz).strftime("%d.%m.%Y %H:%M")
        body = notice_text.render(services.catalog, context.lang, notice.text(context.lang))
        markup = menu if n == len(recent) else None
        shown = f"<i>{when}</i>\n{body}"
        if visible_len(shown) > MAX_TEXT:
            # The date is the bot's addition: it goes on its own, the notice stays whole.
            await reply(update, f"<i>{when}</i>")
            shown = body
        await reply(update, shown, reply_markup=markup)
