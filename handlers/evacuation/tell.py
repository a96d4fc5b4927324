"""A notice to a departure's confirmed passengers (a changed time, the gate, what to bring).

From the card: the Russian text, the Kazakh one (or Russian for all), then send. It goes
through the notice outbox like any notice, and its progress message carries the notices'
own Edit and Recall buttons.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.evacuation import views
from bot.evacuation.views import NOTIFY, OPEN, RUSSIAN_FOR_ALL, STOP
from bot.notices import text as notice_text
from bot.staff.roles import Role
from handlers.common import answer_query, refuse_button, reply
from handlers.evacuation.cards import managed
from handlers.evacuation.drafts import drop_staff, staff_draft, start_staff
from handlers.keyboards import Button
from handlers.roles import requires

END = ConversationHandler.END


async def _html(update: Update, context: HotlineContext) -> str | None:
    """The staff member's text with its formatting, checked as Telegram would."""
    message = update.effective_message
    if message is None or not message.text:
        await reply(update, context.t("bc-wrong-kind"))
        return None
    html = message.text_html
    problem = notice_text.check(context.services.catalog, html, with_media=False)
    if problem:
        await reply(update, context.t(f"bc-text-{problem}", max=notice_text.MAX_TEXT))
        return None
    return html


@requires("staff", refused=END)
async def begin(update: Update, context: HotlineContext, role: Role) -> object:
    """ev:p:<id>: a notice to the confirmed passengers of this departure."""
    departure = await managed(update, context, role, NOTIFY)
    if departure is None:
        return END
    counts = await context.services.evacuation.counts(departure)
    if departure.state != "open" or counts.confirmed == 0:
        await answer_query(update, context.t("ev-notify-none"), alert=True)
        return END
    await answer_query(update)
    start_staff(context, "notice", id=departure.id)
    await reply(
        update, context.t("ev-notify-ask-ru", id=str(departure.id), count=counts.confirmed),
        reply_markup=views.stop_only(context.t, STOP),
    )  # fmt: skip
    return "ev_nru"


@requires("staff", refused=END)
async def text_ru(update: Update, context: HotlineContext, role: Role) -> object:
    """The Russian text."""
    html = await _html(update, context)
    if html is None:
        return None
    staff_draft(context).set(text_ru=html)
    t = context.t
    markup = InlineKeyboardMarkup(
        [[Button(t("btn-bc-ru-all"), callback_data=RUSSIAN_FOR_ALL)],
         [Button(t("btn-cancel"), callback_data=STOP)]]
    )  # fmt: skip
    await reply(update, t("bc-ask-kk"), reply_markup=markup)
    return "ev_nkk"


async def _ask_send(update: Update, context: HotlineContext) -> str:
    d = staff_draft(context)
    t = context.t
    markup = InlineKeyboardMarkup(
        [
            [Button(t("btn-confirm"), callback_data=OPEN)],
            [Button(t("btn-cancel"), callback_data=STOP)],
        ]
    )
    await reply(update, t("ev-notify-confirm", id=str(d.departure_id)), reply_markup=markup)
    return "ev_nok"


@requires("staff", refused=END)
async def text_kk(update: Update, context: HotlineContext, role: Role) -> object:
    """The Kazakh text."""
    html = await _html(update, context)
    if html is None:
        return None
    staff_draft(context).set(text_kk=html)
    return await _ask_send(update, context)


@requires("staff", refused=END)
async def russian_for_all(update: Update, context: HotlineContext, role: Role) -> object:
    """The Russian text to Kazakh-speaking passengers too."""
    await answer_query(update)
    staff_draft(context).set(text_kk=None)
    return await _ask_send(update, context)


@requires("staff", refused=END)
async def send(update: Update, context: HotlineContext, role: Role) -> object:
    """Queue the notice for the confirmed passengers; its progress message follows it."""
    d, user = staff_draft(context), update.effective_user
    services = context.services
    departure = await services.evacuation.repo.get(d.departure_id)
    text_ru = d.data.get("text_ru")
    if departure is None or not role.covers(departure.country) or not text_ru:
        drop_staff(context)
        await refuse_button(update, context)
        return END
    await answer_query(update)
    notice_id, copies = await services.evacuation.notify_passengers(
        departure, str(text_ru), d.data.get("text_kk"), user.id if user else 0
    )
    drop_staff(context)
    message = await reply(
        update,
        context.t(
            "ev-notify-queued", id=str(notice_id), departure=str(departure.id), count=copies
        ),
    )
    await services.evacuation.show_progress(notice_id, message.chat_id, message.message_id)
    return END
