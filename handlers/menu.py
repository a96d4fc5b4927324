"""Start, language, consent, main menu, help, 'My registration' and erasure.

Screens reached by a button replace the message the button was on (render.show).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import HotlineContext
from bot.i18n import Markup
from handlers import emergency, hotline, keyboards
from handlers.commands import set_user_menu
from handlers.common import PRIVATE, answer_query, callback_arg, refuse_button, reply
from handlers.faq import show_topics
from handlers.hotline import erase_topics, start_hotline
from handlers.people import hooks as people
from handlers.people import views as people_views
from handlers.render import local_time, registration_card, show
from storage.models import LANGS, ErasureReport


async def start(update: Update, context: HotlineContext) -> None:
    """First contact: the short privacy notice in Telegram's language; later: the main menu."""
    user = update.effective_user
    if user is None:
        return
    role = context.services.roles.get(user.id)
    if role is not None:
        # Staff who never opened the bot had no chat for their menu to go to.
        await set_user_menu(context.bot, context.services.catalog, user.id, role, context.lang)
    citizen = await context.services.citizens.get(user.id)
    if citizen is None or citizen.consent_at is None:
        # The numbers to call come before anything is asked, consent or not.
        await emergency.keep_pinned(update, context, None)
        await show_privacy(update, context)
        return
    await show_menu(update, context, greeting=True)


async def show_privacy(update: Update, context: HotlineContext, full: bool = False) -> None:
    """What is stored and why, in short (or in full), with agree / decline / language."""
    text = context.t("privacy-notice" if full else "privacy-short")
    await show(update, text, keyboards.consent(context.t, more=not full))


async def show_menu(
    update: Update,
    context: HotlineContext,
    greeting: bool = False,
    edit: bool = True,
    more: bool = False,
) -> None:
    """The main menu, labelled by whether the citizen is registered and in a hotline chat.

    Pressed from a menu button, it replaces that message (`edit`); after an answer that
    must stay readable ("saved", "erased") it comes as a new message.
    """
    user = update.effective_user
    if user is None:
        return
    reg = await context.services.registrations.get(user.id)
    in_chat = await hotline.is_active(update, context)
    text = context.t("menu-greeting" if greeting else "menu-title")
    if in_chat:
        text += "\n" + context.t("menu-in-chat")
    markup = keyboards.main_menu(context.t, reg is not None, in_chat)
    if more and reg is not None:
        markup = people_views.with_more(context.t, markup)
    await emergency.keep_pinned(update, context, reg.country if reg else None)
    if edit:
        await show(update, text, markup)
    else:
        await reply(update, text, reply_markup=markup)


async def menu_command(update: Update, context: HotlineContext) -> None:
    """/menu."""
    await show_menu(update, context)


async def choose_language(update: Update, context: HotlineContext) -> None:
    """lang:ru / lang:kk: store the language and show the same screen in it."""
    value = callback_arg(update, "lang:")
    user = update.effective_user
    if value not in LANGS or user is None:
        await refuse_button(update, context)
        return
    await context.services.citizens.set_lang(user.id, value, context.services.clock.now())
    context.lang = value
    await answer_query(update, context.t("language-set"))
    citizen = await context.services.citizens.get(user.id)
    if citizen is None or citizen.consent_at is None:
        await emergency.keep_pinned(update, context, None)
        # The same notice, short or full, in the other language.
        await show_privacy(update, context, full=_pressed_on_full_notice(update))
    else:
        await show_menu(update, context)


def _pressed_on_full_notice(update: Update) -> bool:
    """Whether the button was under the full privacy notice (which has no "more")."""
    query = update.callback_query
    message = query.message if query else None
    markup = message.reply_markup if isinstance(message, Message) else None
    data = [b.callback_data for row in markup.inline_keyboard for b in row] if markup else []
    return keyboards.CONSENT_YES in data and keyboards.CONSENT_MORE not in data


async def language_command(update: Update, context: HotlineContext) -> None:
    """/language and the menu button: offer both languages."""
    await answer_query(update)
    await show(update, context.t("choose-language"), keyboards.language(context.lang))


async def consent(update: Update, context: HotlineContext) -> None:
    """cons:no: what works without consent; cons:more: the full notice.

    cons:yes starts the registration: it is an entry point of that conversation.
    """
    value = callback_arg(update, "cons:")
    user = update.effective_user
    if user is None or value not in ("no", "more"):
        await refuse_button(update, context)
        return
    await answer_query(update)
    if value == "more":
        await show_privacy(update, context, full=True)
        return
    text = context.t("consent-declined")
    lines = emergency.block(context, None)
    await show(update, f"{text}\n\n{lines}" if lines else text, keyboards.declined(context.t))


async def help_command(update: Update, context: HotlineContext) -> None:
    """/help."""
    await show(update, context.t("help"), keyboards.back_to_menu(context.t))


async def my_registration(update: Update, context: HotlineContext) -> None:
    """/my and m:my: the registration with a button per field to edit."""
    await answer_query(update)
    user = update.effective_user
    if user is None:
        return
    reg = await context.services.registrations.get(user.id)
    if reg is None:
        await show(update, context.t("my-none"), keyboards.main_menu(context.t, False))
        return
    data = dataclasses.asdict(reg)
    card = registration_card(context.t, data)
    if more := await people.my_card(context, user.id):
        card = Markup(f"{card}\n{more}")
    text = context.t(
        "my-registration",
        card=card,
        updated=local_time(reg.updated_at, context.settings.tz),
    )
    markup = keyboards.edit_fields(context.t, "e:", "m:menu")
    await show(update, text, people_views.with_more(context.t, markup))


async def ask_delete(update: Update, context: HotlineContext) -> None:
    """/delete and m:del: explain what will be erased and ask to confirm."""
    await answer_query(update)
    await show(update, context.t("delete-confirm"), keyboards.confirm_delete(context.t))


async def delete_data(update: Update, context: HotlineContext) -> None:
    """del:yes: erase every personal row and the staff topics, then say in words what went."""
    user = update.effective_user
    if user is None:
        return
    await answer_query(update)
    services = context.services
    # Read before the erasure, which deletes the tickets: where their topics are.
    tickets = await services.tickets.of_user(user.id)
    report = await services.citizens.erase(user.id)
    # PTB's in-memory copy of the draft would otherwise be written back by persistence.
    context.application.drop_user_data(user.id)
    await erase_topics(context, tickets)
    menu = keyboards.back_to_menu(context.t)
    if report.total == 0:
        await show(update, context.t("delete-nothing"), menu)
        return
    await show(update, erasure_text(context, report), menu)


def erasure_text(context: HotlineContext, report: ErasureReport) -> str:
    """What an erasure removed, as a sentence a citizen reads (not a table of row counts)."""
    t = context.t
    parts = [
        t("erased-registration") if report.registration else "",
        t("erased-places", places=report.places) if report.places else "",
        t("erased-tickets", count=report.tickets) if report.tickets else "",
        t("erased-people") if report.people else "",
        t("erased-profile") if report.profile else "",
        t("erased-drafts") if report.drafts and not report.profile else "",
    ]
    return t("delete-report", what=", ".join(p for p in parts if p))


async def menu_button(update: Update, context: HotlineContext) -> None:
    """m:menu."""
    await answer_query(update)
    await show_menu(update, context)


MENU_ACTIONS = {
    "menu": menu_button,
    "my": my_registration,
    "faq": show_topics,
    "hot": start_hotline,
    "lang": language_command,
    "del": ask_delete,
}


async def menu_action(update: Update, context: HotlineContext) -> None:
    """Dispatch m:<action>; anything else is a forged or stale button."""
    action = MENU_ACTIONS.get(callback_arg(update, "m:") or "")
    if action is None:
        await refuse_button(update, context)
        return
    await action(update, context)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Citizen menu handlers, private chats only."""
    app.add_handler(CommandHandler("start", start, filters=PRIVATE))
    app.add_handler(CommandHandler("menu", menu_command, filters=PRIVATE))
    app.add_handler(CommandHandler("help", help_command, filters=PRIVATE))
    app.add_handler(CommandHandler("language", language_command, filters=PRIVATE))
    app.add_handler(CommandHandler("my", my_registration, filters=PRIVATE))
    app.add_handler(CommandHandler("delete", ask_delete, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(choose_language, pattern=r"^lang:"))
    # cons:yes is the registration conversation's entry point; it is registered there.
    app.add_handler(CallbackQueryHandler(consent, pattern=r"^cons:(?!yes$)"))
    app.add_handler(CallbackQueryHandler(delete_data, pattern=r"^del:yes$"))
    # m:reg is the registration conversation's entry point; it is registered there.
    app.add_handler(CallbackQueryHandler(menu_action, pattern=r"^m:(?!reg$)"))
