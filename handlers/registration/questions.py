"""The registration's questions: each prompt asks one thing; `go` moves to a step and asks it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.context import HotlineContext
from handlers import keyboards
from handlers.common import reply
from handlers.registration.flow import MAX_NAME, MAX_NOTE, RegistrationDraft, State, next_state
from handlers.render import country_label, registration_card
from storage.models import MAX_PARTY


def draft_of(context: HotlineContext) -> RegistrationDraft:
    """The registration being filled in (persisted with user_data)."""
    if context.user_data is None:
        raise RuntimeError("no user_data for this update")
    return RegistrationDraft.of(context.user_data)


async def ask_country(update: Update, context: HotlineContext) -> None:
    """Region buttons, a typed name, or a shared location."""
    t = context.t
    await reply(update, t("reg-ask-country"), reply_markup=keyboards.country_choice(t))
    await reply(update, t("reg-ask-location"), reply_markup=keyboards.share_location(t))


async def ask_gps(update: Update, context: HotlineContext) -> None:
    """Confirm the place resolved from a shared location."""
    found = draft_of(context).geo or {}
    text = context.t(
        "reg-gps-found",
        country=country_label(context.t, found.get("country")),
        city=found.get("city", "—"),
    )
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
    party = draft_of(context).party_size
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


async def ask_vulnerable(update: Update, context: HotlineContext) -> None:
    """Children, elderly, a medical need or pregnancy in the party? Optional, with consent."""
    await reply(
        update, context.t("reg-ask-vulnerable"), reply_markup=keyboards.vulnerable(context.t)
    )


async def ask_note(update: Update, context: HotlineContext) -> None:
    """An optional note for the consul."""
    markup = keyboards.skip(context.t, "r:note:skip")
    await reply(update, context.t("reg-ask-note", max=MAX_NOTE), reply_markup=markup)


async def ask_confirm(update: Update, context: HotlineContext) -> None:
    """The summary with Confirm / Edit / Cancel."""
    card = registration_card(context.t, draft_of(context).card)
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
    "vulnerable": ask_vulnerable,
    "note": ask_note,
    "confirm": ask_confirm,
    "edit": ask_edit,
}


async def go(update: Update, context: HotlineContext, state: State) -> State:
    """Ask the question of `state` and move there."""
    draft_of(context).state = state
    await PROMPTS[state](update, context)
    return state


async def retry(update: Update, context: HotlineContext, error_key: str, **args: Any) -> None:
    """Explain what was wrong and ask the same question again; the draft is unchanged."""
    await reply(update, context.t(error_key, **args))
    await PROMPTS[draft_of(context).state](update, context)


async def step_done(update: Update, context: HotlineContext, done: State) -> State:
    """Move on from a completed step."""
    return await go(update, context, next_state(done, draft_of(context)))
