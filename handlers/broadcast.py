"""Official notices: staff compose, target, preview and schedule them; citizens read them.

Composing is a persistent conversation in the staff member's private chat. Every step
and every button re-reads the role (`handlers.roles.requires`) and the audience is always
cut to the staff member's countries, so a forged button or typed code cannot reach
another mission's citizens.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import re
import warnings
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import HotlineContext
from bot.i18n import Markup, Translator
from bot.notices import schedule
from bot.notices import text as notice_text
from bot.reference import countries
from bot.staff.roles import Role
from handlers.common import PRIVATE, answer_query, callback_arg, refuse_button, reply
from handlers.keyboards import Button, rows
from handlers.render import country_label
from handlers.roles import not_available, requires, staff
from storage.models import NEEDS, STATUSES
from storage.notices import Audience, Notice, NoticeDraft

END = ConversationHandler.END
TEXT = filters.TEXT & ~filters.COMMAND
DRAFT = "bc"
MAX_COUNTRY_BUTTONS = 24


# ---- helpers ------------------------------------------------------------------------------


def _draft(context: HotlineContext) -> dict[str, Any]:
    data = context.user_data if context.user_data is not None else {}
    draft: dict[str, Any] = data.setdefault(DRAFT, {})
    return draft


def _drop_draft(context: HotlineContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


def _audience(draft: dict[str, Any], role: Role) -> Audience:
    """The draft's audience cut to the role's scope (staff with no pick: all their countries)."""
    picked = frozenset(draft.get("countries") or ())
    scope = role.scope(picked)
    return Audience(
        countries=tuple(sorted(scope)) if scope is not None else (),
        statuses=tuple(draft.get("statuses") or ()),
        needs=tuple(draft.get("needs") or ()),
    )


def can_manage(role: Role, notice: Notice) -> bool:
    """Admins manage every notice; staff those that reach only their countries."""
    if role.is_admin:
        return True
    return bool(notice.audience.countries) and set(notice.audience.countries) <= role.countries


def _cancel_row(t: Translator) -> list[Button]:
    return [Button(t("btn-cancel"), callback_data="bx:x")]


def _describe_audience(t: Translator, audience: Audience) -> str:
    where = (
        ", ".join(country_label(t, c) for c in audience.countries)
        if audience.countries
        else t("aud-all-countries")
    )
    statuses = ", ".join(t(f"status-{s}") for s in audience.statuses) or t("aud-any")
    needs = ", ".join(t(f"needs-{n}") for n in audience.needs) or t("aud-any")
    return t("aud-describe", where=where, statuses=statuses, needs=needs)


async def _audience_view(context: HotlineContext, role: Role) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    draft = _draft(context)
    audience = _audience(draft, role)
    count = await context.services.notices.audience_count(audience)
    picked = set(draft.get("countries") or ())
    if role.is_admin:
        present = await context.services.notices.countries_with_citizens()
        codes = [c for c, _ in present][:MAX_COUNTRY_BUTTONS]
        codes += [c for c in sorted(picked) if c not in codes]
    else:
        codes = sorted(role.countries)
    buttons = [
        Button(("✓ " if c in picked else "") + country_label(t, c), callback_data=f"bx:c:{c}")
        for c in codes
    ]
    status_buttons = [
        Button(("✓ " if s in draft.get("statuses", []) else "") + t(f"status-{s}"),
               callback_data=f"bx:s:{s}")
        for s in STATUSES
    ]  # fmt: skip
    needs_buttons = [
        Button(("✓ " if n in draft.get("needs", []) else "") + t(f"needs-{n}"),
               callback_data=f"bx:n:{n}")
        for n in NEEDS
    ]  # fmt: skip
    keyboard = [
        *rows(buttons, 2),
        *rows(status_buttons, 2),
        *rows(needs_buttons, 2),
        [Button(t("btn-bc-next", count=count), callback_data="bx:go")],
        _cancel_row(t),
    ]
    text = t(
        "bc-audience",
        audience=Markup(_describe_audience(t, audience)),
        count=count,
        scope=1 if role.is_admin else 0,
    )
    return text, InlineKeyboardMarkup(keyboard)


async def _show_audience(update: Update, context: HotlineContext, role: Role) -> None:
    text, markup = await _audience_view(context, role)
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in exc.message:
                raise
        return
    await reply(update, text, reply_markup=markup)


def _message_html(message: Message) -> str:
    """The staff member's text with their formatting (bold, links) as Telegram HTML."""
    return message.text_html if message.text else (message.caption_html or "")


# ---- composing ----------------------------------------------------------------------------


@requires("staff", refused=END)
async def begin(update: Update, context: HotlineContext, role: Role) -> str:
    """/broadcast: start a new notice."""
    if context.user_data is not None:
        context.user_data[DRAFT] = {"countries": [], "statuses": [], "needs": []}
    await _show_audience(update, context, role)
    return "aud"


@requires("staff", refused=END)
async def audience_button(update: Update, context: HotlineContext, role: Role) -> str:
    """Toggle a country, status or need."""
    data = callback_arg(update, "bx:") or ""
    kind, _, value = data.partition(":")
    draft = _draft(context)
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
    chosen: list[str] = draft.setdefault(field, [])
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    await answer_query(update)
    await _show_audience(update, context, role)
    return "aud"


@requires("staff", refused=END)
async def audience_text(update: Update, context: HotlineContext, role: Role) -> str:
    """Typed countries ('AE QA' or names) add to the pick."""
    message = update.effective_message
    if message is None or not message.text:
        return "aud"
    found: list[str] = []
    for part in message.text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        code = part.upper() if countries.get(part.upper()) else None
        if code is None:
            matches = countries.search(part)
            code = matches[0] if len(matches) == 1 else None
        if code is None:
            await reply(update, context.t("bc-country-unknown", text=part[:60]))
            return "aud"
        if not role.covers(code):
            await reply(update, context.t("bc-scope-outside"))
            return "aud"
        found.append(code)
    chosen: list[str] = _draft(context).setdefault("countries", [])
    chosen.extend(c for c in found if c not in chosen)
    await _show_audience(update, context, role)
    return "aud"


@requires("staff", refused=END)
async def audience_done(update: Update, context: HotlineContext, role: Role) -> str:
    """Audience chosen: ask for the Russian text."""
    await answer_query(update)
    audience = _audience(_draft(context), role)
    if not role.is_admin and not audience.countries:
        await reply(update, context.t("bc-scope-outside"))
        return "aud"
    await reply(
        update, context.t("bc-ask-ru"), reply_markup=InlineKeyboardMarkup([_cancel_row(context.t)])
    )
    return "ru"


async def _take_text(update: Update, context: HotlineContext) -> str | None:
    """The text of a text message, checked as Telegram would; None after telling why."""
    message = update.effective_message
    if message is None or not message.text:
        await reply(update, context.t("bc-wrong-kind"))
        return None
    html = _message_html(message)
    with_media = bool(_draft(context).get("media_kind"))
    problem = notice_text.check(context.services.catalog, html, with_media=with_media)
    if problem:
        limit = notice_text.MAX_CAPTION if with_media else notice_text.MAX_TEXT
        await reply(update, context.t(f"bc-text-{problem}", max=limit))
        return None
    return html


@requires("staff", refused=END)
async def text_ru(update: Update, context: HotlineContext, role: Role) -> str:
    """The Russian text."""
    html = await _take_text(update, context)
    if html is None:
        return "ru"
    _draft(context)["text_ru"] = html
    await _ask_kk(update, context)
    return "kk"


async def _ask_kk(update: Update, context: HotlineContext) -> None:
    """The Kazakh text, or the explicit choice to send the Russian one to everyone."""
    markup = InlineKeyboardMarkup(
        [[Button(context.t("btn-bc-ru-all"), callback_data="bx:ru1")], _cancel_row(context.t)]
    )
    await reply(update, context.t("bc-ask-kk"), reply_markup=markup)


async def _ask_media(update: Update, context: HotlineContext) -> str:
    markup = InlineKeyboardMarkup(
        [[Button(context.t("btn-skip"), callback_data="bx:skip")], _cancel_row(context.t)]
    )
    await reply(update, context.t("bc-ask-media"), reply_markup=markup)
    return "media"


@requires("staff", refused=END)
async def text_kk(update: Update, context: HotlineContext, role: Role) -> str:
    """The Kazakh text (required unless 'Russian to everyone' is pressed)."""
    html = await _take_text(update, context)
    if html is None:
        return "kk"
    _draft(context)["text_kk"] = html
    return await _ask_media(update, context)


@requires("staff", refused=END)
async def russian_for_all(update: Update, context: HotlineContext, role: Role) -> str:
    """The explicit choice to send the Russian text to Kazakh-speaking citizens too."""
    await answer_query(update)
    _draft(context)["text_kk"] = None
    await reply(update, context.t("bc-ru-all-chosen"))
    return await _ask_media(update, context)


@requires("staff", refused=END)
async def media(update: Update, context: HotlineContext, role: Role) -> str:
    """A photo or a document to attach (its caption is the notice text)."""
    message = update.effective_message
    draft = _draft(context)
    if message is not None and message.photo:
        draft["media_kind"], draft["media_file_id"] = "photo", message.photo[-1].file_id
    elif message is not None and message.document:
        draft["media_kind"], draft["media_file_id"] = "document", message.document.file_id
    else:
        await reply(update, context.t("bc-media-kind"))
        return "media"
    for key in ("text_ru", "text_kk"):
        text = draft.get(key)
        if text and notice_text.check(context.services.catalog, text, with_media=True):
            draft.pop("media_kind")
            draft.pop("media_file_id")
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
            _cancel_row(t),
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
    draft = _draft(context)
    draft["ack"] = value == "1"
    await _send_previews(update, context, draft)
    t = context.t
    markup = InlineKeyboardMarkup(
        [
            [Button(t("btn-bc-now"), callback_data="bx:w:now")],
            [Button(t("btn-bc-at"), callback_data="bx:w:at")],
            [Button(t("btn-bc-at-local"), callback_data="bx:w:atl")],
            [Button(t("btn-bc-daily"), callback_data="bx:w:day")],
            [Button(t("btn-bc-daily-local"), callback_data="bx:w:dayl")],
            _cancel_row(t),
        ]
    )
    await reply(update, t("bc-ask-when", zone=context.settings.timezone), reply_markup=markup)
    return "when"


async def _send_previews(update: Update, context: HotlineContext, draft: dict[str, Any]) -> None:
    """Each language's copy exactly as recipients get it (the button here is inert)."""
    catalog = context.services.catalog
    chat = update.effective_chat
    if chat is None:
        return
    for lang in ("ru", "kk"):
        kk = draft.get("text_kk")
        text = str(kk if lang == "kk" and kk else draft["text_ru"])
        await reply(update, context.t("bc-preview", lang=context.t(f"lang-name-{lang}")))
        body = notice_text.render(catalog, lang, text)
        markup = (
            InlineKeyboardMarkup(
                [[Button(catalog.format(lang, "btn-notice-ack"), callback_data="ack:preview")]]
            )
            if draft.get("ack")
            else None
        )
        if draft.get("media_kind") == "photo":
            await chat.send_photo(draft["media_file_id"], caption=body, reply_markup=markup)
        elif draft.get("media_kind") == "document":
            await chat.send_document(draft["media_file_id"], caption=body, reply_markup=markup)
        else:
            await chat.send_message(body, reply_markup=markup)


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
    draft = _draft(context)
    draft["schedule"], draft["tz"] = choices[value]
    if draft["schedule"] == "now":
        return await _summary(update, context, role)
    key = "bc-ask-at" if draft["schedule"] == "at" else "bc-ask-daily-time"
    zone = context.t("zone-local") if draft["tz"] == "local" else context.settings.timezone
    await reply(
        update,
        context.t(key, zone=zone),
        reply_markup=InlineKeyboardMarkup([_cancel_row(context.t)]),
    )
    return "at" if draft["schedule"] == "at" else "daily"


async def _instants(context: HotlineContext, role: Role, run: str) -> list[datetime]:
    draft = _draft(context)
    audience = _audience(draft, role)
    codes = list(audience.countries) or await context.services.notices.audience_countries(audience)
    due = schedule.instants(run, draft.get("tz", "astana"), context.settings.tz, codes)
    return list(due.values()) if isinstance(due, dict) else [due]


@requires("staff", refused=END)
async def at_text(update: Update, context: HotlineContext, role: Role) -> str:
    """A date and time for a one-off notice."""
    message = update.effective_message
    moment = schedule.parse_when(message.text or "") if message else None
    if moment is None:
        await reply(update, context.t("bc-bad-when"))
        return "at"
    run = schedule.run_key(moment)
    instants = await _instants(context, role, run)
    if instants and min(instants) <= context.services.clock.now():
        await reply(update, context.t("bc-past"))
        return "at"
    _draft(context)["wall_time"] = run
    return await _summary(update, context, role)


@requires("staff", refused=END)
async def daily_text(update: Update, context: HotlineContext, role: Role) -> str:
    """The time of day of a daily notice."""
    message = update.effective_message
    at = schedule.parse_time(message.text or "") if message else None
    if at is None:
        await reply(update, context.t("bc-bad-time"))
        return "daily"
    _draft(context)["wall_time"] = at
    await reply(
        update,
        context.t("bc-ask-until"),
        reply_markup=InlineKeyboardMarkup([_cancel_row(context.t)]),
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
    _draft(context)["until"] = until.isoformat()
    return await _summary(update, context, role)


async def _first_run(context: HotlineContext, role: Role) -> tuple[str, datetime] | None:
    """The first occurrence and when it is queued; None if nothing is left in the future."""
    draft = _draft(context)
    now = context.services.clock.now()
    kind = draft.get("schedule", "now")
    if kind == "now":
        return schedule.NOW, now
    if kind == "at":
        run = str(draft["wall_time"])
        return run, min(await _instants(context, role, run), default=now)
    start = now.astimezone(context.settings.tz).date() - timedelta(days=1)
    day: str | None = schedule.first_daily(str(draft["wall_time"]), start)
    while day is not None:
        instants = await _instants(context, role, day)
        if instants and min(instants) > now:
            return day, min(instants)
        day = schedule.following("daily", day, draft.get("until"))
    return None


def _describe_schedule(t: Translator, draft: dict[str, Any], zone: str) -> str:
    kind = draft.get("schedule", "now")
    local = draft.get("tz") == "local"
    if kind == "now":
        return t("sched-now")
    if kind == "at":
        return t("sched-at", when=draft["wall_time"], zone=t("zone-local") if local else zone)
    return t(
        "sched-daily", at=draft["wall_time"], until=draft["until"],
        zone=t("zone-local") if local else zone,
    )  # fmt: skip


async def _summary(update: Update, context: HotlineContext, role: Role) -> str:
    t = context.t
    draft = _draft(context)
    audience = _audience(draft, role)
    count = await context.services.notices.audience_count(audience)
    text = t(
        "bc-summary",
        audience=Markup(_describe_audience(t, audience)),
        count=count,
        when=_describe_schedule(t, draft, context.settings.timezone),
        ack=1 if draft.get("ack") else 0,
        kk=0 if draft.get("text_kk") is None else 1,
        media=1 if draft.get("media_kind") else 0,
    )
    markup = InlineKeyboardMarkup(
        [[Button(t("btn-confirm"), callback_data="bx:ok")], _cancel_row(t)]
    )
    await reply(update, text, reply_markup=markup)
    return "confirm"


@requires("staff", refused=END)
async def confirm(update: Update, context: HotlineContext, role: Role) -> object:
    """Store the notice (audited), then send it or arm its schedule."""
    await answer_query(update)
    draft = _draft(context)
    if "text_ru" not in draft:
        await refuse_button(update, context)
        return END
    first = await _first_run(context, role)
    if first is None:
        await reply(update, context.t("bc-past"))
        return "confirm"
    audience = _audience(draft, role)
    notice_draft = NoticeDraft(
        audience=audience,
        text_ru=draft["text_ru"],
        text_kk=draft.get("text_kk"),
        media_kind=draft.get("media_kind"),
        media_file_id=draft.get("media_file_id"),
        ack=bool(draft.get("ack")),
        schedule=draft.get("schedule", "now"),
        tz_mode=draft.get("tz", "astana"),
        wall_time=draft.get("wall_time"),
        until_date=draft.get("until"),
    )
    services = context.services
    user = update.effective_user
    notice = await services.notices.create(
        notice_draft, user.id if user else 0, first[0], first[1], services.clock.now()
    )
    _drop_draft(context)
    delivery = services.delivery
    if notice.schedule == "now":
        # The progress message, posted once the recipients are queued, is the confirmation.
        if delivery is not None:
            await delivery.fill(notice.id)
    else:
        when = first[1].astimezone(context.settings.tz).strftime("%Y-%m-%d %H:%M")
        await reply(
            update,
            context.t(
                "bc-scheduled", id=str(notice.id), when=when, zone=context.settings.timezone
            ),
        )
        if delivery is not None:
            await delivery.arm(notice)
    return END


async def cancel_compose(update: Update, context: HotlineContext) -> object:
    """/cancel or the Cancel button: the draft is dropped, nothing was stored."""
    await answer_query(update)
    _drop_draft(context)
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


# ---- managing sent and scheduled notices --------------------------------------------------


async def _managed(
    update: Update, context: HotlineContext, role: Role, prefix: str
) -> Notice | None:
    """The notice a management button names, if it exists and the role may manage it."""
    arg = callback_arg(update, prefix)
    notice = await context.services.notices.get(int(arg)) if arg and arg.isdigit() else None
    if notice is None:
        await refuse_button(update, context)
        return None
    if not can_manage(role, notice):
        await not_available(update, context)
        return None
    return notice


@requires("staff")
async def cancel_notice(update: Update, context: HotlineContext, role: Role) -> None:
    """Stop a notice that is sending or scheduled."""
    notice = await _managed(update, context, role, "nt:x:")
    if notice is None:
        return
    user = update.effective_user
    withdrawn = await context.services.notices.cancel(
        notice.id, user.id if user else 0, context.services.clock.now()
    )
    if withdrawn < 0:
        await answer_query(update, context.t("nt-not-active"), alert=True)
        return
    await answer_query(update)
    delivery = context.services.delivery
    if delivery is not None:
        delivery.halt(notice.id)
    await reply(update, context.t("nt-cancelled", id=str(notice.id), count=withdrawn))


@requires("staff")
async def ask_recall(update: Update, context: HotlineContext, role: Role) -> None:
    """Confirm before deleting every delivered copy."""
    notice = await _managed(update, context, role, "nt:r:")
    if notice is None:
        return
    await answer_query(update)
    progress = await context.services.notices.progress(notice.id)
    markup = InlineKeyboardMarkup(
        [[
            Button(context.t("btn-yes"), callback_data=f"nt:ry:{notice.id}"),
            Button(context.t("btn-no"), callback_data="nt:no"),
        ]]
    )  # fmt: skip
    await reply(
        update,
        context.t("nt-recall-ask", id=str(notice.id), count=progress.sent),
        reply_markup=markup,
    )


@requires("staff")
async def recall(update: Update, context: HotlineContext, role: Role) -> None:
    """Delete every delivered copy (paced) and stop whatever is left."""
    notice = await _managed(update, context, role, "nt:ry:")
    if notice is None:
        return
    user = update.effective_user
    copies = await context.services.notices.recall(
        notice.id, user.id if user else 0, context.services.clock.now()
    )
    if copies < 0:
        await answer_query(update, context.t("nt-not-active"), alert=True)
        return
    await answer_query(update)
    if update.callback_query is not None and update.callback_query.message is not None:
        await update.callback_query.edit_message_reply_markup(None)
    delivery = context.services.delivery
    if delivery is not None:
        delivery.halt(notice.id)
    await reply(update, context.t("nt-recalled", id=str(notice.id), count=copies))


async def never_mind(update: Update, context: HotlineContext) -> None:
    """'No' on a confirmation."""
    await answer_query(update)
    if update.callback_query is not None and update.callback_query.message is not None:
        await update.callback_query.edit_message_reply_markup(None)


@requires("staff", refused=END)
async def begin_edit(update: Update, context: HotlineContext, role: Role) -> object:
    """Edit a sent notice: new texts for every delivered copy."""
    notice = await _managed(update, context, role, "nt:e:")
    if notice is None:
        return END
    if notice.state == "recalled":
        await answer_query(update, context.t("nt-not-active"), alert=True)
        return END
    await answer_query(update)
    if context.user_data is not None:
        context.user_data[DRAFT] = {"edit_id": notice.id, "media_kind": notice.media_kind}
    await reply(
        update,
        context.t("nt-edit-ask-ru", id=str(notice.id)),
        reply_markup=InlineKeyboardMarkup([_cancel_row(context.t)]),
    )
    return "edit_ru"


@requires("staff", refused=END)
async def edit_ru(update: Update, context: HotlineContext, role: Role) -> str:
    """The new Russian text."""
    html = await _take_text(update, context)
    if html is None:
        return "edit_ru"
    _draft(context)["text_ru"] = html
    await _ask_kk(update, context)
    return "edit_kk"


async def _edit_summary(update: Update, context: HotlineContext) -> str:
    draft = _draft(context)
    progress = await context.services.notices.progress(int(draft["edit_id"]))
    markup = InlineKeyboardMarkup(
        [[Button(context.t("btn-confirm"), callback_data="bx:eok")], _cancel_row(context.t)]
    )
    await _send_previews(update, context, {**draft, "ack": False, "media_kind": None})
    await reply(
        update,
        context.t("nt-edit-confirm", id=str(draft["edit_id"]), count=progress.sent),
        reply_markup=markup,
    )
    return "edit_ok"


@requires("staff", refused=END)
async def edit_kk(update: Update, context: HotlineContext, role: Role) -> str:
    """The new Kazakh text."""
    html = await _take_text(update, context)
    if html is None:
        return "edit_kk"
    _draft(context)["text_kk"] = html
    return await _edit_summary(update, context)


@requires("staff", refused=END)
async def edit_ru_all(update: Update, context: HotlineContext, role: Role) -> str:
    """Russian to everyone in the edited notice."""
    await answer_query(update)
    _draft(context)["text_kk"] = None
    return await _edit_summary(update, context)


@requires("staff", refused=END)
async def edit_confirm(update: Update, context: HotlineContext, role: Role) -> object:
    """Store the new texts and queue an edit of every delivered copy."""
    await answer_query(update)
    draft = _draft(context)
    notice = await context.services.notices.get(int(draft.get("edit_id", 0)))
    if notice is None or "text_ru" not in draft or not can_manage(role, notice):
        await not_available(update, context)
        _drop_draft(context)
        return END
    user = update.effective_user
    copies = await context.services.notices.edit(
        notice.id, draft["text_ru"], draft.get("text_kk"), user.id if user else 0,
        context.services.clock.now(),
    )  # fmt: skip
    _drop_draft(context)
    if copies < 0:
        await reply(update, context.t("nt-not-active"))
        return END
    if context.services.delivery is not None:
        context.services.delivery.forget(notice.id)
    await reply(update, context.t("nt-edited", id=str(notice.id), count=copies))
    return END


@requires("staff")
async def scheduled(update: Update, context: HotlineContext, role: Role) -> None:
    """/scheduled: upcoming notices in the staff member's scope, each with Cancel."""
    scope = None if role.is_admin else role.countries
    upcoming = await context.services.notices.upcoming(scope)
    t = context.t
    if not upcoming:
        await reply(update, t("sched-empty"))
        return
    for notice in upcoming:
        when = (
            notice.fill_at.astimezone(context.settings.tz).strftime("%Y-%m-%d %H:%M")
            if notice.fill_at
            else "—"
        )
        text = t(
            "sched-item", id=str(notice.id), when=when, zone=context.settings.timezone,
            audience=Markup(_describe_audience(t, notice.audience)),
            schedule=_describe_schedule(t, _as_draft(notice), context.settings.timezone),
            text=_preview_line(notice.text_ru),
        )  # fmt: skip
        markup = InlineKeyboardMarkup(
            [[Button(t("btn-notice-cancel"), callback_data=f"nt:x:{notice.id}")]]
        )
        await reply(update, text, reply_markup=markup)


def _as_draft(notice: Notice) -> dict[str, Any]:
    return {
        "schedule": notice.schedule, "tz": notice.tz_mode, "wall_time": notice.wall_time,
        "until": notice.until_date,
    }  # fmt: skip


def _preview_line(html_text: str) -> str:
    plain = html_lib.unescape(re.sub(r"<[^>]+>", "", html_text))
    return plain if len(plain) <= 120 else plain[:119] + "…"


# ---- citizens -----------------------------------------------------------------------------


async def acknowledge(update: Update, context: HotlineContext) -> None:
    """A recipient pressed "Received / I am safe"."""
    arg = callback_arg(update, "ack:")
    user = update.effective_user
    if arg == "preview":
        await answer_query(update, context.t("ack-preview"))
        return
    if arg == "done":
        await answer_query(update, context.t("ack-already"))
        return
    if not arg or not arg.isdigit() or user is None:
        await refuse_button(update, context)
        return
    notice_id = int(arg)
    result = await context.services.notices.ack(notice_id, user.id, context.services.clock.now())
    if result is None:
        await refuse_button(update, context)
        return
    await answer_query(update, context.t("ack-thanks" if result else "ack-already"))
    query = update.callback_query
    if result and query is not None and query.message is not None:
        done = InlineKeyboardMarkup(
            [[Button(context.t("btn-notice-acked"), callback_data="ack:done")]]
        )
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(done)
    if context.services.delivery is not None:
        context.services.delivery.watch(notice_id)


async def my_notices(update: Update, context: HotlineContext) -> None:
    """/notices: the recent notices for the citizen's country, in their language."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    reg = await services.registrations.get(user.id)
    found = {n.id: n for n in await services.notices.recent_for(user.id)}
    if reg is not None and reg.active:
        for notice in await services.notices.recent_for_country(reg.country):
            found.setdefault(notice.id, notice)
    recent = sorted(found.values(), key=lambda n: n.id, reverse=True)[:5]
    t = context.t
    if not recent:
        await reply(update, t("notices-empty" if reg else "notices-unregistered"))
        return
    await reply(update, t("notices-title", count=len(recent)))
    for notice in reversed(recent):
        when = notice.created_at.astimezone(context.settings.tz).strftime("%d.%m.%Y %H:%M")
        body = notice_text.render(services.catalog, context.lang, notice.text(context.lang))
        await reply(update, f"<i>{when}</i>\n{body}")


# ---- wiring -------------------------------------------------------------------------------


def _h(*handlers: BaseHandler[Any, Any, Any]) -> list[BaseHandler[Any, Any, Any]]:
    return list(handlers)


def build(app: Application[Any, Any, Any, Any, Any, Any]) -> ConversationHandler[Any]:
    """The composing and editing conversation."""
    q = CallbackQueryHandler
    content = PRIVATE & (filters.PHOTO | filters.Document.ALL)
    states: dict[object, list[BaseHandler[Any, Any, Any]]] = {
        "aud": _h(
            q(audience_done, pattern=r"^bx:go$"),
            q(audience_button, pattern=r"^bx:[csn]:"),
            MessageHandler(TEXT & PRIVATE, audience_text),
        ),
        "ru": _h(MessageHandler(TEXT & PRIVATE, text_ru)),
        "kk": _h(q(russian_for_all, pattern=r"^bx:ru1$"), MessageHandler(TEXT & PRIVATE, text_kk)),
        "media": _h(q(skip_media, pattern=r"^bx:skip$"), MessageHandler(content, media)),
        "ack": _h(q(ack_choice, pattern=r"^bx:ack:")),
        "when": _h(q(when_choice, pattern=r"^bx:w:")),
        "at": _h(MessageHandler(TEXT & PRIVATE, at_text)),
        "daily": _h(MessageHandler(TEXT & PRIVATE, daily_text)),
        "until": _h(MessageHandler(TEXT & PRIVATE, until_text)),
        "confirm": _h(q(confirm, pattern=r"^bx:ok$")),
        "edit_ru": _h(MessageHandler(TEXT & PRIVATE, edit_ru)),
        "edit_kk": _h(
            q(edit_ru_all, pattern=r"^bx:ru1$"), MessageHandler(TEXT & PRIVATE, edit_kk)
        ),
        "edit_ok": _h(q(edit_confirm, pattern=r"^bx:eok$")),
    }
    with warnings.catch_warnings():
        # Buttons are not tied to their message on purpose: the state decides which are live.
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("broadcast", begin, filters=staff(app)),
                q(begin_edit, pattern=r"^nt:e:"),
            ],
            states=states,
            fallbacks=[
                CommandHandler("cancel", cancel_compose, filters=PRIVATE),
                q(cancel_compose, pattern=r"^bx:x$"),
                MessageHandler(filters.COMMAND & PRIVATE, busy_command),
                q(wrong_input),
                MessageHandler(filters.ALL & PRIVATE, wrong_input),
            ],
            name="broadcast",
            persistent=True,
            allow_reentry=False,
        )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The conversation first (it owns a composing staff member's updates), then the rest."""
    app.add_handler(build(app))
    app.add_handler(CommandHandler("broadcast", not_available, filters=PRIVATE))
    app.add_handler(CommandHandler("scheduled", scheduled, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(cancel_notice, pattern=r"^nt:x:"))
    app.add_handler(CallbackQueryHandler(ask_recall, pattern=r"^nt:r:"))
    app.add_handler(CallbackQueryHandler(recall, pattern=r"^nt:ry:"))
    app.add_handler(CallbackQueryHandler(never_mind, pattern=r"^nt:no$"))
    app.add_handler(CallbackQueryHandler(acknowledge, pattern=r"^ack:"))
    app.add_handler(CommandHandler("notices", my_notices, filters=PRIVATE))
