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
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.i18n import Translator
from bot.notices import schedule
from bot.notices.text import render
from bot.reference import countries
from bot.runtime.limiter import HotlineRateLimiter, Paced
from storage.notices import Notice, NoticeRepo, OutboxItem, Outcome, Progress

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.services import Services

log = logging.getLogger(__name__)

FETCH = 200
# Errors of a recipient's chat: not retried, the recipient is set inactive.
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")
_EDIT_DONE = ("message is not modified",)


# A notice's text and button, as one recipient language gets them.
_Body = tuple[str, InlineKeyboardMarkup | None]


def ack_markup(label: str, notice_id: int) -> InlineKeyboardMarkup:
    """The acknowledgement button under a notice."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"ack:{notice_id}")]])


class Recorder:
    """Group commit: results that arrive while a commit runs go into the next one."""

    def __init__(self, repo: NoticeRepo, now: Callable[[], datetime]) -> None:
        self.repo = repo
        self.now = now
        self._queue: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._flushing = False

    async def record(self, outcome: Outcome) -> None:
        """Store one result; returns once it is committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await future

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    await self.repo.record([o for o, _ in batch], self.now())
                except Exception as exc:
                    for _, future in batch:
                        future.set_exception(exc)
                else:
                    for _, future in batch:
                        future.set_result(None)
        finally:
            self._flushing = False


@dataclass
class _Watch:
    """What the progress message of one notice last showed."""

    text: str = ""
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=20))


class Delivery:
    """Fills, sends, edits and deletes notices; shows progress to their authors."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
        self.app = app
        self.services = services
        self.settings = services.settings
        self.repo = services.notices
        self.clock = services.clock
        self.recorder = Recorder(self.repo, self.clock.now)
        self.in_hand: set[int] = set()
        self._notices: dict[int, Notice] = {}
        # Each notice's text and button as recipients get them, by version and language:
        # the same for every copy, so rendered once, not once per send. Keyed by version
        # too, so a worker still holding the notice from before an edit cannot put the
        # old text back under the new one.
        self._bodies: dict[int, dict[tuple[int, str], _Body]] = {}
        self._wake = asyncio.Event()
        self._watch: dict[int, _Watch] = {}
        self._queue: asyncio.Queue[OutboxItem] = asyncio.Queue(
            maxsize=self.settings.broadcast_workers * 4
        )
        self._tasks: list[asyncio.Task[Any]] = []
        # Notices cancelled or recalled in this process: sends waiting for a slot are dropped.
        self._stopped: set[int] = set()

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Resume unfinished notices, re-arm scheduled ones, start the workers."""
        # Sending, or sent but not yet reported done when the last process stopped.
        for notice_id in await self.repo.busy_notices() + await self.repo.unfinished():
            self._watch.setdefault(notice_id, _Watch())
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
        self._tasks.append(loop.create_task(self._progress_loop(), name="delivery-progress"))

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
        self._wake.set()

    def forget(self, notice_id: int) -> None:
        """The notice changed (edited, cancelled, recalled): read it again before sending."""
        self._drop(notice_id)
        self._watch.setdefault(notice_id, _Watch())
        self.wake()

    def halt(self, notice_id: int) -> None:
        """The notice was cancelled or recalled: drop its sends still waiting for a slot."""
        self._stopped.add(notice_id)
        self.forget(notice_id)
        self.disarm(notice_id)

    def watch(self, notice_id: int) -> None:
        """Refresh this notice's progress or report at the next tick (new acknowledgement)."""
        self._watch.setdefault(notice_id, _Watch())

    # ---- scheduling -----------------------------------------------------------------------

    async def arm_all(self) -> None:
        """Arm a job for every scheduled occurrence; past ones are sent or marked missed."""
        for notice in await self.repo.armed():
            await self.arm(notice)

    async def arm(self, notice: Notice) -> None:
        """Arm the job of the notice's next occurrence (stable name `notice:<id>`)."""
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
            await self._tell_author(notice, "notice-missed", run=missed_run)
        job_queue = self.app.job_queue
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
        if self.app.job_queue is not None:
            for job in self.app.job_queue.get_jobs_by_name(f"notice:{notice_id}"):
                job.schedule_removal()

    async def _fill_instant(self, notice: Notice, run: str) -> datetime:
        due = await self._due(notice, run)
        return schedule.fill_instant(due, self.clock.now())

    async def _due(self, notice: Notice, run: str) -> datetime | dict[str, datetime]:
        if run == schedule.NOW:
            return self.clock.now()
        countries = list(notice.audience.countries)
        if notice.tz_mode == "local" and not countries:
            countries = await self.repo.audience_countries(notice.audience)
        return schedule.instants(run, notice.tz_mode, self.settings.tz, countries)

    async def _fill_job(self, context: Any) -> None:
        await self.fill(int(context.job.data))

    async def fill(self, notice_id: int) -> int:
        """Queue the notice's due occurrence for its recipients; arm the next one."""
        notice = await self.repo.get(notice_id)
        if notice is None or notice.state != "active" or notice.next_run is None:
            return 0
        run = notice.next_run
        due = await self._due(notice, run)
        nxt = schedule.following(notice.schedule, run, notice.until_date)
        fill = await self._fill_instant(notice, nxt) if nxt else None
        queued = await self.repo.fill(notice, run, due, nxt, fill, self.clock.now())
        log.info("notice %s: occurrence queued for %s recipients", notice.id, queued)
        self._drop(notice.id)
        await self._post_progress(notice)
        updated = await self.repo.get(notice.id)
        if updated is not None:
            await self.arm(updated)
        self.wake()
        return queued

    # ---- sending --------------------------------------------------------------------------

    async def _feed(self) -> None:
        while True:
            self._wake.clear()
            items = await self.repo.due(self.clock.now(), FETCH, self.in_hand)
            for item in items:
                self.in_hand.add(item.id)
                self._watch.setdefault(item.notice_id, _Watch())
                await self._queue.put(item)
            if len(items) == FETCH:
                continue
            # Nothing more due: sleep until the next due item, a wake-up, or a while.
            # Items in hand are still pending, so a past "next due" means "soon": look again
            # shortly, in case one of them is put back for a retry.
            nxt = await self.repo.next_due()
            timeout = 5.0
            if nxt is not None:
                timeout = min(timeout, max(0.1, (nxt - self.clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                outcome = await self._attempt(item)
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
        limiter = self.app.bot.rate_limiter
        if not isinstance(limiter, HotlineRateLimiter):
            yield
            return
        paid = self.settings.paid_broadcasts
        await limiter.acquire(chat_id, paid)
        try:
            yield
        finally:
            limiter.release(paid)

    def _drop(self, notice_id: int) -> None:
        self._notices.pop(notice_id, None)
        self._bodies.pop(notice_id, None)

    def _body(self, notice: Notice, lang: str) -> _Body:
        bodies = self._bodies.setdefault(notice.id, {})
        body = bodies.get((notice.version, lang))
        if body is None:
            catalog = self.services.catalog
            text = render(catalog, lang, notice.text(lang))
            label = catalog.format(lang, "btn-notice-ack")
            markup = ack_markup(label, notice.id) if notice.ack else None
            body = bodies[notice.version, lang] = (text, markup)
        return body

    async def _notice(self, notice_id: int) -> Notice | None:
        notice = self._notices.get(notice_id)
        if notice is None:
            notice = await self.repo.get(notice_id)
            if notice is not None:
                self._notices[notice_id] = notice
        return notice

    async def _attempt(self, item: OutboxItem) -> Outcome | None:
        notice = await self._notice(item.notice_id)
        if notice is None:
            return Outcome(item.id, "failed", error="notice gone")
        if item.op == "send" and notice.state != "active":
            # Cancelled or recalled while the item waited in memory: the database already
            # withdrew it.
            return None
        try:
            async with self._slot(item.user_id):
                if item.op == "send" and item.notice_id in self._stopped:
                    return None
                message_id = await self._call(item, notice)
        except RetryAfter:
            # The limiter already waited and retried; put it back without counting.
            return Outcome(item.id, "requeue", due_at=self.clock.now(), error="retry_after")
        except Forbidden as exc:
            return Outcome(item.id, "blocked", error=exc.message[:200])
        except BadRequest as exc:
            text = exc.message.lower()
            if any(g in text for g in _GONE):
                return Outcome(item.id, "blocked", error=exc.message[:200])
            if any(d in text for d in _EDIT_DONE):
                return Outcome(item.id, "done")
            return Outcome(item.id, "failed", error=exc.message[:200])
        except TelegramError as exc:
            return self._retry(item, type(exc).__name__)
        if item.op == "send":
            return Outcome(item.id, "sent", message_id=message_id, version=notice.version)
        return Outcome(item.id, "done")

    def _retry(self, item: OutboxItem, error: str) -> Outcome:
        attempts = item.attempts + 1
        if attempts >= self.settings.broadcast_retries:
            return Outcome(item.id, "failed", error=error)
        backoff = min(60.0, 2.0**attempts)
        return Outcome(
            item.id, "retry", error=error, due_at=self.clock.now() + timedelta(seconds=backoff)
        )

    async def _call(self, item: OutboxItem, notice: Notice) -> int | None:
        bot = self.app.bot
        if item.op == "delete":
            await bot.delete_message(item.user_id, item.message_id or 0, rate_limit_args=Paced(3))
            return None
        if notice.kind != "notice":
            check = await self._check_message(item, notice)
            if check is None:
                return None
            return await self._send("sendMessage", item.user_id, {"text": check[0]}, check[1])
        text, markup = self._body(notice, item.lang)
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
        result = await self.app.bot.do_api_request(
            method, api_kwargs=params, rate_limit_args=Paced(3)
        )
        if not isinstance(result, dict) or "message_id" not in result:
            raise NetworkError("unexpected answer to a send")
        return int(result["message_id"])

    async def _check_message(
        self, item: OutboxItem, notice: Notice
    ) -> tuple[str, InlineKeyboardMarkup] | None:
        """ "Are you safe?" or "Are you still in ...?" for one recipient."""
        t = self.services.catalog.translator(item.lang)
        place = _place(item.lang, item.country)
        if notice.kind == "safety":
            if notice.audience.city:
                place = f"{notice.audience.city}, {place}"
            buttons = [("btn-safe", "safe"), ("btn-need-help", "help")]
            text = t("safety-question", place=place)
            prefix = "sf"
        else:
            reg = await self.services.registrations.get(item.user_id)
            if reg is None or not reg.active:
                return None
            text = t("fresh-question", place=f"{reg.city}, {_place(item.lang, reg.country)}")
            buttons = [("btn-still-here", "here"), ("btn-moved", "moved"), ("btn-home", "home")]
            prefix = "fr"
        markup = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(t(k), callback_data=f"{prefix}:{notice.id}:{v}")]
                for k, v in buttons
            ]
        )
        return text, markup

    async def freshness_tick(self) -> int:
        """Ask stale citizens whose local time is daytime whether they are still there."""
        now = self.clock.now()
        stale_before = now - timedelta(days=self.settings.stale_days)
        fresh_id = await self.repo.fresh_notice(now)
        waiting = await self.repo.stale_countries(stale_before, fresh_id)
        start, end = self.settings.fresh_hours.split("-")
        home = self.settings.tz
        local = {
            c: now.astimezone(schedule.country_zone(c, home)).strftime("%H:%M") for c in waiting
        }
        daytime = [c for c in waiting if start <= local[c] < end]
        queued = await self.repo.queue_fresh(fresh_id, daytime, stale_before, now)
        if queued:
            log.info("freshness: %s citizens asked in %s countries", queued, len(daytime))
            self.wake()
        return queued

    # ---- progress -------------------------------------------------------------------------

    async def _post_progress(self, notice: Notice) -> None:
        """A fresh progress message in the author's chat for this occurrence."""
        progress = await self.repo.progress(notice.id)
        t = await self._author_t(notice)
        text, markup = self.progress_view(t, notice, progress, None)
        chat_id = notice.progress_chat or notice.author_id
        try:
            async with self._slot(chat_id):
                message = await self.app.bot.send_message(
                    chat_id, text, reply_markup=markup, rate_limit_args=Paced(3)
                )
        except TelegramError as exc:
            log.warning("notice %s: cannot post progress: %s", notice.id, type(exc).__name__)
            return
        await self.repo.set_progress(notice.id, message.chat_id, message.message_id)
        self._watch[notice.id] = _Watch(text=text)

    async def _author_t(self, notice: Notice) -> Translator:
        lang = await self.services.citizens.lang_of(notice.author_id) or self.settings.staff_lang
        return self.services.catalog.translator(lang)

    async def _progress_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.progress_seconds)
            for notice_id in list(self._watch):
                try:
                    await self._tick(notice_id)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("progress of notice %s failed", notice_id)
                    self._watch.pop(notice_id, None)

    async def _tick(self, notice_id: int) -> None:
        watch = self._watch.get(notice_id)
        notice = await self.repo.get(notice_id)
        if watch is None or notice is None:
            self._watch.pop(notice_id, None)
            return
        progress = await self.repo.progress(notice_id)
        busy = progress.pending or progress.edits_pending or progress.deletes_pending
        if (
            not busy
            and notice.state == "active"
            and notice.next_run is None
            and await self.repo.finish_if_drained(notice_id, self.clock.now())
        ):
            notice = replace(notice, state="done")
        watch.samples.append(
            (time.monotonic(), progress.sent + progress.failed + progress.blocked)
        )
        rate = _rate(watch.samples)
        t = await self._author_t(notice)
        text, markup = self.progress_view(t, notice, progress, rate)
        if text != watch.text and notice.progress_chat and notice.progress_msg:
            # The edit takes a broadcast slot (and is marked Paced, so the limiter does not
            # count it a second time): like a notice, it counts in Telegram's overall rate.
            try:
                async with self._slot(notice.progress_chat):
                    await self.app.bot.edit_message_text(
                        text, notice.progress_chat, notice.progress_msg, reply_markup=markup,
                        rate_limit_args=Paced(3),
                    )  # fmt: skip
            except BadRequest as exc:
                if "not modified" not in exc.message:
                    log.warning("notice %s: progress edit refused", notice_id)
            except TelegramError as exc:
                log.warning("notice %s: progress edit failed: %s", notice_id, type(exc).__name__)
            watch.text = text
        if not busy:
            self._watch.pop(notice_id, None)

    def progress_view(
        self, t: Translator, notice: Notice, p: Progress, rate: float | None
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        """The progress message while sending; the report once done."""
        done = p.sent + p.failed + p.blocked + p.cancelled
        busy = p.pending > 0
        if notice.kind == "safety":
            text = t(
                "safety-progress", id=str(notice.id), total=p.total, sent=p.sent, safe=p.safe,
                help=p.help, silent=p.sent - p.safe - p.help, left=p.pending,
                blocked=p.blocked + p.failed,
            )  # fmt: skip
            stop = [
                [InlineKeyboardButton(t("btn-notice-cancel"), callback_data=f"nt:x:{notice.id}")]
            ]
            return text, InlineKeyboardMarkup(stop) if busy and notice.state == "active" else None
        if notice.state == "active" and busy:
            share = done / p.total if p.total else 0.0
            filled = round(share * 20)
            eta = round(p.pending / rate) if rate else None
            text = t(
                "notice-progress", id=str(notice.id), bar="▰" * filled + "▱" * (20 - filled),
                percent=round(share * 100), sent=p.sent, failed=p.failed, blocked=p.blocked,
                left=p.pending, rate=f"{rate:.1f}" if rate else "—",
                eta=_duration(eta) if eta is not None else "—",
            )  # fmt: skip
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(t("btn-notice-cancel"), callback_data=f"nt:x:{notice.id}")]]
            )
            return text, markup
        key = {
            "cancelled": "notice-report-cancelled",
            "recalled": "notice-report-recalled",
        }.get(notice.state, "notice-report")
        text = t(
            key, id=str(notice.id), total=p.total, sent=p.sent, failed=p.failed, blocked=p.blocked,
            cancelled=p.cancelled, acked=p.acked, ack=1 if notice.ack else 0,
            deleted=p.deleted, pending=p.edits_pending + p.deletes_pending,
        )  # fmt: skip
        if notice.state == "active" and notice.next_run:
            text += "\n" + t("notice-next-run", when=notice.next_run)
        buttons = []
        if notice.state != "recalled":
            buttons.append(
                InlineKeyboardButton(t("btn-notice-edit"), callback_data=f"nt:e:{notice.id}")
            )
            buttons.append(
                InlineKeyboardButton(t("btn-notice-recall"), callback_data=f"nt:r:{notice.id}")
            )
        return text, InlineKeyboardMarkup([buttons]) if buttons else None

    async def _tell_author(self, notice: Notice, key: str, **args: Any) -> None:
        t = await self._author_t(notice)
        with contextlib.suppress(TelegramError):
            await self.app.bot.send_message(notice.author_id, t(key, id=str(notice.id), **args))


def _place(lang: str, code: str) -> str:
    country = countries.get(code)
    return f"{countries.flag(code)} {country.name(lang)}" if country else code


def _rate(samples: deque[tuple[float, int]]) -> float | None:
    if len(samples) < 2:
        return None
    (t0, n0), (t1, n1) = samples[0], samples[-1]
    return (n1 - n0) / (t1 - t0) if t1 > t0 and n1 > n0 else None


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
