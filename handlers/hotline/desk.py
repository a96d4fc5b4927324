"""Who holds a ticket: /take (or the card's button), /assign, /release in its topic; /queue
in a staff group; /mine anywhere. None of it reaches the citizen.

Staff members (a role from /grant, or an admin) take and hand out tickets; the topic's title
and card show the holder. The staff directory behind /assign @username is filled here too:
every update from a staff member refreshes how the bot knows them.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Message, MessageEntity, Update, User
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, TypeHandler, filters

from bot.context import AnyApp, HotlineContext
from bot.i18n import Translator
from bot.staff.roles import Role
from handlers.common import PRIVATE, answer_query, callback_arg, refuse_button
from handlers.hotline.cards import TAKE, staff_t
from handlers.hotline.desk_views import officer_name, retitle, ticket_ref, waiting_line
from handlers.hotline.topic import acting_staff
from handlers.roles import allowed, not_available, requires, role_of
from storage.tickets import Ticket

# Commands of this module that only make sense in a staff group (refused in private chats).
GROUP_COMMANDS = ("take", "assign", "release")
MAX_SHOWN = 30
# Before every other group: it only reads, and in its own group it never hides an update.
DIRECTORY_GROUP = -3

DeskCommand = Callable[[Update, HotlineContext, Role, Ticket, Message], Awaitable[None]]


async def remember_officer(update: Update, context: HotlineContext) -> None:
    """Any update from a staff member: keep their name and username current."""
    user = update.effective_user
    if user is None or user.is_bot or context.services.roles.get(user.id) is None:
        return
    await context.services.desk.remember(user.id, user.full_name, user.username)


def desk_command(
    command: DeskCommand,
) -> Callable[[Update, HotlineContext], Coroutine[Any, Any, None]]:
    """Staff only (the role re-read server-side), and only in a topic that is a ticket's.

    The refusal is a reply in the topic: `requires` would answer in the group's General.
    """

    @functools.wraps(command)
    async def handler(update: Update, context: HotlineContext) -> None:
        message = update.effective_message
        if message is None or message.message_thread_id is None:
            return
        role = role_of(update, context)
        if role is None or not allowed(role, "staff"):
            await message.reply_text(context.t("not-available"))
            return
        ticket = await context.services.tickets.by_thread(
            message.chat_id, message.message_thread_id
        )
        if ticket is not None:
            await command(update, context, role, ticket, message)

    return handler


def _refusal(t: Translator, ticket: Ticket, role: Role) -> str | None:
    """Why this ticket cannot be taken or handed out now; None if it can."""
    if ticket.status != "open":
        return t("desk-closed", ticket=ticket.id)
    if ticket.country is not None and not role.covers(ticket.country):
        return t("desk-outside", ticket=ticket.id)
    return None


async def _take(context: HotlineContext, ticket: Ticket, user: User, role: Role) -> str | None:
    """Take the ticket and say so in the topic; the refusal text if it cannot be taken."""
    t = staff_t(context)
    refusal = _refusal(t, ticket, role)
    if refusal is not None:
        return refusal
    if ticket.assignee_id == user.id:
        return t("desk-yours-already", ticket=ticket.id)
    if ticket.assignee_id is not None or not await context.services.desk.take(ticket.id, user.id):
        return t("desk-held", ticket=ticket.id, officer=officer_name(context, ticket.assignee_id))
    taken = t("desk-taken", ticket=ticket.id, officer=officer_name(context, user.id))
    await _announce(context, ticket, taken)
    return None


async def _announce(context: HotlineContext, ticket: Ticket, text: str) -> None:
    """Post the change in the topic and show the holder in its title."""
    if ticket.thread_id is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                ticket.staff_chat_id, text, message_thread_id=ticket.thread_id
            )
    updated = await context.services.tickets.get(ticket.id)
    if updated is not None:
        await retitle(context, updated)


@desk_command
async def take(
    update: Update, context: HotlineContext, role: Role, ticket: Ticket, message: Message
) -> None:
    """/take: this ticket is mine."""
    user = update.effective_user
    if user is None:
        return
    refusal = await _take(context, ticket, user, role)
    if refusal is not None:
        await message.reply_text(refusal)


@requires("staff")
async def take_button(update: Update, context: HotlineContext, role: Role) -> None:
    """dk:t:<ticket>: the card's "take" button; the ticket is re-read from the topic."""
    query = update.callback_query
    arg = callback_arg(update, TAKE) or ""
    message = query.message if query is not None else None
    user = update.effective_user
    thread = getattr(message, "message_thread_id", None)
    ticket = (
        await context.services.tickets.by_thread(message.chat.id, thread)
        if message is not None and thread is not None and arg.isdigit()
        else None
    )
    if ticket is None or user is None or str(ticket.id) != arg:
        await refuse_button(update, context)
        return
    refusal = await _take(context, ticket, user, role)
    await answer_query(update, refusal, alert=refusal is not None)


def _target(context: HotlineContext, message: Message) -> tuple[int | None, str | None]:
    """Whom /assign names: a mention with the user attached, a @username the bot has seen,
    a numeric id, or the author of the message replied to. (id, the @username not found)."""
    for entity in message.entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            return entity.user.id, None
    args = context.args or []
    if len(args) == 1 and args[0].isdigit():
        return int(args[0]), None
    if len(args) == 1 and args[0].startswith("@") and len(args[0]) > 1:
        found = context.services.desk.find(args[0])
        return (found, None) if found is not None else (None, args[0][:40])
    replied = message.reply_to_message
    # In a topic every message "replies" to the topic's first message; that is no answer.
    if (
        replied is not None
        and replied.forum_topic_created is None
        and replied.from_user is not None
        and not replied.from_user.is_bot
    ):
        return replied.from_user.id, None
    return None, None


@desk_command
async def assign(
    update: Update, context: HotlineContext, role: Role, ticket: Ticket, message: Message
) -> None:
    """/assign @officer (or an id, or in reply to their message): hand the ticket over."""
    actor = update.effective_user
    t = staff_t(context)
    target, unknown = _target(context, message)
    if actor is None:
        return
    if unknown is not None:
        await message.reply_text(t("desk-assign-unknown", username=unknown))
        return
    if target is None:
        await message.reply_text(t("desk-assign-usage"))
        return
    refusal = _refusal(t, ticket, role)
    target_role = context.services.roles.get(target)
    if refusal is None and target_role is None:
        refusal = t("desk-assign-not-staff", officer=officer_name(context, target))
    elif (
        refusal is None
        and target_role
        and ticket.country
        and not target_role.covers(ticket.country)
    ):
        refusal = t("desk-assign-outside", officer=officer_name(context, target))
    if refusal is None and ticket.assignee_id == target:
        refusal = t("desk-held", ticket=ticket.id, officer=officer_name(context, target))
    if refusal is not None:
        await message.reply_text(refusal)
        return
    if not await context.services.desk.assign(ticket.id, target, actor.id):
        await message.reply_text(t("desk-closed", ticket=ticket.id))
        return
    await _announce(context, ticket, t(
        "desk-assigned", ticket=ticket.id, officer=officer_name(context, target),
        by=officer_name(context, actor.id),
    ))  # fmt: skip
    await _tell_assignee(context, ticket, target, actor.id)


async def _tell_assignee(context: HotlineContext, ticket: Ticket, target: int, by: int) -> None:
    """A private note to the new holder, if they ever opened the bot."""
    if target == by:
        return
    services = context.services
    lang = await services.citizens.lang_of(target) or context.settings.staff_lang
    t = services.catalog.translator(lang)
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(
            target, t("desk-assigned-you", ticket=ticket_ref(ticket), by=officer_name(context, by))
        )


@desk_command
async def release(
    update: Update, context: HotlineContext, role: Role, ticket: Ticket, message: Message
) -> None:
    """/release: nobody holds the ticket any more (its holder or an admin)."""
    user = update.effective_user
    t = staff_t(context)
    if user is None:
        return
    if ticket.status != "open":
        await message.reply_text(t("desk-closed", ticket=ticket.id))
        return
    if ticket.assignee_id is None:
        await message.reply_text(t("desk-release-none", ticket=ticket.id))
        return
    if ticket.assignee_id != user.id and not role.is_admin:
        await message.reply_text(
            t("desk-release-not-yours", officer=officer_name(context, ticket.assignee_id))
        )
        return
    if await context.services.desk.assign(ticket.id, None, user.id):
        await _announce(context, ticket, t(
            "desk-released", ticket=ticket.id, officer=officer_name(context, user.id)
        ))  # fmt: skip


async def queue(update: Update, context: HotlineContext) -> None:
    """/queue: this group's waiting tickets, nobody's first, then urgent, then the longest
    wait; 🟢🟡🔴 against the threshold."""
    message = update.effective_message
    staff = await acting_staff(update, context)
    if message is None or staff is None:
        return
    t = staff_t(context)
    # Only the tickets of citizens the officer may serve, even as numbers (issue 14).
    waiting = [
        w
        for w in await context.services.desk.queue(message.chat_id)
        if staff.serves(w.ticket.country)
    ]
    if not waiting:
        await message.reply_text(t("staff-queue-empty"))
        return
    now = context.services.clock.now()
    lines = [t("staff-queue-title", count=len(waiting))]
    lines += [waiting_line(context, t, item, now) for item in waiting[:MAX_SHOWN]]
    await message.reply_text("\n".join(lines), disable_web_page_preview=True)


@requires("staff")
async def mine(update: Update, context: HotlineContext, role: Role) -> None:
    """/mine: the open tickets I hold, in any staff group."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    in_group = message.chat.type != "private"
    t = staff_t(context) if in_group else context.t
    held = await context.services.desk.held_by(user.id)
    if not held:
        await message.reply_text(t("desk-mine-none"))
        return
    now = context.services.clock.now()
    lines = [t("desk-mine-title", count=len(held))]
    lines += [waiting_line(context, t, item, now, holder=False) for item in held[:MAX_SHOWN]]
    await message.reply_text("\n".join(lines), disable_web_page_preview=True)


def register(app: AnyApp) -> None:
    """Topic commands, /queue and /mine, the card's button and the staff directory."""
    app.add_handler(TypeHandler(Update, remember_officer), group=DIRECTORY_GROUP)
    staff_chats = app.bot_data.services.hotline.staff_chats
    in_staff = staff_chats & filters.UpdateType.MESSAGE
    topic = in_staff & filters.IS_TOPIC_MESSAGE
    for name, callback in (("take", take), ("assign", assign), ("release", release)):
        app.add_handler(CommandHandler(name, callback, filters=topic))
    app.add_handler(CommandHandler("queue", queue, filters=in_staff))
    app.add_handler(CommandHandler("mine", mine, filters=in_staff | PRIVATE))
    app.add_handler(CallbackQueryHandler(take_button, pattern=rf"^{TAKE}"))
    app.add_handler(CommandHandler(list(GROUP_COMMANDS), not_available, filters=PRIVATE))
