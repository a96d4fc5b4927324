"""The broadcast engine: fills the outbox when notices fall due and drains it at the limit.

The database is the source of truth. A notice's occurrence is queued in the outbox (one
row per recipient) when it falls due; workers send what is pending and due, each waiting
for its result to be committed before it takes the next item, so a kill -9 can repeat at
most one send per worker. At start-up every unfinished notice resumes from the outbox and
every scheduled one is re-armed on the JobQueue under a stable name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application, ExtBot, JobQueue

from bot.clock import Clock
from bot.i18n import Catalog
from bot.notices import outcomes, schedule, views
from bot.notices.progress import ProgressBoard
from bot.notices.queue import SendQueue
from bot.notices.recorder import Recorder
from bot.runtime.limiter import HotlineRateLimiter, Paced
from bot.settings import Settings
from storage.audience import Audience, AudienceRepo
from storage.citizens import CitizenRepo
from storage.leases import LeaseRepo
from storage.notices import Notice, NoticeRepo
from storage.outbox import OutboxItem, OutboxRepo, Outcome
from storage.registrations import RegistrationRepo

log = logging.getLogger(__name__)

# What the engine uses of the application: its bot and its job queue. (The wiring's AnyApp
# lives in bot.context, a floor above this one.)
EngineApp = Application[ExtBot[Any], Any, Any, Any, Any, JobQueue[Any]]
# When an occurrence falls due: one instant, or one per country (local time).
Due = datetime | dict[str, datetime]
# Another wing's rendering of one outbox row of its notice kind: text and buttons, or None
# when there is nothing to send (the row was answered or withdrawn while it waited).
Renderer = Callable[[OutboxItem, Notice], Awaitable[views.Body | None]]

# How long outbox rows taken by this replica stay out of the others' reach, and how often
# the claim on those still in hand is renewed. A replica killed with rows in hand delays
# them by at most CLAIM; a restart under the same name gives them back at once.
CLAIM = timedelta(seconds=15)
RENEW_EVERY = 3.0
# A scheduled occurrence is filled by the replica that takes this lease first.
FILL_LEASE = timedelta(minutes=2)


class Delivery:
    """Fills, sends, edits and deletes notices; the progress board shows them to authors."""

    def __init__(
        self,
        settings: Settings,
        repo: NoticeRepo,
        outbox: OutboxRepo,
        audience: AudienceRepo,
        catalog: Catalog,
        citizens: CitizenRepo,
        registrations: RegistrationRepo,
        clock: Clock,
        leases: LeaseRepo,
    ) -> None:
        self.settings = settings
        self.leases = leases
        self.replica = settings.replica_name
        self.repo = repo
        self.outbox = outbox
        self.audience = audience
        self.catalog = catalog
        self.registrations = registrations
        self.clock = clock
        self.recorder = Recorder(outbox.record, clock.now)
        self.board = ProgressBoard(settings, repo, outbox, catalog, citizens, clock, self._slot)
        # The application, handed in by start(): until then nothing is sent or armed.
        self._app: EngineApp | None = None
        self.in_hand: set[int] = set()
        self._notices: dict[int, Notice] = {}
        # Each notice's text and button as recipients get them, by version and language:
        # the same for every copy, so rendered once, not once per send. Keyed by version
        # too, so a worker still holding the notice from before an edit cannot put the
        # old text back under the new one.
        self._bodies: dict[int, dict[tuple[int, str], views.Body]] = {}
        self._wake = asyncio.Event()
        # The best pending sends, refilled when half empty (bot.notices.queue).
        self._queue = SendQueue(self.settings.broadcast_workers * 4)
        # The feeder filled the queue and waits for the workers to make room.
        self._full = False
        # Something was queued in the outbox since the feeder last looked (wake()).
        self._news = True
        self._tasks: list[asyncio.Task[Any]] = []
        # Notices cancelled or recalled in this process: sends waiting for a slot are dropped.
        self._stopped: set[int] = set()
        # Notice kinds whose rows another wing renders, one per recipient (evacuation
        # offers): the outbox's pacing, durability and resumption serve them unchanged.
        self.renderers: dict[str, Renderer] = {}

    @property
    def bot(self) -> ExtBot[Any]:
        """The bot the engine sends with (once started)."""
        if self._app is None:
            raise RuntimeError("the delivery engine has not been started")
        return self._app.bot

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self, app: EngineApp) -> None:
        """Take the app's bot and job queue; resume unfinished notices, re-arm scheduled ones,
        start the workers."""
        self._app = app
        released = await self.outbox.release(self.replica)
        if released:
            log.info("took back %s outbox items this replica held before it stopped", released)
        # Sending, or sent but not yet reported done when the last process stopped.
        for notice_id in await self.outbox.busy_notices() + await self.repo.unfinished():
            self.board.watch(notice_id)
        await self.arm_all()
        # Plain tasks, kept here and cancelled by stop(): the loops never end by themselves
        # and handle their own errors, so Application.create_task (which awaits its tasks
        # at shutdown and is not running yet when the start-up job fires) does not fit.
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._feed(), name="delivery-feed")]
        self._tasks += [
            loop.create_task(self._work(), name=f"delivery-{i}")
            for i in range(self.settings.broadcast_workers)
        ]
        self._tasks.append(loop.create_task(self.board.run(self.bot), name="delivery-progress"))

    async def stop(self) -> None:
        """Stop the workers; whatever is pending stays in the outbox for the next start."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def wake(self) -> None:
        """Something new is due: look at the outbox now."""
        self._news = True
        self._wake.set()

    def forget(self, notice_id: int) -> None:
        """The notice changed (edited, cancelled, recalled): read it again before sending."""
        self._drop(notice_id)
        self.board.watch(notice_id)
        self.wake()

    def halt(self, notice_id: int) -> None:
        """The notice was cancelled or recalled: drop its sends still waiting for a slot."""
        self._stopped.add(notice_id)
        self.forget(notice_id)
        self.disarm(notice_id)

    def watch(self, notice_id: int) -> None:
        """Refresh this notice's progress or report at the next tick (new acknowledgement)."""
        self.board.watch(notice_id)

    # ---- scheduling -----------------------------------------------------------------------

    async def due(self, audience: Audience, tz_mode: str, run: str) -> Due:
        """When an occurrence falls due: now, one instant (Astana), or one per country."""
        if run == schedule.NOW:
            return self.clock.now()
        codes = list(audience.countries)
        if tz_mode == "local" and not codes:
            codes = await self.audience.countries(audience)
        return schedule.instants(run, tz_mode, self.settings.tz, codes)

    async def _fill_instant(self, notice: Notice, run: str) -> datetime:
        due = await self.due(notice.audience, notice.tz_mode, run)
        return schedule.fill_instant(due, self.clock.now())

    async def arm_all(self) -> None:
        """Arm a job for every scheduled occurrence; past ones are sent or marked missed."""
        for notice in await self.repo.armed():
            await self.arm(notice)

    async def arm(self, notice: Notice) -> None:
        """Arm the job of the notice's next occurrence (stable name `notice:<id>`)."""
        if self._app is None:
            # Not started yet: start() arms every stored occurrence, this one included.
            return
        grace = timedelta(minutes=self.settings.notice_grace_minutes)
        now = self.clock.now()
        while notice.next_run is not None and notice.fill_at is not None:
            if notice.fill_at >= now - grace or notice.next_run == schedule.NOW:
                break
            missed_run = notice.next_run
            nxt = schedule.following(notice.schedule, missed_run, notice.until_date)
            fill = await self._fill_instant(notice, nxt) if nxt else None
            notice = await self.repo.skip(notice, nxt, fill, now)
            log.warning("notice %s: occurrence missed while the bot was down", notice.id)
            await self.board.tell(self.bot, notice, "notice-missed", run=missed_run)
        job_queue = self._app.job_queue
        if job_queue is None:
            return
        name = f"notice:{notice.id}"
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        if notice.next_run is None or notice.fill_at is None:
            await self.repo.finish_if_drained(notice.id, now)
            return
        delay = max(0.0, (notice.fill_at - now).total_seconds())
        job_queue.run_once(self._fill_job, when=delay, name=name, data=notice.id)

    def disarm(self, notice_id: int) -> None:
        """Remove the notice's scheduled job (cancelled or recalled)."""
        if self._app is not None and self._app.job_queue is not None:
            for job in self._app.job_queue.get_jobs_by_name(f"notice:{notice_id}"):
                job.schedule_removal()

    async def _fill_job(self, context: Any) -> None:
        await self.fill(int(context.job.data))

    async def fill(self, notice_id: int) -> int:
        """Queue the notice's due occurrence for its recipients; arm the next one."""
        if self._app is None:
            # Not started yet: start() arms it, and its job fills it.
            return 0
        notice = await self.repo.get(notice_id)
        if notice is None or notice.state != "active" or notice.next_run is None:
            return 0
        run = notice.next_run
        now = self.clock.now()
        if run != schedule.NOW and notice.fill_at is not None and notice.fill_at > now:
            # Another replica filled the occurrence this job was armed for: arm the next.
            await self.arm(notice)
            return 0
        if not await self.leases.take(f"notice:{notice.id}:{run}", self.replica, now,
                                      now + FILL_LEASE):  # fmt: skip
            # Another replica is filling it; look again once it must have finished.
            self._retry_fill(notice.id)
            return 0
        due = await self.due(notice.audience, notice.tz_mode, run)
        nxt = schedule.following(notice.schedule, run, notice.until_date)
        fill = await self._fill_instant(notice, nxt) if nxt else None
        queued = await self.outbox.fill(notice, run, due, nxt, fill, self.clock.now())
        log.info("notice %s: occurrence queued for %s recipients", notice.id, queued)
        self._drop(notice.id)
        await self.board.post(self.bot, notice)
        updated = await self.repo.get(notice.id)
        if updated is not None:
            await self.arm(updated)
        self.wake()
        return queued

    def _retry_fill(self, notice_id: int) -> None:
        if self._app is not None and self._app.job_queue is not None:
            self._app.job_queue.run_once(
                self._fill_job, when=FILL_LEASE.total_seconds() + 1, name=f"notice:{notice_id}",
                data=notice_id,
            )  # fmt: skip

    async def sync(self) -> None:
        """Arm what another replica scheduled (each replica's JobQueue is its own)."""
        if self._app is None or self._app.job_queue is None:
            return
        for notice in await self.repo.armed():
            if not self._app.job_queue.get_jobs_by_name(f"notice:{notice.id}"):
                await self.arm(notice)

    # ---- sending --------------------------------------------------------------------------

    async def _feed(self) -> None:
        renewed = 0.0
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            now = self.clock.now()
            if self.in_hand and loop.time() - renewed >= RENEW_EVERY:
                await self.outbox.renew(self.in_hand, now + CLAIM)
                renewed = loop.time()
            queue = self._queue
            # The best items no replica holds: the first fill the room left, and any after
            # them more urgent than the worst queued swap it out. Only news (a fill, a
            # reminder) can bring such items, so otherwise the room is all that is claimed.
            want = queue.limit if self._news else queue.limit - len(queue)
            self._news = False
            items = await self.outbox.claim(self.replica, now, want, now + CLAIM) if want else []
            # Claimed but not kept (no room, or swapped out): given back to every replica.
            returned: list[int] = []
            for index, item in enumerate(items):
                worst = queue.worst()
                if len(queue) >= queue.limit and (worst is None or item.priority >= worst):
                    returned.extend(i.id for i in items[index:])
                    break
                self.in_hand.add(item.id)
                self.board.watch(item.notice_id)
                evicted = await queue.put(item)
                if evicted is not None:
                    # Back to waiting in the database, to be fetched again later.
                    self.in_hand.discard(evicted.id)
                    returned.append(evicted.id)
            if returned:
                await self.outbox.unclaim(returned)
            # Awake at least every RENEW_EVERY: the claims on the items in hand must not lapse.
            timeout = RENEW_EVERY
            if len(queue) >= queue.limit:
                # Full: the workers wake the feeder once they have taken half of it.
                self._full = True
            else:
                # Nothing more due: sleep until the next due item, a wake-up, or a while.
                # Items in hand are still pending, so a past "next due" means "soon": look
                # again shortly, in case one of them is put back for a retry.
                nxt = await self.outbox.next_due()
                if nxt is not None:
                    timeout = min(timeout, max(0.1, (nxt - self.clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            if self._full and len(self._queue) <= self._queue.limit // 2:
                self._full = False
                self._wake.set()
            try:
                outcome = await self.attempt(item)
                if outcome is not None:
                    await self.recorder.record(outcome)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Stays pending in the database; the next start (or fetch) tries again.
                log.exception("delivery of outbox item %s failed unexpectedly", item.id)
                await asyncio.sleep(1.0)
            finally:
                self.in_hand.discard(item.id)

    @contextlib.asynccontextmanager
    async def _slot(self, chat_id: int) -> AsyncIterator[None]:
        """A broadcast slot from the limiter for one call, given back when it ends."""
        limiter = self.bot.rate_limiter
        if not isinstance(limiter, HotlineRateLimiter):
            yield
            return
        paid = self.settings.paid_broadcasts
        await limiter.acquire(chat_id, paid)
        try:
            yield
        finally:
            limiter.release(paid)

    def slot(self, chat_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        """A broadcast slot for one call made elsewhere that must not break the pace (an
        evacuation card's edit while offers go out, the reminders' hand-over message)."""
        return self._slot(chat_id)

    def _drop(self, notice_id: int) -> None:
        self._notices.pop(notice_id, None)
        self._bodies.pop(notice_id, None)

    def _body(self, notice: Notice, lang: str) -> views.Body:
        bodies = self._bodies.setdefault(notice.id, {})
        body = bodies.get((notice.version, lang))
        if body is None:
            ack = notice.id if notice.ack else None
            body = bodies[notice.version, lang] = views.body(
                self.catalog, lang, notice.text(lang), ack
            )
        return body

    def _reminder(self, notice: Notice, lang: str) -> views.Body:
        bodies = self._bodies.setdefault(notice.id, {})
        body = bodies.get((-1, lang))
        if body is None:
            body = bodies[-1, lang] = views.reminder(self.catalog, lang, notice.id)
        return body

    async def _notice(self, notice_id: int) -> Notice | None:
        notice = self._notices.get(notice_id)
        if notice is None:
            notice = await self.repo.get(notice_id)
            if notice is not None:
                self._notices[notice_id] = notice
        return notice

    async def attempt(self, item: OutboxItem) -> Outcome | None:
        """One try of one outbox item: what to record (None: nothing, it was withdrawn)."""
        notice = await self._notice(item.notice_id)
        if notice is None:
            return Outcome(item.id, "failed", error="notice gone")
        live = ("active", "done") if item.reminder else ("active",)
        if item.op == "send" and notice.state not in live:
            # Cancelled or recalled while the item waited in memory: the database already
            # withdrew it. (Reminders follow notices that finished sending.)
            return None
        try:
            async with self._slot(item.user_id):
                if item.op == "send" and item.notice_id in self._stopped:
                    return None
                message_id = await self._call(item, notice)
        except TelegramError as exc:
            return outcomes.of_error(item, exc, self.settings.broadcast_retries, self.clock.now())
        if item.op == "send":
            return Outcome(item.id, "sent", message_id=message_id, version=notice.version)
        return Outcome(item.id, "done")

    async def _call(self, item: OutboxItem, notice: Notice) -> int | None:
        bot = self.bot
        if item.op == "delete":
            await bot.delete_message(item.user_id, item.message_id or 0, rate_limit_args=Paced(3))
            return None
        if item.reminder:
            text, markup = self._reminder(notice, item.lang)
            body: dict[str, Any] = {"text": text}
            if item.message_id:
                # A reply to the copy it reminds of, which the citizen sees quoted.
                body["reply_parameters"] = {
                    "message_id": item.message_id, "allow_sending_without_reply": True,
                }  # fmt: skip
            return await self._send("sendMessage", item.user_id, body, markup)
        render = self.renderers.get(notice.kind)
        if render is not None:
            rendered = await render(item, notice)
        elif notice.kind != "notice":
            rendered = await self._check_message(item, notice)
        else:
            rendered = self._body(notice, item.lang)
        if rendered is None:
            return None
        text, markup = rendered
        if item.op == "edit":
            if notice.media_kind:
                await bot.edit_message_caption(
                    item.user_id, item.message_id, caption=text, reply_markup=markup,
                    rate_limit_args=Paced(3),
                )  # fmt: skip
            else:
                await bot.edit_message_text(
                    text, item.user_id, item.message_id, reply_markup=markup,
                    rate_limit_args=Paced(3),
                )  # fmt: skip
            return None
        if notice.media_kind in ("photo", "document"):
            kind = str(notice.media_kind)
            body = {kind: notice.media_file_id or "", "caption": text}
            return await self._send(f"send{kind.title()}", item.user_id, body, markup)
        return await self._send("sendMessage", item.user_id, {"text": text}, markup)

    async def _send(
        self, method: str, chat_id: int, body: dict[str, Any], markup: InlineKeyboardMarkup | None
    ) -> int:
        """One copy, through `do_api_request`: the engine needs only the message id, and
        parsing every answer into a Message object was the largest cost per send left."""
        params: dict[str, Any] = {"chat_id": chat_id, "parse_mode": "HTML", **body}
        if markup is not None:
            params["reply_markup"] = markup
        if self.settings.paid_broadcasts:
            params["allow_paid_broadcast"] = True
        result = await self.bot.do_api_request(method, api_kwargs=params, rate_limit_args=Paced(3))
        if not isinstance(result, dict) or "message_id" not in result:
            raise NetworkError("unexpected answer to a send")
        return int(result["message_id"])

    async def _check_message(
        self, item: OutboxItem, notice: Notice
    ) -> tuple[str, InlineKeyboardMarkup | None] | None:
        """ "Are you safe?" or "Are you still in ...?" for one recipient."""
        t = self.catalog.translator(item.lang)
        place = views.place(item.lang, item.country)
        if notice.kind == "safety":
            if notice.audience.city:
                place = f"{notice.audience.city}, {place}"
            return views.safety_question(t, notice.id, place)
        reg = await self.registrations.get(item.user_id)
        if reg is None or not reg.active:
            return None
        where = f"{reg.city}, {views.place(item.lang, reg.country)}"
        return views.fresh_question(t, notice.id, where)
