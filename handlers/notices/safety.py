"""Safety checks ("Are you safe?") started by staff, and citizens' answers to them and to
the register's "Are you still in ...?" pings."""

from __future__ import annotations

import contextlib
import re

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import AnyApp, HotlineContext
from bot.notices.views import ANSWERED, FRESH, SAFETY, answered
from bot.reference import countries
from bot.staff.roles import Role
from handlers.common import PRIVATE, answer_query, refuse_button, reply
from handlers.hotline import open_urgent
from handlers.keyboards import Button
from handlers.notices.draft import SAFETY as PENDING
from handlers.people import hooks as people
from handlers.roles import requires
from storage.audience import Audience
from storage.notices import NoticeDraft

MAX_CITY = 100
# The staff member's confirmation of a check (its buttons are built here).
GO = SAFETY + "go"
NO = SAFETY + "no"
_ANSWER = re.compile(
    rf"^({re.escape(SAFETY)}|{re.escape(FRESH)})([0-9]{{1,12}}):(safe|help|here|moved|home)$"
)


@requires("staff")
async def safety(update: Update, context: HotlineContext, role: Role) -> None:
    """/safety <country> [city]: ask everyone registered there "Are you safe?"."""
    args = context.args or []
    t = context.t
    if not args:
        await reply(update, t("safety-usage"))
        return
    code = countries.code_of(args[0])
    if code is None:
        await reply(update, t("bc-country-unknown", text=args[0][:60]))
        return
    if not role.covers(code):
        await reply(update, t("bc-scope-outside"))
        return
    city = " ".join(args[1:]).strip()[:MAX_CITY] or None
    audience = Audience(countries=(code,), city=city)
    count = await context.services.notices.audience.count(audience)
    if count == 0:
        await reply(update, t("safety-nobody"))
        return
    if context.user_data is not None:
        context.user_data[PENDING] = {"country": code, "city": city}
    place = countries.label(code, t.lang) + (f", {city}" if city else "")
    markup = InlineKeyboardMarkup(
        [[Button(t("btn-confirm"), callback_data=GO), Button(t("btn-cancel"), callback_data=NO)]]
    )
    await reply(update, t("safety-confirm", place=place, count=count), reply_markup=markup)


@requires("staff")
async def safety_go(update: Update, context: HotlineContext, role: Role) -> None:
    """Confirmed: queue the check; its progress message shows the answers as they come."""
    pending = context.user_data.pop(PENDING, None) if context.user_data is not None else None
    if not pending or not role.covers(str(pending.get("country"))):
        await refuse_button(update, context)
        return
    await answer_query(update)
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    draft = NoticeDraft(
        audience=Audience(countries=(pending["country"],), city=pending.get("city")),
        text_ru="", text_kk=None, kind="safety",
    )  # fmt: skip
    user = update.effective_user
    await context.services.notices.create(draft, user.id if user else 0)


async def safety_no(update: Update, context: HotlineContext) -> None:
    """Not now."""
    await answer_query(update)
    if context.user_data is not None:
        context.user_data.pop(PENDING, None)
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)


async def answer(update: Update, context: HotlineContext) -> None:
    """A citizen's button under a safety check or a freshness ping."""
    query = update.callback_query
    match = _ANSWER.match(query.data or "") if query and isinstance(query.data, str) else None
    user = update.effective_user
    if match is None or user is None:
        await refuse_button(update, context)
        return
    prefix, notice_id, value = match.group(1), int(match.group(2)), match.group(3)
    services = context.services
    if (prefix == SAFETY) != (value in ("safe", "help")):
        await refuse_button(update, context)
        return
    notice = await services.notices.answer(notice_id, user.id, value)
    if notice is None or notice.kind != ("safety" if prefix == SAFETY else "fresh"):
        await refuse_button(update, context)
        return
    t = context.t
    await answer_query(update, t(f"answer-{value}-short"))
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(answered("✓ " + t(f"answer-{value}-short")))
    now = services.clock.now()
    if value == "safe":
        await reply(update, t("safety-thanks"))
    elif value == "help":
        ticket = None
        with contextlib.suppress(TelegramError):
            ticket = await open_urgent(context, user.id, user.full_name)
        if ticket is None:
            # No hotline to hand it to: the registration itself carries the call for help.
            await services.registrations.flag_help(user.id, now)
        await reply(update, t("safety-help-taken" if ticket else "safety-help-flagged"))
    elif value == "here":
        await services.registrations.confirm(user.id, now)
        await reply(update, t("fresh-here-thanks"))
    elif value == "home":
        await services.registrations.close(user.id, now)
        await reply(update, t("fresh-home-thanks"))
    # Relatives who receive safety answers or moves; a passed end of stay after "still here".
    await people.after_answer(update, context, value)


async def done_button(update: Update, context: HotlineContext) -> None:
    """The answer was already given."""
    await answer_query(update, context.t("ack-already"))


def register(app: AnyApp) -> None:
    """The staff command and the citizens' buttons ('moved' belongs to registration)."""
    app.add_handler(CommandHandler("safety", safety, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(safety_go, pattern=f"^{GO}$"))
    app.add_handler(CallbackQueryHandler(safety_no, pattern=f"^{NO}$"))
    app.add_handler(CallbackQueryHandler(done_button, pattern=f"^{ANSWERED}$"))
    app.add_handler(CallbackQueryHandler(answer, pattern=f"^({SAFETY}|{FRESH})"))
