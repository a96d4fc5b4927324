"""The registration's questions: each prompt asks one thing; `go` moves to a step and asks it.

Each question is one message (the first has a second one for the location button, which
only a reply keyboard can carry). When it is answered, `answered` edits it to show the answer
and drop its buttons, so the chat never holds a keyboard that no longer works.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import HotlineContext
from handlers import keyboards
from handlers.common import reply
from handlers.registration.flow import MAX_NAME, MAX_NOTE, RegistrationDraft, State, next_state
from handlers.render import country_label, registration_card, settle
from storage.models import MAX_PARTY

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass
class Prompt:
    """A question: its text and buttons, and any message that must come before it."""

    text: str
    markup: Markup | None
    before: list[tuple[str, Markup]] = field(default_factory=list)


def draft_of(context: HotlineContext) -> RegistrationDraft:
    """The registration being filled in (persisted with user_data)."""
    if context.user_data is None:
        raise RuntimeError("no user_data for this update")
    return RegistrationDraft.of(context.user_data)


async def ask_country(update: Update, context: HotlineContext) -> Prompt:
    """The location button first (one share gives country and city), then the country list."""
    t = context.t
    return Prompt(
        t("reg-ask-country"),
        keyboards.country_choice(t),
        before=[(t("reg-location-first"), keyboards.share_location(t))],
    )


async def ask_gps(update: Update, context: HotlineContext) -> Prompt:
    """Confirm the place resolved from a shared location (drafts saved by older versions)."""
    found = draft_of(context).geo or {}
    text = context.t(
        "reg-gps-found",
        country=country_label(context.t, found.get("country")),
        city=found.get("city", "—"),
    )
    return Prompt(text, keyboards.gps_confirm(context.t))


async def ask_city(update: Update, context: HotlineContext) -> Prompt:
    """City or place, free text."""
    return Prompt(context.t("reg-ask-city"), keyboards.cancel_only(context.t))


async def ask_city_check(update: Update, context: HotlineContext) -> Prompt:
    """The typed city is known in another country: which one is right (asked once)."""
    t = context.t
    draft = draft_of(context)
    check = draft.check or {}
    other, city = check.get("country"), draft.city or ""
    text = t(
        "reg-city-elsewhere",
        city=city,
        other=country_label(t, other),
        country=country_label(t, draft.country),
    )
    moved = f"{country_label(t, other)}, {check.get('city') or city}"
    kept = f"{country_label(t, draft.country)}, {city}"
    return Prompt(text, keyboards.city_check(t, moved, kept))


async def ask_status(update: Update, context: HotlineContext) -> Prompt:
    """Resident, tourist, in transit, stuck, other (and "change" after a shared location)."""
    draft = draft_of(context)
    change = draft.gps and draft.mode != "edit"
    return Prompt(context.t("reg-ask-status"), keyboards.statuses(context.t, change_place=change))


async def ask_party(update: Update, context: HotlineContext) -> Prompt:
    """How many people, the citizen included."""
    markup = keyboards.numbers(context.t, "r:p:", 1, 8)
    return Prompt(context.t("reg-ask-party", max=MAX_PARTY), markup)


async def ask_children(update: Update, context: HotlineContext) -> Prompt:
    """How many of them are children."""
    party = draft_of(context).party_size
    markup = keyboards.numbers(context.t, "r:k:", 0, min(party, 7))
    return Prompt(context.t("reg-ask-children", party=party), markup)


async def ask_name(update: Update, context: HotlineContext) -> Prompt:
    """Full name as in the passport; the Telegram name is offered as a shortcut."""
    user = update.effective_user
    tg_name = (user.full_name if user else "")[:MAX_NAME]
    markup = (
        keyboards.telegram_name(context.t, tg_name)
        if len(tg_name.strip()) >= 2
        else keyboards.cancel_only(context.t)
    )
    return Prompt(context.t("reg-ask-name"), markup)


async def ask_phone(update: Update, context: HotlineContext) -> Prompt:
    """The 'share my number' button or a typed international number."""
    return Prompt(context.t("reg-ask-phone"), keyboards.share_contact(context.t))


async def ask_needs(update: Update, context: HotlineContext) -> Prompt:
    """None, consular help, accommodation, evacuation."""
    return Prompt(context.t("reg-ask-needs"), keyboards.needs(context.t))


async def ask_vulnerable(update: Update, context: HotlineContext) -> Prompt:
    """Children, elderly, a medical need or pregnancy in the party? Optional, with consent."""
    return Prompt(context.t("reg-ask-vulnerable"), keyboards.vulnerable(context.t))


async def ask_note(update: Update, context: HotlineContext) -> Prompt:
    """An optional note for the consul (from the summary)."""
    markup = keyboards.skip(context.t, "r:note:skip")
    return Prompt(context.t("reg-ask-note", max=MAX_NOTE), markup)


async def ask_confirm(update: Update, context: HotlineContext) -> Prompt:
    """The summary with Confirm / a note / Edit / Cancel."""
    draft = draft_of(context)
    card = registration_card(context.t, draft.card)
    text = context.t("reg-summary", card=card)
    return Prompt(text, keyboards.summary(context.t, has_note=bool(draft.card.get("note"))))


async def ask_edit(update: Update, context: HotlineContext) -> Prompt:
    """Which field to change."""
    markup = keyboards.edit_fields(context.t, "r:f:", "r:sum")
    return Prompt(context.t("reg-ask-edit"), markup)


PROMPTS: dict[State, Callable[[Update, HotlineContext], Awaitable[Prompt]]] = {
    "country": ask_country,
    "gps": ask_gps,
    "city": ask_city,
    "city_check": ask_city_check,
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
# The field label of each step, for the answered question ("✓ Статус: В транзите").
FIELD_OF: dict[State, str] = {
    "country": "field-country",
    "gps": "field-country",
    "city": "field-city",
    "city_check": "field-city",
    "status": "field-status",
    "party": "field-party",
    "children": "field-children",
    "name": "field-name",
    "phone": "field-phone",
    "needs": "field-needs",
    "note": "field-note",
}


async def go(update: Update, context: HotlineContext, state: State, note: str = "") -> State:
    """Ask the question of `state` and move there; `note` goes on top (an intro, an error)."""
    draft = draft_of(context)
    draft.state = state
    prompt = await PROMPTS[state](update, context)
    messages = [*prompt.before, (prompt.text, prompt.markup)]
    if note:
        first, markup = messages[0]
        messages[0] = (f"{note}\n\n{first}", markup)
    for text, markup in messages[:-1]:
        await reply(update, text, reply_markup=markup)
    text, markup = messages[-1]
    message = await reply(update, text, reply_markup=markup)
    # Only an inline keyboard can be edited away; a reply keyboard goes with the next message.
    draft.prompt = message.message_id if isinstance(prompt.markup, InlineKeyboardMarkup) else None
    return state


async def answered(update: Update, context: HotlineContext, answer: str) -> None:
    """Edit the question just answered to show the answer, without its buttons."""
    draft = draft_of(context)
    key = FIELD_OF.get(draft.state)
    if key is None:
        return
    text = context.t("reg-answer", field=context.t(key), answer=answer)
    await settle(draft.prompt, update, context, text)
    draft.prompt = None


async def drop_buttons(update: Update, context: HotlineContext) -> None:
    """The question is answered elsewhere (another message, a change): it keeps its text, not
    its buttons."""
    draft = draft_of(context)
    chat = update.effective_chat
    if draft.prompt is not None and chat is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(chat.id, draft.prompt, reply_markup=None)
    draft.prompt = None


async def retry(update: Update, context: HotlineContext, error_key: str, **args: Any) -> None:
    """Explain what was wrong and ask the same question again; the draft is unchanged.

    The error and the question are one new message; the old question loses its buttons.
    """
    await drop_buttons(update, context)
    await go(update, context, draft_of(context).state, note=context.t(error_key, **args))


async def step_done(update: Update, context: HotlineContext, done: State) -> State:
    """Move on from a completed step."""
    return await go(update, context, next_state(done, draft_of(context)))
