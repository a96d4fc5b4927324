"""Composing a notice: audience -> Russian text -> Kazakh text -> media -> ack -> when -> confirm.

Every step and every button re-reads the role (`handlers.roles.requires`) and the audience
is always cut to the staff member's countries, so a forged button or typed code cannot
reach another mission's citizens.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.notices import schedule
from bot.notices import text as notice_text
from bot.reference import countries
from bot.staff.roles import Role
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.keyboards import Button
from handlers.notices import approval
from handlers.notices.draft import (
    audience,
    draft,
    drop_draft,
    kazakh_text,
    new_draft,
    notice_draft,
    take_text,
)
from handlers.notices.views import cancel_row, send_previews, show_audience, summary
from handlers.roles import requires
from storage.approvals import Approval
from storage.models import NEEDS, STATUSES

END = ConversationHandler.END


@requires("staff", refused=END)
async def begin(update: Update, context: HotlineContext, role: Role) -> str:
    """/broadcast: start a new notice."""
    new_draft(context)
    await show_audience(update, context, role)
    return "aud"


@requires("staff", refused=END)
async def audience_button(update: Update, context: HotlineContext, role: Role) -> str:
    """Toggle a country, status or need."""
    data = callback_arg(update, "bx:") or ""
    kind, _, value = data.partition(":")
    field = {"c": "countries", "s": "statuses", "n": "needs"}.get(kind)
    allowed_values = {"s": STATUSES, "n": NEEDS}.get(kind)
    if field is None:
        await refuse_button(update, context)
        return "aud"
    if kind == "c" and not role.covers(value):
        await answer_query(update, context.t("bc-scope-outside"), alert=True)
        return "aud"
    if kind == "c" and countries.get(value) is None:
        await refuse_button(update, context)
        return "aud"
    if allowed_values is not None and value not in allowed_values:
        await refuse_button(update, context)
        return "aud"
    draft(context).toggle(field, value)
    await answer_query(update)
    await show_audience(update, context, role)
    return "aud"


@requires("staff", refused=END)
async def audience_text(update: Update, context: HotlineContext, role: Role) -> str:
    """Typed countries ('AE QA' or names) add to the pick."""
    message = update.effective_message
    if message is None or not message.text:
        return "aud"
    codes, bad = countries.parse_codes(message.text)
    # The parts are checked in the order typed: a country outside the scope before an
    # unknown word is named as outside.
    if any(not role.covers(code) for code in codes):
        await reply(update, context.t("bc-scope-outside"))
        return "aud"
    if bad is not None:
        await reply(update, context.t("bc-country-unknown", text=bad[:60]))
        return "aud"
    draft(context).add_countries(codes)
    await show_audience(update, context, role)
    return "aud"


@requires("staff", refused=END)
async def audience_done(update: Update, context: HotlineContext, role: Role) -> str:
    """Audience chosen: ask for the Russian text."""
    await answer_query(update)
    if not role.is_admin and not audience(draft(context), role).countries:
        await reply(update, context.t("bc-scope-outside"))
        return "aud"
    await reply(
        update, context.t("bc-ask-ru"), reply_markup=InlineKeyboardMarkup([cancel_row(context.t)])
    )
    return "ru"


@requires("staff", refused=END)
async def text_ru(update: Update, context: HotlineContext, role: Role) -> str:
    """The Russian text."""
    html = await take_text(update, context)
    if html is None:
        return "ru"
    draft(context).text_ru = html
    await ask_kk(update, context)
    return "kk"


async def ask_kk(update: Update, context: HotlineContext) -> None:
    """The Kazakh text, or the explicit choice to send the Russian one to everyone."""
    markup = InlineKeyboardMarkup(
        [[Button(context.t("btn-bc-ru-all"), callback_data="bx:ru1")], cancel_row(context.t)]
    )
    await reply(update, context.t("bc-ask-kk"), reply_markup=markup)


async def _ask_media(update: Update, context: HotlineContext) -> str:
    markup = InlineKeyboardMarkup(
        [[Button(context.t("btn-skip"), callback_data="bx:skip")], cancel_row(context.t)]
    )
    await reply(update, context.t("bc-ask-media"), reply_markup=markup)
    return "media"


@requires("staff", refused=END)
async def text_kk(update: Update, context: HotlineContext, role: Role) -> str:
    """The Kazakh text (required unless 'Russian to everyone' is pressed)."""
    return await kazakh_text(update, context, "kk", _ask_media)


@requires("staff", refused=END)
async def russian_for_all(update: Update, context: HotlineContext, role: Role) -> str:
    """The explicit choice to send the Russian text to Kazakh-speaking citizens too."""
    await answer_query(update)
    draft(context).text_kk = None
    await reply(update, context.t("bc-ru-all-chosen"))
    return await _ask_media(update, context)


@requires("staff", refused=END)
async def media(update: Update, context: HotlineContext, role: Role) -> str:
    """A photo or a document to attach (its caption is the notice text)."""
    message = update.effective_message
    d = draft(context)
    if message is not None and message.photo:
        d.set_media("photo", message.photo[-1].file_id)
    elif message is not None and message.document:
        d.set_media("document", message.document.file_id)
    else:
        await reply(update, context.t("bc-media-kind"))
        return "media"
    for text in (d.text_ru, d.text_kk):
        if text and notice_text.check(context.services.catalog, text, with_media=True):
            d.clear_media()
            await reply(update, context.t("bc-caption-long", max=notice_text.MAX_CAPTION))
            return "media"
    return await _ask_ack(update, context)


@requires("staff", refused=END)
async def skip_media(update: Update, context: HotlineContext, role: Role) -> str:
    """No attachment."""
    await answer_query(update)
    return await _ask_ack(update, context)


async def _ask_ack(update: Update, context: HotlineContext) -> str:
    t = context.t
    markup = InlineKeyboardMarkup(
        [
            [Button(t("btn-bc-ack-yes"), callback_data="bx:ack:1")],
            [Button(t("btn-bc-ack-no"), callback_data="bx:ack:0")],
            cancel_row(t),
        ]
    )
    await reply(update, t("bc-ask-ack"), reply_markup=markup)
    return "ack"


@requires("staff", refused=END)
async def ack_choice(update: Update, context: HotlineContext, role: Role) -> str:
    """With or without the acknowledgement button; then the previews and the schedule."""
    value = callback_arg(update, "bx:ack:")
    if value not in ("0", "1"):
        await refuse_button(update, context)
        return "ack"
    await answer_query(update)
    d = draft(context)
    d.ack = value == "1"
    await send_previews(update, context, d, full=True)
    t = context.t
    markup = InlineKeyboardMarkup(
        [
            [Button(t("btn-bc-now"), callback_data="bx:w:now")],
            [Button(t("btn-bc-at"), callback_data="bx:w:at")],
            [Button(t("btn-bc-at-local"), callback_data="bx:w:atl")],
            [Button(t("btn-bc-daily"), callback_data="bx:w:day")],
            [Button(t("btn-bc-daily-local"), callback_data="bx:w:dayl")],
            cancel_row(t),
        ]
    )
    await reply(update, t("bc-ask-when", zone=context.settings.timezone), reply_markup=markup)
    return "when"


@requires("staff", refused=END)
async def when_choice(update: Update, context: HotlineContext, role: Role) -> str:
    """Now, at a time (Astana or local), or daily."""
    value = callback_arg(update, "bx:w:")
    choices = {
        "now": ("now", "astana"), "at": ("at", "astana"), "atl": ("at", "local"),
        "day": ("daily", "astana"), "dayl": ("daily", "local"),
    }  # fmt: skip
    if value not in choices:
        await refuse_button(update, context)
        return "when"
    await answer_query(update)
    d = draft(context)
    d.set_when(*choices[value])
    if d.schedule == "now":
        return await _summary(update, context, role)
    key = "bc-ask-at" if d.schedule == "at" else "bc-ask-daily-time"
    zone = context.t("zone-local") if d.tz == "local" else context.settings.timezone
    await reply(
        update,
        context.t(key, zone=zone),
        reply_markup=InlineKeyboardMarkup([cancel_row(context.t)]),
    )
    return "at" if d.schedule == "at" else "daily"


@requires("staff", refused=END)
async def at_text(update: Update, context: HotlineContext, role: Role) -> str:
    """A date and time for a one-off notice."""
    message = update.effective_message
    moment = schedule.parse_when(message.text or "") if message else None
    if moment is None:
        await reply(update, context.t("bc-bad-when"))
        return "at"
    run = schedule.run_key(moment)
    d = draft(context)
    services = context.services
    instants = await services.notices.instants(audience(d, role), d.tz, run)
    if instants and min(instants) <= services.clock.now():
        await reply(update, context.t("bc-past"))
        return "at"
    d.wall_time = run
    return await _summary(update, context, role)


@requires("staff", refused=END)
async def daily_text(update: Update, context: HotlineContext, role: Role) -> str:
    """The time of day of a daily notice."""
    message = update.effective_message
    at = schedule.parse_time(message.text or "") if message else None
    if at is None:
        await reply(update, context.t("bc-bad-time"))
        return "daily"
    draft(context).wall_time = at
    await reply(
        update,
        context.t("bc-ask-until"),
        reply_markup=InlineKeyboardMarkup([cancel_row(context.t)]),
    )
    return "until"


@requires("staff", refused=END)
async def until_text(update: Update, context: HotlineContext, role: Role) -> str:
    """The last day of a daily notice."""
    message = update.effective_message
    until = schedule.parse_date(message.text or "") if message else None
    today = context.services.clock.now().astimezone(context.settings.tz).date()
    if until is None or until < today or until > today + timedelta(days=366):
        await reply(update, context.t("bc-bad-date"))
        return "until"
    draft(context).until = until.isoformat()
    return await _summary(update, context, role)


@requires("staff", refused=END)
async def followers_switch(update: Update, context: HotlineContext, role: Role) -> str:
    """At the summary: send the notice to those following its countries too, or not."""
    await answer_query(update)
    draft(context).switch_followers()
    return await _summary(update, context, role)


async def _summary(update: Update, context: HotlineContext, role: Role) -> str:
    await summary(update, context, role)
    return "confirm"


@requires("staff", refused=END)
async def confirm(update: Update, context: HotlineContext, role: Role) -> object:
    """Store the notice (audited), then send it or arm its schedule."""
    await answer_query(update)
    d = draft(context)
    if d.text_ru is None:
        await refuse_button(update, context)
        return END
    user = update.effective_user
    notice = await context.services.notices.submit(notice_draft(d, role), user.id if user else 0)
    if notice is None:
        await reply(update, context.t("bc-past"))
        return "confirm"
    drop_draft(context)
    if isinstance(notice, Approval):
        # The two-person rule: stored as composed; sent once someone else approves it.
        await approval.request(update, context, notice)
        return END
    if notice.schedule != "now" and notice.fill_at is not None:
        # A notice sent now is confirmed by its progress message instead.
        zone = context.settings.timezone
        when = notice.fill_at.astimezone(context.settings.tz).strftime("%Y-%m-%d %H:%M")
        await reply(update, context.t("bc-scheduled", id=str(notice.id), when=when, zone=zone))
    return END


async def cancel_compose(update: Update, context: HotlineContext) -> object:
    """/cancel or the Cancel button: the draft is dropped, nothing was stored."""
    await answer_query(update)
    drop_draft(context)
    await reply(update, context.t("bc-cancelled"))
    return END


async def wrong_input(update: Update, context: HotlineContext) -> None:
    """Anything the current step cannot use."""
    if update.callback_query is not None:
        await refuse_button(update, context)
        return
    await reply(update, context.t("bc-wrong-kind"))


async def busy_command(update: Update, context: HotlineContext) -> None:
    """Another command in the middle of composing."""
    await reply(update, context.t("bc-finish-first"))
