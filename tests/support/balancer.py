"""A load balancer for tests: round robin over replicas, the next one when one is down.

What the reverse proxy of compose.yaml does in production, without TLS: Telegram posts to
one URL, and any live replica may answer.
"""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web


class Balancer:
    """POST /<anything> is forwarded, headers and body as they came, to one backend."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self._next = itertools.count()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.port = 0
        self.forwarded: dict[str, int] = dict.fromkeys(backends, 0)

    @property
    def url(self) -> str:
        """Where Telegram (the fake) posts."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("POST", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Close."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-")}
        headers["Content-Type"] = request.headers.get("Content-Type", "application/json")
        start = next(self._next)
        for offset in range(len(self.backends)):
            backend = self.backends[(start + offset) % len(self.backends)]
            try:
                async with self._http.post(
                    backend + request.path,
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=10),
                ) as res:
                    self.forwarded[backend] += 1
                    return web.Response(status=res.status, body=await res.read())
            except (aiohttp.ClientError, TimeoutError):
                continue  # down: the next one  # fmt: skip
        return web.Response(status=502)
