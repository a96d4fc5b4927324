"""Start, language, consent, main menu, help, 'My registration' and erasure."""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import HotlineContext
from bot.i18n import Markup
from handlers import keyboards
from handlers.commands import set_user_menu
from handlers.common import PRIVATE, answer_query, callback_arg, refuse_button, reply
from handlers.faq import show_topics
from handlers.hotline import start_hotline
from handlers.people import hooks as people
from handlers.people import views as people_views
from handlers.render import local_time, registration_card
from storage.models import LANGS


async def start(update: Update, context: HotlineContext) -> None:
    """First contact: language, then privacy and consent; later: the main menu."""
    user = update.effective_user
    if user is None:
        return
    role = context.services.roles.get(user.id)
    if role is not None:
        # Staff who never opened the bot had no chat for their menu to go to.
        await set_user_menu(context.bot, context.services.catalog, user.id, role, context.lang)
    citizen = await context.services.citizens.get(user.id)
    if citizen is None:
        await reply(
            update, context.t("choose-language"), reply_markup=keyboards.language(context.lang)
        )
        return
    if citizen.consent_at is None:
        await show_privacy(update, context)
        return
    await show_menu(update, context, greeting=True)


async def show_privacy(update: Update, context: HotlineContext) -> None:
    """What is stored, why, who sees it, how to erase; then agree / decline."""
    await reply(update, context.t("privacy-notice"), reply_markup=keyboards.consent(context.t))


async def show_menu(update: Update, context: HotlineContext, greeting: bool = False) -> None:
    """The main menu, labelled by whether the citizen is registered."""
    user = update.effective_user
    if user is None:
        return
    registered = await context.services.registrations.exists(user.id)
    text = context.t("menu-greeting" if greeting else "menu-title")
    await reply(update, text, reply_markup=keyboards.main_menu(context.t, registered))


async def menu_command(update: Update, context: HotlineContext) -> None:
    """/menu."""
    await show_menu(update, context)


async def choose_language(update: Update, context: HotlineContext) -> None:
    """lang:ru / lang:kk: store the language, then consent or menu."""
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
        await show_privacy(update, context)
    else:
        await show_menu(update, context)


async def language_command(update: Update, context: HotlineContext) -> None:
    """/language and the menu button: offer both languages."""
    await answer_query(update)
    await reply(
        update, context.t("choose-language"), reply_markup=keyboards.language(context.lang)
    )


async def consent(update: Update, context: HotlineContext) -> None:
    """cons:yes records consent; cons:no explains what still works."""
    value = callback_arg(update, "cons:")
    user = update.effective_user
    if user is None or value not in ("yes", "no"):
        await refuse_button(update, context)
        return
    await answer_query(update)
    if value == "no":
        await reply(
            update, context.t("consent-declined"), reply_markup=keyboards.consent(context.t)
        )
        return
    await context.services.citizens.give_consent(
        user.id, context.lang, context.services.clock.now()
    )
    await reply(update, context.t("consent-thanks"))
    await show_menu(update, context)


async def help_command(update: Update, context: HotlineContext) -> None:
    """/help."""
    await reply(update, context.t("help"), reply_markup=keyboards.back_to_menu(context.t))


async def my_registration(update: Update, context: HotlineContext) -> None:
    """/my and m:my: the registration with a button per field to edit."""
    await answer_query(update)
    user = update.effective_user
    if user is None:
        return
    reg = await context.services.registrations.get(user.id)
    if reg is None:
        await reply(
            update, context.t("my-none"), reply_markup=keyboards.main_menu(context.t, False)
        )
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
    await reply(update, text, reply_markup=people_views.with_more(context.t, markup))


async def ask_delete(update: Update, context: HotlineContext) -> None:
    """/delete and m:del: explain what will be erased and ask to confirm."""
    await answer_query(update)
    await reply(
        update, context.t("delete-confirm"), reply_markup=keyboards.confirm_delete(context.t)
    )


async def delete_data(update: Update, context: HotlineContext) -> None:
    """del:yes: erase every personal row, then say what was erased."""
    user = update.effective_user
    if user is None:
        return
    await answer_query(update)
    report = await context.services.citizens.erase(user.id)
    # PTB's in-memory copy of the draft would otherwise be written back by persistence.
    context.application.drop_user_data(user.id)
    if report.total == 0:
        await reply(update, context.t("delete-nothing"))
        return
    await reply(
        update,
        context.t(
            "delete-done",
            profile=report.profile,
            registration=report.registration,
            places=report.places,
            drafts=report.drafts,
        )
        + (f"\n{context.t('delete-done-people', count=report.people)}" if report.people else ""),
    )


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
    app.add_handler(CallbackQueryHandler(consent, pattern=r"^cons:"))
    app.add_handler(CallbackQueryHandler(delete_data, pattern=r"^del:yes$"))
    # m:reg is the registration conversation's entry point; it is registered there.
    app.add_handler(CallbackQueryHandler(menu_action, pattern=r"^m:(?!reg$)"))
