"""The reach options on a notice's summary: urgent, the reminder policy, the SMS text.

Each button re-reads the role (`requires`) like every composing step, changes the draft
and shows the summary again; the SMS text is a step of its own ("sms").
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.notices.reminders import next_policy
from bot.sms import segments
from bot.staff.roles import Role
from handlers.common import answer_query, refuse_button, reply
from handlers.keyboards import Button
from handlers.notices.draft import draft
from handlers.notices.views import cancel_row, summary
from handlers.roles import requires

END = ConversationHandler.END
# Back from the SMS step to the summary, unchanged (its button is built here).
SMS_BACK = "bx:smsb"
# SMSC accepts up to 1,000 characters; past 6 parts an SMS costs more than it helps.
MAX_SMS = 1000


@requires("staff", refused=END)
async def toggle_urgent(update: Update, context: HotlineContext, role: Role) -> str:
    """Mark the notice urgent, or take the mark off."""
    d = draft(context)
    if d.text_ru is None:
        await refuse_button(update, context)
        return "confirm"
    d.urgent = not d.urgent
    await answer_query(update)
    await summary(update, context, role)
    return "confirm"


@requires("staff", refused=END)
async def cycle_reminders(update: Update, context: HotlineContext, role: Role) -> str:
    """The next reminder policy (6 h x 2, 3 h x 2, 12 h x 2, 24 h x 1, none)."""
    d = draft(context)
    if d.text_ru is None or not d.ack:
        await refuse_button(update, context)
        return "confirm"
    d.remind = next_policy(d.remind)
    await answer_query(update)
    await summary(update, context, role)
    return "confirm"


@requires("staff", refused=END)
async def ask_sms(update: Update, context: HotlineContext, role: Role) -> str:
    """Ask for the SMS text (only where an SMS gateway is configured)."""
    if not context.settings.sms_enabled or draft(context).text_ru is None:
        await refuse_button(update, context)
        return "confirm"
    await answer_query(update)
    t = context.t
    markup = InlineKeyboardMarkup([[Button(t("btn-back"), callback_data=SMS_BACK)], cancel_row(t)])
    await reply(update, t("reach-ask-sms", max=MAX_SMS), reply_markup=markup)
    return "sms"


@requires("staff", refused=END)
async def sms_text(update: Update, context: HotlineContext, role: Role) -> str:
    """The SMS text: its length in SMS parts, then the summary again."""
    message = update.effective_message
    text = (message.text or "").strip() if message is not None else ""
    t = context.t
    if not text:
        await reply(update, t("bc-wrong-kind"))
        return "sms"
    length = segments.measure(text)
    if len(text) > MAX_SMS:
        await reply(update, t("reach-sms-long", max=MAX_SMS, chars=len(text)))
        return "sms"
    draft(context).sms = text
    key = "reach-sms-length-gsm" if length.encoding == "GSM-7" else "reach-sms-length-ucs"
    await reply(update, t(key, chars=length.units, parts=length.parts, per=length.per_part))
    await summary(update, context, role)
    return "confirm"


@requires("staff", refused=END)
async def sms_back(update: Update, context: HotlineContext, role: Role) -> str:
    """Back to the summary without changing the SMS text."""
    await answer_query(update)
    await summary(update, context, role)
    return "confirm"


@requires("staff", refused=END)
async def drop_sms(update: Update, context: HotlineContext, role: Role) -> str:
    """No SMS for this notice."""
    draft(context).sms = None
    await answer_query(update)
    await summary(update, context, role)
    return "confirm"
