"""The notice service: the one door from handlers to notices, their outbox and the engine.

Every write that touches both the database and the engine (its jobs, its memory) goes
through here in one call, so a handler cannot store a notice and forget to send it, or
cancel one and leave its sends waiting for a slot. Reads go to the repositories directly
(`repo`, `outbox`, `audience`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.notices import schedule
from bot.notices.engine import Delivery, EngineApp
from bot.notices.reminders import CHECK_SECONDS, Reminders
from bot.settings import Settings
from bot.sms.sender import SmsSender
from storage.approvals import Approval, ApprovalRepo
from storage.audience import Audience, AudienceRepo
from storage.notices import Notice, NoticeDraft, NoticeRepo
from storage.outbox import OutboxRepo
from storage.reach import ReachRepo
from storage.sms import SmsRepo

log = logging.getLogger(__name__)


class NoticeService:
    """Create, cancel, recall and edit notices; record what recipients answer."""

    def __init__(
        self,
        settings: Settings,
        repo: NoticeRepo,
        outbox: OutboxRepo,
        audience: AudienceRepo,
        engine: Delivery,
        clock: Clock,
        reach: ReachRepo | None = None,
        approvals: ApprovalRepo | None = None,
        sms: SmsRepo | None = None,
        sender: SmsSender | None = None,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.outbox = outbox
        self.audience = audience
        self.engine = engine
        self.clock = clock
        # The reach repositories share the notices' database (built here when not given).
        self.reach = reach or ReachRepo(repo.db)
        self.approvals = approvals or ApprovalRepo(repo.db)
        self.sms = sms or SmsRepo(repo.db)
        # None when no SMS gateway is configured.
        self.sender = sender
        self.reminders = Reminders(settings, repo, self.reach, engine, clock, self._sms_wake)

    async def start(self, app: EngineApp) -> None:
        """Hand the engine the app's bot and job queue; resume and re-arm what is stored;
        start the SMS sender and the reminders' job."""
        await self.engine.start(app)
        if self.sender is not None:
            self.sender.start()
        if app.job_queue is not None:
            app.job_queue.run_repeating(
                self._remind_job, interval=CHECK_SECONDS, first=60, name="reminders"
            )

    async def stop(self) -> None:
        """Stop sending; what is pending stays in the outboxes."""
        await self.engine.stop()
        if self.sender is not None:
            await self.sender.stop()

    async def _remind_job(self, context: Any) -> None:
        await self.remind_tick()

    def _sms_wake(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    # ---- composing ------------------------------------------------------------------------

    async def instants(self, audience: Audience, tz_mode: str, run: str) -> list[datetime]:
        """When the occurrence `run` falls due for this audience (one instant per zone)."""
        due = await self.engine.due(audience, tz_mode, run)
        return list(due.values()) if isinstance(due, dict) else [due]

    async def first_run(self, draft: NoticeDraft) -> tuple[str, datetime] | None:
        """The first occurrence and when it is queued; None if nothing is left in the future."""
        now = self.clock.now()
        if draft.schedule == "now":
            return schedule.NOW, now
        if draft.schedule == "at":
            run = str(draft.wall_time)
            return run, min(await self.instants(draft.audience, draft.tz_mode, run), default=now)
        start = now.astimezone(self.settings.tz).date() - timedelta(days=1)
        day: str | None = schedule.first_daily(str(draft.wall_time), start)
        while day is not None:
            instants = await self.instants(draft.audience, draft.tz_mode, day)
            if instants and min(instants) > now:
                return day, min(instants)
            day = schedule.following("daily", day, draft.until_date)
        return None

    async def create(self, draft: NoticeDraft, author_id: int) -> Notice | None:
        """Store the notice (audited), then send it now or arm its schedule.

        None, and nothing stored, if no occurrence is left in the future.
        """
        first = await self.first_run(draft)
        if first is None:
            return None
        run, fill_at = first
        notice = await self.repo.create(draft, author_id, run, fill_at, self.clock.now())
        if notice.schedule == "now":
            # The progress message, posted once the recipients are queued, confirms it.
            await self.engine.fill(notice.id)
        else:
            await self.engine.arm(notice)
        return notice

    # ---- the two-person rule ---------------------------------------------------------------

    def needs_approval(self, draft: NoticeDraft, recipients: int) -> bool:
        """Urgent, or to more than APPROVAL_THRESHOLD recipients (0: the rule is off)."""
        limit = self.settings.approval_threshold
        return limit > 0 and draft.kind == "notice" and (draft.urgent or recipients > limit)

    async def submit(self, draft: NoticeDraft, author_id: int) -> Notice | Approval | None:
        """What staff confirmed: stored and sent (or armed), or stored to wait for a second
        staff member's approval; None if no occurrence is left in the future."""
        recipients = await self.audience.count(draft.audience)
        if not self.needs_approval(draft, recipients):
            return await self.create(draft, author_id)
        if await self.first_run(draft) is None:
            return None
        return await self.approvals.create(draft, author_id, recipients, self.clock.now())

    async def approve(self, approval_id: int, approver_id: int) -> tuple[Approval, Notice | None]:
        """A second staff member approves: the notice is stored and sent or armed (None: its
        time passed meanwhile). Raises LookupError if it is not waiting or is their own."""
        approval = await self.approvals.decide(approval_id, approver_id, True, self.clock.now())
        if approval is None:
            raise LookupError(approval_id)
        # Decided first and created second: a crash in between loses the send (the author
        # composes again) instead of letting a second approval send it twice.
        notice = await self.create(approval.draft, approval.author_id)
        await self.approvals.link(approval.id, notice.id if notice else None, self.clock.now())
        return approval, notice

    async def reject(self, approval_id: int, approver_id: int) -> Approval:
        """A second staff member rejects: nothing is sent. LookupError as for approve."""
        approval = await self.approvals.decide(approval_id, approver_id, False, self.clock.now())
        if approval is None:
            raise LookupError(approval_id)
        return approval

    # ---- reach ----------------------------------------------------------------------------

    async def remind_tick(self) -> int:
        """Queue the reminders due now; hand over notices whose reminders are over."""
        return await self.reminders.tick()

    async def send_sms(
        self, notice_id: int, actor_id: int, countries: Iterable[str] | None = None
    ) -> int:
        """SMS the notice's text to those it did not reach (audited): how many are queued."""
        if self.sender is None:
            return 0
        queued = await self.sms.queue(notice_id, actor_id, self.clock.now(), countries)
        if queued:
            self.sender.wake()
            self.engine.watch(notice_id)
        return queued

    # ---- managing -------------------------------------------------------------------------

    async def cancel(self, notice_id: int, actor_id: int) -> int:
        """Stop a sending or scheduled notice: the sends it withdrew, or -1 if not active."""
        withdrawn = await self.repo.cancel(notice_id, actor_id, self.clock.now())
        if withdrawn >= 0:
            await self.sms.cancel(notice_id, self.clock.now())
            self.engine.halt(notice_id)
        return withdrawn

    async def recall(self, notice_id: int, actor_id: int) -> int:
        """Delete every delivered copy and stop the rest: copies queued, or -1 if recalled."""
        copies = await self.repo.recall(notice_id, actor_id, self.clock.now())
        if copies >= 0:
            await self.sms.cancel(notice_id, self.clock.now())
            self.engine.halt(notice_id)
        return copies

    async def edit(self, notice_id: int, text_ru: str, text_kk: str | None, actor_id: int) -> int:
        """New texts for every delivered copy: copies queued for an edit, or -1."""
        copies = await self.repo.edit(notice_id, text_ru, text_kk, actor_id, self.clock.now())
        if copies >= 0:
            self.engine.forget(notice_id)
        return copies

    def slot(self, chat_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        """A broadcast slot from the engine's pacing, for a call of another wing."""
        return self.engine.slot(chat_id)

    def queued(self, notice_id: int) -> None:
        """Another wing queued outbox rows for this notice (evacuation offers): send them."""
        self.engine.watch(notice_id)
        self.engine.wake()

    # ---- recipients -----------------------------------------------------------------------

    async def acknowledge(self, notice_id: int, user_id: int) -> bool | None:
        """A recipient's "Received": True new, False repeated, None not theirs."""
        result = await self.outbox.ack(notice_id, user_id, self.clock.now())
        if result is None:
            await self.engine.recorder.settled()
            result = await self.outbox.ack(notice_id, user_id, self.clock.now())
        if result is not None:
            self.engine.watch(notice_id)
        return result

    async def answer(
        self, notice_id: int, user_id: int, value: str, now: datetime | None = None
    ) -> Notice | None:
        """A recipient's answer to a safety check or freshness ping; None if not theirs.

        `now` is the service's clock unless the caller already read it.
        """
        stamp = now or self.clock.now()
        if not await self.outbox.answer(notice_id, user_id, value, stamp):
            # Pressed before the copy's "sent" was committed: look again once it is.
            await self.engine.recorder.settled()
            if not await self.outbox.answer(notice_id, user_id, value, stamp):
                return None
        self.engine.watch(notice_id)
        return await self.repo.get(notice_id)

    async def latest_safety(
        self, countries: Iterable[str] | None
    ) -> dict[str, tuple[int, int, int]]:
        """Per country, the latest safety check's (safe, need help, no answer) counts."""
        return await self.outbox.latest_safety(countries)

    async def freshness_tick(self) -> int:
        """Ask stale citizens whose local time is daytime whether they are still there."""
        now = self.clock.now()
        stale_before = now - timedelta(days=self.settings.stale_days)
        fresh_id = await self.repo.fresh_notice(now)
        waiting = await self.outbox.stale_countries(stale_before, fresh_id)
        start, end = self.settings.fresh_hours.split("-")
        home = self.settings.tz
        local = {
            c: now.astimezone(schedule.country_zone(c, home)).strftime("%H:%M") for c in waiting
        }
        daytime = [c for c in waiting if start <= local[c] < end]
        queued = await self.outbox.queue_fresh(fresh_id, daytime, stale_before, now)
        if queued:
            log.info("freshness: %s citizens asked in %s countries", queued, len(daytime))
            self.engine.wake()
        return queued
