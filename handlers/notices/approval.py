"""The two-person rule: a notice to more than APPROVAL_THRESHOLD recipients, or marked urgent,
waits until a second staff member or admin of its scope approves it.

Every staff member and admin who may approve gets the previews and Approve / Reject; the
first decision counts. The author cannot approve their own notice, whatever button they
forge; every request, decision and refusal is in the audit log.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from bot.context import HotlineContext
from bot.i18n import Markup, Translator
from bot.notices.views import GREEN, PREVIEW, RED, body
from bot.staff.roles import Role
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.keyboards import Button
from handlers.notices.views import describe_audience, describe_schedule
from handlers.roles import not_available, requires
from storage.approvals import Approval

log = logging.getLogger(__name__)

# ap:y:<approval id> approves, ap:n:<approval id> rejects (the buttons are built here).
APPROVE = "ap:y:"
REJECT = "ap:n:"


def may_approve(role: Role, approval: Approval) -> bool:
    """Admins, and staff whose countries hold every country of the notice."""
    if role.is_admin:
        return True
    codes = set(approval.draft.audience.countries)
    return bool(codes) and codes <= role.countries


def _request(t: Translator, approval: Approval, zone: str) -> tuple[str, InlineKeyboardMarkup]:
    d = approval.draft
    text = t(
        "approval-request", id=str(approval.id), author=str(approval.author_id),
        audience=Markup(describe_audience(t, d.audience)), count=approval.recipients,
        urgent=1 if d.urgent else 0,
        when=describe_schedule(t, d.schedule, d.tz_mode, d.wall_time, d.until_date, zone),
    )  # fmt: skip
    markup = InlineKeyboardMarkup(
        [[
            Button(t("btn-approve"), callback_data=f"{APPROVE}{approval.id}", style=GREEN),
            Button(t("btn-reject"), callback_data=f"{REJECT}{approval.id}", style=RED),
        ]]
    )  # fmt: skip
    return text, markup


async def _send_previews(context: HotlineContext, chat_id: int, approval: Approval) -> None:
    catalog = context.services.catalog
    d = approval.draft
    for lang in ("ru", "kk"):
        text = d.text_kk if lang == "kk" and d.text_kk else d.text_ru
        html, markup = body(catalog, lang, text, PREVIEW if d.ack else None)
        if d.media_kind == "photo":
            await context.bot.send_photo(chat_id, d.media_file_id or "", caption=html,
                                         reply_markup=markup)  # fmt: skip
        elif d.media_kind == "document":
            await context.bot.send_document(chat_id, d.media_file_id or "", caption=html,
                                            reply_markup=markup)  # fmt: skip
        else:
            await context.bot.send_message(chat_id, html, reply_markup=markup)


async def request(update: Update, context: HotlineContext, approval: Approval) -> None:
    """Send the request to everyone who may approve it; tell the author who was asked."""
    services = context.services
    zone = context.settings.timezone
    asked = 0
    for user_id, role in services.roles.items():
        if user_id == approval.author_id or not may_approve(role, approval):
            continue
        lang = await services.citizens.lang_of(user_id) or context.settings.staff_lang
        t = services.catalog.translator(lang)
        text, markup = _request(t, approval, zone)
        try:
            await _send_previews(context, user_id, approval)
            await context.bot.send_message(user_id, text, reply_markup=markup)
        except TelegramError as exc:
            # Never opened the bot, or blocked it: someone else may still approve.
            log.info(
                "approval %s: an approver is not reachable: %s", approval.id, type(exc).__name__
            )
            continue
        asked += 1
    await reply(update, context.t("approval-waiting", id=str(approval.id), asked=asked))


async def _decided(
    update: Update, context: HotlineContext, role: Role, prefix: str
) -> Approval | None:
    """The waiting request a button names, if this user may decide it (else told why)."""
    arg = callback_arg(update, prefix)
    services = context.services
    approval = await services.notices.approvals.get(int(arg)) if arg and arg.isdigit() else None
    user = update.effective_user
    if approval is None or user is None:
        await refuse_button(update, context)
        return None
    if user.id == approval.author_id:
        await services.notices.approvals.refused(approval.id, user.id, "own", services.clock.now())
        await answer_query(update, context.t("approval-own"), alert=True)
        return None
    if not may_approve(role, approval):
        await not_available(update, context)
        return None
    if approval.state != "waiting":
        await answer_query(update, context.t("approval-decided"), alert=True)
        return None
    return approval


async def _tell_author(
    context: HotlineContext, approval: Approval, key: str, **args: object
) -> None:
    services = context.services
    lang = await services.citizens.lang_of(approval.author_id) or context.settings.staff_lang
    t = services.catalog.translator(lang)
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(approval.author_id, t(key, id=str(approval.id), **args))


async def _close_buttons(update: Update) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)


@requires("staff")
async def approve(update: Update, context: HotlineContext, role: Role) -> None:
    """Approve: the notice is stored, then sent now or armed for its time."""
    approval = await _decided(update, context, role, APPROVE)
    user = update.effective_user
    if approval is None or user is None:
        return
    try:
        approval, notice = await context.services.notices.approve(approval.id, user.id)
    except LookupError:
        await answer_query(update, context.t("approval-decided"), alert=True)
        return
    await answer_query(update)
    await _close_buttons(update)
    if notice is None:
        await reply(update, context.t("approval-expired", id=str(approval.id)))
        await _tell_author(context, approval, "approval-expired")
        return
    await reply(update, context.t("approval-done", id=str(approval.id), notice=str(notice.id)))
    await _tell_author(context, approval, "approval-approved", notice=str(notice.id),
                       by=user.first_name)  # fmt: skip


@requires("staff")
async def reject(update: Update, context: HotlineContext, role: Role) -> None:
    """Reject: nothing is sent; the author is told."""
    approval = await _decided(update, context, role, REJECT)
    user = update.effective_user
    if approval is None or user is None:
        return
    try:
        await context.services.notices.reject(approval.id, user.id)
    except LookupError:
        await answer_query(update, context.t("approval-decided"), alert=True)
        return
    await answer_query(update)
    await _close_buttons(update)
    await reply(update, context.t("approval-rejected-done", id=str(approval.id)))
    await _tell_author(context, approval, "approval-rejected", by=user.first_name)


async def show_waiting(update: Update, context: HotlineContext, role: Role) -> None:
    """The requests this user may decide (asked in /reach: for approvers who opened the bot
    after the request went out)."""
    user = update.effective_user
    if user is None:
        return
    zone = context.settings.timezone
    for waiting in await context.services.notices.approvals.waiting():
        if waiting.author_id == user.id or not may_approve(role, waiting):
            continue
        text, markup = _request(context.t, waiting, zone)
        await _send_previews(context, user.id, waiting)
        await reply(update, text, reply_markup=markup)
