"""PTB's AIORateLimiter plus what broadcasts need from it.

AIORateLimiter already limits groups and retries after a 429. Added here:
- a global pause that really holds: after any 429 no request of this bot starts until
  `retry_after` has passed. AIORateLimiter's own pause is an event that every finishing
  request sets again, so with many requests in flight others slip through during it.
  After a pause requests go one at a time until a send gets through: if the flood goes
  on, only one request meets the next 429, not every one that waited;
- the pause outlives the process: its end is handed to `on_pause` (the bot stores it)
  and `resume_pause` starts a new process inside it;
- patience for everything that is not a broadcast (replies to citizens, staff cards):
  it waits out any number of pauses instead of failing after AIORateLimiter's retries,
  and broadcasts yield to such waiting requests when a pause ends;
- `before_send`, awaited before an unpaced send to a private chat: the bot commits that
  user's state there, so what a reply acknowledges is stored before the citizen sees it;
- pacing for broadcasts (`acquire`, called by the delivery engine before each call, which
  it then marks with `Paced` as its `rate_limit_args`): evenly spaced at the configured
  overall rate (the paid rate with paid broadcasts), at most one message a second to a chat,
  never more than the cap in any second, counting the sends that are not paced too.
  The engine takes the slot itself so that it can drop a send cancelled while it waited;
- a 429 that belongs to one chat's own limit holds back that chat, not everyone: a send to
  a private chat that had another send start less than a second before it is over that
  chat's 1 a second, and a send to a group is over the group's budget (see below); such a
  429 pauses that chat for `retry_after`, after which its sends go 1 a second for a while.
  The global pause is kept for the others (one user's flood paused the whole bot: 800 of
  800 other users' /start went unanswered);
- a group's budget as a window (`GroupBudget`): at most GROUP_MAX_PER_MINUTE sends to one
  group in any 60 seconds, each counted from its start until 60 s after its answer.
  AIORateLimiter's group limiter is a leaky bucket, which after a burst of 20 lets one more
  through every 3 s: Telegram's count over the minute is then over 20.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import AIORateLimiter

from bot.runtime.budget import GroupBudget, units

JSON = bool | dict[str, Any] | list[dict[str, Any]]

log = logging.getLogger(__name__)


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
        "sendVideoNote", "sendMediaGroup", "copyMessage", "copyMessages", "forwardMessage",
        "forwardMessages", "editMessageText", "editMessageCaption", "editMessageMedia",
        "editMessageReplyMarkup",
    }
)  # fmt: skip
# After a chat's own 429 its sends go CHAT_SPACING apart (a request reaches Telegram a little
# after it starts) until CHAT_PACED_FOR seconds after the wait: long enough that a flooder
# earns one 429 in several seconds, short enough that a staff member who got one during a
# notice's progress edits is not slowed down while composing the next.
CHAT_PACED_FOR = 5.0
CHAT_SPACING = 1.1


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
        # Groups are limited by the window below, not by AIORateLimiter's leaky bucket (which
        # also counted requests that send nothing, such as getChatMember).
        super().__init__(
            overall_max_rate=overall_max_rate,
            overall_time_period=1,
            group_max_rate=0,
            group_time_period=60,
            max_retries=max_retries,
        )
        # Counted even when not capped (GROUP_MAX_PER_MINUTE=0): how busy a group is picks
        # the overflow group a new ticket goes to.
        self.groups = GroupBudget(int(group_max_rate))
        self._group_limit = int(group_max_rate)
        # A chat's own 429: when its wait ends, until when its sends go 1 a second, and when
        # its latest send started (to tell a chat's own flood from everyone's).
        self._chat_until: dict[int, float] = {}
        self._chat_paced: dict[int, float] = {}
        self._chat_started: dict[int, float] = {}
        self._chat_slot: dict[int, float] = {}
        self.chat_retry_afters = 0
        self.free = Pacer(broadcast_rate)
        self.paid = Pacer(paid_rate)
        self._rates = (broadcast_rate, paid_rate)
        # Several replicas share the token: replies take paced slots too (see share()).
        self.shared = False
        self.replicas = 1
        self.pause_until = 0.0
        self.retry_afters = 0
        self._chat_next: dict[int, float] = {}
        # Ports the bot plugs in (the limiter knows neither the database nor persistence):
        # on_pause gets a pause's end in wall-clock seconds (time.time()), before_send the
        # chat id of an unpaced send to a private chat.
        self.on_pause: Callable[[float], Awaitable[None]] | None = None
        self.before_send: Callable[[int], Awaitable[None]] | None = None
        # Set by a 429, cleared by the next send that gets through: until then requests go
        # one at a time (the one in flight is `_probe`), so that if the flood goes on only
        # that one meets the next 429 and nothing arrives inside the new wait.
        self._uncertain = False
        self._probe: asyncio.Event | None = None
        # Unpaced requests held up by a pause; broadcasts wait while there are any.
        self._held = 0
        self._none_held = asyncio.Event()
        self._none_held.set()

    async def _paused(self) -> None:
        # A loop, not an Event: another 429 may push the end further while we sleep.
        while (left := self.pause_until - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    def holding(self) -> bool:
        """Whether a pause, or the probe that tests its end, holds requests back now."""
        return self.pause_until > time.monotonic() or self._uncertain

    async def _clear_to_send(self) -> bool:
        """Wait out the pause, then the probe in flight. True: this request is the probe."""
        while True:
            await self._paused()
            if not self._uncertain:
                return False
            if self._probe is None:
                self._probe = asyncio.Event()
                return True
            await self._probe.wait()

    def resume_pause(self, seconds: float) -> None:
        """Hold every request for `seconds` more: a wait a previous process was told."""
        self.pause_until = max(self.pause_until, time.monotonic() + seconds)
        self._uncertain = True

    async def _paused_by(self, exc: RetryAfter) -> None:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        # Telegram never says less than a second; a 0 would make patient requests spin.
        seconds = max(seconds, 0.5)
        self._uncertain = True
        until = time.monotonic() + seconds
        if until <= self.pause_until:
            return
        self.pause_until = until
        log.warning("Telegram flood control: every request waits %.1f s", seconds)
        if self.on_pause is not None:
            try:
                await self.on_pause(time.time() + seconds)
            except Exception as error:
                # Not storing it costs only the restart case; the pause itself holds.
                log.warning("could not store the flood wait: %s", type(error).__name__)

    async def _chat_gate(self, chat_id: int) -> None:
        now = time.monotonic()
        slot = max(now, self._chat_next.get(chat_id, 0.0))
        self._chat_next[chat_id] = slot + 1.0
        if len(self._chat_next) > 50_000:
            # Entries older than a second no longer hold anyone back.
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)

    def _own_flood(self, chat_id: int, previous: float | None, started: float) -> bool:
        """Whether a 429 on a send to this chat is over the chat's own limit."""
        if chat_id < 0:
            return self.groups.limit > 0
        return previous is not None and started - previous < 1.0

    def _pause_chat(self, chat_id: int, exc: RetryAfter) -> None:
        wait = exc.retry_after
        seconds = max(wait.total_seconds() if isinstance(wait, timedelta) else float(wait), 0.5)
        now = time.monotonic()
        self.chat_retry_afters += 1
        self._chat_until[chat_id] = max(self._chat_until.get(chat_id, 0.0), now + seconds)
        self._chat_paced[chat_id] = now + seconds + CHAT_PACED_FOR
        # Chat ids of people are personal data; a group's id is not.
        where = f"group {chat_id}" if chat_id < 0 else "a private chat"
        log.info("Telegram's limit of %s: its sends wait %.1f s", where, seconds)

    async def _chat_turn(self, chat_id: int) -> None:
        """Wait out the chat's own 429 and, after one, its second between sends."""
        await self._chat_wait(chat_id)
        paced = self._chat_paced.get(chat_id)
        if paced is None:
            return
        now = time.monotonic()
        if paced <= now:
            del self._chat_paced[chat_id]
            self._chat_until.pop(chat_id, None)
            self._chat_slot.pop(chat_id, None)
            return
        # A little over a second apart: a request reaches Telegram some time after it starts.
        slot = max(now, self._chat_slot.get(chat_id, 0.0))
        self._chat_slot[chat_id] = slot + CHAT_SPACING
        if slot > now:
            await asyncio.sleep(slot - now)

    async def _chat_wait(self, chat_id: int) -> None:
        # A loop, as _paused: another 429 may push the end further while we sleep.
        while (left := self._chat_until.get(chat_id, 0.0) - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    def _note_start(self, chat_id: int, now: float) -> float | None:
        previous = self._chat_started.get(chat_id)
        self._chat_started[chat_id] = now
        if len(self._chat_started) > 50_000:
            # Starts older than a second tell nothing about a chat's flood.
            self._chat_started = {c: t for c, t in self._chat_started.items() if now - t < 1}
        return previous

    async def group_ready(self, chat_id: int) -> None:
        """Wait until a send to the group would go at once (room in its budget, no wait of
        its own); returns at once when groups are not limited."""
        await self._chat_wait(chat_id)
        await self.groups.ready(chat_id)

    def group_used(self, chat_id: int) -> int:
        """Sends to the group counted in its budget's window now."""
        return self.groups.used(chat_id)

    def share(self, replicas: int) -> None:
        """Several replicas send with one token: this one paces at its part of the caps."""
        if replicas == self.replicas:
            return  # the pacers keep their rhythm (and any rate set by hand)
        self.replicas = replicas
        free, paid = self._rates
        self.free.set_rate(free / replicas)
        self.paid.set_rate(paid / replicas)
        # A group's 20 a minute is the token's too: each replica keeps to its part of it.
        if self._group_limit > 0:
            self.groups.limit = max(1, self._group_limit // replicas)
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
            # Replies and staff messages that a pause held up go first when it ends.
            await self._none_held.wait()
            await pacer.wait()
            # A slot that fell inside a 429 pause is given up: taking it when the pause
            # ends would send every waiting worker at once, a burst that earns the next 429.
            if time.monotonic() >= self.pause_until:
                return
            pacer.done()

    def _end_probe(self, probe: bool, answered: bool) -> None:
        if not probe or self._probe is None:
            return
        if answered:
            # Telegram let a send through: the flood is over. (Other calls may not count
            # against it; the next request probes again.)
            self._uncertain = False
        self._probe.set()
        self._probe = None

    async def _commit_before(self, chat_id: int) -> None:
        if self.before_send is None:
            return
        try:
            await self.before_send(chat_id)
        except Exception as error:
            # The reply still goes: a citizen left without an answer is the worse failure.
            log.warning("could not commit state before a send: %s", type(error).__name__)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        """Each attempt (AIORateLimiter's retries too) waits out the global 429 pause.

        A paced call gives up after its retries (the engine puts it back in the outbox);
        any other call waits out pauses for as long as Telegram asks.
        """

        attempts = 0
        paced = isinstance(rate_limit_args, Paced)
        sending = endpoint in SENDING
        counted = not paced and sending
        chat_id = data.get("chat_id")
        # A private chat's id is its user's: that user's state is committed before the send.
        commit = counted and isinstance(chat_id, int) and chat_id > 0
        held = False
        # Sends to one chat: its own 429 and, for a group, its budget.
        chat = chat_id if sending and isinstance(chat_id, int) else None
        budget = self.groups if chat is not None and chat < 0 else None
        count = units(endpoint, data)

        async def attempt(*a: Any, **kw: Any) -> JSON:
            nonlocal attempts
            attempts += 1
            retry = paced and attempts > 1 and isinstance(chat_id, int)
            paid = bool(data.get("allow_paid_broadcast"))
            if retry:
                # AIORateLimiter's retry after a 429 needs a slot like any other send.
                await self.acquire(int(chat_id), paid)  # type: ignore[arg-type]
            if budget is not None and chat is not None:
                await budget.take(chat, count)
            try:
                return await sent(retry, paid, *a, **kw)
            finally:
                if budget is not None and chat is not None:
                    budget.done(chat, count)

        async def sent(retry: bool, paid: bool, *a: Any, **kw: Any) -> JSON:
            nonlocal held, commit
            if chat is not None:
                await self._chat_turn(chat)
            if not paced and not held and self.holding():
                held = True
                self._held += 1
                self._none_held.clear()
            while True:
                probe = await self._clear_to_send()
                if not commit:
                    break
                # After the wait, not before it: committed, the reply must follow at once.
                commit = False
                await self._commit_before(int(chat_id))  # type: ignore[arg-type]
                if self.pause_until <= time.monotonic():
                    break
                self._end_probe(probe, answered=False)  # a 429 came meanwhile: wait again
            if counted:
                if self.shared:
                    await self.free.wait()
                else:
                    self.free.count()
                self.paid.count()
            answered = False
            started = time.monotonic()
            previous = self._note_start(chat, started) if chat is not None else None
            try:
                result = await callback(*a, **kw)
                answered = sending
            except RetryAfter as exc:
                if chat is not None and self._own_flood(chat, previous, started):
                    self._pause_chat(chat, exc)
                else:
                    self.retry_afters += 1
                    await self._paused_by(exc)
                raise
            except (BadRequest, Forbidden):
                answered = sending
                raise
            finally:
                self._end_probe(probe, answered)
                if retry:
                    self.release(paid)
                if counted:
                    self.free.done()
                    self.paid.done()
            return result

        async def patient(*a: Any, **kw: Any) -> JSON:
            while True:
                try:
                    return await attempt(*a, **kw)
                except RetryAfter:
                    # attempt() has set the pause; the next attempt waits it out. Not
                    # re-raised: AIORateLimiter would give up after its max_retries.
                    continue

        try:
            return await super().process_request(
                attempt if paced else patient,
                args,
                kwargs,
                endpoint,
                data,
                int(rate_limit_args) if isinstance(rate_limit_args, Paced) else rate_limit_args,
            )
        finally:
            if held:
                self._held -= 1
                if self._held == 0:
                    self._none_held.set()
