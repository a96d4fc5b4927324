"""Admins edit the FAQ and the directory without a deploy: export, upload, confirm."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import HotlineContext
from bot.faq import content
from bot.faq.content import CONTENT_NAME
from bot.i18n import Markup
from bot.staff.roles import Role
from handlers.common import PRIVATE, answer_query, callback_arg, reply
from handlers.roles import admins, not_available, requires

MAX_PROBLEMS_SHOWN = 15
MAX_UPLOAD = 1_000_000
YAML_FILES = filters.Document.FileExtension("yaml") | filters.Document.FileExtension("yml")
# Persisted user_data key (survives restarts): the validated upload waiting for ca:yes/ca:no.
PENDING_CONTENT = "pending_content"


async def export(update: Update, context: HotlineContext) -> None:
    """/faq_export: the live FAQ and directory as one YAML file."""
    live = context.services.content.current
    body = content.dump(live.document).encode("utf-8")
    stamp = context.services.clock.now().astimezone(context.settings.tz).strftime("%Y%m%d-%H%M")
    caption = context.t(
        "content-exported", entries=len(live.faq.entries), topics=len(live.faq.topics),
        countries=len(live.directory),
    )  # fmt: skip
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(InputFile(body, filename=f"faq-{stamp}.yaml"), caption=caption)


async def upload(update: Update, context: HotlineContext) -> None:
    """An admin sent a YAML file: validate it and show what would change."""
    message = update.effective_message
    document = message.document if message else None
    if document is None or context.user_data is None:
        return
    if (document.file_size or 0) > MAX_UPLOAD:
        await reply(update, context.t("content-err-size", max=MAX_UPLOAD // 1000))
        return
    raw = await content.read_upload(await document.get_file(), MAX_UPLOAD)
    if raw is None:
        await reply(update, context.t("content-err-size", max=MAX_UPLOAD // 1000))
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        await reply(
            update, context.t("content-rejected", problems=context.t("content-err-encoding"))
        )
        return
    parsed, problems = content.load(text)
    if parsed is None or problems:
        shown = "\n".join(f"• {context.t(p.key, **p.args)}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        if more > 0:
            shown += "\n" + context.t("content-more-problems", count=more)
        await reply(update, context.t("content-rejected", problems=Markup(shown)))
        return
    changes = content.diff(context.services.content.current.document, parsed)
    if changes.empty:
        await reply(update, context.t("content-no-changes"))
        return
    context.user_data[PENDING_CONTENT] = text
    summary = context.t(
        "content-summary",
        added=", ".join(changes.added) or "—",
        removed=", ".join(changes.removed) or "—",
        changed=", ".join(changes.changed) or "—",
        topics=changes.topics_changed,
        countries=", ".join(changes.countries_changed) or "—",
    )
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context.t("btn-content-apply"), callback_data="ca:yes")],
            [InlineKeyboardButton(context.t("btn-content-discard"), callback_data="ca:no")],
        ]
    )
    await reply(update, summary, reply_markup=markup)


@requires("admin")
async def confirm(update: Update, context: HotlineContext, role: Role) -> None:
    """ca:yes applies the pending upload (after the commit, it goes live); ca:no drops it."""
    verdict = callback_arg(update, "ca:")
    user = update.effective_user
    pending = (context.user_data or {}).get(PENDING_CONTENT)
    if verdict not in ("yes", "no") or user is None or not isinstance(pending, str):
        await answer_query(update, context.t("error-stale-button"), alert=True)
        return
    await answer_query(update)
    if context.user_data is not None:
        context.user_data.pop(PENDING_CONTENT, None)
    if verdict == "no":
        await reply(update, context.t("content-discarded"))
        return
    parsed, problems = content.load(pending)
    if parsed is None or problems:
        await reply(update, context.t("content-rejected", problems=str(len(problems))))
        return
    changes = content.diff(context.services.content.current.document, parsed)
    details = {
        "added": list(changes.added), "removed": list(changes.removed),
        "changed": list(changes.changed), "topics_changed": changes.topics_changed,
        "countries_changed": list(changes.countries_changed),
    }  # fmt: skip
    services = context.services
    await services.content_repo.save(CONTENT_NAME, pending, user.id, details, services.clock.now())
    context.services.content.replace(parsed)
    live = context.services.content.current
    await reply(
        update,
        context.t("content-applied", entries=len(live.faq.entries), topics=len(live.faq.topics)),
    )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Admin-only handlers, and the refusal for everyone else."""
    allowed = admins(app)
    app.add_handler(CommandHandler("faq_export", export, filters=allowed))
    app.add_handler(MessageHandler(allowed & YAML_FILES, upload))
    app.add_handler(CallbackQueryHandler(confirm, pattern=r"^ca:"))
    app.add_handler(CommandHandler("faq_export", not_available, filters=PRIVATE))
