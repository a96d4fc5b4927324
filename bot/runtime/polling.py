"""getUpdates through an outage: one warning when the Bot API stops answering, one line
when it answers again.

PTB's Updater logged every failed poll with a full traceback at ERROR (14 in a 30-second
outage) and retried timeouts without a word. `PollWatch` wraps the getUpdates request,
sees every poll's outcome, and logs only the changes; the inbox's polling loop
(bot.runtime.inbox) retries quietly, since the watch already said it.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from telegram.error import TelegramError
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)


class PollWatch(BaseRequest):
    """A BaseRequest that delegates to `inner` and logs when polling fails and recovers."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner
        self.down_since: float | None = None
        self.failures = 0

    @property
    def read_timeout(self) -> float | None:
        """The inner request's read timeout (PTB adds it to the long-polling timeout)."""
        return self.inner.read_timeout

    async def initialize(self) -> None:
        """Initialize the inner request."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Shut down the inner request."""
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Poll through the inner request and note whether the Bot API answered."""
        try:
            status, body = await self.inner.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        except TelegramError as error:
            # NetworkError and TimedOut from the transport: nothing reached the API.
            self._failed(type(error).__name__)
            raise
        if status == 200:
            self._answered()
        else:
            self._failed(f"HTTP {status} {_description(body)}")
        return status, body

    def _failed(self, what: str) -> None:
        self.failures += 1
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning("Bot API unreachable (%s); polling retries quietly until it answers", what)

    def _answered(self) -> None:
        if self.down_since is None:
            return
        log.info(
            "Bot API answers again after %.0f s (%d failed polls)",
            time.monotonic() - self.down_since,
            self.failures,
        )
        self.down_since = None
        self.failures = 0


def _description(body: bytes) -> str:
    """Telegram's short description of an error response (no URL, so no token)."""
    try:
        return str(json.loads(body).get("description", ""))[:200]
    except (ValueError, AttributeError):
        return ""
