"""Polling through the durable inbox: no update is confirmed to Telegram before it is stored.

PTB's Updater confirms a batch (the next getUpdates offset) as soon as it has fetched it,
before any handler ran: an update in hand when the process died was gone. `Inbox` polls
itself instead: each batch is committed to the database (storage.inbox) in one transaction,
only then is the offset advanced, and each update is handed to the application's queue as
Update.de_json(payload) would build it; the update processor reports when its handlers are
done (`finished`), which is committed too. At start-up the updates stored and not finished
are handled again, before polling resumes.

An update python-telegram-bot cannot read (a poll without fields PTB requires, as an older
self-hosted Bot API server sends it) is recorded once as skipped and never handled; the
batch around it goes on. PTB's Updater re-fetched such a batch forever (1,866 times in 10 s).

Webhook mode (`ClaimingInbox`): the receiver (bot.runtime.webhook) stores each update before
it answers 200; every replica claims from the same table (storage.inbox: one chat's updates
in order across replicas, leases renewed while in hand, a dead replica's expiring) and feeds
what it claimed to the same queue, so the same update processor (a chat's turn, slots, the
flood throttle) and the same done marks serve both modes. Before a claimed update's handlers
run, `refresh` reads that chat's conversation states and the user's data again: another
replica may have moved them on, and python-telegram-bot's ConversationHandler loads its
states once, at start-up (its issues #5225 and #4452).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application, ConversationHandler, ExtBot

from bot.runtime.persistence import SqlitePersistence
from storage.bot_state import BotStateRepo
from storage.inbox import InboxRepo, Incoming

log = logging.getLogger(__name__)

InboxApp = Application[ExtBot[Any], Any, Any, Any, Any, Any]

# Handled rows are kept this long: the batch after them has long been confirmed by then.
KEEP_HANDLED = timedelta(minutes=10)
# Skipped ones keep their payload for an operator to look at, then go too.
KEEP_SKIPPED = timedelta(days=7)
PURGE_EVERY = 60.0
# Back-off after a failed poll (PollWatch logs the outage once), doubling up to the cap.
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 15.0
# Seconds the HTTP read may take beyond the long poll's own timeout.
READ_MARGIN = 10
# Done marks wait this long to be committed together (see _Marks).
MARK_DELAY = 0.02
# Webhook mode: how long a claimed update stays with its replica (renewed while in hand,
# so only a dead replica's claims expire), and how often an idle replica looks for work
# another replica's receiver stored (its own receiver wakes it at once).
LEASE = timedelta(seconds=15)
RENEW_EVERY = 3.0
IDLE_POLL = 0.1


def owner_of(payload: dict[str, Any]) -> int | None:
    """Whose update it is, read from the raw JSON (erasure must find it even when PTB cannot
    parse it): the sender, else the user, else the chat."""
    for key, value in payload.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        for field in ("from", "user", "chat"):
            who = value.get(field)
            if isinstance(who, dict) and isinstance(who.get("id"), int):
                return int(who["id"])
    return None


class _Marks:
    """Done marks, committed together MARK_DELAY after the first of them.

    Not awaited by the update that finished: a commit per update (even a group commit,
    awaited in the processing slot) cost the FAQ and menu path a quarter of its rate
    (bench/updates.py). The price: after a kill, updates finished within the last
    MARK_DELAY are handled again (a relay recognises its update id, an acknowledgement is
    recorded; an FAQ answer may come twice).
    """

    def __init__(self, repo: InboxRepo, now: Callable[[], datetime]) -> None:
        self.repo = repo
        self.now = now
        self._queue: list[int] = []
        self._flushing: asyncio.Task[None] | None = None
        self.committed: Callable[[], None] | None = None

    def add(self, update_id: int) -> None:
        self._queue.append(update_id)
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        try:
            await asyncio.sleep(MARK_DELAY)
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    await self.repo.done(batch, self.now())
                    if self.committed is not None:
                        self.committed()
                except Exception as exc:
                    # Left unfinished: handled again at the next start, which is the safe side.
                    log.warning("done marks not stored: %s", type(exc).__name__)
        finally:
            self._flushing = None

    def take(self) -> list[int]:
        """The marks waiting, for a transaction that commits them (put_back if it fails)."""
        batch, self._queue = self._queue, []
        return batch

    def put_back(self, batch: list[int]) -> None:
        self._queue[:0] = batch

    async def drain(self) -> None:
        if self._flushing is not None:
            await asyncio.shield(self._flushing)
        if self._queue:
            batch, self._queue = self._queue, []
            await self.repo.done(batch, self.now())


class _InboxBase:
    """What both sources share: handing updates to the application, done marks, holds."""

    def __init__(self, repo: InboxRepo, now: Callable[[], datetime]) -> None:
        self.repo = repo
        self.now = now
        self._marks = _Marks(repo, now)
        self._app: InboxApp | None = None
        self._task: asyncio.Task[None] | None = None
        # Updates handed to the application and not finished yet (what a kill leaves).
        self.in_hand: set[int] = set()
        # Finished by their handlers but done later (an album waits for its last item).
        self._held: set[int] = set()
        self.skipped = 0

    @property
    def running(self) -> bool:
        """Whether the loop is fetching."""
        return self._task is not None and not self._task.done()

    async def stop_polling(self) -> None:
        """Stop fetching; what was stored and not handled yet stays for the next start."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        """After the application stopped: commit the last done marks."""
        await self._marks.drain()

    async def finished(self, update: object) -> None:
        """The update's handlers are done (the update processor's port): committed within
        MARK_DELAY, unless a handler holds it (see hold)."""
        if isinstance(update, Update) and update.update_id not in self._held:
            self.in_hand.discard(update.update_id)
            self._marks.add(update.update_id)

    def hold(self, update_id: int) -> None:
        """A handler finishes this update later (release): until then it is not done, and a
        kill leaves it to be handled again."""
        self._held.add(update_id)

    def release(self, update_ids: list[int]) -> None:
        """Held updates are done now."""
        for update_id in update_ids:
            self._held.discard(update_id)
            self.in_hand.discard(update_id)
            self._marks.add(update_id)

    async def _feed(self, update_id: int, payload: dict[str, Any]) -> None:
        app = self.app
        try:
            update = Update.de_json(payload, app.bot)
        except Exception as exc:
            # Its content is never logged: it may hold names, phones, message texts.
            self.skipped += 1
            log.warning(
                "update %s skipped: python-telegram-bot cannot read it (%s)",
                update_id,
                type(exc).__name__,
            )
            await self.repo.skip(update_id, type(exc).__name__, self.now())
            return
        self.in_hand.add(update_id)
        await app.update_queue.put(update)

    @property
    def app(self) -> InboxApp:
        """The application updates are handed to (once started)."""
        if self._app is None:
            raise RuntimeError("the inbox has not been started")
        return self._app


class Inbox(_InboxBase):
    """The bot's getUpdates loop over the durable inbox."""

    def __init__(self, repo: InboxRepo, poll_timeout: int, now: Callable[[], datetime]) -> None:
        super().__init__(repo, now)
        self.poll_timeout = poll_timeout
        self._purged_at = 0.0
        self._stored_once = False

    async def start(self, app: InboxApp) -> None:
        """Hand over what the last process left unfinished, then poll."""
        self._app = app
        left = await self.repo.unfinished()
        if left:
            log.warning("%s updates left unfinished by the last run: handled now", len(left))
        for row in left:
            await self._feed(row.update_id, row.payload)
        loop = asyncio.get_running_loop()
        # A plain task, cancelled by stop_polling(): Application.create_task awaits its tasks
        # at stop, and this loop never ends by itself.
        self._task = loop.create_task(self._poll(), name="inbox-poll")

    async def _fetch(self, offset: int | None) -> list[Any]:
        app = self.app
        result = await app.bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": offset,
                "timeout": self.poll_timeout,
                "allowed_updates": Update.ALL_TYPES,
            },
            read_timeout=self.poll_timeout + READ_MARGIN,
        )
        if not isinstance(result, list):
            raise TypeError(f"getUpdates returned {type(result).__name__}, not a list")
        return result

    async def _poll(self) -> None:
        app = self.app
        # As PTB's Updater does: a webhook left set makes getUpdates fail.
        await self._retrying(partial(app.bot.delete_webhook, drop_pending_updates=False))
        offset: int | None = None
        while True:
            batch = await self._retrying(partial(self._fetch, offset))
            incoming = []
            for item in batch:
                if isinstance(item, dict) and isinstance(item.get("update_id"), int):
                    incoming.append(Incoming(item["update_id"], item, owner_of(item)))
                else:
                    log.warning("getUpdates returned an item without an update id: ignored")
            if incoming:
                fresh = await self._retrying(partial(self._store, incoming))
                # Stored: the next poll may confirm them.
                offset = max(u.update_id for u in incoming) + 1
                for update in fresh:
                    await self._feed(update.update_id, update.payload)
            await self._maybe_purge()

    async def _store(self, incoming: list[Incoming]) -> list[Incoming]:
        # After this process's first batch nothing can come again (each poll confirms the
        # batch before it), and the done marks waiting ride in the same transaction.
        done = self._marks.take()
        try:
            fresh = await self.repo.store(
                incoming, self.now(), fresh_ids=self._stored_once, done=done
            )
        except BaseException:
            self._marks.put_back(done)
            raise
        self._stored_once = True
        return fresh

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """Run `call` until it succeeds, waiting between failures (never re-fetching a
        stored batch: a failure here leaves the offset where it was)."""
        delay = BACKOFF_FIRST
        while True:
            try:
                return await call()
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                wait = exc.retry_after
                await asyncio.sleep(
                    wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                )
            except TelegramError as exc:
                # PollWatch has said that the Bot API does not answer.
                log.debug("poll failed: %s", type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)
            except Exception as exc:
                log.warning("inbox: %s, retried in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)

    async def _maybe_purge(self) -> None:
        # Only after a poll succeeded: the batches before it are confirmed, none comes again.
        clock = asyncio.get_running_loop().time()
        if clock - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = clock
        now = self.now()
        try:
            await self.repo.purge(now - KEEP_HANDLED, now - KEEP_SKIPPED)
        except Exception as exc:
            log.warning("inbox purge failed: %s", type(exc).__name__)


class ClaimingInbox(_InboxBase):
    """Webhook mode: handles what any replica's receiver stored, claimed in the database."""

    def __init__(
        self, repo: InboxRepo, replica: str, now: Callable[[], datetime], batch: int = 64
    ) -> None:
        super().__init__(repo, now)
        self.replica = replica
        self.batch = batch
        self._wake = asyncio.Event()
        # Marks committed: the chats' next updates can be claimed now.
        self._marks.committed = self._wake.set
        self._unblocking: set[asyncio.Task[None]] = set()
        self.bot_state: BotStateRepo | None = None

    def wake(self) -> None:
        """The receiver stored something: claim now instead of at the next look."""
        self._wake.set()

    def hold(self, update_id: int) -> None:
        """As polling's, and the chat's next updates may be claimed meanwhile: an album's
        items come one update each, and the first one held would keep the rest unclaimed
        (each item would then go alone, ALBUM_SETTLE apart)."""
        super().hold(update_id)
        task = asyncio.get_running_loop().create_task(self._unblock(update_id))
        self._unblocking.add(task)
        task.add_done_callback(self._unblocking.discard)

    async def _unblock(self, update_id: int) -> None:
        try:
            await self.repo.unblock(update_id)
        except Exception as exc:
            # The album then goes item by item: slower, nothing lost.
            log.warning("inbox: a held update still blocks its chat (%s)", type(exc).__name__)
        self._wake.set()

    async def start(self, app: InboxApp) -> None:
        """Free what this replica's last run held, then claim and hand over."""
        self._app = app
        freed = await self.repo.release(self.replica)
        if freed:
            log.warning("%s updates held by this replica's last run: handled now", freed)
        self._task = asyncio.get_running_loop().create_task(self._claim(), name="inbox-claim")

    def _backlog(self) -> int:
        # Updates handed over and not finished (held ones included): claim more only while
        # few are waiting, so a replica does not take what an idle one could handle.
        return len(self.in_hand)

    async def _claim(self) -> None:
        loop = asyncio.get_running_loop()
        renewed = purged = loop.time()
        while True:
            try:
                now = self.now()
                if loop.time() - renewed >= RENEW_EVERY:
                    await self.repo.renew(self.in_hand, now + LEASE)
                    renewed = loop.time()
                if loop.time() - purged >= PURGE_EVERY:
                    await self.repo.purge(now - KEEP_HANDLED, now - KEEP_SKIPPED)
                    purged = loop.time()
                room = self.batch - self._backlog()
                items = []
                if room > 0:
                    items = await self.repo.claim(self.replica, now, now + LEASE, room)
                for item in items:
                    await self._feed(item.update_id, item.payload)
                if items:
                    # A chat's next update becomes claimable once this one is done: look
                    # again soon rather than wait for the receiver.
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("inbox: claiming failed (%s); trying again", type(exc).__name__)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_POLL)

    async def refresh(self, update: object) -> None:
        """This update's conversation states and user data, as the database has them now.

        Awaited in the chat's turn, before its handlers (the update processor's
        before_update). python-telegram-bot offers no public way to reload a
        ConversationHandler's state: its key and its table are read and set here, nothing
        of PTB is replaced.
        """
        if not isinstance(update, Update) or self.bot_state is None:
            return
        app = self.app
        keyed: list[tuple[ConversationHandler[Any], tuple[int | str, ...]]] = []
        for group in app.handlers.values():
            for handler in group:
                if not isinstance(handler, ConversationHandler) or not handler.persistent:
                    continue
                try:
                    keyed.append((handler, handler._get_key(update)))
                except RuntimeError:
                    continue
        # All of them in one read: this runs before every update in webhook mode.
        stored = await self.bot_state.conversations_for([(str(h.name), k) for h, k in keyed])
        for handler, key in keyed:
            state = stored.get((str(handler.name), key))
            conversations: Any = handler._conversations
            if state is None:
                conversations.data.pop(key, None)
            else:
                conversations.update_no_track({key: state})
        user = update.effective_user
        persistence = app.persistence
        if user is not None and isinstance(persistence, SqlitePersistence):
            data = await self.bot_state.user_data_of(user.id)
            persistence.remember(user.id, data)
            # The application's own dict for the user, filled in place (user_data is a
            # read-only view of the application's mapping, its values are the dicts).
            own = app.user_data[user.id]
            own.clear()
            own.update(data)
