"""Registration: where the citizen is, who is with them, how to reach them, what they need.

A ConversationHandler whose states and draft are persisted (bot.runtime.persistence), so a restart
resumes at the same step. Every step validates its input; anything unexpected gets a clear
answer and the same question again, and changes nothing.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import HotlineContext
from bot.notices.views import FRESH
from bot.reference import countries, geo
from bot.reference.phones import normalize_phone
from handlers import keyboards, menu
from handlers.common import (
    PRIVATE,
    answer_query,
    callback_arg,
    clear_reply_keyboard,
    refuse_button,
    reply,
)
from handlers.render import country_label, registration_as_draft, registration_card
from storage.models import MAX_PARTY, NEEDS, STATUSES, RegistrationInput

END = ConversationHandler.END
TEXT = filters.TEXT & ~filters.COMMAND

MAX_CITY = 100
MAX_NAME = 100
MAX_NOTE = 500
MAX_COUNTRY_QUERY = 60

# After a step, the next one in a new registration.
CHAIN = {
    "country": "city",
    "city": "status",
    "status": "party",
    "party": "children",
    "children": "name",
    "name": "phone",
    "phone": "needs",
    "needs": "note",
    "note": "confirm",
}
# States whose answer is a button press; typing there gets "use the buttons".
BUTTON_STATES = frozenset({"status", "needs", "confirm", "edit", "gps"})

State = str | int
Step = Callable[[Update, HotlineContext], Coroutine[Any, Any, State | None]]


def draft_of(context: HotlineContext) -> dict[str, Any]:
    """The registration being filled in (persisted with user_data)."""
    user_data = context.user_data
    if user_data is None:
        raise RuntimeError("no user_data for this update")
    draft = user_data.get("draft")
    if not isinstance(draft, dict):
        draft = user_data["draft"] = {"_mode": "new", "_state": "country"}
    return draft


def next_state(done: State, draft: dict[str, Any]) -> State:
    """Which step follows `done`, given the mode (new, update of place, edit of one field)."""
    mode = draft.get("_mode", "new")
    if done == "country":
        # A confirmed GPS point already gave the city.
        nxt = "status" if draft.get("_gps") else "city"
        return "confirm" if mode == "edit" and nxt == "status" else nxt
    if done == "party" and int(draft.get("party_size", 1)) == 1:
        draft["children"] = 0
        return "confirm" if mode == "edit" else "name"
    if done == "party":
        return "children"
    if mode == "edit" or (mode == "update" and done == "status"):
        return "confirm"
    return CHAIN[str(done)]


# ---- prompts: each asks one question -------------------------------------------------


async def ask_country(update: Update, context: HotlineContext) -> None:
    """Region buttons, a typed name, or a shared location."""
    t = context.t
    await reply(update, t("reg-ask-country"), reply_markup=keyboards.country_choice(t))
    await reply(update, t("reg-ask-location"), reply_markup=keyboards.share_location(t))


async def ask_gps(update: Update, context: HotlineContext) -> None:
    """Confirm the place resolved from a shared location."""
    found = draft_of(context).get("_geo") or {}
    text = context.t(
        "reg-gps-found", country=country_label(context.t, found.get("country")),
        city=found.get("city", "—"),
    )  # fmt: skip
    await reply(update, text, reply_markup=keyboards.yes_no(context.t, "r:g:yes", "r:g:no"))


async def ask_city(update: Update, context: HotlineContext) -> None:
    """City or place, free text."""
    await reply(update, context.t("reg-ask-city"), reply_markup=keyboards.cancel_only(context.t))


async def ask_status(update: Update, context: HotlineContext) -> None:
    """Resident, tourist, in transit, stuck, other."""
    await reply(update, context.t("reg-ask-status"), reply_markup=keyboards.statuses(context.t))


async def ask_party(update: Update, context: HotlineContext) -> None:
    """How many people, the citizen included."""
    markup = keyboards.numbers(context.t, "r:p:", 1, 8)
    await reply(update, context.t("reg-ask-party", max=MAX_PARTY), reply_markup=markup)


async def ask_children(update: Update, context: HotlineContext) -> None:
    """How many of them are children."""
    party = int(draft_of(context).get("party_size", 1))
    markup = keyboards.numbers(context.t, "r:k:", 0, min(party, 7))
    await reply(update, context.t("reg-ask-children", party=party), reply_markup=markup)


async def ask_name(update: Update, context: HotlineContext) -> None:
    """Full name as in the passport; the Telegram name is offered as a shortcut."""
    user = update.effective_user
    tg_name = (user.full_name if user else "")[:MAX_NAME]
    markup = (
        keyboards.telegram_name(context.t, tg_name)
        if len(tg_name.strip()) >= 2
        else keyboards.cancel_only(context.t)
    )
    await reply(update, context.t("reg-ask-name"), reply_markup=markup)


async def ask_phone(update: Update, context: HotlineContext) -> None:
    """The 'share my number' button or a typed international number."""
    await reply(
        update, context.t("reg-ask-phone"), reply_markup=keyboards.share_contact(context.t)
    )


async def ask_needs(update: Update, context: HotlineContext) -> None:
    """None, consular help, accommodation, evacuation."""
    await reply(update, context.t("reg-ask-needs"), reply_markup=keyboards.needs(context.t))


async def ask_note(update: Update, context: HotlineContext) -> None:
    """An optional note for the consul."""
    markup = keyboards.skip(context.t, "r:note:skip")
    await reply(update, context.t("reg-ask-note", max=MAX_NOTE), reply_markup=markup)


async def ask_confirm(update: Update, context: HotlineContext) -> None:
    """The summary with Confirm / Edit / Cancel."""
    card = registration_card(context.t, draft_of(context))
    text = context.t("reg-summary", card=card)
    await reply(update, text, reply_markup=keyboards.summary(context.t))


async def ask_edit(update: Update, context: HotlineContext) -> None:
    """Which field to change."""
    markup = keyboards.edit_fields(context.t, "r:f:", "r:sum")
    await reply(update, context.t("reg-ask-edit"), reply_markup=markup)


PROMPTS: dict[State, Callable[[Update, HotlineContext], Awaitable[None]]] = {
    "country": ask_country,
    "gps": ask_gps,
    "city": ask_city,
    "status": ask_status,
    "party": ask_party,
    "children": ask_children,
    "name": ask_name,
    "phone": ask_phone,
    "needs": ask_needs,
    "note": ask_note,
    "confirm": ask_confirm,
    "edit": ask_edit,
}
FIELD_STATE = {"party": "party", **{f: f for f in keyboards.EDITABLE}}


async def go(update: Update, context: HotlineContext, state: State) -> State:
    """Ask the question of `state` and move there."""
    draft_of(context)["_state"] = state
    await PROMPTS[state](update, context)
    return state


async def retry(update: Update, context: HotlineContext, error_key: str, **args: Any) -> None:
    """Explain what was wrong and ask the same question again; the draft is unchanged."""
    await reply(update, context.t(error_key, **args))
    await PROMPTS[draft_of(context).get("_state", "country")](update, context)


async def step_done(update: Update, context: HotlineContext, done: State) -> State:
    """Move on from a completed step."""
    return await go(update, context, next_state(done, draft_of(context)))


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
        context.user_data["draft"] = {"_mode": "new"}
        await reply(update, context.t("reg-intro"))
    else:
        # People in transit update where they are; the rest is shown at the summary.
        context.user_data["draft"] = {**registration_as_draft(existing), "_mode": "update"}
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
    context.user_data["draft"] = {**registration_as_draft(existing), "_mode": "edit"}
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
    draft = draft_of(context)
    if draft.get("country") != code:
        draft.pop("city", None)
    draft.update(country=code, latitude=None, longitude=None, _gps=False)
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
        update, context.t("reg-country-choices"),
        reply_markup=keyboards.country_choice(context.t, found),
    )  # fmt: skip
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
    draft_of(context)["_geo"] = {
        "country": place.country,
        "city": place.city,
        "latitude": round(point.latitude, 5),
        "longitude": round(point.longitude, 5),
    }
    await clear_reply_keyboard(update, context.t("reg-location-received"))
    return await go(update, context, "gps")


async def gps_answer(update: Update, context: HotlineContext) -> State | None:
    """r:g:yes takes the resolved place; r:g:no goes back to choosing the country."""
    answer = callback_arg(update, "r:g:")
    draft = draft_of(context)
    found = draft.get("_geo")
    if answer not in ("yes", "no") or not isinstance(found, dict):
        await refuse_button(update, context)
        return None
    await answer_query(update)
    if answer == "no":
        draft.pop("_geo", None)
        return await go(update, context, "country")
    draft.update(found, _gps=True)
    draft.pop("_geo", None)
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
    draft_of(context).update(city=text, latitude=None, longitude=None)
    return await step_done(update, context, "city")


def choice_step(prefix: str, allowed: tuple[str, ...], field: str) -> Step:
    """A step answered by one of a fixed set of buttons (`prefix` + value)."""

    async def step(update: Update, context: HotlineContext) -> State | None:
        value = callback_arg(update, prefix)
        if value not in allowed:
            await refuse_button(update, context)
            return None
        await answer_query(update)
        draft_of(context)[field] = value
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
    draft = draft_of(context)
    draft["party_size"] = value
    draft["children"] = min(int(draft.get("children") or 0), value)
    return await step_done(update, context, "party")


async def children_answer(update: Update, context: HotlineContext) -> State | None:
    """r:k:N or a typed number, 0..party size."""
    draft = draft_of(context)
    party = int(draft.get("party_size", 1))
    value = _number(update, "r:k:")
    if value is None or value > party:
        if update.callback_query:
            await refuse_button(update, context)
        else:
            await retry(update, context, "error-children", party=party)
        return None
    await answer_query(update)
    draft["children"] = value
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
    draft_of(context)["full_name"] = name
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
    draft_of(context)["phone"] = phone
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
    draft_of(context)["note"] = note or None
    return await step_done(update, context, "note")


async def confirm(update: Update, context: HotlineContext) -> State | None:
    """r:ok: save, and only after the commit say it is saved."""
    user = update.effective_user
    draft = draft_of(context)
    try:
        data = RegistrationInput(
            full_name=str(draft["full_name"]),
            country=str(draft["country"]),
            city=str(draft["city"]),
            latitude=draft.get("latitude"),
            longitude=draft.get("longitude"),
            status=str(draft["status"]),
            party_size=int(draft["party_size"]),
            children=int(draft.get("children") or 0),
            phone=str(draft["phone"]),
            needs=str(draft["needs"]),
            note=draft.get("note"),
        )
    except (KeyError, TypeError, ValueError):
        # A draft from an older version or a lost step: ask what is missing again.
        await refuse_button(update, context)
        return await go(update, context, _first_missing(draft))
    if user is None:
        return None
    await context.services.registrations.save(user.id, data)
    await answer_query(update)
    _clear(context)
    await reply(update, context.t("reg-saved"))
    await menu.show_menu(update, context)
    return END


def _first_missing(draft: dict[str, Any]) -> State:
    for state, key in (
        ("country", "country"), ("city", "city"), ("status", "status"), ("party", "party_size"),
        ("name", "full_name"), ("phone", "phone"), ("needs", "needs"),
    ):  # fmt: skip
        if not draft.get(key):
            draft["_mode"] = "new"
            return state
    return "confirm"


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
    draft_of(context)["_mode"] = "edit"
    return await go(update, context, FIELD_STATE[field])


# ---- leaving and stray input -------------------------------------------------------------


def _clear(context: HotlineContext) -> None:
    if context.user_data is not None:
        context.user_data.pop("draft", None)


async def cancel(update: Update, context: HotlineContext) -> State:
    """/cancel and r:x: drop the draft; a saved registration stays as it was."""
    await answer_query(update)
    mode = draft_of(context).get("_mode", "new")
    _clear(context)
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
    _clear(context)
    await clear_reply_keyboard(update, context.t("reg-left"))
    await menu.menu_action(update, context)
    return END


async def restart_attempt(update: Update, context: HotlineContext) -> None:
    """/start or another command mid-flow: say where we are; nothing changes."""
    await retry(update, context, "reg-in-progress")


async def wrong_input(update: Update, context: HotlineContext) -> None:
    """Text where a button is expected, a sticker where text is, and so on."""
    state = draft_of(context).get("_state", "country")
    message = update.effective_message
    is_text = bool(message and message.text)
    if state in BUTTON_STATES and is_text:
        await retry(update, context, "error-use-buttons")
    elif state == "phone":
        await retry(update, context, "error-phone")
    else:
        await retry(update, context, "error-wrong-kind")


def _h(*handlers: BaseHandler[Any, Any, Any]) -> list[BaseHandler[Any, Any, Any]]:
    return list(handlers)


def build() -> ConversationHandler[Any]:
    """The registration conversation."""
    pattern = CallbackQueryHandler
    states: dict[object, list[BaseHandler[Any, Any, Any]]] = {
        "country": _h(
            pattern(country_button, pattern=r"^r:c:"),
            MessageHandler(filters.LOCATION & PRIVATE, location),
            MessageHandler(TEXT & PRIVATE, country_text),
        ),
        "gps": _h(
            pattern(gps_answer, pattern=r"^r:g:"),
            MessageHandler(filters.LOCATION & PRIVATE, location),
        ),
        "city": _h(MessageHandler(TEXT & PRIVATE, city_text)),
        "status": _h(pattern(status_button, pattern=r"^r:s:")),
        "party": _h(
            pattern(party_answer, pattern=r"^r:p:"), MessageHandler(TEXT & PRIVATE, party_answer)
        ),
        "children": _h(
            pattern(children_answer, pattern=r"^r:k:"),
            MessageHandler(TEXT & PRIVATE, children_answer),
        ),
        "name": _h(
            pattern(name_answer, pattern=r"^r:nm:tg$"), MessageHandler(TEXT & PRIVATE, name_answer)
        ),
        "phone": _h(
            MessageHandler(filters.CONTACT & PRIVATE, phone_contact),
            MessageHandler(TEXT & PRIVATE, phone_text),
        ),
        "needs": _h(pattern(needs_button, pattern=r"^r:n:")),
        "note": _h(
            pattern(note_answer, pattern=r"^r:note:skip$"),
            MessageHandler(TEXT & PRIVATE, note_answer),
        ),
        "confirm": _h(pattern(confirm, pattern=r"^r:ok$"), pattern(edit_menu, pattern=r"^r:ed$")),
        "edit": _h(pattern(edit_field, pattern=r"^r:(f:|sum$)")),
    }
    with warnings.catch_warnings():
        # PTB warns that with per_message=False a button is not tied to its message. That
        # is intended: the state decides which buttons are live, older ones are "stale".
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("register", begin, filters=PRIVATE),
                pattern(begin, pattern=r"^m:reg$"),
                pattern(begin_edit, pattern=r"^e:"),
                pattern(fresh_moved, pattern=rf"^{FRESH}\d{{1,12}}:moved$"),
            ],
            states=states,
            fallbacks=[
                CommandHandler("cancel", cancel, filters=PRIVATE),
                pattern(cancel, pattern=r"^r:x$"),
                pattern(leave_for_menu, pattern=r"^m:"),
                MessageHandler(filters.COMMAND & PRIVATE, restart_attempt),
                pattern(refuse_button),
                MessageHandler(filters.ALL & PRIVATE, wrong_input),
            ],
            name="registration",
            persistent=True,
            allow_reentry=False,
        )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the conversation."""
    app.add_handler(build())
