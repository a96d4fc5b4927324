"""Citizens and their offers: confirm (then each person's passport data), decline, give up.

The confirmation is one persistent conversation ("evac_party"): the name as in the passport,
the passport number and the date of birth of each person of the party, a summary, then the
seats are confirmed and the boarding code sent. Every answer is checked again against the
offer in storage, so a forged, replayed or late button changes nothing.
"""

from __future__ import annotations

import contextlib

from telegram import InputFile, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.evacuation import codes, passengers, views
from bot.evacuation.views import CONFIRM, DECLINE, DECLINE_SURE
from handlers.common import answer_query, refuse_button, reply
from handlers.evacuation.drafts import (
    drop_party,
    offer_args,
    party_draft,
    start_party,
)
from storage.evacuation import Departure
from storage.evacuation_offers import Offer, Result

END = ConversationHandler.END


def _args(update: Update, prefix: str) -> tuple[int, str] | None:
    query = update.callback_query
    data = query.data if query is not None and isinstance(query.data, str) else ""
    return offer_args(data, prefix)


async def _refused(update: Update, context: HotlineContext, result: Result) -> None:
    """Why an offer cannot be answered (any more), in the citizen's language."""
    offer, t = result.offer, context.t
    if result.status == "forged" or offer is None:
        await refuse_button(update, context)
        return
    if result.status == "closed":
        text = t("ev-offer-closed")
    elif result.status == "deadline" or offer.state == "expired":
        departure = await context.services.evacuation.repo.get(offer.departure_id)
        country = departure.country if departure else "KZ"
        when = views.local(offer.deadline_at, country, context.settings.tz)
        text = t("ev-offer-deadline", deadline=when)
    elif result.status == "full":
        reg = await context.services.registrations.get(offer.user_id)
        counts = None
        departure = await context.services.evacuation.repo.get(offer.departure_id)
        if departure is not None:
            counts = await context.services.evacuation.counts(departure)
        text = t(
            "ev-offer-full", party=reg.party_size if reg else offer.seats,
            left=counts.seats_left if counts else 0, seats=offer.seats,
        )  # fmt: skip
    elif result.status == "missing":
        text = t("ev-party-missing")
    elif offer.state == "confirmed":
        text = t("ev-offer-confirmed-already", number=offer.confirmation or "—")
    else:
        text = t("ev-offer-declined-already")
    await answer_query(update, text, alert=True)
    await reply(update, text)


async def _ask(update: Update, context: HotlineContext, step: str) -> str:
    d = party_draft(context)
    key = {"ev_name": "ev-ask-name", "ev_passport": "ev-ask-passport", "ev_birth": "ev-ask-birth"}
    await reply(
        update, context.t(key[step], n=d.person, total=d.seats),
        reply_markup=views.stop_only(context.t),
    )  # fmt: skip
    return step


async def confirm_pressed(update: Update, context: HotlineContext) -> object:
    """ev:y: Confirm under an offer: the passport data of each person, one by one."""
    args, user = _args(update, CONFIRM), update.effective_user
    if args is None or user is None:
        await refuse_button(update, context)
        return END
    result = await context.services.evacuation.accept(args[0], user.id, args[1])
    if result.status == "answered" and result.offer and result.offer.state == "confirmed":
        # Pressed again after confirming: the number and the boarding code once more.
        await answer_query(update)
        departure = await context.services.evacuation.repo.get(result.offer.departure_id)
        if departure is not None:
            await _send_confirmation(update, context, departure, result.offer)
        return END
    if result.status != "ok" or result.offer is None:
        await _refused(update, context, result)
        return END
    await answer_query(update)
    start_party(context, result.offer)
    await reply(update, context.t("ev-party-intro", seats=result.offer.seats))
    return await _ask(update, context, "ev_name")


def _typed(update: Update) -> str:
    message = update.effective_message
    return (message.text if message else "") or ""


async def _stored(update: Update, context: HotlineContext, field: str, value: str) -> bool:
    """Store one checked answer; if the offer no longer stands, say so and stop."""
    d, user = party_draft(context), update.effective_user
    stored = user is not None and await context.services.evacuation.enter(
        d.offer_id, user.id, d.token, d.person, field, value
    )
    if not stored:
        drop_party(context)
        await reply(update, context.t("ev-party-gone"))
    return stored


async def name_typed(update: Update, context: HotlineContext) -> object:
    """The name as in the passport (Latin letters)."""
    value, problem = passengers.name(_typed(update))
    if value is None:
        key = "ev-bad-name-long" if problem == "too-long" else "ev-bad-latin"
        await reply(update, context.t(key, max=passengers.MAX_NAME))
        return await _ask(update, context, "ev_name")
    if not await _stored(update, context, "full_name", value):
        return END
    return await _ask(update, context, "ev_passport")


async def passport_typed(update: Update, context: HotlineContext) -> object:
    """The passport (or ID card) number."""
    value, _ = passengers.passport(_typed(update))
    if value is None:
        await reply(update, context.t("ev-bad-passport"))
        return await _ask(update, context, "ev_passport")
    if not await _stored(update, context, "passport", value):
        return END
    return await _ask(update, context, "ev_birth")


async def birth_typed(update: Update, context: HotlineContext) -> object:
    """The date of birth; after the last person, the summary."""
    today = context.services.clock.now().astimezone(context.settings.tz).date()
    value, problem = passengers.birth_date(_typed(update), today)
    if value is None:
        key = {"future": "ev-bad-future", "too-old": "ev-bad-old"}.get(
            problem or "", "ev-bad-date"
        )
        await reply(update, context.t(key))
        return await _ask(update, context, "ev_birth")
    if not await _stored(update, context, "birth_date", value):
        return END
    d = party_draft(context)
    d.next_person()
    if not d.complete:
        return await _ask(update, context, "ev_name")
    people = await context.services.evacuation.offers.passengers(d.offer_id)
    text, markup = views.passport_summary(context.t, people)
    await reply(update, text, reply_markup=markup)
    return "ev_check"


async def party_confirmed(update: Update, context: HotlineContext) -> object:
    """The summary's Confirm: store, and only then say it is confirmed."""
    d, user = party_draft(context), update.effective_user
    if user is None or not d.complete or d.offer_id == 0:
        await refuse_button(update, context)
        return END
    services = context.services
    result = await services.evacuation.confirm(d.offer_id, user.id, d.token)
    drop_party(context)
    if result.status != "ok" or result.offer is None:
        await _refused(update, context, result)
        return END
    await answer_query(update)
    departure = await services.evacuation.repo.get(result.offer.departure_id)
    if departure is not None:
        await _send_confirmation(update, context, departure, result.offer)
    return END


async def _send_confirmation(
    update: Update, context: HotlineContext, departure: Departure, offer: Offer
) -> None:
    """The confirmation number and details, the boarding QR code, the assembly point."""
    t, chat = context.t, update.effective_chat
    text, markup = views.confirmed(t, departure, offer, context.settings.tz)
    await reply(update, text, reply_markup=markup)
    if chat is None or not offer.boarding_code:
        return
    link = codes.start_link(context.bot.username, offer.boarding_code)
    png = codes.qr_png(link)
    await chat.send_photo(
        InputFile(png, filename="boarding.png"), caption=views.boarding_caption(t, offer)
    )
    if departure.latitude is not None and departure.longitude is not None:
        await chat.send_location(departure.latitude, departure.longitude)


async def stop_party(update: Update, context: HotlineContext) -> object:
    """/cancel or Cancel while entering passport data: nothing kept, the offer stands."""
    await answer_query(update)
    d, user = party_draft(context), update.effective_user
    if user is not None and d.offer_id:
        await context.services.evacuation.forget_entries(d.offer_id, user.id, d.token)
    drop_party(context)
    await reply(update, context.t("ev-party-stopped"))
    return END


async def party_wrong_input(update: Update, context: HotlineContext) -> None:
    """A sticker, a photo or a stray button while passport data is asked."""
    if update.callback_query is not None:
        await refuse_button(update, context)
        return
    await reply(update, context.t("ev-party-wrong-kind"))


async def party_busy(update: Update, context: HotlineContext) -> None:
    """Another command while passport data is asked."""
    await reply(update, context.t("ev-party-finish-first"))


# ---- declining -------------------------------------------------------------------------


async def _own_offer(update: Update, context: HotlineContext, prefix: str) -> Offer | None:
    args, user = _args(update, prefix), update.effective_user
    offer = await context.services.evacuation.offers.offer(args[0]) if args else None
    if offer is None or user is None or args is None:
        return None
    return offer if offer.user_id == user.id and offer.token == args[1] else None


async def ask_decline(update: Update, context: HotlineContext) -> None:
    """ev:n: Decline (or give confirmed seats up): ask once more, it cannot be undone."""
    offer = await _own_offer(update, context, DECLINE)
    if offer is None:
        await refuse_button(update, context)
        return
    if offer.state not in ("offered", "confirmed"):
        await _refused(update, context, Result("answered", offer))
        return
    await answer_query(update)
    text, markup = views.decline_question(context.t, offer)
    await reply(update, text, reply_markup=markup)


async def decline(update: Update, context: HotlineContext) -> object:
    """ev:nn: the seats are given up; the next in the queue is offered them."""
    args, user = _args(update, DECLINE_SURE), update.effective_user
    if args is None or user is None:
        await refuse_button(update, context)
        return None
    result = await context.services.evacuation.decline(args[0], user.id, args[1])
    if result.status != "ok" or result.offer is None:
        await _refused(update, context, result)
        return None
    await answer_query(update)
    drop_party(context)
    # The question becomes the answer: one message to the chat, not an edit and a reply
    # (Telegram allows about one a second in a private chat).
    query = update.callback_query
    try:
        if query is None or query.message is None:
            raise BadRequest("no message to edit")
        await query.edit_message_text(context.t("ev-declined"))
    except BadRequest:
        await reply(update, context.t("ev-declined"))
    return END


async def keep(update: Update, context: HotlineContext) -> None:
    """ev:keep: "No" on a decline or cancel question."""
    await answer_query(update)
    await _drop_buttons(update)


async def _drop_buttons(update: Update) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
