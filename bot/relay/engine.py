"""The hotline's relay into staff groups: one sender per group, over the durable queue.

A citizen's message is queued (storage.relays) by its handler, which returns at once: the
processing slot is free for others while the message waits for its group's budget
(Telegram: about 20 messages a minute per group). 14 citizens writing at once used to hold
the slots while their relays waited, and everybody else's p95 went to 3-24 s.

Each group's sender waits until the group's budget has room, then takes the ticket that has
waited longest and puts everything it has waiting into its topic in as few messages as
bot.relay.plan allows (a digest when several gathered), opening the topic first when the
ticket has none; every message that got there gets the citizen's delivery mark, and one
that cannot be relayed is answered with what to do. A row is marked sent in the transaction
that records its copy: after a kill -9 at most the one group message in flight per group is
sent again. New tickets go to the least loaded of a country's groups (overflow groups).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from telegram import InputMediaAudio, InputMediaDocument, InputMediaPhoto, InputMediaVideo
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import Application, ExtBot

from bot.clock import Clock
from bot.relay.plan import Copy, CopyAlbum, Send, Text, cost, plan
from bot.runtime.limiter import HotlineRateLimiter
from storage.relays import Delivered, PendingRelay, RelayDraft, RelayRepo
from storage.tickets import Ticket, TicketRepo

log = logging.getLogger(__name__)

RelayApp = Application[ExtBot[Any], Any, Any, Any, Any, Any]

# Rows taken for one ticket at a time (a digest longer than this goes in two turns).
MAX_BATCH = 30
# An album arrives as one update per item: its ticket waits this long after the latest
# item, so that the album is copied whole.
ALBUM_SETTLE = 1.0
# Tickets looked at for one whose album has settled.
LOOK_AHEAD = 20
# After a network error the group's sender waits this long before trying again.
RETRY_AFTER_ERROR = 2.0
PURGE_EVERY = 600.0
KEEP_SENT = timedelta(days=1)
# How Telegram says a topic staff deleted is gone.
TOPIC_GONE = ("thread not found", "topic_id_invalid", "topic_deleted", "message thread")
# The citizen deleted the message before it was relayed: nothing to relay, nobody to tell.
SOURCE_GONE = ("message to copy not found", "message_id_invalid")


class RelayViews(Protocol):
    """What the relay shows, from the hotline's handlers (cards, marks, the citizen's words)."""

    async def topic(self, ticket: Ticket, name: str | None, urgent: bool) -> tuple[str, str]:
        """The topic's name and the citizen card that opens it (HTML)."""

    def card_markup(self, ticket: Ticket) -> Any:
        """The buttons under the card that opens a topic (the team's "take"), or None."""
        ...

    def staff_text(self, key: str, **args: Any) -> str:
        """A text in the staff's language (HTML)."""

    async def delivered(self, user_id: int, message_ids: Sequence[int]) -> None:
        """Mark the citizen's messages as arrived in the topic."""

    async def undelivered(self, ticket: Ticket, rows: Sequence[PendingRelay]) -> None:
        """Tell the citizen their messages could not be relayed, and what to do."""


class RelayEngine:
    """Queues citizens' messages for their topics and sends them, one sender per group."""

    def __init__(self, repo: RelayRepo, tickets: TicketRepo, clock: Clock, tz: Any = None) -> None:
        self.repo = repo
        self.tickets = tickets
        self.clock = clock
        self.tz = tz
        self._app: RelayApp | None = None
        self._views: RelayViews | None = None
        # Rows waiting, per group and ticket (the load that picks an overflow group).
        self._waiting: dict[int, Counter[int]] = {}
        self._wake: dict[int, asyncio.Event] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._album_at: dict[int, float] = {}
        self._flagged: set[int] = set()
        self._purged_at = 0.0
        # Group messages sent and citizen rows they carried (bench/hotline.py reads them).
        self.group_messages = 0
        self.rows_sent = 0

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self, app: RelayApp, views: RelayViews) -> None:
        """Take the bot and the views; send what the last process left waiting."""
        self._app = app
        self._views = views
        for group, ticket_id, rows in await self.repo.pending_tickets():
            self._waiting.setdefault(group, Counter())[ticket_id] += rows
        for group in list(self._waiting):
            self._worker(group)

    async def stop(self) -> None:
        """Stop the senders; what waits stays queued for the next start."""
        workers, self._workers = list(self._workers.values()), {}
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def limiter(self) -> HotlineRateLimiter | None:
        """The bot's limiter (the group budgets), once started."""
        limiter = self._app.bot.rate_limiter if self._app is not None else None
        return limiter if isinstance(limiter, HotlineRateLimiter) else None

    # ---- what handlers call ---------------------------------------------------------------

    def load(self, group: int) -> int:
        """How busy a group is: tickets waiting for it plus its budget used this minute."""
        limiter = self.limiter
        used = limiter.group_used(group) if limiter is not None else 0
        waiting = self._waiting.get(group)
        return used + (sum(1 for n in waiting.values() if n > 0) if waiting else 0)

    def least_loaded(self, groups: Sequence[int]) -> int | None:
        """The group a new ticket goes to: the least loaded, the first of equals."""
        if not groups:
            return None
        return min(groups, key=lambda g: (self.load(g), groups.index(g)))

    async def enqueue(self, ticket: Ticket, drafts: Sequence[RelayDraft]) -> bool:
        """Queue messages for the ticket's topic (committed on return); False if every one
        was queued before (a re-handled update)."""
        group = ticket.staff_chat_id
        added = await self.repo.add(ticket.id, group, drafts, self.clock.now())
        if any(d.media_group_id for d in drafts):
            self._album_at[ticket.id] = asyncio.get_running_loop().time()
        if added:
            self._waiting.setdefault(group, Counter())[ticket.id] += added
            self._worker(group)
            self._wake[group].set()
        return added > 0

    async def rewrite(self, ticket: Ticket, message_id: int, body: str) -> bool:
        """A citizen edited a message still waiting: it goes as edited (True), no extra one."""
        return await self.repo.rewrite(ticket.id, message_id, body)

    # ---- the senders ----------------------------------------------------------------------

    def _worker(self, group: int) -> None:
        self._wake.setdefault(group, asyncio.Event())
        task = self._workers.get(group)
        if self._app is None or (task is not None and not task.done()):
            return
        loop = asyncio.get_running_loop()
        # Plain tasks, cancelled by stop() (as the notice engine's): they never end by
        # themselves, and Application.create_task would wait for them at stop.
        self._workers[group] = loop.create_task(self._work(group), name=f"relay{group}")

    async def _work(self, group: int) -> None:
        wake = self._wake[group]
        while True:
            waiting = self._waiting.get(group)
            if not waiting or not +waiting:
                wake.clear()
                await wake.wait()
                continue
            limiter = self.limiter
            if limiter is not None:
                # Messages gather while the budget is short: they go as one digest.
                await limiter.group_ready(group)
            try:
                ticket_id = await self._next(group)
                if ticket_id is None:
                    await asyncio.sleep(ALBUM_SETTLE / 4)
                    continue
                await self._relay(ticket_id)
                await self._maybe_purge()
            except asyncio.CancelledError:
                raise
            except (NetworkError, TelegramError) as exc:
                log.warning("relay to group %s: %s; retried", group, type(exc).__name__)
                await asyncio.sleep(RETRY_AFTER_ERROR)
            except Exception:
                # Never the rows' content: only where it failed.
                log.exception("relay to group %s failed; retried", group)
                await asyncio.sleep(RETRY_AFTER_ERROR)

    async def _next(self, group: int) -> int | None:
        """The ticket waiting longest whose album (if any) has arrived whole."""
        now = asyncio.get_running_loop().time()
        for ticket_id in await self.repo.next_tickets(group, LOOK_AHEAD):
            if now - self._album_at.get(ticket_id, -ALBUM_SETTLE) >= ALBUM_SETTLE:
                return ticket_id
        return None

    async def _relay(self, ticket_id: int) -> None:
        rows = await self.repo.pending_of(ticket_id, MAX_BATCH)
        ticket = await self.tickets.get(ticket_id)
        if ticket is None or not rows:
            # Erased meanwhile (the rows went with it), or sent by an earlier turn.
            for counter in self._waiting.values():
                counter.pop(ticket_id, None)
            return
        views = self._views_()
        urgent = any(r.urgent for r in rows)
        name = next((r.sender_name for r in rows if r.sender_name), None)
        head: str | None = None
        thread = ticket.thread_id
        try:
            if thread is None:
                thread, head = await self._open(ticket, name, urgent)
            elif urgent and ticket.id not in self._flagged:
                await self._flag(ticket, thread, name)
        except (BadRequest, Forbidden) as exc:
            # The group is no forum the bot may post in (the start-up check told admins).
            await self._give_up(ticket, rows, exc)
            return
        flag = views.staff_text("staff-urgent-flag") if urgent else None
        sends = plan(rows, head=head, flag=flag, stamp=self._stamp)
        recreated = False
        index = 0
        while index < len(sends):
            send = sends[index]
            index += 1
            try:
                ids = await self._send(send, ticket, thread)
            except BadRequest as exc:
                gone = any(part in exc.message.lower() for part in TOPIC_GONE)
                if gone and not recreated:
                    # Staff deleted the topic: a new one, whose first message says so, and
                    # everything not yet delivered goes there.
                    recreated = True
                    thread, card = await self._open(ticket, name, urgent)
                    note = views.staff_text("staff-topic-recreated", ticket=ticket.id)
                    left = [r for later in sends[index - 1 :] for r in later.rows]
                    sends = plan(left, head=f"{card}\n\n{note}", flag=flag, stamp=self._stamp)
                    index = 0
                    continue
                await self._one_by_one(send, ticket, thread, exc)
                continue
            except Forbidden as exc:
                await self._give_up(ticket, send.rows, exc)
                continue
            await self._sent(ticket, send, ids)

    async def _open(self, ticket: Ticket, name: str | None, urgent: bool) -> tuple[int, str]:
        """Create the ticket's topic; returns its thread and the card to lead with."""
        topic_name, card = await self._views_().topic(ticket, name, urgent)
        topic = await self.bot.create_forum_topic(ticket.staff_chat_id, topic_name)
        thread = topic.message_thread_id
        await self.tickets.set_thread(ticket.id, thread)
        if urgent:
            self._flagged.add(ticket.id)
        return thread, card

    async def _flag(self, ticket: Ticket, thread: int, name: str | None) -> None:
        """A ticket turned urgent: its topic's name says so (the message carries the flag)."""
        self._flagged.add(ticket.id)
        topic_name, _ = await self._views_().topic(ticket, name, True)
        with contextlib.suppress(TelegramError):
            await self.bot.edit_forum_topic(ticket.staff_chat_id, thread, name=topic_name)

    async def _send(self, send: Send, ticket: Ticket, thread: int) -> list[int]:
        """Put one planned message into the topic; returns the topic message ids."""
        bot = self.bot
        chat = ticket.staff_chat_id
        # The card rides on the topic's first message: its buttons go with it.
        markup = self._views_().card_markup(ticket) if getattr(send, "head", False) else None
        if isinstance(send, Text):
            sent = await bot.send_message(
                chat, send.html, message_thread_id=thread, reply_to_message_id=send.reply_to,
                reply_markup=markup,
            )  # fmt: skip
            return [sent.message_id]
        if isinstance(send, Copy):
            copy = await bot.copy_message(
                chat, ticket.user_id, send.message_id, message_thread_id=thread,
                caption=send.caption,
                parse_mode=ParseMode.HTML if send.caption is not None else None,
                reply_markup=markup,
            )  # fmt: skip
            return [copy.message_id]
        if isinstance(send, CopyAlbum):
            copies = await bot.copy_messages(
                chat, ticket.user_id, list(send.message_ids), message_thread_id=thread
            )
            return [c.message_id for c in copies]
        media = [_input(item.kind, item.file_id, item.caption) for item in send.media]
        messages = await bot.send_media_group(chat, media, message_thread_id=thread)
        return [m.message_id for m in messages]

    async def _one_by_one(
        self, send: Send, ticket: Ticket, thread: int, error: BadRequest
    ) -> None:
        """A merged message was refused: each row alone, and those refused again given up."""
        rows = [r for r in send.rows if r.message_id is not None and r.own]
        if isinstance(send, Text) or len(send.rows) <= 1 or not rows:
            await self._give_up(ticket, send.rows, error)
            return
        for row in rows:
            try:
                ids = await self._send(Copy(row.message_id or 0, (row,)), ticket, thread)
            except (BadRequest, Forbidden) as exc:
                await self._give_up(ticket, (row,), exc)
                continue
            await self._sent(ticket, Copy(row.message_id or 0, (row,)), ids)

    async def _give_up(
        self, ticket: Ticket, rows: Sequence[PendingRelay], error: TelegramError
    ) -> None:
        if not rows:
            return
        log.warning(
            "%s messages of ticket %s not relayed: %s", len(rows), ticket.id, error.message
        )
        await self.repo.failed([r.id for r in rows], self.clock.now())
        self._count_done(ticket, len(rows))
        lost = [r for r in rows if r.own]
        if lost and not any(part in error.message.lower() for part in SOURCE_GONE):
            await self._views_().undelivered(ticket, lost)

    async def _sent(self, ticket: Ticket, send: Send, ids: list[int]) -> None:
        self.group_messages += cost(send)
        if send.rows:
            await self.repo.sent(ticket.id, Delivered(send.rows, ids), self.clock.now())
            self._count_done(ticket, len(send.rows))
            self.rows_sent += sum(1 for r in send.rows if r.own)
        if getattr(send, "head", False) and ids:
            # Kept so that an erasure can blank the card when the topic cannot be deleted.
            await self.tickets.set_card(ticket.id, ids[0])
        marked = [r.message_id for r in send.rows if r.own and r.message_id is not None]
        if marked:
            await self._views_().delivered(ticket.user_id, marked)

    def _count_done(self, ticket: Ticket, rows: int) -> None:
        counter = self._waiting.get(ticket.staff_chat_id)
        if counter is not None:
            counter[ticket.id] -= rows
            if counter[ticket.id] <= 0:
                del counter[ticket.id]

    def _stamp(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%H:%M")

    async def _maybe_purge(self) -> None:
        clock = asyncio.get_running_loop().time()
        if clock - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = clock
        await self.repo.purge(self.clock.now() - KEEP_SENT)

    @property
    def bot(self) -> ExtBot[Any]:
        """The bot the relay sends with (once started)."""
        if self._app is None:
            raise RuntimeError("the relay has not been started")
        return self._app.bot

    def _views_(self) -> RelayViews:
        if self._views is None:
            raise RuntimeError("the relay has not been started")
        return self._views


def _input(
    kind: str, file_id: str, caption: str | None
) -> InputMediaPhoto | InputMediaVideo | InputMediaDocument | InputMediaAudio:
    html = ParseMode.HTML
    if kind == "photo":
        return InputMediaPhoto(file_id, caption=caption, parse_mode=html)
    if kind == "video":
        return InputMediaVideo(file_id, caption=caption, parse_mode=html)
    if kind == "audio":
        return InputMediaAudio(file_id, caption=caption, parse_mode=html)
    return InputMediaDocument(file_id, caption=caption, parse_mode=html)
