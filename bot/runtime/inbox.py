"""Updates from the database inbox, handled by whichever replica claims them.

The webhook receiver (bot/runtime/webhook.py) only stores updates; this worker claims them
(storage/inbox.py: one chat's updates in order, across replicas), and for each update:
reads that chat's conversation states and the user's draft from the database (another
replica may have moved them on: python-telegram-bot's ConversationHandler loads its states
once, at start-up), runs the handlers, writes the persistence, and marks the update done.
A replica killed half-way leaves its claims to expire; another replica handles them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ConversationHandler

from bot.runtime import metrics
from bot.runtime.persistence import SqlitePersistence
from storage.bot_state import BotStateRepo
from storage.inbox import InboxItem, InboxRepo

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# How long an update stays with the replica that claimed it; renewed while it runs, so only
# a dead replica's claims expire.
LEASE = timedelta(seconds=15)
RENEW_EVERY = 3.0
IDLE_POLL = 0.1
# Handled updates are forgotten after this (Telegram redelivers within minutes).
KEEP_DONE = timedelta(hours=6)


def chat_key(update: Update) -> int | None:
    """Whose updates must be handled in order: the chat's, else the user's."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class InboxWorker:
    """Claims and handles updates, at most `concurrency` at once."""

    def __init__(
        self,
        app: AnyApplication,
        inbox: InboxRepo,
        bot_state: BotStateRepo,
        replica: str,
        now: Callable[[], datetime],
        concurrency: int,
    ) -> None:
        self.app, self.inbox, self.bot_state = app, inbox, bot_state
        self.replica, self.now = replica, now
        self.concurrency = concurrency
        self._running: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something was stored: claim now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Run the claim loop in the background."""
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="inbox")

    async def stop(self) -> None:
        """Stop claiming and let the updates in hand finish (their claims are renewed)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._running:
            await asyncio.wait(list(self._running.values()), timeout=10)

    async def _loop(self) -> None:
        renewed = time.monotonic()
        purged = 0.0
        while True:
            try:
                if time.monotonic() - renewed >= RENEW_EVERY:
                    await self.inbox.renew(list(self._running), self.now() + LEASE)
                    renewed = time.monotonic()
                if time.monotonic() - purged >= 600:
                    await self.inbox.purge(self.now() - KEEP_DONE)
                    purged = time.monotonic()
                room = self.concurrency - len(self._running)
                items = []
                if room > 0:
                    now = self.now()
                    items = await self.inbox.claim(self.replica, now, now + LEASE, room)
                for item in items:
                    task = asyncio.get_running_loop().create_task(self._handle(item))
                    self._running[item.update_id] = task
                if items and len(items) == room:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("inbox: claiming failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_POLL)

    async def _handle(self, item: InboxItem) -> None:
        started = time.perf_counter()
        try:
            update = Update.de_json(json.loads(item.payload), self.app.bot)
            await self._refresh(update)
            await self.app.process_update(update)
            # Written before the update is marked done: the chat's next update, on any
            # replica, starts from what this one left.
            await self.app.update_persistence()
            await self.inbox.done(item.update_id, self.now())
        except asyncio.CancelledError:
            raise
        except Exception:
            # Left pending: its claim expires and it is tried again (here or elsewhere).
            log.exception("inbox: update %s failed", item.update_id)
        finally:
            self._running.pop(item.update_id, None)
            metrics.observe_update(time.perf_counter() - started)
            self._wake.set()

    async def _refresh(self, update: Update) -> None:
        """This update's conversation states and draft, as the database has them now."""
        for group in self.app.handlers.values():
            for handler in group:
                if not isinstance(handler, ConversationHandler) or not handler.persistent:
                    continue
                try:
                    key = handler._get_key(update)
                except RuntimeError:
                    continue
                state = await self.bot_state.conversation(str(handler.name), key)
                conversations: Any = handler._conversations
                if state is None:
                    conversations.data.pop(key, None)
                else:
                    conversations.update_no_track({key: state})
        user = update.effective_user
        persistence = self.app.persistence
        if user is not None and isinstance(persistence, SqlitePersistence):
            data = await self.bot_state.user_data_of(user.id)
            persistence.remember(user.id, data)
            self.app._user_data[user.id] = data
