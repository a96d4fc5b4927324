"""'I cannot reach my relative': anyone files who they look for and how to reach them back; it
becomes an urgent ticket in the hotline group of the relative's country. When staff find the
person (/find), the citizen is asked whether we may say they are safe: only a yes reaches the
one who asked, and a no tells them nothing.

Filing is a persistent conversation (name "people_inquiry", draft in user_data["inquiry"]).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.i18n import DEFAULT_LANG, Markup, Translator
from bot.reference import countries
from bot.reference.phones import normalize_phone
from handlers import keyboards
from handlers.common import answer_query, callback_arg, clear_reply_keyboard, refuse_button, reply
from handlers.hotline.cards import MAX_TOPIC_NAME, card_text, staff_t
from handlers.hotline.citizen import HOTLINE_KEY
from handlers.people import views
from handlers.people.details import registering
from storage.people_links import Inquiry, InquiryInput
from storage.tickets import Ticket

log = logging.getLogger(__name__)

END = ConversationHandler.END
NAME = "people_inquiry"
# Persisted user_data key: the inquiry being filled in.
DRAFT = "inquiry"
MAX_NAME = 100
MAX_PLACE = 100
MAX_COUNTRY_QUERY = 60


def _draft(context: HotlineContext) -> dict[str, Any]:
    data = context.user_data if context.user_data is not None else {}
    value = data.get(DRAFT)
    if not isinstance(value, dict):
        value = data[DRAFT] = {}
    return value


def _typed(update: Update) -> str:
    message = update.effective_message
    return " ".join(((message.text if message else "") or "").split())


def _cancel_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([views.inquiry_cancel_row(t)])


async def _name_problem(update: Update, context: HotlineContext, name: str) -> None:
    key = "error-too-long" if len(name) > MAX_NAME else "error-too-short"
    await reply(update, context.t(key, max=MAX_NAME))


async def begin(update: Update, context: HotlineContext) -> object:
    """/relative: who cannot be reached (their name first)."""
    if registering(context):
        await reply(update, context.t("reg-in-progress"))
        return END
    if context.user_data is not None:
        context.user_data[DRAFT] = {}
    await reply(update, context.t("inquiry-intro"))
    await reply(update, context.t("inquiry-ask-name"), reply_markup=_cancel_markup(context.t))
    return "iq_name"


async def sought_name(update: Update, context: HotlineContext) -> object:
    """The relative's full name."""
    name = _typed(update)
    if not 2 <= len(name) <= MAX_NAME:
        await _name_problem(update, context, name)
        return None
    _draft(context)["full_name"] = name
    t = context.t
    await reply(update, t("inquiry-ask-phone"), reply_markup=views.inquiry_skip(t))
    return "iq_phone"


async def sought_phone(update: Update, context: HotlineContext) -> object:
    """Their phone, or Skip."""
    if update.callback_query is not None:
        await answer_query(update)
        _draft(context)["phone"] = None
    else:
        phone = normalize_phone(_typed(update))
        if phone is None:
            await reply(update, context.t("error-phone"))
            return None
        _draft(context)["phone"] = phone
    t = context.t
    await reply(
        update,
        t("inquiry-ask-country"),
        reply_markup=views.inquiry_countries(t, countries.REGION),
    )
    return "iq_country"


async def _country_set(update: Update, context: HotlineContext, code: str) -> str:
    _draft(context)["country"] = code
    t = context.t
    await reply(update, t("inquiry-country-set", country=countries.label(code, t.lang)))
    await reply(update, t("inquiry-ask-place", max=MAX_PLACE), reply_markup=views.inquiry_skip(t))
    return "iq_place"


async def country_button(update: Update, context: HotlineContext) -> object:
    """pq:c:<CC>."""
    code = callback_arg(update, views.INQ_COUNTRY) or ""
    if countries.get(code) is None:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    return await _country_set(update, context, code)


async def country_text(update: Update, context: HotlineContext) -> object:
    """A typed country name."""
    text = _typed(update)[:MAX_COUNTRY_QUERY]
    found = countries.search(text)
    if len(found) == 1:
        return await _country_set(update, context, found[0])
    t = context.t
    if not found:
        await reply(update, t("reg-country-not-found"))
        return None
    await reply(update, t("reg-country-choices"), reply_markup=views.inquiry_countries(t, found))
    return None


async def last_place(update: Update, context: HotlineContext) -> object:
    """Where they were last heard of, or Skip."""
    if update.callback_query is not None:
        await answer_query(update)
        place = None
    else:
        place = _typed(update)
        if len(place) > MAX_PLACE:
            await reply(update, context.t("error-too-long", max=MAX_PLACE))
            return None
    _draft(context)["place"] = place or None
    await reply(
        update, context.t("inquiry-ask-filer-name"), reply_markup=_cancel_markup(context.t)
    )
    return "iq_filer_name"


async def filer_name(update: Update, context: HotlineContext) -> object:
    """The name of the one who asks."""
    name = _typed(update)
    if not 2 <= len(name) <= MAX_NAME:
        await _name_problem(update, context, name)
        return None
    _draft(context)["filer_name"] = name
    await reply(
        update,
        context.t("inquiry-ask-filer-phone"),
        reply_markup=keyboards.share_contact(context.t),
    )
    return "iq_filer_phone"


async def filer_phone(update: Update, context: HotlineContext) -> object:
    """How to reach them back: the 'share my number' button or a typed number."""
    message = update.effective_message
    raw = message.contact.phone_number if message and message.contact else _typed(update)
    phone = normalize_phone(raw)
    if phone is None:
        await reply(update, context.t("error-phone"))
        return None
    draft = _draft(context)
    draft["filer_phone"] = phone
    await clear_reply_keyboard(update, context.t("reg-phone-accepted", phone=phone))
    try:
        inquiry = _input(draft)
    except (KeyError, TypeError, ValueError):
        await reply(update, context.t("error-stale-button"))
        return END
    await reply(
        update,
        context.t("inquiry-summary", card=_card(context.t, inquiry)),
        reply_markup=views.inquiry_send(context.t),
    )
    return "iq_confirm"


def _input(draft: dict[str, Any]) -> InquiryInput:
    return InquiryInput(
        full_name=str(draft["full_name"]),
        phone=draft.get("phone"),
        country=str(draft["country"]),
        place=draft.get("place"),
        filer_name=str(draft["filer_name"]),
        filer_phone=str(draft["filer_phone"]),
    )


def _card(t: Translator, inquiry: InquiryInput | Inquiry) -> Markup:
    return Markup(
        t(
            "inquiry-card",
            name=inquiry.full_name,
            phone=inquiry.phone or "—",
            country=countries.label(inquiry.country, t.lang),
            place=inquiry.place or "—",
            filer=inquiry.filer_name,
            filer_phone=inquiry.filer_phone,
        )
    )


async def send(update: Update, context: HotlineContext) -> object:
    """pq:ok: store the inquiry and open the urgent ticket in the mission's group."""
    user = update.effective_user
    try:
        data = _input(_draft(context))
    except (KeyError, TypeError, ValueError):
        await refuse_button(update, context)
        return END
    if user is None:
        return END
    await answer_query(update)
    services = context.services
    if await services.hotline.bans.is_banned(user.id):
        await reply(update, context.t("hotline-banned"))
        return END
    chat = services.hotline.chat_for(data.country)
    if chat is None:
        await reply(update, context.t("hotline-unavailable"))
        return END
    inquiry = await services.people.links.file_inquiry(
        user.id, data, context.lang, services.clock.now()
    )
    try:
        ticket = await _post(context, inquiry, chat, user.full_name)
    except TelegramError as exc:
        log.warning("inquiry %s not posted to staff: %s", inquiry.id, type(exc).__name__)
        await reply(update, context.t("hotline-failed"))
        return END
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
        # The asker's next messages go to the same ticket, as in a hotline chat.
        context.user_data[HOTLINE_KEY] = True
    await reply(update, context.t("inquiry-sent", id=str(inquiry.id), ticket=ticket.id))
    return END


async def _post(context: HotlineContext, inquiry: Inquiry, chat: int, tg_name: str) -> Ticket:
    """Open (or reuse) the asker's ticket and post the inquiry in its topic, marked urgent."""
    services = context.services
    now = services.clock.now()
    ticket, _ = await services.tickets.open_for(inquiry.filer_id, chat, now)
    thread = ticket.thread_id
    if thread is None:
        title = f"🔎 {inquiry.full_name} · #{ticket.id}"[:MAX_TOPIC_NAME]
        topic = await context.bot.create_forum_topic(ticket.staff_chat_id, title)
        thread = topic.message_thread_id
        await services.tickets.set_thread(ticket.id, thread)
        reg = await services.registrations.get(inquiry.filer_id)
        await context.bot.send_message(
            ticket.staff_chat_id,
            await card_text(context, ticket, tg_name, reg),
            message_thread_id=thread,
        )
    st = staff_t(context)
    text = st("inquiry-staff", id=str(inquiry.id), ticket=ticket.id, card=_card(st, inquiry))
    await context.bot.send_message(ticket.staff_chat_id, text, message_thread_id=thread)
    await services.people.links.set_ticket(inquiry.id, ticket.id)
    await services.tickets.touch(ticket.id, "citizen", now)
    return ticket


async def cancel(update: Update, context: HotlineContext) -> object:
    """/cancel or pq:x: nothing is stored."""
    await answer_query(update)
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await clear_reply_keyboard(update, context.t("inquiry-cancelled"))
    return END


async def busy_command(update: Update, context: HotlineContext) -> None:
    """Another command while filing."""
    await reply(update, context.t("inquiry-in-progress"))


async def leave_for(update: Update, context: HotlineContext) -> object:
    """A menu or registration button pressed while filing: the inquiry is dropped."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await answer_query(update, context.t("inquiry-left"), alert=True)
    return END


async def wrong_input(update: Update, context: HotlineContext) -> None:
    """A sticker where text is expected, text where a button is."""
    await reply(update, context.t("people-wrong-input"))


# ---- the citizen's consent --------------------------------------------------------------------


async def consent(update: Update, context: HotlineContext) -> None:
    """pq:y:<id> / pq:n:<id>: may we tell the one who asks that you are safe?"""
    yes_arg = callback_arg(update, views.CONSENT_YES)
    no_arg = callback_arg(update, views.CONSENT_NO)
    raw = yes_arg if yes_arg is not None else no_arg
    user = update.effective_user
    if raw is None or not raw.isdigit() or user is None:
        await refuse_button(update, context)
        return
    services = context.services
    yes = yes_arg is not None
    inquiry = await services.people.links.consent(int(raw), user.id, yes, services.clock.now())
    if inquiry is None:
        # Not asked, or already answered: nothing changes.
        await refuse_button(update, context)
        return
    await answer_query(update)
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    if yes:
        await _tell_filer(context, inquiry)
        await reply(update, context.t("inquiry-consent-yes"))
    else:
        await reply(update, context.t("inquiry-consent-no"))
    await _tell_staff(context, inquiry, "inquiry-staff-yes" if yes else "inquiry-staff-no")


async def _tell_filer(context: HotlineContext, inquiry: Inquiry) -> None:
    services = context.services
    lang = await services.citizens.lang_of(inquiry.filer_id) or DEFAULT_LANG
    text = services.catalog.format(lang, "inquiry-found-safe", {"name": inquiry.full_name})
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(inquiry.filer_id, text)


async def _tell_staff(context: HotlineContext, inquiry: Inquiry, key: str) -> None:
    """A line in the inquiry's topic (the answer, without the citizen's details)."""
    services = context.services
    ticket = await services.tickets.get(inquiry.ticket_id) if inquiry.ticket_id else None
    if ticket is None or ticket.thread_id is None:
        return
    text = staff_t(context)(key, id=str(inquiry.id))
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(
            ticket.staff_chat_id, text, message_thread_id=ticket.thread_id
        )
