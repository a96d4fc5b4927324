"""Reminders and the hand-over: the silent are reminded in their daytime, and once the last
reminder's wait is over, those still not reached are handed on (SMS, the author's list).

A reminder goes to a recipient who got the notice, was asked to press "Received" and has
not, after `remind_hours` since the notice (or the previous reminder), at most `remind_max`
times; for a routine notice only inside REMINDER_HOURS of their country, for an urgent one
at any hour. It goes through the outbox like the notice, after every other send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram.error import TelegramError

from bot.clock import Clock
from bot.notices import schedule
from bot.notices.engine import Delivery
from bot.notices.reach import handed_view
from bot.runtime.limiter import Paced
from bot.settings import Settings
from storage.notices import Notice, NoticeRepo
from storage.reach import ReachRepo

log = logging.getLogger(__name__)

# The policy composing proposes for a notice with the "Received" button (hours, at most),
# and the others staff can switch to; (0, 0) is none. Notices without the button have none.
DEFAULT_POLICY = (6, 2)
PRESETS = ((6, 2), (3, 2), (12, 2), (24, 1), (0, 0))
# How often the bot looks for reminders that fell due.
CHECK_SECONDS = 300


def next_policy(current: tuple[int, int]) -> tuple[int, int]:
    """The preset after `current` (the first one after anything unknown)."""
    try:
        return PRESETS[(PRESETS.index(current) + 1) % len(PRESETS)]
    except ValueError:
        return PRESETS[0]


class Reminders:
    """Queues due reminders and hands over notices whose reminders are over."""

    def __init__(
        self,
        settings: Settings,
        repo: NoticeRepo,
        reach: ReachRepo,
        engine: Delivery,
        clock: Clock,
        sms_wake: Callable[[], None],
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.reach = reach
        self.engine = engine
        self.clock = clock
        self.sms_wake = sms_wake

    async def tick(self) -> int:
        """Queue the reminders that are due now; hand over finished notices. How many queued."""
        now = self.clock.now()
        home = self.settings.tz
        window = self.settings.reminder_hours
        daytime = [
            c
            for c in await self.reach.reminder_countries(now)
            if self.settings.in_hours(
                window, now.astimezone(schedule.country_zone(c, home)).strftime("%H:%M")
            )
        ]
        queued = await self.reach.queue_reminders(now, daytime)
        if queued:
            log.info("reminders: %s queued", queued)
            self.engine.wake()
        for notice_id in await self.reach.due_hand_over(now):
            notice = await self.repo.get(notice_id)
            if notice is not None:
                await self._hand_over(notice)
        return queued

    async def _hand_over(self, notice: Notice) -> None:
        sms = bool(notice.sms_text) and self.settings.sms_enabled
        queued = await self.reach.hand_over(notice.id, self.clock.now(), sms)
        if queued is None:
            return
        log.info("notice %s: reminders over, %s SMS queued", notice.id, queued)
        if queued:
            self.sms_wake()
        self.engine.watch(notice.id)
        rows = await self.reach.breakdown(notice.id)
        t = await self.engine.board.author_t(notice)
        text, markup = handed_view(t, notice, rows, queued)
        chat_id = notice.progress_chat or notice.author_id
        try:
            async with self.engine.slot(chat_id):
                await self.engine.bot.send_message(
                    chat_id, text, reply_markup=markup, rate_limit_args=Paced(3)
                )
        except TelegramError as exc:
            log.warning("notice %s: cannot tell the author: %s", notice.id, type(exc).__name__)
