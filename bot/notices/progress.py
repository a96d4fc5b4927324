"""The author's side of a notice: its progress message, kept current, and what they are told."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from typing import Any

from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.i18n import Catalog, Translator
from bot.notices.views import progress_view
from bot.runtime.limiter import Paced
from bot.settings import Settings
from storage.citizens import CitizenRepo
from storage.notices import Notice, NoticeRepo
from storage.outbox import OutboxRepo

log = logging.getLogger(__name__)

# A broadcast slot from the limiter for one call to a chat (the engine's).
Slot = Callable[[int], AbstractAsyncContextManager[None]]


@dataclass
class _Watch:
    """What the progress message of one notice last showed."""

    text: str = ""
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=20))


class ProgressBoard:
    """Posts each occurrence's progress message, edits it while sending, reports at the end."""

    def __init__(
        self,
        settings: Settings,
        repo: NoticeRepo,
        outbox: OutboxRepo,
        catalog: Catalog,
        citizens: CitizenRepo,
        clock: Clock,
        slot: Slot,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.outbox = outbox
        self.catalog = catalog
        self.citizens = citizens
        self.clock = clock
        self.slot = slot
        self._watch: dict[int, _Watch] = {}

    def watch(self, notice_id: int) -> None:
        """Refresh this notice's progress or report at the next tick."""
        self._watch.setdefault(notice_id, _Watch())

    async def post(self, bot: ExtBot[Any], notice: Notice) -> None:
        """A fresh progress message in the author's chat for this occurrence."""
        progress = await self.outbox.progress(notice.id)
        t = await self.author_t(notice)
        text, markup = progress_view(t, notice, progress, None)
        chat_id = notice.progress_chat or notice.author_id
        try:
            async with self.slot(chat_id):
                message = await bot.send_message(
                    chat_id, text, reply_markup=markup, rate_limit_args=Paced(3)
                )
        except TelegramError as exc:
            log.warning("notice %s: cannot post progress: %s", notice.id, type(exc).__name__)
            return
        await self.repo.set_progress(notice.id, message.chat_id, message.message_id)
        self._watch[notice.id] = _Watch(text=text)

    async def author_t(self, notice: Notice) -> Translator:
        """A translator in the language of the notice's author."""
        lang = await self.citizens.lang_of(notice.author_id) or self.settings.staff_lang
        return self.catalog.translator(lang)

    async def tell(self, bot: ExtBot[Any], notice: Notice, key: str, **args: Any) -> None:
        """A one-off message to the notice's author (a missed occurrence)."""
        t = await self.author_t(notice)
        with contextlib.suppress(TelegramError):
            await bot.send_message(notice.author_id, t(key, id=str(notice.id), **args))

    async def run(self, bot: ExtBot[Any]) -> None:
        """Tick every watched notice, forever (cancelled by the engine's stop)."""
        while True:
            await asyncio.sleep(self.settings.progress_seconds)
            for notice_id in list(self._watch):
                try:
                    await self._tick(bot, notice_id)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("progress of notice %s failed", notice_id)
                    self._watch.pop(notice_id, None)

    async def _tick(self, bot: ExtBot[Any], notice_id: int) -> None:
        watch = self._watch.get(notice_id)
        notice = await self.repo.get(notice_id)
        if watch is None or notice is None:
            self._watch.pop(notice_id, None)
            return
        progress = await self.outbox.progress(notice_id)
        busy = (
            progress.pending
            or progress.edits_pending
            or progress.deletes_pending
            # Reminders and SMS change the report too, until they are all out.
            or progress.reminders_pending
            or progress.sms_pending
        )
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
        t = await self.author_t(notice)
        text, markup = progress_view(t, notice, progress, rate)
        if text != watch.text and notice.progress_chat and notice.progress_msg:
            # The edit takes a broadcast slot (and is marked Paced, so the limiter does not
            # count it a second time): like a notice, it counts in Telegram's overall rate.
            try:
                async with self.slot(notice.progress_chat):
                    await bot.edit_message_text(
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


def _rate(samples: deque[tuple[float, int]]) -> float | None:
    if len(samples) < 2:
        return None
    (t0, n0), (t1, n1) = samples[0], samples[-1]
    return (n1 - n0) / (t1 - t0) if t1 > t0 and n1 > n0 else None
