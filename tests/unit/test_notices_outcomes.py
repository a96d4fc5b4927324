"""What one send comes to: Telegram's answer (200, 403, 400, 429, network) -> what is recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import Clock
from bot.i18n import Catalog
from bot.notices.engine import Delivery, EngineApp
from bot.settings import Settings
from storage.audience import Audience, AudienceRepo
from storage.citizens import CitizenRepo
from storage.db import Database
from storage.leases import LeaseRepo
from storage.notices import Notice, NoticeDraft, NoticeRepo
from storage.outbox import OutboxItem, OutboxRepo, Outcome
from storage.registrations import RegistrationRepo

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
CATALOG = Catalog()
RETRIES = 3


class Frozen(Clock):
    """A clock that stays at NOW."""

    def now(self) -> datetime:
        return NOW


class FakeBot:
    """Answers every call with `answer`: a result dict, or an error to raise."""

    rate_limiter = None

    def __init__(self) -> None:
        self.answer: dict[str, Any] | Exception = {"message_id": 77}
        self.calls: list[str] = []

    def _reply(self, method: str) -> Any:
        self.calls.append(method)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    async def do_api_request(self, method: str, **kwargs: Any) -> Any:
        return self._reply(method)

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Any:
        return self._reply("editMessageText")

    async def delete_message(self, *args: Any, **kwargs: Any) -> Any:
        return self._reply("deleteMessage")


class Engine(SimpleNamespace):
    """The engine under test, its fake bot and the one stored notice."""

    delivery: Delivery
    bot: FakeBot
    notice: Notice


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    """The engine over an in-memory database holding one notice, sending through a fake bot."""
    db = Database(":memory:")
    await db.open()
    settings = Settings(_env_file=None, broadcast_retries=RETRIES)  # type: ignore[call-arg]
    clock = Frozen()
    repo = NoticeRepo(db)
    delivery = Delivery(
        settings, repo, OutboxRepo(db), AudienceRepo(db), CATALOG, CitizenRepo(db),
        RegistrationRepo(db), clock, LeaseRepo(db),
    )  # fmt: skip
    bot = FakeBot()
    # What start() would hand in: only the bot is used by a send.
    delivery._app = cast(EngineApp, SimpleNamespace(bot=bot, job_queue=None))
    notice = await repo.create(
        NoticeDraft(Audience(), "Рейс завтра", "Ертең рейс", ack=True), 1, "now", NOW, NOW
    )
    yield Engine(delivery=delivery, bot=bot, notice=notice)
    await db.close()


def _item(notice: Notice, op: str = "send", attempts: int = 0) -> OutboxItem:
    return OutboxItem(
        id=5, notice_id=notice.id, run="now", user_id=42, op=op,  # type: ignore[arg-type]
        lang="kk", attempts=attempts, message_id=None if op == "send" else 900,
    )  # fmt: skip


async def _outcome(engine: Engine, answer: dict[str, Any] | Exception, **item: Any) -> Outcome:
    engine.bot.answer = answer
    outcome = await engine.delivery.attempt(_item(engine.notice, **item))
    assert outcome is not None
    return outcome


async def test_200_is_sent_with_its_message_id_and_version(engine: Engine) -> None:
    outcome = await _outcome(engine, {"message_id": 77})
    assert outcome == Outcome(5, "sent", message_id=77, version=1)
    assert engine.bot.calls == ["sendMessage"]


async def test_403_means_the_citizen_blocked_the_bot(engine: Engine) -> None:
    outcome = await _outcome(engine, Forbidden("Forbidden: bot was blocked by the user"))
    assert (outcome.kind, outcome.error) == ("blocked", "Forbidden: bot was blocked by the user")


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Bad Request: chat not found", "blocked"),
        ("Bad Request: PEER_ID_INVALID", "blocked"),
        ("Bad Request: user is deactivated", "blocked"),
        ("Bad Request: can't parse entities", "failed"),
    ],
)
async def test_400_a_gone_chat_is_blocked_anything_else_failed(
    engine: Engine, message: str, kind: str
) -> None:
    error = BadRequest(message)
    outcome = await _outcome(engine, error)
    assert (outcome.kind, outcome.error) == (kind, error.message)
    assert outcome.due_at is None, "not retried"


async def test_400_not_modified_on_an_edit_is_done(engine: Engine) -> None:
    outcome = await _outcome(engine, BadRequest("Bad Request: message is not modified"), op="edit")
    assert outcome == Outcome(5, "done")


async def test_429_left_by_the_limiter_is_put_back_without_counting(engine: Engine) -> None:
    outcome = await _outcome(engine, RetryAfter(timedelta(seconds=3)))
    assert (outcome.kind, outcome.error) == ("requeue", "retry_after")
    assert outcome.due_at == NOW


@pytest.mark.parametrize("error", [NetworkError("connection reset"), TimedOut()])
async def test_network_errors_are_retried_with_backoff(
    engine: Engine, error: NetworkError
) -> None:
    outcome = await _outcome(engine, error, attempts=1)
    assert (outcome.kind, outcome.error) == ("retry", type(error).__name__)
    # The second attempt waits 2**2 seconds.
    assert outcome.due_at == NOW + timedelta(seconds=4)


async def test_the_last_retry_fails_for_good(engine: Engine) -> None:
    outcome = await _outcome(engine, NetworkError("connection reset"), attempts=RETRIES - 1)
    assert (outcome.kind, outcome.error, outcome.due_at) == ("failed", "NetworkError", None)


async def test_an_answer_without_a_message_id_is_retried(engine: Engine) -> None:
    outcome = await _outcome(engine, {"ok": True})
    assert (outcome.kind, outcome.error) == ("retry", "NetworkError")


async def test_a_delete_that_went_through_is_done(engine: Engine) -> None:
    outcome = await _outcome(engine, {"ok": True}, op="delete")
    assert outcome == Outcome(5, "done")
    assert engine.bot.calls == ["deleteMessage"]


async def test_a_send_of_a_withdrawn_notice_records_nothing(engine: Engine) -> None:
    repo = engine.delivery.repo
    assert await repo.cancel(engine.notice.id, 1, NOW) == 0
    engine.delivery.forget(engine.notice.id)
    assert await engine.delivery.attempt(_item(engine.notice)) is None
    assert engine.bot.calls == []


async def test_a_send_of_a_vanished_notice_fails(engine: Engine) -> None:
    item = OutboxItem(5, 999, "now", 42, "send", "ru", 0, None)
    assert await engine.delivery.attempt(item) == Outcome(5, "failed", error="notice gone")
