"""What the bot needs from an SMS provider: send one text to one phone, or say why not."""

from __future__ import annotations

from typing import Protocol


class SmsError(Exception):
    """The gateway did not accept an SMS.

    `retry`: a temporary refusal (network, server error, rate limit), worth another try
    after `wait` seconds at the least; otherwise it is final for this SMS and reported.
    `reason` is short and never contains the phone or the text.
    """

    def __init__(self, reason: str, *, retry: bool, wait: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.wait = wait


class SmsGateway(Protocol):
    """An SMS provider's API."""

    name: str

    async def send(self, phone: str, text: str, ref: int) -> str:
        """Hand one SMS to the provider; its message id. `ref` is ours (the outbox row)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
