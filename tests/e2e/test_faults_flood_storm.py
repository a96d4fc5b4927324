"""Interactive answers outlive a long flood: every press made during a 30-second storm of
429s (retry_after 5, longer than AIORateLimiter's retries cover) is processed once and
answered after it, and nothing reaches Telegram inside any of the waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.fakebot import ApiError, FakeBotApi, FakeUser
from tests.support.running import RunningBot

STORM = 30.0  # seconds during which every sendMessage is refused
WAIT = 5  # retry_after of each refusal
# Presses, in seconds after the storm began: in the first wait, between, and near its end.
PRESSES = (0.0, 4.0, 9.0, 15.0, 21.0, 27.0)
# A request already on its way when a 429 was answered arrives just after it.
IN_FLIGHT = 0.05
# Telegram refuses to answer a callback query some seconds after the press. Its own limit
# is longer; at 3 s the presses made early in a wait (21 s, 27 s) meet it.
QUERY_LIFETIME = 3.0

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]


def storm(fake: FakeBotApi, until: float) -> None:
    """Every message sent or edited until `until` gets 429 "retry after 5", as Telegram floods
    back. Edits too: the consent press edits its notice before it asks the first question,
    and a 429 on that chat's second message within a second would read as its own flood."""
    for method in ("m_sendMessage", "m_editMessageText"):
        original = getattr(fake, method)

        async def refused(params: dict[str, Any], original: Any = original) -> Any:
            now = time.monotonic()
            if now < until:
                fake.penalty_until = now + WAIT
                fake.flood_events.append((now, "sendMessage", None, WAIT))
                raise ApiError(
                    429, f"Too Many Requests: retry after {WAIT}", {"retry_after": WAIT}
                )
            return await original(params)

        setattr(fake, method, refused)


def queries_expire(fake: FakeBotApi, born: dict[str, float]) -> None:
    """Answers to callback queries older than QUERY_LIFETIME fail, as on Telegram."""
    answer = fake.m_answerCallbackQuery

    async def late(params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id"))
        if time.monotonic() - born.get(query_id, time.monotonic()) > QUERY_LIFETIME:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        return await answer(params)

    fake.m_answerCallbackQuery = late  # type: ignore[method-assign]


async def at_privacy_notice(user: FakeUser) -> None:
    """/start (Russian, from Telegram): the privacy notice with its consent button."""
    user.send("/start")
    await user.expect("🔒")


async def test_presses_during_a_long_flood_are_answered_after_it(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    users = [fake.user(5100 + i) for i in range(len(PRESSES))]
    await asyncio.gather(*(at_privacy_notice(u) for u in users))
    # A 429 on a reply less than a second after the chat's last message is that chat's own
    # flood (1 a second), which holds back only that chat: this storm is everyone's.
    await asyncio.sleep(1.0)
    born: dict[str, float] = {}
    queries_expire(fake, born)
    began = time.monotonic()
    storm(fake, began + STORM)
    for user, offset in zip(users, PRESSES, strict=True):
        await asyncio.sleep(max(0.0, began + offset - time.monotonic()))
        born[user.press("Согласен")] = time.monotonic()
    for user in users:
        # Answered after the storm, within one more wait of its end.
        await user.expect("Вы согласились", timeout=STORM + 2 * WAIT)
        await user.expect("В какой стране", timeout=5)
    await asyncio.sleep(1.0)  # anything still to come would be a second answer

    # Each press processed once: consent stored, shown once, one first question, no apology.
    for user in users:
        texts = [e.text for e in user.events()]
        # The notice is edited to show the consent (an edit is idempotent; it may be
        # retried after a wait); the first question is sent once.
        assert sum("Вы согласились" in t for t in texts) >= 1, texts
        assert sum("В какой стране" in t for t in texts) == 1, texts
        assert not [t for t in texts if "Что-то пошло не так" in t], texts
    ids = tuple(u.id for u in users)
    marks = ",".join("?" * len(ids))
    rows = await run_db(
        f"SELECT count(*) FROM citizens WHERE consent_at IS NOT NULL AND user_id IN ({marks})",  # noqa: S608
        ids,
    )
    assert rows == [(len(users),)]
    late = [q for q, a in fake.callback_answers.items() if q in born and not a.get("answered")]
    assert late, "no answer came too late: the test lost its point"
    # The storm was longer than AIORateLimiter's retries (3 of 5 s) cover ...
    waits = [t for t, *_ in fake.flood_events if t >= began]
    assert len(waits) >= 5, waits
    # ... and nothing but polling reached the server inside any of its waits.
    inside = [
        (round(c.at - began, 2), c.method) for c in fake.calls
        if c.method != "getUpdates" and any(t + IN_FLIGHT < c.at < t + WAIT for t in waits)
    ]  # fmt: skip
    assert inside == []
