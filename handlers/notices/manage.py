"""Managing sent and scheduled notices: cancel, recall, edit, and /scheduled."""

from __future__ import annotations

import html as html_lib
import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.i18n import Markup
from bot.notices.views import CANCEL, EDIT, RECALL, cancel_markup
from bot.staff.roles import Role
from handlers.common import answer_query, ascii_int, callback_arg, refuse_button, reply
from handlers.keyboards import Button
from handlers.notices.compose import ask_kk
from handlers.notices.draft import draft, drop_draft, edit_draft, kazakh_text, take_text
from handlers.notices.views import cancel_row, describe_audience, describe_schedule, send_previews
from handlers.roles import not_available, requires
from storage.notices import Notice

END = ConversationHandler.END
# The confirmation asked before a recall (its buttons are built here).
RECALL_YES = "nt:ry:"
NEVER_MIND = "nt:no"


def can_manage(role: Role, notice: Notice) -> bool:
    """Admins manage every notice; staff those that reach only their countries."""
    if role.is_admin:
        return True
    return bool(notice.audience.countries) and set(notice.audience.countries) <= role.countries


async def _managed(
    update: Update, context: HotlineContext, role: Role, prefix: str
) -> Notice | None:
    """The notice a management button names, if it exists and the role may manage it."""
    arg = callback_arg(update, prefix)
    notice_id = ascii_int(arg, max_digits=12)
    notice = await context.services.notices.repo.get(notice_id) if notice_id is not None else None
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
    notice = await _managed(update, context, role, CANCEL)
    if notice is None:
        return
    user = update.effective_user
    withdrawn = await context.services.notices.cancel(notice.id, user.id if user else 0)
    if withdrawn < 0:
        await answer_query(update, context.t("nt-not-active"), alert=True)
        return
    await answer_query(update)
    await reply(update, context.t("nt-cancelled", id=str(notice.id), count=withdrawn))


@requires("staff")
async def ask_recall(update: Update, context: HotlineContext, role: Role) -> None:
    """Confirm before deleting every delivered copy."""
    notice = await _managed(update, context, role, RECALL)
    if notice is None:
        return
    await answer_query(update)
    progress = await context.services.notices.outbox.progress(notice.id)
    markup = InlineKeyboardMarkup(
        [[
            Button(context.t("btn-yes"), callback_data=f"{RECALL_YES}{notice.id}"),
            Button(context.t("btn-no"), callback_data=NEVER_MIND),
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
    notice = await _managed(update, context, role, RECALL_YES)
    if notice is None:
        return
    user = update.effective_user
    copies = await context.services.notices.recall(notice.id, user.id if user else 0)
    if copies < 0:
        await answer_query(update, context.t("nt-not-active"), alert=True)
        return
    await answer_query(update)
    if update.callback_query is not None and update.callback_query.message is not None:
        await update.callback_query.edit_message_reply_markup(None)
    await reply(update, context.t("nt-recalled", id=str(notice.id), count=copies))


async def never_mind(update: Update, context: HotlineContext) -> None:
    """'No' on a confirmation."""
    await answer_query(update)
    if update.callback_query is not None and update.callback_query.message is not None:
        await update.callback_query.edit_message_reply_markup(None)


@requires("staff", refused=END)
async def begin_edit(update: Update, context: HotlineContext, role: Role) -> object:
    """Edit a sent notice: new texts for every delivered copy."""
    notice = await _managed(update, context, role, EDIT)
    if notice is None:
        return END
    if notice.state == "recalled":
        await answer_query(update, context.t("nt-not-active"), alert=True)
        return END
    await answer_query(update)
    edit_draft(context, notice)
    await reply(
        update,
        context.t("nt-edit-ask-ru", id=str(notice.id)),
        reply_markup=InlineKeyboardMarkup([cancel_row(context.t)]),
    )
    return "edit_ru"


@requires("staff", refused=END)
async def edit_ru(update: Update, context: HotlineContext, role: Role) -> str:
    """The new Russian text."""
    html = await take_text(update, context)
    if html is None:
        return "edit_ru"
    draft(context).text_ru = html
    await ask_kk(update, context)
    return "edit_kk"


async def _edit_summary(update: Update, context: HotlineContext) -> str:
    d = draft(context)
    progress = await context.services.notices.outbox.progress(d.edit_id)
    markup = InlineKeyboardMarkup(
        [[Button(context.t("btn-confirm"), callback_data="bx:eok")], cancel_row(context.t)]
    )
    await send_previews(update, context, d, full=False)
    await reply(
        update,
        context.t("nt-edit-confirm", id=str(d.edit_id), count=progress.sent),
        reply_markup=markup,
    )
    return "edit_ok"


@requires("staff", refused=END)
async def edit_kk(update: Update, context: HotlineContext, role: Role) -> str:
    """The new Kazakh text."""
    return await kazakh_text(update, context, "edit_kk", _edit_summary)


@requires("staff", refused=END)
async def edit_ru_all(update: Update, context: HotlineContext, role: Role) -> str:
    """Russian to everyone in the edited notice."""
    await answer_query(update)
    draft(context).text_kk = None
    return await _edit_summary(update, context)


@requires("staff", refused=END)
async def edit_confirm(update: Update, context: HotlineContext, role: Role) -> object:
    """Store the new texts and queue an edit of every delivered copy."""
    await answer_query(update)
    d = draft(context)
    notice = await context.services.notices.repo.get(d.edit_id)
    if notice is None or d.text_ru is None or not can_manage(role, notice):
        await not_available(update, context)
        drop_draft(context)
        return END
    user = update.effective_user
    copies = await context.services.notices.edit(
        notice.id, d.text_ru, d.text_kk, user.id if user else 0
    )
    drop_draft(context)
    if copies < 0:
        await reply(update, context.t("nt-not-active"))
        return END
    await reply(update, context.t("nt-edited", id=str(notice.id), count=copies))
    return END


@requires("staff")
async def scheduled(update: Update, context: HotlineContext, role: Role) -> None:
    """/scheduled: upcoming notices in the staff member's scope, each with Cancel."""
    scope = None if role.is_admin else role.countries
    upcoming = await context.services.notices.repo.upcoming(scope)
    t = context.t
    if not upcoming:
        await reply(update, t("sched-empty"))
        return
    zone = context.settings.timezone
    for notice in upcoming:
        when = (
            notice.fill_at.astimezone(context.settings.tz).strftime("%Y-%m-%d %H:%M")
            if notice.fill_at
            else "—"
        )
        text = t(
            "sched-item", id=str(notice.id), when=when, zone=zone,
            audience=Markup(describe_audience(t, notice.audience)),
            schedule=describe_schedule(
                t, notice.schedule, notice.tz_mode, notice.wall_time, notice.until_date, zone
            ),
            text=_preview_line(notice.text_ru),
        )  # fmt: skip
        await reply(update, text, reply_markup=cancel_markup(t, notice.id))


def _preview_line(html_text: str) -> str:
    plain = html_lib.unescape(re.sub(r"<[^>]+>", "", html_text))
    return plain if len(plain) <= 120 else plain[:119] + "…"
