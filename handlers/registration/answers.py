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
from handlers.common import (
    answer_query,
    ascii_int,
    callback_arg,
    clear_reply_keyboard,
    refuse_button,
    reply,
)
from handlers.keyboards import CITY_KEEP, CITY_MOVE
from handlers.people import hooks as people
from handlers.registration.flow import (
    MAX_CITY,
    MAX_COUNTRY_QUERY,
    MAX_NAME,
    MAX_NOTE,
    ChoiceField,
    Mode,
    RegistrationDraft,
    State,
)
from handlers.registration.questions import answered, draft_of, drop_buttons, go, retry, step_done
from handlers.render import country_label, registration_card, settle
from storage.models import MAX_PARTY, NEEDS, STATUSES

END = ConversationHandler.END
# A field button (summary or "My registration") -> the step that asks it.
FIELD_STATE: dict[str, State] = {field: field for field in keyboards.EDITABLE}

Step = Callable[[Update, HotlineContext], Coroutine[Any, Any, State | None]]


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
    await drop_buttons(update, context)
    # The answer comes as a message of its own: only a message can take the location button
    # (a reply keyboard) away.
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
    await drop_buttons(update, context)
    message = await reply(
        update,
        context.t("reg-country-choices"),
        reply_markup=keyboards.country_choice(context.t, found),
    )
    draft_of(context).prompt = message.message_id
    return None


async def location(update: Update, context: HotlineContext) -> State | None:
    """A shared GPS point: country and city at once, resolved offline; "change" stays open."""
    message = update.effective_message
    if message is None or message.location is None:
        return None
    point = message.location
    place = geo.nearest(point.latitude, point.longitude)
    if place is None or countries.get(place.country) is None:
        await retry(update, context, "reg-location-unknown")
        return None
    city = place.name(context.lang)
    draft = draft_of(context)
    draft.drop_geo()
    draft.take_place(place.country, city, point.latitude, point.longitude)
    await drop_buttons(update, context)
    found = context.t(
        "reg-place-found", country=country_label(context.t, place.country), city=city
    )
    await clear_reply_keyboard(update, found)
    return await step_done(update, context, "country")


async def gps_answer(update: Update, context: HotlineContext) -> State | None:
    """After a shared location: r:g:city types another city, r:g:no chooses the country.

    r:g:yes takes a place held by a draft of an older version (it asked yes or no first).
    """
    answer = callback_arg(update, "r:g:")
    draft = draft_of(context)
    held = draft.geo
    if (
        answer not in ("yes", "no", "city")
        or not (draft.gps or held)
        or (answer == "yes" and held is None)
    ):
        await refuse_button(update, context)
        return None
    await answer_query(update)
    await drop_buttons(update, context)
    if answer == "no":
        draft.drop_geo()
        return await go(update, context, "country")
    draft.take_geo()
    if answer == "city":
        return await go(update, context, "city")
    return await step_done(update, context, "country")


def _text(update: Update) -> str:
    message = update.effective_message
    return " ".join(((message.text if message else "") or "").split())


async def city_text(update: Update, context: HotlineContext) -> State | None:
    """City or place: 2 to 100 characters, checked once against the chosen country."""
    text = _text(update)
    if len(text) > MAX_CITY:
        await retry(update, context, "error-too-long", max=MAX_CITY)
        return None
    if len(text) < 2:
        await retry(update, context, "error-too-short")
        return None
    draft = draft_of(context)
    draft.set_city(text)
    await answered(update, context, text)
    elsewhere = geo.city_elsewhere(text, draft.country or "")
    if elsewhere is not None and countries.get(elsewhere.country) is not None:
        # "Иран / Доха": the gazetteer knows Doha only in Qatar. Asked once; either answer
        # stands.
        draft.hold_check(elsewhere.country, elsewhere.name(context.lang))
        return await go(update, context, "city_check")
    return await step_done(update, context, "city")


async def city_check(update: Update, context: HotlineContext) -> State | None:
    """r:cc:move: the citizen is where the city is; r:cc:keep: the country stands."""
    data = update.callback_query.data if update.callback_query else None
    draft = draft_of(context)
    check = draft.check
    if data not in (CITY_MOVE, CITY_KEEP) or check is None or draft.city is None:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    city = draft.city
    if data == CITY_MOVE and countries.get(check["country"]) is not None:
        draft.set_country(check["country"])
        draft.set_city(city)
    draft.drop_check()
    label = f"{country_label(context.t, draft.country)}, {city}"
    await answered(update, context, label)
    return await step_done(update, context, "city_check")


def choice_step(prefix: str, allowed: tuple[str, ...], field: ChoiceField) -> Step:
    """A step answered by one of a fixed set of buttons (`prefix` + value)."""

    async def step(update: Update, context: HotlineContext) -> State | None:
        value = callback_arg(update, prefix)
        if value is None or value not in allowed:
            await refuse_button(update, context)
            return None
        await answer_query(update)
        draft_of(context).choose(field, value)
        await answered(update, context, context.t(f"{field}-{value}"))
        return await step_done(update, context, field)

    return step


status_button = choice_step("r:s:", STATUSES, "status")
needs_button = choice_step("r:n:", NEEDS, "needs")


def _number(update: Update, prefix: str) -> int | None:
    raw = callback_arg(update, prefix) if update.callback_query else _text(update)
    return ascii_int(raw, max_digits=3)


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
    await answered(update, context, str(value))
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
    await answered(update, context, str(value))
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
    await answered(update, context, name)
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
    """A typed international number (or the Cancel button of the phone's keyboard)."""
    text = _text(update)
    if text == context.t("btn-cancel"):
        return await cancel(update, context)
    phone = normalize_phone(text)
    if phone is None:
        await retry(update, context, "error-phone")
        return None
    return await _set_phone(update, context, phone)


async def _set_phone(update: Update, context: HotlineContext, phone: str) -> State:
    draft_of(context).set_phone(phone)
    await clear_reply_keyboard(update, context.t("reg-phone-accepted", phone=phone))
    return await step_done(update, context, "phone")


async def add_note(update: Update, context: HotlineContext) -> State:
    """r:note:add under the summary: the note for the consul, then the summary again."""
    await answer_query(update)
    await _settle_summary(update, context)
    return await go(update, context, "note")


async def vulnerable_answer(update: Update, context: HotlineContext) -> State | None:
    """r:v:yes or r:v:no."""
    value = callback_arg(update, "r:v:")
    if value not in ("yes", "no"):
        await refuse_button(update, context)
        return None
    await answer_query(update)
    draft_of(context).set_vulnerable(value == "yes")
    return await step_done(update, context, "vulnerable")


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
    await answered(update, context, note or context.t("reg-card-no-note"))
    return await step_done(update, context, "note")


async def _settle_summary(update: Update, context: HotlineContext, saved: bool = False) -> None:
    """The summary left behind keeps the card, without its buttons ("saved" on top if so)."""
    draft = draft_of(context)
    card = registration_card(context.t, draft.card)
    text = f"{context.t('reg-saved')}\n\n{card}" if saved else context.t("reg-summary", card=card)
    await settle(draft.prompt, update, context, text)
    draft.prompt = None


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
    await _settle_summary(update, context, saved=True)
    RegistrationDraft.discard(context.user_data)
    await people.registration_saved(update, context)
    # "More details" (end of stay, person to notify, co-travellers) under the menu that
    # follows "Saved": optional, so it is offered, not asked (registration stays short).
    await menu.show_menu(update, context, edit=False, more=True)
    return END


async def edit_menu(update: Update, context: HotlineContext) -> State:
    """r:ed: choose a field to change."""
    await answer_query(update)
    await _settle_summary(update, context)
    return await go(update, context, "edit")


async def edit_field(update: Update, context: HotlineContext) -> State | None:
    """r:f:<field>, or r:sum back to the summary."""
    field = callback_arg(update, "r:f:")
    if update.callback_query and update.callback_query.data == "r:sum":
        await answer_query(update)
        await drop_buttons(update, context)
        return await go(update, context, "confirm")
    if field not in FIELD_STATE:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    await drop_buttons(update, context)
    draft_of(context).mode = "edit"
    return await go(update, context, FIELD_STATE[field])


# ---- leaving ----------------------------------------------------------------------------


async def cancel(update: Update, context: HotlineContext) -> State:
    """/cancel and r:x: drop the draft; a saved registration stays as it was."""
    await answer_query(update)
    draft = draft_of(context)
    mode: Mode = draft.mode
    await drop_buttons(update, context)
    RegistrationDraft.discard(context.user_data)
    key = "reg-cancelled" if mode == "new" else "reg-cancelled-kept"
    await clear_reply_keyboard(update, context.t(key))
    await menu.show_menu(update, context, edit=False)
    return END
