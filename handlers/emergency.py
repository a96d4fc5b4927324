"""Numbers to call: the ministry's 24/7 line, the mission's line, the local emergency services.

They appear in the hotline's acknowledgement, in the contact answers, after "I do not agree",
and in a message pinned in each citizen's chat (kept current: edited when the language or the
registered country changes it). While EMERGENCY_LINE is empty, admins hear so at start-up.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from bot.context import AnyApp, HotlineContext
from bot.i18n import Markup, Translator
from bot.reference import emergency
from bot.settings import Settings
from handlers.common import reply

log = logging.getLogger(__name__)

# Persisted user_data key: {"id": message id, "text": what it says} of the pinned message,
# so that it is pinned once and edited only when its text changes.
PIN_KEY = "pinned_line"


def mission_line(context: HotlineContext, country: str | None) -> str | None:
    """The emergency (else hotline) number of the mission in `country`, from the directory."""
    info = context.services.directory.get(country) if country else None
    for mission in info.missions if info else ():
        number = mission.contacts.get("emergency") or mission.contacts.get("hotline")
        if number:
            return number
    return None


def lines(t: Translator, context: HotlineContext, country: str | None) -> list[str]:
    """The numbers to call, one line each: the ministry, the mission, the local services."""
    found = []
    if context.settings.emergency_line:
        found.append(t("line-ministry", phone=context.settings.emergency_line))
    mission = mission_line(context, country)
    if mission:
        found.append(t("line-mission", phone=mission))
    local = emergency.local_numbers(country)
    if local:
        found.append(t("line-local", numbers=", ".join(local)))
    return found


def block(context: HotlineContext, country: str | None) -> Markup:
    """ "In danger, call:" and the numbers; empty when none is known."""
    t = context.t
    found = lines(t, context, country)
    return Markup("\n".join([t("lines-title"), *found]) if found else "")


async def keep_pinned(update: Update, context: HotlineContext, country: str | None) -> None:
    """Pin the numbers in the citizen's chat once; edit the pin when its text changes.

    Best effort: a citizen who unpinned or deleted it keeps the chat as they left it, and a
    failure here never stops the screen the citizen asked for.
    """
    chat = update.effective_chat
    if chat is None or chat.type != "private" or context.user_data is None:
        return
    found = lines(context.t, context, country)
    if not context.settings.emergency_line or not found:
        return
    text = context.t("pinned-lines", lines=Markup("\n".join(found)))
    pinned: Any = context.user_data.get(PIN_KEY)
    if isinstance(pinned, dict) and pinned.get("text") == text:
        return
    with contextlib.suppress(TelegramError):
        if isinstance(pinned, dict) and isinstance(pinned.get("id"), int):
            await context.bot.edit_message_text(text, chat_id=chat.id, message_id=pinned["id"])
            context.user_data[PIN_KEY] = {"id": pinned["id"], "text": text}
            return
        message = await reply(update, text)
        context.user_data[PIN_KEY] = {"id": message.message_id, "text": text}
        await context.bot.pin_chat_message(chat.id, message.message_id, disable_notification=True)


def missing_line(settings: Settings) -> bool:
    """Whether the ministry's line is unset (and admins should hear about it)."""
    return not settings.emergency_line


async def warn_admins(app: AnyApp) -> None:
    """At start-up, while EMERGENCY_LINE is empty: a log line and a message to each admin."""
    services = app.bot_data.services
    if services is None or not missing_line(services.settings):
        return
    log.warning("EMERGENCY_LINE is not set: citizens are shown no 24/7 number of the ministry")
    for admin in sorted(services.settings.admin_ids):
        citizen = await services.citizens.get(admin)
        if citizen is None:
            # An admin who never opened the bot has no chat to write to; the log line stands.
            continue
        t = services.catalog.translator(citizen.lang)
        with contextlib.suppress(TelegramError):
            await app.bot.send_message(admin, t("admin-no-emergency-line"))
