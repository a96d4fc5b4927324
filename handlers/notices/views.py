"""What staff see while composing: the audience picker, the summary and the previews."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import HotlineContext
from bot.i18n import Markup, Translator
from bot.notices.views import PREVIEW, body
from bot.reference import countries
from bot.sms import segments
from bot.staff.roles import Role
from handlers.common import reply
from handlers.keyboards import Button, rows
from handlers.notices.draft import Draft, audience, draft, notice_draft
from handlers.people.views import followers_row
from storage.audience import Audience
from storage.models import NEEDS, STATUSES

MAX_COUNTRY_BUTTONS = 24
# The summary's buttons for the reach options (handlers.notices.options).
URGENT = "bx:u"
REMIND = "bx:rm"
SMS_ASK = "bx:sms"
SMS_DROP = "bx:smsx"


def cancel_row(t: Translator) -> list[Button]:
    """The Cancel button under every composing step."""
    return [Button(t("btn-cancel"), callback_data="bx:x")]


def describe_audience(t: Translator, aud: Audience) -> str:
    """Countries, statuses and needs of an audience, in words."""
    where = (
        ", ".join(countries.label(c, t.lang) for c in aud.countries)
        if aud.countries
        else t("aud-all-countries")
    )
    statuses = ", ".join(t(f"status-{s}") for s in aud.statuses) or t("aud-any")
    needs = ", ".join(t(f"needs-{n}") for n in aud.needs) or t("aud-any")
    return t("aud-describe", where=where, statuses=statuses, needs=needs)


def describe_schedule(
    t: Translator, schedule: str, tz: str, wall_time: str | None, until: str | None, zone: str
) -> str:
    """Now, at a time or daily, in words."""
    local = tz == "local"
    if schedule == "now":
        return t("sched-now")
    if schedule == "at":
        return t("sched-at", when=wall_time, zone=t("zone-local") if local else zone)
    return t("sched-daily", at=wall_time, until=until, zone=t("zone-local") if local else zone)


async def audience_view(context: HotlineContext, role: Role) -> tuple[str, InlineKeyboardMarkup]:
    """The picker: countries, statuses and needs to toggle, and how many it reaches."""
    t = context.t
    d = draft(context)
    aud = audience(d, role)
    counts = context.services.notices.audience
    count = await counts.count(aud)
    picked = set(d.picked("countries"))
    if role.is_admin:
        present = await counts.countries_with_citizens()
        codes = [c for c, _ in present][:MAX_COUNTRY_BUTTONS]
        codes += [c for c in sorted(picked) if c not in codes]
    else:
        codes = sorted(role.countries)
    buttons = [
        Button(
            ("✓ " if c in picked else "") + countries.label(c, t.lang), callback_data=f"bx:c:{c}"
        )
        for c in codes
    ]
    statuses, needs = d.picked("statuses"), d.picked("needs")
    status_buttons = [
        Button(("✓ " if s in statuses else "") + t(f"status-{s}"), callback_data=f"bx:s:{s}")
        for s in STATUSES
    ]
    needs_buttons = [
        Button(("✓ " if n in needs else "") + t(f"needs-{n}"), callback_data=f"bx:n:{n}")
        for n in NEEDS
    ]
    keyboard = [
        *rows(buttons, 2),
        *rows(status_buttons, 2),
        *rows(needs_buttons, 2),
        [Button(t("btn-bc-next", count=count), callback_data="bx:go")],
        cancel_row(t),
    ]
    text = t(
        "bc-audience",
        audience=Markup(describe_audience(t, aud)),
        count=count,
        scope=1 if role.is_admin else 0,
    )
    return text, InlineKeyboardMarkup(keyboard)


async def show_audience(update: Update, context: HotlineContext, role: Role) -> None:
    """The picker, in place of the last one when a button was pressed."""
    text, markup = await audience_view(context, role)
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in exc.message:
                raise
        return
    await reply(update, text, reply_markup=markup)


async def summary(update: Update, context: HotlineContext, role: Role) -> None:
    """Everything chosen, with Confirm (edited in place when an option button was pressed)."""
    text, markup = await summary_view(context, role)
    query = update.callback_query
    if query is not None and query.message is not None and query.data in _OPTIONS:
        try:
            await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in exc.message:
                raise
        return
    await reply(update, text, reply_markup=markup)


_OPTIONS = (URGENT, REMIND, SMS_DROP)


async def summary_view(context: HotlineContext, role: Role) -> tuple[str, InlineKeyboardMarkup]:
    """The summary's text and buttons: Confirm, the reach options, Cancel."""
    t = context.t
    d = draft(context)
    aud = audience(d, role)
    notices = context.services.notices
    count = await notices.audience.count(aud)
    zone = context.settings.timezone
    text = t(
        "bc-summary",
        audience=Markup(describe_audience(t, aud)),
        count=count,
        when=describe_schedule(t, d.schedule, d.tz, d.wall_time, d.until, zone),
        ack=1 if d.ack else 0,
        kk=0 if d.text_kk is None else 1,
        media=1 if d.media_kind else 0,
    )
    followers = await context.services.notices.audience.followers(aud)
    text += "\n" + t("bc-followers", count=followers, on=1 if aud.followers else 0)
    hours, most = d.remind
    text += "\n\n" + t("reach-summary-urgent", urgent=1 if d.urgent else 0)
    if d.ack:
        text += "\n" + t("reach-summary-reminders", hours=hours, max=most)
    sms_on = context.settings.sms_enabled
    if sms_on:
        length = segments.measure(d.sms or "")
        text += "\n" + t("reach-summary-sms", chars=length.units, parts=length.parts)
    draft_ = notice_draft(d, role)
    if notices.needs_approval(draft_, count):
        text += "\n" + t("reach-summary-approval")
    keyboard = [[Button(t("btn-confirm"), callback_data="bx:ok")]]
    keyboard.append(followers_row(t, aud.followers, followers))
    keyboard.append(
        [Button(t("btn-urgent-off" if d.urgent else "btn-urgent-on"), callback_data=URGENT)]
    )
    if d.ack:
        keyboard.append([Button(t("btn-remind"), callback_data=REMIND)])
    if sms_on:
        row = [Button(t("btn-sms-change" if d.sms else "btn-sms-add"), callback_data=SMS_ASK)]
        if d.sms:
            row.append(Button(t("btn-sms-drop"), callback_data=SMS_DROP))
        keyboard.append(row)
    keyboard.append(cancel_row(t))
    return text, InlineKeyboardMarkup(keyboard)


async def send_previews(update: Update, context: HotlineContext, d: Draft, full: bool) -> None:
    """Each language's copy exactly as recipients get it (its button here is inert).

    `full` shows the attachment and the button too; an edit changes the texts only.
    """
    catalog = context.services.catalog
    chat = update.effective_chat
    if chat is None:
        return
    media_kind = d.media_kind if full else None
    for lang in ("ru", "kk"):
        kk = d.text_kk
        text = str(kk if lang == "kk" and kk else d.text_ru)
        await reply(update, context.t("bc-preview", lang=context.t(f"lang-name-{lang}")))
        html, markup = body(catalog, lang, text, PREVIEW if full and d.ack else None)
        if media_kind == "photo":
            await chat.send_photo(d.media_file_id or "", caption=html, reply_markup=markup)
        elif media_kind == "document":
            await chat.send_document(d.media_file_id or "", caption=html, reply_markup=markup)
        else:
            await chat.send_message(html, reply_markup=markup)
