"""The calls other features make into this one, each a line at the place where it happens:

- registration saved (handlers.registration.answers.confirm): `registration_saved`;
- a safety or freshness answer (handlers.notices.safety.answer): `after_answer`;
- the citizen's card ("My registration") and the staff card in a hotline topic:
  `my_card`, `staff_lines`;
- evacuation boarding (issue 17, not on this branch): `handlers.people.family.boarded`.
"""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import HotlineContext
from bot.i18n import Translator
from bot.people import stay
from handlers.common import reply
from handlers.people import family, views


def more_markup(t: Translator) -> InlineKeyboardMarkup:
    """'More details' alone, under "Saved"."""
    return InlineKeyboardMarkup([views.more_row(t)])


async def registration_saved(update: Update, context: HotlineContext) -> None:
    """A registration was saved: a passed end of stay no longer holds (the citizen is still
    abroad and just said where), and relatives who receive moves hear of a new place."""
    user = update.effective_user
    if user is None:
        return
    await _drop_passed_stay(context, user.id)
    with contextlib.suppress(TelegramError):
        await family.place_changed(context, user.id)


async def _drop_passed_stay(context: HotlineContext, user_id: int) -> bool:
    services = context.services
    details = await services.people.repo.details(user_id)
    reg = await services.registrations.get(user_id)
    if details.stay_until is None or reg is None:
        return False
    today = stay.local_today(reg.country, services.clock.now(), context.settings.tz)
    if details.stay_until > today:
        return False
    return await services.people.repo.set_stay(user_id, None, services.clock.now())


async def after_answer(update: Update, context: HotlineContext, answer: str) -> None:
    """After a safety check or freshness ping was answered (and its reply sent)."""
    user = update.effective_user
    if user is None:
        return
    if answer in ("safe", "help"):
        await family.safety_answered(context, user.id, answer)
    elif answer == "home":
        await family.place_changed(context, user.id)
    elif answer == "here" and await _drop_passed_stay(context, user.id):
        # "Still here" after the declared last day: the erasure must not come in 30 days.
        await reply(update, context.t("stay-still-here"), reply_markup=more_markup(context.t))


async def my_card(context: HotlineContext, user_id: int) -> str:
    """The details as lines under 'My registration' (empty when none were given)."""
    people = context.services.people.repo
    return views.details_lines(
        context.t, await people.details(user_id), await people.members(user_id)
    )


async def staff_lines(context: HotlineContext, t: Translator, user_id: int) -> str:
    """The details as lines of the staff card, in the staff's language."""
    people = context.services.people.repo
    return views.details_lines(t, await people.details(user_id), await people.members(user_id))
