"""The SMS sender: drains the SMS outbox through the gateway, paced, one SMS at a time.

Durable like the notices' outbox: each result is committed before the next SMS goes, so a
kill -9 repeats at most the one SMS in flight. Temporary refusals are tried again with
backoff; final ones are recorded with their reason and counted in the notice's report.
Log lines name outbox rows, never a phone or a text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from bot.clock import Clock
from bot.sms.gateway import SmsError, SmsGateway
from storage.sms import SmsItem, SmsOutcome, SmsRepo

log = logging.getLogger(__name__)

FETCH = 50


class SmsSender:
    """Sends what is due in `sms_outbox`; `changed(notice_id)` after each result."""

    def __init__(
        self,
        gateway: SmsGateway,
        repo: SmsRepo,
        clock: Clock,
        rate: float,
        retries: int,
        changed: Callable[[int], None],
        holder: str = "bot",
    ) -> None:
        self.gateway = gateway
        self.repo = repo
        self.clock = clock
        self.interval = 1.0 / rate
        self.retries = retries
        self.changed = changed
        # The replica's name on the SMS it claims (several replicas share one database).
        self.holder = holder
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next = 0.0

    def start(self) -> None:
        """Start draining (a plain task, cancelled by stop, like the notice workers)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="sms-sender")

    async def stop(self) -> None:
        """Stop; what is pending stays in the outbox for the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.gateway.close()

    def wake(self) -> None:
        """New SMS were queued."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                now = self.clock.now()
                # Held long enough to send them all at the pace, and a minute more.
                until = now + timedelta(seconds=FETCH * self.interval + 60)
                items = await self.repo.claim(self.holder, now, FETCH, until)
                for item in items:
                    await self._pace()
                    outcome = await self.attempt(item)
                    await self.repo.record(outcome, self.clock.now())
                    self.changed(item.notice_id)
                if len(items) == FETCH:
                    continue
                nxt = await self.repo.next_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the SMS sender failed; trying again shortly")
                nxt = None
            timeout = 5.0
            if nxt is not None:
                timeout = min(timeout, max(0.1, (nxt - self.clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _pace(self) -> None:
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    async def attempt(self, item: SmsItem) -> SmsOutcome:
        """One try of one SMS: what to record."""
        if not item.phone or not item.text:
            return SmsOutcome(item.id, "failed", error="no phone" if not item.phone else "no text")
        try:
            provider_id = await self.gateway.send(item.phone, item.text, item.id)
        except SmsError as exc:
            attempts = item.attempts + 1
            if exc.retry and attempts < self.retries:
                backoff = max(exc.wait, min(300.0, 2.0**attempts))
                log.info("sms %s: try %s refused for now (%s)", item.id, attempts, exc.reason)
                due = self.clock.now() + timedelta(seconds=backoff)
                return SmsOutcome(item.id, "retry", error=exc.reason[:200], due_at=due)
            log.warning("sms %s: not sent (%s)", item.id, exc.reason)
            return SmsOutcome(item.id, "failed", error=exc.reason[:200])
        return SmsOutcome(item.id, "sent", provider_id=provider_id[:64])
