"""Reply templates: /t <name> in a ticket's topic sends one to the citizen in their language,
/t alone opens a picker (template -> preview -> send); admins export the templates with
/templates_export, edit the YAML and send it back (a file named templates*.yaml), checked
and applied only on "Apply".
"""

from __future__ import annotations

import contextlib
import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import AnyApp, HotlineContext
from bot.desk import templates
from bot.desk.templates import Template, utf16_len
from bot.faq.directory import render_contacts
from bot.i18n import DEFAULT_LANG, Markup
from bot.reference import countries
from bot.staff.roles import Role
from handlers import keyboards
from handlers.common import PRIVATE, answer_query, callback_arg, refuse_button, reply
from handlers.content_admin import MAX_PROBLEMS_SHOWN, YAML_FILES
from handlers.hotline.cards import staff_t
from handlers.hotline.desk_views import citizen_name
from handlers.hotline.topic import acting_staff, refuse
from handlers.roles import admins, not_available, requires
from storage.tickets import Ticket

# Callback data of the picker, each re-checked against the topic its button is in:
# dk:p:<ticket>:<name> preview, dk:s:<ticket>:<name> send, dk:l:<ticket> back to the list.
PREVIEW, SEND, LIST = "dk:p:", "dk:s:", "dk:l:"
# Callback data of the admin's upload confirmation: dt:yes / dt:no.
APPLY = "dt:"
# Persisted user_data key (survives restarts): the validated upload waiting for dt:yes/dt:no.
PENDING_TEMPLATES = "pending_templates"
MAX_MESSAGE = 4096
# Room for the preview's header above the text as the citizen gets it.
PREVIEW_ROOM = 300


class _TemplatesFile(filters.MessageFilter):
    """A document whose name starts with "templates" (every other YAML is the FAQ's)."""

    def filter(self, message: Message) -> bool:
        name = (message.document.file_name or "") if message.document else ""
        return name.casefold().startswith("templates")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A template as one citizen gets it."""

    lang: str
    body: str
    # The contacts block, sent as a second message when it does not fit in the first.
    extra: str | None = None


async def render_for(context: HotlineContext, ticket: Ticket, template: Template) -> Rendered:
    """The template in the citizen's language, their name and mission contacts filled in."""
    services = context.services
    citizen = await services.citizens.get(ticket.user_id)
    lang = citizen.lang if citizen else DEFAULT_LANG
    ct = services.catalog.translator(lang)
    reg = await services.registrations.get(ticket.user_id)
    text = template.text[lang]
    used = template.placeholders(lang)
    values = {"ticket": str(ticket.id)}
    if "name" in used:
        name = await citizen_name(context, ticket, reg)
        values["name"] = html.escape(name) if name != "—" else ct("tpl-name-fallback")
    if "contacts" not in used:
        return Rendered(lang, templates.render(text, values))
    code = reg.country if reg else None
    found = countries.get(code) if code else None
    block = render_contacts(
        ct, services.directory.get(code) if code else None, found.name(lang) if found else "—"
    )
    whole = templates.render(text, {**values, "contacts": block})
    if utf16_len(whole) <= MAX_MESSAGE - PREVIEW_ROOM:
        return Rendered(lang, whole)
    return Rendered(lang, templates.render(text, {**values, "contacts": ""}), block)


async def _deliver(
    context: HotlineContext, ticket: Ticket, rendered: Rendered, signer: str | None
) -> int | None:
    """Send it to the citizen; the id of their copy, None if it did not arrive."""
    body = rendered.body
    if signer and context.settings.sign_staff_answers:
        body += f"\n\n— {html.escape(signer)}"
    try:
        sent = await context.bot.send_message(ticket.user_id, body)
        if rendered.extra:
            await context.bot.send_message(ticket.user_id, rendered.extra)
    except TelegramError:
        return None
    return sent.message_id


async def _sent(context: HotlineContext, ticket: Ticket, copy_id: int, staff_id: int) -> None:
    """Link the copy to the staff-side message (a second press finds it and sends nothing)
    and end the citizen's wait."""
    services = context.services
    now = services.clock.now()
    await services.tickets.link(ticket.id, "out", copy_id, staff_id, now)
    await services.tickets.touch(ticket.id, "staff", now)


# ---- /t in a topic ----------------------------------------------------------------------


def _list_markup(context: HotlineContext, ticket: Ticket) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(name, callback_data=f"{PREVIEW}{ticket.id}:{name}")
        for name in context.services.desk.templates.names
    ]
    return InlineKeyboardMarkup(keyboards.rows(buttons, 2))


async def _topic_ticket(context: HotlineContext, message: object) -> Ticket | None:
    chat = getattr(message, "chat", None)
    thread = getattr(message, "message_thread_id", None)
    if chat is None or thread is None:
        return None
    return await context.services.tickets.by_thread(chat.id, thread)


async def _may_send(update: Update, context: HotlineContext, ticket: Ticket) -> bool:
    """A template goes to a citizen: only staff whose role covers them (as for an answer)."""
    staff = await acting_staff(update, context)
    if staff is None:
        return False
    reg = await context.services.registrations.get(ticket.user_id)
    if not staff.serves(reg.country if reg else None):
        await refuse(update, context, "staff-out-of-scope")
        return False
    return True


async def send_template(update: Update, context: HotlineContext) -> None:
    """/t <name>: send a template now; /t alone: the picker."""
    message = update.effective_message
    ticket = await _topic_ticket(context, message)
    if message is None or ticket is None or not await _may_send(update, context, ticket):
        return
    t = staff_t(context)
    desk = context.services.desk
    if not context.args:
        await message.reply_text(t("tpl-pick"), reply_markup=_list_markup(context, ticket))
        return
    template = desk.templates.get(context.args[0].lower())
    if template is None:
        names = ", ".join(desk.templates.names)
        await message.reply_text(t("tpl-unknown", name=context.args[0][:40], names=names))
        return
    if ticket.status != "open":
        await message.reply_text(t("staff-ticket-closed-no-send", ticket=ticket.id))
        return
    rendered = await render_for(context, ticket, template)
    sender = update.effective_user
    copy_id = await _deliver(context, ticket, rendered, sender.first_name if sender else None)
    if copy_id is None:
        await message.reply_text(t("staff-undelivered"))
        return
    note = await message.reply_text(_sent_text(context, template, rendered))
    await _sent(context, ticket, copy_id, note.message_id)


def _sent_text(context: HotlineContext, template: Template, rendered: Rendered) -> str:
    t = staff_t(context)
    head = t("tpl-sent", name=template.name, lang=rendered.lang)
    body = rendered.body if utf16_len(rendered.body) <= MAX_MESSAGE - PREVIEW_ROOM else "…"
    return f"{head}\n\n{body}"


async def _picked(update: Update, context: HotlineContext, prefix: str) -> tuple[
    Ticket, Template | None, Message
] | None:  # fmt: skip
    """The ticket and template a picker button names, checked against the topic it is in;
    None (and the refusal shown) for a forged or stale button."""
    query = update.callback_query
    message = query.message if query is not None else None
    ticket_id, _, name = (callback_arg(update, prefix) or "").partition(":")
    ticket = await _topic_ticket(context, message)
    template = context.services.desk.templates.get(name) if name else None
    if (
        ticket is None
        or not isinstance(message, Message)
        or str(ticket.id) != ticket_id
        or (prefix != LIST and template is None)
    ):
        await refuse_button(update, context)
        return None
    if not await _may_send(update, context, ticket):
        await answer_query(update)
        return None
    return ticket, template, message


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    # Two presses of the same button edit to the same text; that is not an error.
    with contextlib.suppress(BadRequest):
        await message.edit_text(text, reply_markup=markup, disable_web_page_preview=True)


async def picker_list(update: Update, context: HotlineContext) -> None:
    """dk:l:<ticket>: back to the list of templates."""
    picked = await _picked(update, context, LIST)
    if picked is None:
        return
    ticket, _, message = picked
    await answer_query(update)
    await _edit(message, staff_t(context)("tpl-pick"), _list_markup(context, ticket))


async def picker_preview(update: Update, context: HotlineContext) -> None:
    """dk:p:<ticket>:<name>: the template as this citizen would get it, then Send or Back."""
    picked = await _picked(update, context, PREVIEW)
    if picked is None:
        return
    ticket, template, message = picked
    if template is None:  # _picked refused it already
        return
    await answer_query(update)
    t = staff_t(context)
    rendered = await render_for(context, ticket, template)
    body = rendered.body if utf16_len(rendered.body) <= MAX_MESSAGE - PREVIEW_ROOM else "…"
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("tpl-btn-send"), callback_data=f"{SEND}{ticket.id}:{template.name}"
                ),
                InlineKeyboardButton(t("btn-back"), callback_data=f"{LIST}{ticket.id}"),
            ]
        ]
    )
    head = t("tpl-preview", name=template.name, lang=rendered.lang)
    await _edit(message, f"{head}\n\n{body}", markup)


async def picker_send(update: Update, context: HotlineContext) -> None:
    """dk:s:<ticket>:<name>: send it; the picker message becomes the record of what went."""
    picked = await _picked(update, context, SEND)
    if picked is None:
        return
    ticket, template, message = picked
    if template is None:  # _picked refused it already
        return
    t = staff_t(context)
    services = context.services
    if ticket.status != "open":
        await answer_query(update, t("staff-ticket-closed-no-send", ticket=ticket.id), alert=True)
        return
    # Updates of one chat are handled one at a time, so this check and the send below
    # cannot interleave with a second press.
    if await services.tickets.citizen_copy_of(ticket.id, message.message_id) is not None:
        await answer_query(update, t("tpl-already-sent"), alert=True)
        return
    rendered = await render_for(context, ticket, template)
    sender = update.effective_user
    copy_id = await _deliver(context, ticket, rendered, sender.first_name if sender else None)
    if copy_id is None:
        await answer_query(update, t("staff-undelivered"), alert=True)
        return
    await _sent(context, ticket, copy_id, message.message_id)
    await answer_query(update, t("tpl-sent-short"))
    await _edit(message, _sent_text(context, template, rendered), None)


# ---- admins: export, upload, apply -------------------------------------------------------


async def export(update: Update, context: HotlineContext) -> None:
    """/templates_export: the live templates as a YAML file to edit and send back."""
    desk = context.services.desk
    body = templates.dump(desk.document).encode("utf-8")
    stamp = context.services.clock.now().astimezone(context.settings.tz).strftime("%Y%m%d-%H%M")
    caption = context.t(
        "tpl-exported", count=len(desk.templates.items),
        p_name="{name}", p_ticket="{ticket}", p_contacts="{contacts}",
    )  # fmt: skip
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(
            InputFile(body, filename=f"templates-{stamp}.yaml"), caption=caption
        )


async def upload(update: Update, context: HotlineContext) -> None:
    """An admin sent templates*.yaml: check it and show what would change."""
    message = update.effective_message
    document = message.document if message else None
    if document is None or context.user_data is None:
        return
    t = context.t
    if (document.file_size or 0) > templates.MAX_DOCUMENT:
        too_big = Markup(t("tpl-err-size", max=templates.MAX_DOCUMENT // 1000))
        await reply(update, t("tpl-rejected", problems=too_big))
        return
    raw = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        await reply(update, t("tpl-rejected", problems=Markup(t("content-err-encoding"))))
        return
    parsed, problems = templates.load(text)
    if parsed is None or problems:
        shown = "\n".join(f"• {t(p.key, **p.args)}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        if more > 0:
            shown += "\n" + t("content-more-problems", count=more)
        await reply(update, t("tpl-rejected", problems=Markup(shown)))
        return
    changes = templates.diff(context.services.desk.document, parsed)
    if changes.empty:
        await reply(update, t("content-no-changes"))
        return
    context.user_data[PENDING_TEMPLATES] = text
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("btn-content-apply"), callback_data=f"{APPLY}yes")],
            [InlineKeyboardButton(t("btn-content-discard"), callback_data=f"{APPLY}no")],
        ]
    )
    summary = t(
        "tpl-summary",
        added=", ".join(changes.added) or "—",
        removed=", ".join(changes.removed) or "—",
        changed=", ".join(changes.changed) or "—",
    )
    await reply(update, summary, reply_markup=markup)


@requires("admin")
async def confirm(update: Update, context: HotlineContext, role: Role) -> None:
    """dt:yes applies the pending upload (live once stored and audited); dt:no drops it."""
    verdict = callback_arg(update, APPLY)
    user = update.effective_user
    pending = (context.user_data or {}).get(PENDING_TEMPLATES)
    if verdict not in ("yes", "no") or user is None or not isinstance(pending, str):
        await refuse_button(update, context)
        return
    await answer_query(update)
    if context.user_data is not None:
        context.user_data.pop(PENDING_TEMPLATES, None)
    if verdict == "no":
        await reply(update, context.t("content-discarded"))
        return
    parsed, problems = templates.load(pending)
    if parsed is None or problems:
        await reply(update, context.t("tpl-rejected", problems=str(len(problems))))
        return
    desk = context.services.desk
    changes = templates.diff(desk.document, parsed)
    details = {
        "added": list(changes.added), "removed": list(changes.removed),
        "changed": list(changes.changed),
    }  # fmt: skip
    await desk.replace_templates(pending, parsed, user.id, details)
    await reply(update, context.t("tpl-applied", count=len(desk.templates.items)))


def register(app: AnyApp) -> None:
    """/t and the picker in topics; the admins' export and upload. Registered before the
    FAQ upload, which would otherwise take every YAML file an admin sends."""
    staff_chats = app.bot_data.services.hotline.staff_chats
    topic = staff_chats & filters.UpdateType.MESSAGE & filters.IS_TOPIC_MESSAGE
    app.add_handler(CommandHandler("t", send_template, filters=topic))
    app.add_handler(CallbackQueryHandler(picker_preview, pattern=rf"^{PREVIEW}"))
    app.add_handler(CallbackQueryHandler(picker_send, pattern=rf"^{SEND}"))
    app.add_handler(CallbackQueryHandler(picker_list, pattern=rf"^{LIST}"))
    allowed = admins(app)
    app.add_handler(CommandHandler("templates_export", export, filters=allowed))
    app.add_handler(MessageHandler(allowed & YAML_FILES & _TemplatesFile(), upload))
    app.add_handler(CallbackQueryHandler(confirm, pattern=rf"^{APPLY}"))
    app.add_handler(CommandHandler(["templates_export", "t"], not_available, filters=PRIVATE))
