"""What a failed send of an outbox item is recorded as: Telegram's error read once, here."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from storage.outbox import OutboxItem, Outcome

# Errors of a recipient's chat: not retried, the recipient is set inactive.
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")
_EDIT_DONE = ("message is not modified",)


def of_error(item: OutboxItem, exc: TelegramError, retries: int, now: datetime) -> Outcome:
    """The outcome of one try that raised `exc` (`retries`: BROADCAST_RETRIES)."""
    if isinstance(exc, RetryAfter):
        # The limiter already waited and retried; put it back without counting.
        return Outcome(item.id, "requeue", due_at=now, error="retry_after")
    if isinstance(exc, Forbidden):
        return Outcome(item.id, "blocked", error=exc.message[:200])
    if isinstance(exc, BadRequest):
        text = exc.message.lower()
        if any(g in text for g in _GONE):
            return Outcome(item.id, "blocked", error=exc.message[:200])
        if any(d in text for d in _EDIT_DONE):
            return Outcome(item.id, "done")
        return Outcome(item.id, "failed", error=exc.message[:200])
    attempts = item.attempts + 1
    error = type(exc).__name__
    if attempts >= retries:
        return Outcome(item.id, "failed", error=error)
    backoff = min(60.0, 2.0**attempts)
    return Outcome(item.id, "retry", error=error, due_at=now + timedelta(seconds=backoff))
