"""A fake of SMSC.kz's HTTP API (send.php) on 127.0.0.1, for the SMS adapter and the bot.

It answers as SMSC documents for fmt=3: {"id": N, "cnt": 1} for an accepted SMS, or
{"error": "...", "error_code": N}: 1 parameters, 2 authorisation (a wrong API key), 7 an
invalid number, 9 the same request again within a minute, and any error or HTTP status a
test injects for one phone. It records every request and every accepted SMS.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_KEY = "smsc-test-key-0123456789abcdef"
_TEXTS = {
    1: "parameters error", 2: "authorise error", 3: "no money", 4: "IP blocked",
    6: "message is denied", 7: "invalid number", 8: "cannot be delivered",
    9: "duplicate request, wait a minute",
}  # fmt: skip


@dataclass
class Sms:
    """One SMS the fake accepted."""

    id: int
    phone: str
    text: str
    sender: str | None
    ref: str | None


@dataclass
class _Fault:
    error_code: int | None = None
    status: int | None = None
    count: int = 1


@dataclass
class FakeSmsc:
    """The server and what it saw."""

    api_key: str = API_KEY
    port: int = 0
    requests: list[dict[str, str]] = field(default_factory=list)
    accepted: list[Sms] = field(default_factory=list)
    _faults: dict[str, list[_Fault]] = field(default_factory=dict)
    _recent: dict[tuple[str, str], float] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1001))
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """What the bot uses as SMS_API_URL."""
        return f"http://127.0.0.1:{self.port}/sys/send.php"

    async def start(self) -> None:
        """Listen on a free port."""
        app = web.Application()
        app.router.add_route("*", "/sys/send.php", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def fail(
        self, phone: str, *, error_code: int | None = None, status: int | None = None,
        count: int = 1,
    ) -> None:  # fmt: skip
        """The next `count` requests for `phone` (digits) get this error or HTTP status."""
        self._faults.setdefault(phone, []).append(_Fault(error_code, status, count))

    def phones(self) -> list[str]:
        """Every phone an SMS was accepted for, in order."""
        return [s.phone for s in self.accepted]

    def tried(self, phone: str) -> int:
        """How many requests named this phone."""
        return sum(1 for r in self.requests if r.get("phones") == phone)

    async def _send(self, request: web.Request) -> web.StreamResponse:
        form: dict[str, str] = dict(request.query)
        if request.can_read_body:
            form.update({k: str(v) for k, v in (await request.post()).items()})
        self.requests.append(form)
        if form.get("apikey") != self.api_key:
            return self._error(2)
        phone, text = form.get("phones", ""), form.get("mes", "")
        if not phone or not text or form.get("fmt") != "3":
            return self._error(1)
        faults = self._faults.get(phone)
        if faults:
            fault = faults[0]
            fault.count -= 1
            if fault.count <= 0:
                faults.pop(0)
            if fault.status is not None:
                return web.Response(status=fault.status, text="Service Unavailable")
            return self._error(fault.error_code or 8)
        if not phone.isdigit() or not 10 <= len(phone) <= 15:
            return self._error(7)
        now = time.monotonic()
        if now - self._recent.get((phone, text), -120.0) < 60:
            return self._error(9)
        self._recent[phone, text] = now
        sms = Sms(next(self._ids), phone, text, form.get("sender"), form.get("id"))
        self.accepted.append(sms)
        return web.json_response({"id": sms.id, "cnt": 1})

    @staticmethod
    def _error(code: int) -> web.StreamResponse:
        return web.json_response({"error": _TEXTS.get(code, "error"), "error_code": code})
