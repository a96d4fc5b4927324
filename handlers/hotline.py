"""Hotline chats: a citizen's messages go to a forum topic in the staff group; staff
replies in the topic go back to the citizen, anonymously. The mapping lives in the
database, so a restart loses nothing.
"""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import HotlineContext
from bot.i18n import Translator
from bot.reference import countries
from handlers.common import PRIVATE, answer_query, callback_arg, refuse_button, reply
from handlers.render import local_time
from handlers.roles import admins, not_available
from storage.models import Registration
from storage.tickets import Ticket

log = logging.getLogger(__name__)
URGENT_NEEDS = frozenset({"consular", "accommodation", "evacuation"})
STAFF_COMMANDS = ("close", "reopen", "card", "ban", "unban", "note", "queue")
TOPIC_GONE = ("thread not found", "topic_id_invalid", "topic_deleted", "message thread")


def staff_t(context: HotlineContext) -> Translator:
    """What the bot writes in the staff group is in the staff's language."""
    return context.services.catalog.translator(context.settings.staff_lang)


async def is_active(update: Update, context: HotlineContext) -> bool:
    """Whether this citizen's free messages go to the hotline."""
    user = update.effective_user
    if user is None:
        return False
    if context.user_data and context.user_data.get("hotline"):
        return True
    return await context.services.tickets.open_of(user.id) is not None


async def start_hotline(update: Update, context: HotlineContext) -> None:
    """m:hot: the next messages go to consular staff."""
    await answer_query(update)
    user = update.effective_user
    if user is None or context.user_data is None:
        return
    if await context.services.tickets.is_banned(user.id):
        await reply(update, context.t("hotline-banned"))
        return
    reg = await context.services.registrations.get(user.id)
    if staff_chat_for(context, reg) is None:
        await reply(update, context.t("hotline-unavailable"))
        return
    context.user_data["hotline"] = True
    await reply(update, context.t("hotline-intro"))


def _flooding(context: HotlineContext, user_id: int) -> bool:
    recent = context.services.hotline_recent.setdefault(user_id, deque())
    now = time.monotonic()
    while recent and now - recent[0] > 60:
        recent.popleft()
    if len(recent) >= context.settings.hotline_flood_per_minute:
        return True
    recent.append(now)
    return False


def _topic_name(
    context: HotlineContext, ticket: Ticket, full_name: str, reg: Registration | None
) -> str:
    country = countries.get(reg.country) if reg else None
    place = (
        f"{countries.flag(country.code)} {country.name(context.settings.staff_lang)}"
        if country
        else "🌐"
    )
    return f"{place} · {full_name} · #{ticket.id}"[:128]


async def card_text(
    context: HotlineContext, ticket: Ticket, tg_name: str, reg: Registration | None
) -> str:
    """The citizen card staff see at the top of the topic."""
    t = staff_t(context)
    citizen = await context.services.citizens.get(ticket.user_id)
    lang = citizen.lang if citizen else "ru"
    if reg is None:
        return t("staff-card-unregistered", ticket=ticket.id, name=tg_name, lang=lang)
    country = countries.get(reg.country)
    return t(
        "staff-card",
        ticket=ticket.id,
        name=reg.full_name,
        country=f"{countries.flag(reg.country)} {country.name(t.lang) if country else '—'}",
        city=reg.city,
        status=t(f"status-{reg.status}"),
        party=reg.party_size,
        children=reg.children,
        needs=t(f"needs-{reg.needs}"),
        phone=reg.phone,
        lang=lang,
        updated=local_time(reg.updated_at, context.settings.tz),
    )


async def _open_topic(
    context: HotlineContext, ticket: Ticket, tg_name: str, reg: Registration | None
) -> int:
    """Create the ticket's topic and post the card; returns the thread id."""
    name = reg.full_name if reg else tg_name
    topic = await context.bot.create_forum_topic(
        ticket.staff_chat_id, _topic_name(context, ticket, name, reg)
    )
    thread = topic.message_thread_id
    await context.services.tickets.set_thread(ticket.id, thread)
    await context.bot.send_message(
        ticket.staff_chat_id,
        await card_text(context, ticket, tg_name, reg),
        message_thread_id=thread,
    )
    return thread


async def _copy_in(context: HotlineContext, ticket: Ticket, message: Message, thread: int) -> int:
    copy = await context.bot.copy_message(
        ticket.staff_chat_id, message.chat_id, message.message_id, message_thread_id=thread
    )
    return copy.message_id


async def relay_in(update: Update, context: HotlineContext) -> None:
    """A citizen's message: into their ticket's topic, whatever kind it is."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    # One read of the registration serves routing, the topic name, the card and the ack.
    reg = await context.services.registrations.get(user.id)
    staff_chat = staff_chat_for(context, reg)
    if await context.services.tickets.is_banned(user.id):
        await reply(update, context.t("hotline-banned"))
        return
    if staff_chat is None:
        await reply(update, context.t("hotline-unavailable"))
        return
    if _flooding(context, user.id):
        await reply(update, context.t("hotline-flood"))
        return
    now = context.services.clock.now()
    if await context.services.citizens.get(user.id) is None:
        # Tickets belong to a citizen row; a first-time user gets one in their language.
        await context.services.citizens.set_lang(user.id, context.lang, now)
    ticket, created = await context.services.tickets.open_for(user.id, staff_chat, now)
    try:
        thread = ticket.thread_id or await _open_topic(context, ticket, user.full_name, reg)
        try:
            copy_id = await _copy_in(context, ticket, message, thread)
        except BadRequest as exc:
            if not any(part in str(exc).lower() for part in TOPIC_GONE):
                raise
            # Staff deleted the topic: open a new one, say so, and deliver there.
            thread = await _open_topic(context, ticket, user.full_name, reg)
            await context.bot.send_message(
                staff_chat, staff_t(context)("staff-topic-recreated", ticket=ticket.id),
                message_thread_id=thread,
            )  # fmt: skip
            copy_id = await _copy_in(context, ticket, message, thread)
    except TelegramError:
        await reply(update, context.t("hotline-failed"))
        return
    await context.services.tickets.link(ticket.id, "in", message.message_id, copy_id, now)
    await context.services.tickets.touch(ticket.id, "citizen", now)
    if created:
        text = context.t("hotline-ack", ticket=ticket.id)
        emergency = _emergency_line(context, reg)
        if emergency:
            text += "\n" + context.t("hotline-ack-emergency", phone=emergency)
        if not context.settings.is_working_time(now):
            text += "\n\n" + context.t("hotline-away", hours=context.settings.working_hours)
        await reply(update, text)


async def open_urgent(context: HotlineContext, user_id: int, tg_name: str) -> Ticket | None:
    """A citizen answered "I need help" to a safety check: their ticket, flagged urgent.

    None when no staff chat can take it (the caller flags the registration instead).
    """
    reg = await context.services.registrations.get(user_id)
    staff_chat = staff_chat_for(context, reg)
    if staff_chat is None:
        return None
    now = context.services.clock.now()
    ticket, _ = await context.services.tickets.open_for(user_id, staff_chat, now)
    thread = ticket.thread_id or await _open_topic(context, ticket, tg_name, reg)
    await context.bot.send_message(
        staff_chat,
        staff_t(context)("staff-safety-help", ticket=ticket.id),
        message_thread_id=thread,
    )
    await context.services.tickets.touch(ticket.id, "citizen", now)
    return ticket


def staff_chat_for(context: HotlineContext, reg: Registration | None) -> int | None:
    """The mission group of the citizen's registered country, else the central group."""
    if reg is not None and reg.country in context.services.route_map:
        return context.services.route_map[reg.country]
    return context.settings.staff_chat_id


def _emergency_line(context: HotlineContext, reg: Registration | None) -> str | None:
    """The emergency number of the mission in the citizen's registered country, if known."""
    info = context.services.directory.get(reg.country) if reg else None
    for mission in info.missions if info else ():
        number = mission.contacts.get("emergency") or mission.contacts.get("hotline")
        if number:
            return number
    return None


async def _ticket_of_topic(update: Update, context: HotlineContext) -> Ticket | None:
    message = update.effective_message
    if message is None or message.message_thread_id is None:
        return None
    return await context.services.tickets.by_thread(message.chat_id, message.message_thread_id)


async def relay_out(update: Update, context: HotlineContext) -> None:
    """A staff message in a topic: to the citizen, unless it is an internal note."""
    message = update.effective_message
    ticket = await _ticket_of_topic(update, context)
    if message is None or ticket is None:
        return
    if (message.text or "").startswith("!"):
        return  # an internal note: it stays in the topic
    t = staff_t(context)
    if ticket.status != "open":
        await message.reply_text(t("staff-ticket-closed-no-send", ticket=ticket.id))
        return
    try:
        sender = update.effective_user
        if context.settings.sign_staff_answers and message.text and sender:
            sent = await context.bot.send_message(
                ticket.user_id, f"{message.text_html}\n\n— {html.escape(sender.first_name)}"
            )
            copy_id = sent.message_id
        else:
            copy = await context.bot.copy_message(
                ticket.user_id, message.chat_id, message.message_id
            )
            copy_id = copy.message_id
    except Forbidden:
        await message.reply_text(t("staff-undelivered-blocked"))
        return
    except TelegramError:
        await message.reply_text(t("staff-undelivered"))
        return
    now = context.services.clock.now()
    await context.services.tickets.link(ticket.id, "out", copy_id, message.message_id, now)
    await context.services.tickets.touch(ticket.id, "staff", now)


async def citizen_edit(update: Update, context: HotlineContext) -> None:
    """A citizen edited a message already in a topic: the new text is posted as a reply."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    ticket = await context.services.tickets.open_of(user.id)
    copy_id = (
        await context.services.tickets.staff_copy_of(ticket.id, message.message_id)
        if ticket
        else None
    )
    if ticket is None or copy_id is None or ticket.thread_id is None:
        await reply(update, context.t("edit-ignored"))
        return
    text = staff_t(context)("staff-citizen-edited", text=message.text or message.caption or "")
    try:
        await context.bot.send_message(
            ticket.staff_chat_id, text, message_thread_id=ticket.thread_id,
            reply_to_message_id=copy_id,
        )  # fmt: skip
    except TelegramError:
        await reply(update, context.t("hotline-failed"))


async def staff_edit(update: Update, context: HotlineContext) -> None:
    """Staff edited an answer: the citizen's copy is edited too (text), or flagged."""
    message = update.effective_message
    ticket = await _ticket_of_topic(update, context)
    if message is None or ticket is None or (message.text or "").startswith("!"):
        return
    copy_id = await context.services.tickets.citizen_copy_of(ticket.id, message.message_id)
    if copy_id is None:
        return
    try:
        if message.text:
            await context.bot.edit_message_text(message.text_html, ticket.user_id, copy_id)
        else:
            await message.reply_text(staff_t(context)("staff-edit-not-carried"))
    except TelegramError:
        await message.reply_text(staff_t(context)("staff-edit-not-carried"))


# ---- staff commands in a topic --------------------------------------------------------

TopicCommand = Callable[[Update, HotlineContext, Ticket, Message], Awaitable[None]]


def topic_command(
    command: TopicCommand,
) -> Callable[[Update, HotlineContext], Coroutine[Any, Any, None]]:
    """Resolve the topic's ticket first; in a topic that is no ticket's, do nothing."""

    @functools.wraps(command)
    async def handler(update: Update, context: HotlineContext) -> None:
        ticket = await _ticket_of_topic(update, context)
        message = update.effective_message
        if ticket is not None and message is not None:
            await command(update, context, ticket, message)

    return handler


@topic_command
async def close(update: Update, context: HotlineContext, ticket: Ticket, message: Message) -> None:
    """/close: close the ticket and ask the citizen to rate the help."""
    t = staff_t(context)
    if not await context.services.tickets.set_status(
        ticket.id, "closed", context.services.clock.now()
    ):
        await message.reply_text(t("staff-already", ticket=ticket.id))
        return
    citizen_data = context.application.user_data.get(ticket.user_id)
    if citizen_data is not None:
        citizen_data.pop("hotline", None)
    citizen = await context.services.citizens.get(ticket.user_id)
    ct = context.services.catalog.translator(citizen.lang if citizen else "ru")
    stars = [
        InlineKeyboardButton("⭐" * n, callback_data=f"rt:{ticket.id}:{n}") for n in range(1, 6)
    ]
    try:
        await context.bot.send_message(
            ticket.user_id, ct("hotline-closed", ticket=ticket.id),
            reply_markup=InlineKeyboardMarkup([stars[:3], stars[3:]]),
        )  # fmt: skip
    except TelegramError:
        await message.reply_text(t("staff-undelivered"))
    await message.reply_text(t("staff-closed", ticket=ticket.id))
    if ticket.thread_id is not None:
        # The topic may already be closed or gone; the ticket is what counts.
        with contextlib.suppress(TelegramError):
            await context.bot.close_forum_topic(ticket.staff_chat_id, ticket.thread_id)


@topic_command
async def reopen(
    update: Update, context: HotlineContext, ticket: Ticket, message: Message
) -> None:
    """/reopen: reopen the topic's ticket."""
    t = staff_t(context)
    if not await context.services.tickets.set_status(
        ticket.id, "open", context.services.clock.now()
    ):
        await message.reply_text(t("staff-cannot-reopen", ticket=ticket.id))
        return
    if ticket.thread_id is not None:
        with contextlib.suppress(TelegramError):  # already open
            await context.bot.reopen_forum_topic(ticket.staff_chat_id, ticket.thread_id)
    await message.reply_text(t("staff-reopened", ticket=ticket.id))


@topic_command
async def card(update: Update, context: HotlineContext, ticket: Ticket, message: Message) -> None:
    """/card: the citizen card, refreshed."""
    reg = await context.services.registrations.get(ticket.user_id)
    await message.reply_text(await card_text(context, ticket, "", reg))


@topic_command
async def ban(update: Update, context: HotlineContext, ticket: Ticket, message: Message) -> None:
    """/ban reason: the citizen's messages are no longer relayed."""
    staff = update.effective_user
    if staff is None:
        return
    reason = " ".join(context.args or []).strip()
    t = staff_t(context)
    if not reason:
        await message.reply_text(t("staff-ban-usage"))
        return
    await context.services.tickets.ban(
        ticket.user_id, reason[:300], staff.id, context.services.clock.now()
    )
    await message.reply_text(t("staff-banned", ticket=ticket.id, reason=reason[:300]))


@topic_command
async def unban(update: Update, context: HotlineContext, ticket: Ticket, message: Message) -> None:
    """/unban: relay the citizen's messages again."""
    t = staff_t(context)
    if await context.services.tickets.unban(ticket.user_id):
        await message.reply_text(t("staff-unbanned", ticket=ticket.id))
    else:
        await message.reply_text(t("staff-not-banned", ticket=ticket.id))


@topic_command
async def send_faq(
    update: Update, context: HotlineContext, ticket: Ticket, message: Message
) -> None:
    """/faq <id>: send an FAQ answer to the citizen in their language."""
    t = staff_t(context)
    entry = context.services.faq.entry((context.args or [""])[0])
    if entry is None:
        await message.reply_text(t("staff-faq-usage"))
        return
    citizen = await context.services.citizens.get(ticket.user_id)
    lang = citizen.lang if citizen else "ru"
    text = f"<b>{entry.question[lang]}</b>\n\n{entry.answer[lang]}".replace(
        "{contacts}", ""
    ).replace("{polling}", "")
    try:
        await context.bot.send_message(ticket.user_id, text)
    except TelegramError:
        await message.reply_text(t("staff-undelivered"))
        return
    await message.reply_text(t("staff-faq-sent", entry=entry.id))


async def queue(update: Update, context: HotlineContext) -> None:
    """/queue: open tickets waiting for an answer, urgent first, then by waiting time."""
    message = update.effective_message
    if message is None:
        return
    t = staff_t(context)
    tickets = await context.services.tickets.queue(message.chat_id, URGENT_NEEDS)
    if not tickets:
        await message.reply_text(t("staff-queue-empty"))
        return
    now = context.services.clock.now()
    lines = [t("staff-queue-title", count=len(tickets))]
    for ticket, urgent in tickets[:30]:
        waited = int((now - (ticket.last_citizen_at or ticket.created_at)).total_seconds() // 60)
        lines.append(
            t(
                "staff-queue-line",
                ticket=ticket.id,
                minutes=waited,
                urgent="🔴 " if urgent else "",
            )
        )
    await message.reply_text("\n".join(lines))


async def rate(update: Update, context: HotlineContext) -> None:
    """rt:<ticket>:<1-5>: the citizen's rating."""
    ticket_id, _, value = (callback_arg(update, "rt:") or "").partition(":")
    user = update.effective_user
    valid = user is not None and ticket_id.isdigit() and value in {"1", "2", "3", "4", "5"}
    if not valid or user is None:
        await refuse_button(update, context)
        return
    if not await context.services.tickets.rate(int(ticket_id), user.id, int(value)):
        await refuse_button(update, context)
        return
    await answer_query(update)
    await reply(update, context.t("hotline-rated"))
    ticket = await context.services.tickets.get(int(ticket_id))
    if ticket is not None and ticket.thread_id is not None:
        text = staff_t(context)("staff-rating", ticket=ticket.id, rating=int(value))
        # The rating is stored; the topic may be gone.
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                ticket.staff_chat_id, text, message_thread_id=ticket.thread_id
            )


async def usable_staff_chat(bot: Any, chat_id: int) -> bool:
    """A forum where the bot may manage topics."""
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramError:
        return False
    return bool(chat.is_forum) and getattr(member, "can_manage_topics", False) is True


async def check_staff_chats(app: Application[Any, Any, Any, Any, Any, Any]) -> list[int]:
    """At start-up: each staff chat must be a forum where the bot manages topics.

    Returns the chats with a problem; each problem is logged and sent to every admin.
    """
    services = app.bot_data.services
    settings = services.settings
    routes = await services.routes.all()
    services.route_map.update(routes)
    chats = sorted({c for c in (settings.staff_chat_id, *routes.values()) if c is not None})
    services.staff_chats.add_chat_ids(chats)
    broken = []
    for chat_id in chats:
        if await usable_staff_chat(app.bot, chat_id):
            continue
        broken.append(chat_id)
        log.warning("staff chat %s is not a forum where the bot can manage topics", chat_id)
        for admin in settings.admin_ids:
            citizen = await services.citizens.get(admin)
            t = services.catalog.translator(citizen.lang if citizen else settings.staff_lang)
            # An admin who never opened the bot cannot be messaged; the log line stays.
            with contextlib.suppress(TelegramError):
                await app.bot.send_message(admin, t("staff-chat-broken", chat=str(chat_id)))
    return broken


async def route(update: Update, context: HotlineContext) -> None:
    """/route XX <group id|off>: a country's chats go to a mission group (admins)."""
    args = context.args or []
    admin = update.effective_user
    code = args[0].upper() if args else ""
    if admin is None or len(args) != 2 or countries.get(code) is None:
        await reply(update, context.t("route-usage"))
        return
    if args[1].lower() == "off":
        await context.services.routes.set(code, None, admin.id, context.services.clock.now())
        context.services.route_map.pop(code, None)
        await reply(update, context.t("route-removed", country=code))
        return
    if not args[1].lstrip("-").isdigit():
        await reply(update, context.t("route-usage"))
        return
    chat_id = int(args[1])
    if not await usable_staff_chat(context.bot, chat_id):
        await reply(update, context.t("route-bad-chat", chat=str(chat_id)))
        return
    await context.services.routes.set(code, chat_id, admin.id, context.services.clock.now())
    context.services.route_map[code] = chat_id
    context.services.staff_chats.add_chat_ids(chat_id)
    await reply(update, context.t("route-set", country=code, chat=str(chat_id)))


async def list_routes(update: Update, context: HotlineContext) -> None:
    """/routes: which countries go to which mission group."""
    routes = context.services.route_map
    if not routes:
        await reply(update, context.t("routes-none"))
        return
    lines = [f"{countries.flag(c)} {c} → {chat}" for c, chat in sorted(routes.items())]
    await reply(update, context.t("routes-list", routes="\n".join(lines)))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Staff-group handlers and the rating button; citizen relaying is called by fallback."""
    services = app.bot_data.services
    if services is not None:
        in_staff = services.staff_chats & filters.UpdateType.MESSAGE
        topic = in_staff & filters.IS_TOPIC_MESSAGE
        for name, callback in (
            ("close", close), ("reopen", reopen), ("card", card), ("ban", ban),
            ("unban", unban), ("faq", send_faq),
        ):  # fmt: skip
            app.add_handler(CommandHandler(name, callback, filters=topic))
        app.add_handler(CommandHandler("note", note, filters=topic))
        app.add_handler(CommandHandler("queue", queue, filters=in_staff))
        app.add_handler(MessageHandler(topic & ~filters.COMMAND, relay_out))
        edited = services.staff_chats & filters.UpdateType.EDITED_MESSAGE
        app.add_handler(MessageHandler(edited, staff_edit))
    app.add_handler(CallbackQueryHandler(rate, pattern=r"^rt:"))
    app.add_handler(CommandHandler("route", route, filters=admins(app)))
    app.add_handler(CommandHandler("routes", list_routes, filters=admins(app)))
    app.add_handler(CommandHandler(["route", "routes"], not_available, filters=PRIVATE))
    app.add_handler(CommandHandler(list(STAFF_COMMANDS), not_available, filters=PRIVATE))


async def note(update: Update, context: HotlineContext) -> None:
    """/note text: an internal note; like "!", it stays in the topic."""
