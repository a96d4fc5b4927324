"""Following a country without registering (/follow, /unfollow), and the composing switch
that sends a notice to those followers too.

A follower gives nothing but the chat and its language: no consent to the register is asked
because nothing of the register is stored for them.
"""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest

from bot.context import HotlineContext
from bot.reference import countries
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.people import views

MAX_QUERY = 60
# At most this many countries per chat: a relative follows a few places, not the world.
MAX_FOLLOWED = 20


async def _picker(update: Update, context: HotlineContext, user_id: int, edit: bool) -> None:
    followed = await context.services.people.links.followed(user_id)
    markup = views.follow_picker(context.t, followed, countries.REGION)
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):  # "not modified"
            await query.edit_message_reply_markup(markup)
        return
    await reply(update, context.t("follow-intro"), reply_markup=markup)


async def follow(update: Update, context: HotlineContext) -> None:
    """/follow [country]: pick countries with buttons, or name one."""
    user = update.effective_user
    if user is None:
        return
    typed = " ".join(context.args or []).strip()
    if typed:
        code = countries.code_of(typed[:MAX_QUERY])
        if code is None:
            await reply(update, context.t("follow-unknown", text=typed[:MAX_QUERY]))
            return
        await _toggle(update, context, user.id, code, on=True)
        return
    await _picker(update, context, user.id, edit=False)


async def _toggle(
    update: Update, context: HotlineContext, user_id: int, code: str, on: bool | None = None
) -> bool:
    """Follow or stop following; replies only for a typed /follow. False if refused."""
    links = context.services.people.links
    followed = await links.followed(user_id)
    want = code not in followed if on is None else on
    if want and code not in followed and len(followed) >= MAX_FOLLOWED:
        await answer_query(update, context.t("follow-too-many", max=MAX_FOLLOWED), alert=True)
        if update.callback_query is None:
            await reply(update, context.t("follow-too-many", max=MAX_FOLLOWED))
        return False
    now = context.services.clock.now()
    if want:
        await links.follow(user_id, code, context.lang, now)
    else:
        await links.unfollow(user_id, code)
    label = countries.label(code, context.lang)
    key = "follow-on" if want else "follow-off"
    if update.callback_query is None:
        await reply(update, context.t(key, country=label))
    else:
        await answer_query(update, context.t(key, country=label))
    return True


async def toggle(update: Update, context: HotlineContext) -> None:
    """pf:t:<CC>: follow or stop following one country."""
    code = callback_arg(update, views.FOLLOW_TOGGLE) or ""
    user = update.effective_user
    if countries.get(code) is None or user is None:
        await refuse_button(update, context)
        return
    if await _toggle(update, context, user.id, code):
        await _picker(update, context, user.id, edit=True)


async def unfollow(update: Update, context: HotlineContext) -> None:
    """/unfollow: the followed countries, one button each; /unfollow all stops them all."""
    user = update.effective_user
    if user is None:
        return
    links = context.services.people.links
    if [a.lower() for a in context.args or []] == ["all"]:
        removed = await links.unfollow(user.id, None)
        await reply(update, context.t("unfollow-all", count=removed))
        return
    followed = await links.followed(user.id)
    if not followed:
        await reply(update, context.t("follow-none"))
        return
    await reply(
        update, context.t("unfollow-pick"), reply_markup=views.unfollow_picker(context.t, followed)
    )


async def unfollow_button(update: Update, context: HotlineContext) -> None:
    """pf:u:<CC>: stop following it; the buttons left are the countries still followed."""
    code = callback_arg(update, views.UNFOLLOW) or ""
    user = update.effective_user
    if countries.get(code) is None or user is None:
        await refuse_button(update, context)
        return
    links = context.services.people.links
    if not await links.unfollow(user.id, code):
        await refuse_button(update, context)
        return
    await answer_query(
        update, context.t("follow-off", country=countries.label(code, context.lang))
    )
    followed = await links.followed(user.id)
    query = update.callback_query
    if query is not None and query.message is not None:
        markup = views.unfollow_picker(context.t, followed) if followed else None
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(markup)


async def picker_done(update: Update, context: HotlineContext) -> None:
    """pf:ok: close the picker and say what is followed."""
    user = update.effective_user
    if user is None:
        return
    await answer_query(update)
    followed = await context.services.people.links.followed(user.id)
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    if not followed:
        await reply(update, context.t("follow-none"))
        return
    names = ", ".join(countries.label(c, context.lang) for c in followed)
    await reply(update, context.t("follow-summary", countries=names))
