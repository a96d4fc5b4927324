"""The registration's ways in (/register, "Agree", "I moved", a field of "My registration")
and the ways past it (a menu button mid-flow, a command, input of the wrong kind).
"""

from __future__ import annotations

from telegram import Update

from bot.context import HotlineContext
from handlers import keyboards, menu
from handlers.common import (
    answer_query,
    ascii_int,
    callback_arg,
    clear_reply_keyboard,
    refuse_button,
    reply,
)
from handlers.registration.answers import END, FIELD_STATE
from handlers.registration.flow import BUTTON_STATES, RegistrationDraft, State
from handlers.registration.questions import draft_of, drop_buttons, go, retry
from handlers.render import show

# ---- entry points ----------------------------------------------------------------------


async def _consented(update: Update, context: HotlineContext) -> bool:
    user = update.effective_user
    if user is None:
        return False
    citizen = await context.services.citizens.get(user.id)
    if citizen is None or citizen.consent_at is None:
        # "Agree" leads straight into the registration (see `agree`).
        await menu.show_privacy(update, context)
        return False
    return True


async def begin(update: Update, context: HotlineContext) -> State:
    """/register and 'Register / update': a new registration, or an update of the place."""
    await answer_query(update)
    if not await _consented(update, context) or context.user_data is None:
        return END
    user = update.effective_user
    existing = await context.services.registrations.get(user.id) if user else None
    if existing is None:
        RegistrationDraft.start(context.user_data, "new")
        return await go(update, context, "country", note=context.t("reg-start-new"))
    # People in transit update where they are; the rest is shown at the summary.
    RegistrationDraft.start(context.user_data, "update", existing)
    return await go(update, context, "country", note=context.t("reg-start-update"))


async def agree(update: Update, context: HotlineContext) -> State:
    """cons:yes: consent is recorded, the notice shows it, and the registration begins."""
    user = update.effective_user
    if user is None or context.user_data is None:
        return END
    await answer_query(update)
    services = context.services
    await services.citizens.give_consent(user.id, context.lang, services.clock.now())
    await show(update, context.t("consent-given"))
    if await services.registrations.exists(user.id):
        await menu.show_menu(update, context, edit=False)
        return END
    RegistrationDraft.start(context.user_data, "new")
    return await go(update, context, "country", note=context.t("reg-start-new"))


async def fresh_moved(update: Update, context: HotlineContext) -> State:
    """ "I moved" under "Are you still in ...?": record it, then update the place."""
    arg = callback_arg(update, "fr:") or ""
    user = update.effective_user
    notice_id = ascii_int(arg.split(":")[0], max_digits=12)
    if user is None or notice_id is None:
        await refuse_button(update, context)
        return END
    services = context.services
    notice = await services.notices.answer(notice_id, user.id, "moved", services.clock.now())
    if notice is None or notice.kind != "fresh":
        await refuse_button(update, context)
        return END
    return await begin(update, context)


async def begin_edit(update: Update, context: HotlineContext) -> State:
    """e:<field> from 'My registration': change one field, then confirm."""
    field = callback_arg(update, "e:")
    if field not in FIELD_STATE:
        await refuse_button(update, context)
        return END
    await answer_query(update)
    if not await _consented(update, context) or context.user_data is None:
        return END
    user = update.effective_user
    existing = await context.services.registrations.get(user.id) if user else None
    if existing is None:
        await reply(
            update, context.t("my-none"), reply_markup=keyboards.main_menu(context.t, False)
        )
        return END
    RegistrationDraft.start(context.user_data, "edit", existing)
    return await go(update, context, FIELD_STATE[field])


# ---- leaving and stray input -------------------------------------------------------------


async def leave_for_menu(update: Update, context: HotlineContext) -> State | None:
    """A main-menu button pressed mid-flow: leave the registration (draft dropped)."""
    action = callback_arg(update, "m:")
    if action == "reg":
        await answer_query(update)
        await retry(update, context, "reg-in-progress")
        return None
    if action not in menu.MENU_ACTIONS:
        await refuse_button(update, context)
        return None
    await drop_buttons(update, context)
    RegistrationDraft.discard(context.user_data)
    await clear_reply_keyboard(update, context.t("reg-left"))
    await menu.menu_action(update, context)
    return END


async def restart_attempt(update: Update, context: HotlineContext) -> None:
    """/start or another command mid-flow: say where we are; nothing changes."""
    await retry(update, context, "reg-in-progress")


async def wrong_input(update: Update, context: HotlineContext) -> None:
    """Text where a button is expected, a sticker where text is, and so on."""
    state = draft_of(context).state
    message = update.effective_message
    is_text = bool(message and message.text)
    if state in BUTTON_STATES and is_text:
        await retry(update, context, "error-use-buttons")
    elif state == "phone":
        await retry(update, context, "error-phone")
    else:
        await retry(update, context, "error-wrong-kind")
