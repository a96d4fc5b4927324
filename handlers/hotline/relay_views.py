"""What the relay (bot.relay.engine) shows and says: the topic's name and card, the staff's
texts, the delivery marks, and the answer to a citizen whose message could not be relayed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from telegram.error import TelegramError

from bot.context import AnyApp, HotlineContext
from bot.i18n import DEFAULT_LANG
from bot.reference.telegram_text import MAX_TOPIC_NAME, cut
from handlers.hotline.cards import card_text, staff_t, take_markup, topic_name
from handlers.hotline.marks import mark_delivered
from storage.relays import PendingRelay
from storage.tickets import Ticket

# Leads the name of an urgent ticket's topic.
URGENT_MARK = "🔴"


class HotlineRelayViews:
    """bot.relay.engine.RelayViews over the hotline's cards, marks and locales."""

    def __init__(self, app: AnyApp) -> None:
        self.app = app

    def _context(self) -> HotlineContext:
        # Outside any update: what cards need is the services and the settings.
        return HotlineContext(self.app)

    async def topic(self, ticket: Ticket, name: str | None, urgent: bool) -> tuple[str, str]:
        """The topic's name (flagged when urgent) and the citizen card that opens it."""
        context = self._context()
        reg = await context.services.registrations.get(ticket.user_id)
        full_name = reg.full_name if reg else (name or "")
        title = topic_name(context, ticket, full_name, reg)
        if urgent:
            title = cut(f"{URGENT_MARK} {title}", MAX_TOPIC_NAME)
        return title, await card_text(context, ticket, name or "", reg)

    def card_markup(self, ticket: Ticket) -> Any:
        """The card's "take" button (the hotline team's tools)."""
        return take_markup(self._context(), ticket)

    def staff_text(self, key: str, **args: Any) -> str:
        """A text in the staff's language."""
        return staff_t(self._context())(key, **args)

    async def delivered(self, user_id: int, message_ids: Sequence[int]) -> None:
        """The citizen's delivery marks, all at once; a short line of text where Telegram
        refused the reaction, so no relayed message is left without a sign."""
        marked = await asyncio.gather(
            *(mark_delivered(self.app.bot, user_id, m) for m in message_ids)
        )
        if all(marked):
            return
        services = self._context().services
        citizen = await services.citizens.get(user_id)
        t = services.catalog.translator(citizen.lang if citizen else DEFAULT_LANG)
        with contextlib.suppress(TelegramError):
            await self.app.bot.send_message(user_id, t("hotline-delivered"))

    async def undelivered(self, ticket: Ticket, rows: Sequence[PendingRelay]) -> None:
        """Tell the citizen, in their language, that messages did not reach staff."""
        services = self._context().services
        citizen = await services.citizens.get(ticket.user_id)
        t = services.catalog.translator(citizen.lang if citizen else DEFAULT_LANG)
        # Blocked or gone: nobody left to tell.
        with contextlib.suppress(TelegramError):
            await self.app.bot.send_message(
                ticket.user_id, t("hotline-not-relayed", count=len(rows))
            )
