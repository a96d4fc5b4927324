"""PTB's AIORateLimiter plus what broadcasts need from it.

AIORateLimiter already limits groups and retries after a 429. Two things are added:
- a global pause that really holds: after any 429 no request of this bot starts until
  `retry_after` has passed. AIORateLimiter's own pause is an event that every finishing
  request sets again, so with many requests in flight others slip through during it;
- pacing for broadcasts (`acquire`, called by the delivery engine before each call, which
  it then marks with `Paced` as its `rate_limit_args`): evenly spaced at the configured
  overall rate (the paid rate with paid broadcasts), at most one message a second to a chat,
  never more than the cap in any second, counting the sends that are not paced too.
  The engine takes the slot itself so that it can drop a send cancelled while it waited.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

JSON = bool | dict[str, Any] | list[dict[str, Any]]


# Evenly spaced sends at exactly the cap put each second's last one at the very edge of
# Telegram's window; spacing them 1 % wider keeps them off it. The same 1 % of every
# window is kept for sends that are not paced (replies to citizens, progress edits).
HEADROOM = 0.99
# How far behind its schedule the pacer may fall and still make up for it. Slots go by
# unused when the event loop stalls or every worker is busy; sending faster for a moment
# recovers them, and the window guard still holds the count in any second to the cap.
CATCH_UP = 0.05
# Calls Telegram counts against the broadcast limits, paced or not.
SENDING = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "sendAudio",
        "sendAnimation", "sendSticker", "sendLocation", "sendContact", "sendVenue",
        "sendMediaGroup", "copyMessage", "forwardMessage", "editMessageText",
        "editMessageCaption", "editMessageMedia", "editMessageReplyMarkup",
    }
)  # fmt: skip


class Paced(int):
    """`rate_limit_args` of a broadcast call; its value is the number of 429 retries."""


class Pacer:
    """Starts evenly spaced at `rate` a second, and never more than `rate` in any second.

    Unpaced sends are counted too (`count`), so broadcasts yield to replies.
    Telegram counts a message in the second after it arrives. A request arrives somewhere
    between its start and its response, so a send is counted here from its start until a
    second after its response: a superset of what the server counts at any moment. The
    spacing alone is not enough: when the event loop stalls, requests started on time reach
    the server late and together, and a window over start times would let the next ones
    through into the same second.
    """

    def __init__(self, rate: float, window: float = 1.0) -> None:
        self.set_rate(rate)
        self.window = window
        self._next = 0.0
        self.inflight = 0
        # Response times, in order: each holds a place in the window for one second.
        self._ends: deque[float] = deque()

    def set_rate(self, rate: float) -> None:
        """Pace at `rate` a second from now on (this replica's share of the budget)."""
        self.rate = rate
        self.interval = 1.0 / (rate * HEADROOM)
        # Paced sends leave this much of each window to the unpaced ones (none at 30/s,
        # where the spacing alone leaves room).
        self.limit = max(1, int(rate) - int(rate * (1 - HEADROOM)))

    async def wait(self) -> None:
        """Take the next free slot, sleep until it comes; call `done` when the call ends."""
        now = time.monotonic()
        slot = max(now - CATCH_UP, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        ends = self._ends
        while True:
            now = time.monotonic()
            while ends and now - ends[0] >= self.window:
                ends.popleft()
            if self.inflight + len(ends) < self.limit:
                break
            await asyncio.sleep(self.window - (now - ends[0]) if ends else 0.005)
        self.inflight += 1

    def count(self) -> None:
        """An unpaced send starts: it takes room in the window without waiting for it."""
        self.inflight += 1

    def done(self) -> None:
        """The call that took a slot (or was counted) has its answer."""
        self.inflight -= 1
        now = time.monotonic()
        ends = self._ends
        ends.append(now)
        # Pruned here too: with no broadcast waiting, replies alone would fill it forever.
        while now - ends[0] >= self.window:
            ends.popleft()


class HotlineRateLimiter(AIORateLimiter):
    """AIORateLimiter with a global 429 pause and broadcast pacing."""

    def __init__(
        self,
        *,
        overall_max_rate: float,
        group_max_rate: float,
        max_retries: int,
        broadcast_rate: float,
        paid_rate: float,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_max_rate,
            overall_time_period=1,
            group_max_rate=group_max_rate,
            group_time_period=60,
            max_retries=max_retries,
        )
        self.free = Pacer(broadcast_rate)
        self.paid = Pacer(paid_rate)
        self._rates = (broadcast_rate, paid_rate)
        # Several replicas share the token: replies take paced slots too (see share()).
        self.shared = False
        self.replicas = 1
        self.pause_until = 0.0
        self.retry_afters = 0
        self._chat_next: dict[int, float] = {}

    async def _paused(self) -> None:
        # A loop, not an Event: another 429 may push the end further while we sleep.
        while (left := self.pause_until - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    async def _chat_gate(self, chat_id: int) -> None:
        now = time.monotonic()
        slot = max(now, self._chat_next.get(chat_id, 0.0))
        self._chat_next[chat_id] = slot + 1.0
        if len(self._chat_next) > 50_000:
            # Entries older than a second no longer hold anyone back.
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)

    def share(self, replicas: int) -> None:
        """Several replicas send with one token: this one paces at its part of the caps."""
        if replicas == self.replicas:
            return  # the pacers keep their rhythm (and any rate set by hand)
        self.replicas = replicas
        free, paid = self._rates
        self.free.set_rate(free / replicas)
        self.paid.set_rate(paid / replicas)
        # Alone, replies are only counted: Telegram's 429s pace them and broadcasts yield.
        # Beside other replicas a burst of replies here would push the total over the cap
        # that the others' pacers cannot see, so each reply waits for a slot of this share.
        self.shared = replicas > 1

    def release(self, paid: bool) -> None:
        """The call that `acquire` let through has finished (answered or failed)."""
        (self.paid if paid else self.free).done()

    async def acquire(self, chat_id: int, paid: bool) -> None:
        """Wait for a broadcast slot: the chat's second, then the overall rate, then no pause."""
        await self._chat_gate(chat_id)
        pacer = self.paid if paid else self.free
        while True:
            await self._paused()
            await pacer.wait()
            # A slot that fell inside a 429 pause is given up: taking it when the pause
            # ends would send every waiting worker at once, a burst that earns the next 429.
            if time.monotonic() >= self.pause_until:
                return
            pacer.done()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        """Each attempt (AIORateLimiter's retries too) waits out the global 429 pause."""

        attempts = 0
        paced = isinstance(rate_limit_args, Paced)
        counted = not paced and endpoint in SENDING
        chat_id = data.get("chat_id")

        async def guarded(*a: Any, **kw: Any) -> JSON:
            nonlocal attempts
            attempts += 1
            retry = paced and attempts > 1 and isinstance(chat_id, int)
            paid = bool(data.get("allow_paid_broadcast"))
            if retry:
                # AIORateLimiter's retry after a 429 needs a slot like any other send.
                await self.acquire(int(chat_id), paid)  # type: ignore[arg-type]
            await self._paused()
            if counted:
                if self.shared:
                    await self.free.wait()
                else:
                    self.free.count()
                self.paid.count()
            try:
                return await callback(*a, **kw)
            except RetryAfter as exc:
                self.retry_afters += 1
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                until = time.monotonic() + seconds
                self.pause_until = max(self.pause_until, until)
                raise
            finally:
                if retry:
                    self.release(paid)
                if counted:
                    self.free.done()
                    self.paid.done()

        return await super().process_request(
            guarded,
            args,
            kwargs,
            endpoint,
            data,
            int(rate_limit_args) if isinstance(rate_limit_args, Paced) else rate_limit_args,
        )
