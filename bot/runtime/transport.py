"""The HTTP transport to the Bot API: python-telegram-bot's BaseRequest on aiohttp.

PTB's default HTTPXRequest costs about 2.8 ms of CPU per request here; the same calls on
aiohttp cost about 0.8 ms (measured against the fake server, bot and server in one
process). At Telegram's paid-broadcast limit of 1000 messages a second that is the
difference between a bot that keeps up and one that cannot (bench/broadcast.py).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.runtime import metrics

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Requests through one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_read_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_read_timeout = media_read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to getUpdates' long-polling timeout)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (it must be created inside the running event loop)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        """Send one request; map aiohttp's failures to PTB's NetworkError and TimedOut."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        if read_timeout is BaseRequest.DEFAULT_NONE:
            read_timeout = self._media_read_timeout if files else self._read_timeout
        if connect_timeout is BaseRequest.DEFAULT_NONE:
            connect_timeout = self._connect_timeout
        if pool_timeout is BaseRequest.DEFAULT_NONE:
            pool_timeout = self._pool_timeout
        # aiohttp's `connect` covers waiting for a pooled connection and opening one.
        connect = None
        if connect_timeout is not None or pool_timeout is not None:
            connect = (connect_timeout or 0.0) + (pool_timeout or 0.0)
        timeout = aiohttp.ClientTimeout(
            total=None, connect=connect, sock_connect=connect_timeout, sock_read=read_timeout
        )
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename or name, content_type=mimetype)
                data = form
            else:
                # A JSON body (the Bot API accepts one): aiohttp's form encoding of the same
                # parameters cost more than the rest of the request.
                data = json.dumps(request_data.parameters, ensure_ascii=False).encode()
                headers = _JSON
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as res:
                body = await res.read()
        except TimeoutError as err:
            metrics.observe_request(url, None)
            raise TimedOut from err
        except aiohttp.ClientError as err:
            metrics.observe_request(url, None)
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
        metrics.observe_request(url, res.status)
        return res.status, body
