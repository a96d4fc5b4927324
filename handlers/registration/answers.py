"""The registration's steps: each checks one answer, stores it in the draft and moves on.

Anything unexpected gets a clear answer and the same question again, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.reference import countries, geo
from bot.reference.phones import normalize_phone
from handlers import keyboards, menu
from handlers.common import answer_query, callback_arg, clear_reply_keyboard, refuse_button, reply
from handlers.people import hooks as people
from handlers.registration.flow import (
    BUTTON_STATES,
    MAX_CITY,
    MAX_COUNTRY_QUERY,
    MAX_NAME,
    MAX_NOTE,
    ChoiceField,
    Mode,
    RegistrationDraft,
    State,
)
from handlers.registration.questions import draft_of, go, retry, step_done
from handlers.render import country_label
from storage.models import MAX_PARTY, NEEDS, STATUSES

END = ConversationHandler.END
# A field button (summary or "My registration") -> the step that asks it.
FIELD_STATE: dict[str, State] = {field: field for field in keyboards.EDITABLE}

Step = Callable[[Update, HotlineContext], Coroutine[Any, Any, State | None]]


# ---- entry points ----------------------------------------------------------------------


async def _consented(update: Update, context: HotlineContext) -> bool:
    user = update.effective_user
    if user is None:
        return False
    citizen = await context.services.citizens.get(user.id)
    if citizen is None or citizen.consent_at is None:
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
        await reply(update, context.t("reg-intro"))
    else:
        # People in transit update where they are; the rest is shown at the summary.
        RegistrationDraft.start(context.user_data, "update", existing)
        await reply(update, context.t("reg-update-intro"))
    return await go(update, context, "country")


async def fresh_moved(update: Update, context: HotlineContext) -> State:
    """ "I moved" under "Are you still in ...?": record it, then update the place."""
    arg = callback_arg(update, "fr:") or ""
    user = update.effective_user
    notice_id = arg.split(":")[0]
    if user is None or not notice_id.isdigit():
        await refuse_button(update, context)
        return END
    services = context.services
    notice = await services.notices.answer(int(notice_id), user.id, "moved", services.clock.now())
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


# ---- steps -----------------------------------------------------------------------------


async def country_button(update: Update, context: HotlineContext) -> State | None:
    """r:c:XX: a country chosen from the buttons (checked: forged codes are refused)."""
    code = callback_arg(update, "r:c:") or ""
    if countries.get(code) is None:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    return await _set_country(update, context, code)


async def _set_country(update: Update, context: HotlineContext, code: str) -> State:
    draft_of(context).set_country(code)
    await clear_reply_keyboard(
        update, context.t("reg-country-set", country=country_label(context.t, code))
    )
    return await step_done(update, context, "country")


async def country_text(update: Update, context: HotlineContext) -> State | None:
    """A typed country name in Russian, Kazakh or English."""
    text = (update.effective_message.text if update.effective_message else "") or ""
    if len(text) > MAX_COUNTRY_QUERY:
        await retry(update, context, "error-too-long", max=MAX_COUNTRY_QUERY)
        return None
    found = countries.search(text)
    if len(found) == 1:
        return await _set_country(update, context, found[0])
    if not found:
        await reply(update, context.t("reg-country-not-found"))
        return None
    await reply(
        update,
        context.t("reg-country-choices"),
        reply_markup=keyboards.country_choice(context.t, found),
    )
    return None


async def location(update: Update, context: HotlineContext) -> State | None:
    """A shared GPS point: resolve offline to a town and a country, then ask to confirm."""
    message = update.effective_message
    if message is None or message.location is None:
        return None
    point = message.location
    place = geo.nearest(point.latitude, point.longitude)
    if place is None or countries.get(place.country) is None:
        await retry(update, context, "reg-location-unknown")
        return None
    draft_of(context).hold_geo(place.country, place.city, point.latitude, point.longitude)
    await clear_reply_keyboard(update, context.t("reg-location-received"))
    return await go(update, context, "gps")


async def gps_answer(update: Update, context: HotlineContext) -> State | None:
    """r:g:yes takes the resolved place; r:g:no goes back to choosing the country."""
    answer = callback_arg(update, "r:g:")
    draft = draft_of(context)
    if answer not in ("yes", "no") or draft.geo is None:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    if answer == "no":
        draft.drop_geo()
        return await go(update, context, "country")
    draft.take_geo()
    return await step_done(update, context, "country")


def _text(update: Update) -> str:
    message = update.effective_message
    return " ".join(((message.text if message else "") or "").split())


async def city_text(update: Update, context: HotlineContext) -> State | None:
    """City or place: 2 to 100 characters."""
    text = _text(update)
    if len(text) > MAX_CITY:
        await retry(update, context, "error-too-long", max=MAX_CITY)
        return None
    if len(text) < 2:
        await retry(update, context, "error-too-short")
        return None
    draft_of(context).set_city(text)
    return await step_done(update, context, "city")


def choice_step(prefix: str, allowed: tuple[str, ...], field: ChoiceField) -> Step:
    """A step answered by one of a fixed set of buttons (`prefix` + value)."""

    async def step(update: Update, context: HotlineContext) -> State | None:
        value = callback_arg(update, prefix)
        if value is None or value not in allowed:
            await refuse_button(update, context)
            return None
        await answer_query(update)
        draft_of(context).choose(field, value)
        return await step_done(update, context, field)

    return step


status_button = choice_step("r:s:", STATUSES, "status")
needs_button = choice_step("r:n:", NEEDS, "needs")


def _number(update: Update, prefix: str) -> int | None:
    raw = callback_arg(update, prefix) if update.callback_query else _text(update)
    if raw is None or not raw.isdigit() or len(raw) > 3:
        return None
    return int(raw)


async def party_answer(update: Update, context: HotlineContext) -> State | None:
    """r:p:N or a typed number, 1..20."""
    value = _number(update, "r:p:")
    if value is None or not 1 <= value <= MAX_PARTY:
        if update.callback_query:
            await refuse_button(update, context)
        else:
            await retry(update, context, "error-party", max=MAX_PARTY)
        return None
    await answer_query(update)
    draft_of(context).set_party(value)
    return await step_done(update, context, "party")


async def children_answer(update: Update, context: HotlineContext) -> State | None:
    """r:k:N or a typed number, 0..party size."""
    draft = draft_of(context)
    party = draft.party_size
    value = _number(update, "r:k:")
    if value is None or value > party:
        if update.callback_query:
            await refuse_button(update, context)
        else:
            await retry(update, context, "error-children", party=party)
        return None
    await answer_query(update)
    draft.children = value
    return await step_done(update, context, "children")


async def name_answer(update: Update, context: HotlineContext) -> State | None:
    """A typed full name, or r:nm:tg for the Telegram profile name."""
    if update.callback_query:
        user = update.effective_user
        name = " ".join((user.full_name if user else "").split())[:MAX_NAME]
        await answer_query(update)
    else:
        name = _text(update)
        if len(name) > MAX_NAME:
            await retry(update, context, "error-too-long", max=MAX_NAME)
            return None
    if len(name) < 2:
        await retry(update, context, "error-too-short")
        return None
    draft_of(context).set_name(name)
    return await step_done(update, context, "name")


async def phone_contact(update: Update, context: HotlineContext) -> State | None:
    """A shared contact: only the sender's own."""
    message = update.effective_message
    user = update.effective_user
    contact = message.contact if message else None
    if contact is None or user is None:
        return None
    if contact.user_id != user.id:
        await retry(update, context, "error-foreign-contact")
        return None
    phone = normalize_phone(contact.phone_number)
    if phone is None:
        await retry(update, context, "error-phone")
        return None
    return await _set_phone(update, context, phone)


async def phone_text(update: Update, context: HotlineContext) -> State | None:
    """A typed international number."""
    phone = normalize_phone(_text(update))
    if phone is None:
        await retry(update, context, "error-phone")
        return None
    return await _set_phone(update, context, phone)


async def _set_phone(update: Update, context: HotlineContext, phone: str) -> State:
    draft_of(context).set_phone(phone)
    await clear_reply_keyboard(update, context.t("reg-phone-accepted", phone=phone))
    return await step_done(update, context, "phone")


async def note_answer(update: Update, context: HotlineContext) -> State | None:
    """A typed note up to 500 characters, or r:note:skip."""
    if update.callback_query:
        await answer_query(update)
        note = None
    else:
        message = update.effective_message
        note = ((message.text if message else "") or "").strip()
        if len(note) > MAX_NOTE:
            await retry(update, context, "error-too-long", max=MAX_NOTE)
            return None
    draft_of(context).set_note(note)
    return await step_done(update, context, "note")


async def confirm(update: Update, context: HotlineContext) -> State | None:
    """r:ok: save, and only after the commit say it is saved."""
    user = update.effective_user
    draft = draft_of(context)
    try:
        data = draft.to_input()
    except (KeyError, TypeError, ValueError):
        # A draft from an older version or a lost step: ask what is missing again.
        await refuse_button(update, context)
        return await go(update, context, draft.first_missing())
    if user is None:
        return None
    services = context.services
    await services.registrations.save(user.id, data, services.clock.now())
    await answer_query(update)
    RegistrationDraft.discard(context.user_data)
    await reply(update, context.t("reg-saved"), reply_markup=people.more_markup(context.t))
    await people.registration_saved(update, context)
    await menu.show_menu(update, context)
    return END


async def edit_menu(update: Update, context: HotlineContext) -> State:
    """r:ed: choose a field to change."""
    await answer_query(update)
    return await go(update, context, "edit")


async def edit_field(update: Update, context: HotlineContext) -> State | None:
    """r:f:<field>, or r:sum back to the summary."""
    field = callback_arg(update, "r:f:")
    if update.callback_query and update.callback_query.data == "r:sum":
        await answer_query(update)
        return await go(update, context, "confirm")
    if field not in FIELD_STATE:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    draft_of(context).mode = "edit"
    return await go(update, context, FIELD_STATE[field])


# ---- leaving and stray input -------------------------------------------------------------


async def cancel(update: Update, context: HotlineContext) -> State:
    """/cancel and r:x: drop the draft; a saved registration stays as it was."""
    await answer_query(update)
    mode: Mode = draft_of(context).mode
    RegistrationDraft.discard(context.user_data)
    key = "reg-cancelled" if mode == "new" else "reg-cancelled-kept"
    await clear_reply_keyboard(update, context.t(key))
    await menu.show_menu(update, context)
    return END


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
