"""The evacuation service: the one door from handlers to departures, offers and boarding.

Every write that must be followed by something else goes through here in one call: an
answer that frees seats is followed by the next offers, an offer by a wake-up of the notice
engine that sends it, and any change by a refresh of the departure's card. Offers are
rendered for the engine by `render` (the carrier notice's kind is "evacuation").
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.evacuation import codes, views
from bot.i18n import Catalog, Translator
from bot.notices import views as notice_views
from bot.notices.service import NoticeService
from bot.runtime.limiter import Paced
from bot.settings import Settings
from storage.citizens import CitizenRepo
from storage.db import IntegrityError
from storage.evacuation import (
    CANCEL_RUN,
    OFFER_RUN,
    PASSENGER_RUN,
    Departure,
    DepartureDraft,
    EvacuationRepo,
    Status,
)
from storage.evacuation_offers import Counts, Offer, OfferRepo, Result
from storage.notices import Notice
from storage.outbox import OutboxItem
from storage.registrations import RegistrationRepo

log = logging.getLogger(__name__)


class EvacuationService:
    """Open, edit and cancel departures; answer offers; board; let time pass."""

    def __init__(
        self,
        settings: Settings,
        repo: EvacuationRepo,
        offers: OfferRepo,
        notices: NoticeService,
        citizens: CitizenRepo,
        registrations: RegistrationRepo,
        catalog: Catalog,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.offers = offers
        self.notices = notices
        self.citizens = citizens
        self.registrations = registrations
        self.catalog = catalog
        self.clock = clock
        # Departures whose card may show something new, and what each card shows now.
        self._watch: set[int] = set()
        self._shown: dict[int, str] = {}

    @property
    def priority(self) -> tuple[str, ...]:
        """The order of offers (EVACUATION_PRIORITY), before "first registered first served"."""
        return self.settings.evacuation_priorities

    # ---- departures -----------------------------------------------------------------------

    async def open(self, draft: DepartureDraft, author_id: int) -> Departure:
        """Store the departure (audited) and offer its seats to the first parties in order."""
        departure = await self.repo.create(draft, author_id, self.clock.now())
        log.info("departure %s opened with %s seats", departure.id, departure.seats)
        await self.allocate(departure.id)
        return departure

    async def allocate(self, departure_id: int) -> list[Offer]:
        """Offer the seats no offer holds to the next parties; the engine sends them."""
        made = await self.offers.allocate(
            departure_id, self.priority, codes.tokens(), self.clock.now(),
            timedelta(minutes=self.settings.evacuation_last_offer_minutes),
        )  # fmt: skip
        if made:
            departure = await self.repo.get(departure_id)
            if departure is not None:
                self.notices.queued(departure.notice_id)
            log.info("departure %s: %s offers queued", departure_id, len(made))
        self.watch(departure_id)
        return made

    async def edit(self, departure_id: int, field: str, value: Any, actor_id: int) -> Status:
        """Change one field; more seats or a later time may make room for more offers."""
        status = await self.repo.edit(departure_id, field, value, actor_id, self.clock.now())
        if status == "ok":
            await self.allocate(departure_id)
        return status

    async def cancel(self, departure_id: int, actor_id: int) -> int:
        """Cancel: everyone offered or confirmed is told; the people told, or -1."""
        told = await self.repo.cancel(departure_id, actor_id, self.clock.now())
        departure = await self.repo.get(departure_id)
        if told >= 0 and departure is not None:
            self.notices.queued(departure.notice_id)
            log.info("departure %s cancelled; %s people to tell", departure_id, told)
        self.watch(departure_id)
        return told

    async def notify_passengers(
        self, departure: Departure, text_ru: str, text_kk: str | None, author_id: int
    ) -> tuple[int, int]:
        """A notice to the confirmed passengers: (its id, copies queued)."""
        notice_id, copies = await self.repo.notify_passengers(
            departure, text_ru, text_kk, author_id, self.clock.now()
        )
        self.notices.queued(notice_id)
        return notice_id, copies

    async def show_progress(self, notice_id: int, chat_id: int, message_id: int) -> None:
        """This message shows the passengers' notice's progress (the notice engine edits it)."""
        await self.notices.repo.set_progress(notice_id, chat_id, message_id)
        self.notices.queued(notice_id)

    # ---- citizens' answers ----------------------------------------------------------------

    async def accept(self, offer_id: int, user_id: int, token: str) -> Result:
        """Confirm pressed: whether the offer stands, grown if the party has grown since."""
        reg = await self.registrations.get(user_id)
        party = reg.party_size if reg is not None and reg.active else 0
        result = await self.offers.accept(offer_id, user_id, token, party, self.clock.now())
        if result.offer is not None:
            self.watch(result.offer.departure_id)
        return result

    async def enter(
        self, offer_id: int, user_id: int, token: str, position: int, field: str, value: str
    ) -> bool:
        """One checked passport answer, stored at once; False if the offer no longer stands."""
        return await self.offers.enter(offer_id, user_id, token, position, field, value)

    async def forget_entries(self, offer_id: int, user_id: int, token: str) -> None:
        """The citizen stopped entering passport data: what was typed is deleted."""
        await self.offers.forget_entries(offer_id, user_id, token)

    async def confirm(self, offer_id: int, user_id: int, token: str) -> Result:
        """Confirm the seats of a party whose passport data is in; it gets a boarding code."""
        for _ in range(5):
            offer = await self.offers.offer(offer_id)
            if offer is None:
                return Result("forged")
            number = codes.confirmation_number(offer.departure_id, offer.id)
            try:
                result = await self.offers.confirm(
                    offer_id, user_id, token, number, codes.boarding_code(), self.clock.now()
                )
            except IntegrityError:
                # Two random boarding codes met (about one in 10^12): draw another.
                continue
            self.watch(offer.departure_id)
            return result
        raise RuntimeError("no free boarding code after five draws")

    async def decline(self, offer_id: int, user_id: int, token: str) -> Result:
        """The seats are given up; the next parties in order are offered them at once."""
        result = await self.offers.decline(offer_id, user_id, token, self.clock.now())
        if result.status == "ok" and result.offer is not None:
            await self.allocate(result.offer.departure_id)
        return result

    # ---- boarding -------------------------------------------------------------------------

    async def find(self, code: str) -> tuple[Offer, Departure] | None:
        """The party and departure of a boarding code."""
        return await self.offers.by_code(code)

    async def board(self, offer: Offer, actor_id: int) -> Status:
        """Check a party in: "ok", "answered" (already boarded) or "closed"."""
        status = await self.offers.board(offer.id, actor_id, self.clock.now())
        self.watch(offer.departure_id)
        return status

    # ---- time passing ---------------------------------------------------------------------

    async def tick(self) -> None:
        """Expire offers past their deadline and refill; close departed departures; erase
        passport data past retention. Also offers seats left to people who registered since."""
        now = self.clock.now()
        await self.repo.expire(now)
        for departure_id in await self.repo.depart(now):
            log.info("departure %s has left", departure_id)
            self.watch(departure_id)
        before = now - timedelta(days=self.settings.passport_retention_days)
        erased = await self.repo.erase_passports(before, now)
        if erased:
            log.info("retention: passport data of %s passengers erased", erased)
        for departure_id in await self.repo.open_ids():
            await self.allocate(departure_id)

    # ---- the engine's hook ----------------------------------------------------------------

    async def render(self, item: OutboxItem, notice: Notice) -> views.Body | None:
        """The text and buttons of one outbox row of an evacuation notice; None: nothing."""
        t = self.catalog.translator(item.lang)
        if item.run == PASSENGER_RUN:
            return notice_views.body(self.catalog, item.lang, notice.text(item.lang), None)
        departure = await self.repo.by_notice(notice.id)
        if departure is None:
            return None
        if item.run == CANCEL_RUN:
            return views.cancelled(t, departure, self.settings.tz), None
        if item.op == "send" and item.run.startswith(OFFER_RUN):
            offer = await self.offers.offer(int(item.run[len(OFFER_RUN) :]))
            if offer is None or offer.state != "offered" or departure.state != "open":
                # Answered, expired or withdrawn while it waited: nothing to send.
                return None
            return views.offer(t, departure, offer, self.settings.tz)
        return None

    # ---- the cards staff see --------------------------------------------------------------

    def watch(self, departure_id: int) -> None:
        """Refresh this departure's card at the next tick of the card job."""
        self._watch.add(departure_id)

    async def counts(self, departure: Departure) -> Counts:
        """Offers by state, the waitlist and the seats left."""
        return await self.offers.counts(departure)

    async def card(self, departure: Departure, t: Translator) -> views.Body:
        """The departure's card in `t`'s language, with its live counts."""
        return views.card(t, departure, await self.counts(departure), self.settings.tz)

    async def shown_at(self, departure: Departure, chat_id: int, message_id: int) -> None:
        """This message is now the departure's live card."""
        await self.repo.set_card(departure.id, chat_id, message_id)
        self._shown.pop(departure.id, None)
        self.watch(departure.id)

    async def refresh(self, bot: ExtBot[Any]) -> None:
        """Edit the cards of watched departures whose counts changed (the card job)."""
        for departure_id in list(self._watch):
            self._watch.discard(departure_id)
            try:
                busy = await self._refresh(bot, departure_id)
            except TelegramError as exc:
                log.warning("card of departure %s: %s", departure_id, type(exc).__name__)
                busy = False
            if busy:
                # Offers are still being sent: the card keeps counting them.
                self._watch.add(departure_id)

    async def _refresh(self, bot: ExtBot[Any], departure_id: int) -> bool:
        departure = await self.repo.get(departure_id)
        if departure is None or departure.card_chat is None or departure.card_msg is None:
            return False
        lang = await self.citizens.lang_of(departure.card_chat) or self.settings.staff_lang
        counts = await self.counts(departure)
        text, markup = views.card(
            self.catalog.translator(lang), departure, counts, self.settings.tz
        )
        if self._shown.get(departure_id) != text:
            try:
                # Paced with the offers it counts: at the cap, an unpaced edit costs a 429.
                async with self.notices.slot(departure.card_chat):
                    await bot.edit_message_text(
                        text, departure.card_chat, departure.card_msg, reply_markup=markup,
                        rate_limit_args=Paced(3),
                    )  # fmt: skip
            except BadRequest as exc:
                if "not modified" not in exc.message:
                    raise
            self._shown[departure_id] = text
        return counts.sending > 0
