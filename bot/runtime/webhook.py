"""Webhook mode: Telegram POSTs updates here; each is committed to the inbox, then answered.

An update is answered 200 only after its row is committed, so Telegram redelivers what a
dying replica never stored; a redelivered update that is already stored is answered 200
and ignored. The secret token Telegram sends (X-Telegram-Bot-Api-Secret-Token, set with
setWebhook) is checked on every request before anything is read.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from telegram import Bot, Update

from bot.runtime.inbox import owner_of
from bot.runtime.processing import chat_key
from storage.db import DatabaseError
from storage.inbox import InboxRepo, Incoming

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
# Telegram's updates are small; a file arrives as an id, never as bytes.
MAX_BODY = 1024 * 1024


class WebhookServer:
    """POST `path` stores updates; GET /healthz answers the load balancer."""

    def __init__(
        self,
        bot: Bot,
        inbox: InboxRepo,
        secret: str,
        path: str,
        now: Callable[[], datetime],
        stored: Callable[[], None],
    ) -> None:
        self.bot, self.inbox, self.secret = bot, inbox, secret.encode()
        self.path, self.now, self.stored = path, now, stored
        self._runner: web.AppRunner | None = None
        self.accepting = True

    async def start(self, address: str, port: int) -> None:
        """Listen."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._update)
        app.router.add_get("/healthz", self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, address, port).start()
        log.info("webhook listening on %s:%s", address, port)

    async def stop(self) -> None:
        """Stop listening (updates in flight finish first)."""
        self.accepting = False
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, _: web.Request) -> web.Response:
        return web.Response(text="ok" if self.accepting else "stopping",
                            status=200 if self.accepting else 503)  # fmt: skip

    async def _update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            # Not Telegram: nothing is read, nothing is said.
            return web.Response(status=403)
        if not self.accepting:
            return web.Response(status=503)
        try:
            data: Any = json.loads(await request.read())
            update_id = int(data["update_id"])
        except (ValueError, KeyError, TypeError):
            # Not an update at all: Telegram never sends this.
            log.warning("webhook: a body that is not an update was refused")
            return web.Response(status=400)
        try:
            key = chat_key(Update.de_json(data, self.bot))
        except Exception:
            # Stored all the same: the inbox records it skipped once (as polling does),
            # instead of Telegram sending it again and again.
            key = None
        try:
            await self.inbox.put(Incoming(update_id, data, owner_of(data)), key, self.now())
        except DatabaseError as exc:
            log.warning(
                "webhook: update %s not stored (%s); Telegram will send it again",
                update_id,
                type(exc).__name__,
            )
            return web.Response(status=503)
        self.stored()
        return web.Response(status=200)
