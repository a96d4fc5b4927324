"""SMSC.kz, an SMS aggregator that operators in Kazakhstan buy from: its HTTP API, send.php.

One POST per SMS to SMS_API_URL (https://smsc.kz/sys/send.php) with the form fields
`apikey` (SMS_API_KEY), `phones` (digits, international), `mes`, `sender` (SMS_SENDER, a
name registered with SMSC), `charset=utf-8`, `fmt=3` (a JSON answer) and `id` (ours). It
answers {"id": ..., "cnt": ...} or {"error": "...", "error_code": N}. Everything goes in
the body, so no URL (which libraries may log) carries the key, the phone or the text.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from bot.sms.gateway import SmsError

# error_code -> (reason, temporary?, seconds to wait at least). From SMSC's documentation
# of send.php; the reason is what staff see in the report and the export.
ERRORS: dict[int, tuple[str, bool, float]] = {
    1: ("parameters refused", False, 0),
    2: ("API key refused", False, 0),
    3: ("not enough money on the account", False, 0),
    4: ("IP address blocked for a while", True, 60),
    5: ("date format refused", False, 0),
    6: ("text or sender name forbidden", False, 0),
    7: ("invalid phone number", False, 0),
    8: ("cannot be delivered to this number", False, 0),
    # "More than one identical request within a minute": try again once the minute is over.
    9: ("too many identical requests", True, 65),
}


class SmscGateway:
    """SMSC.kz's send.php."""

    name = "smsc"

    def __init__(self, url: str, api_key: str, sender: str = "", timeout: float = 20.0) -> None:
        self.url = url
        self._key = api_key
        self.sender = sender
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        # The key is a secret: never in a repr, a log line or a traceback's locals.
        return f"SmscGateway(url={self.url!r}, sender={self.sender!r})"

    async def send(self, phone: str, text: str, ref: int) -> str:
        """POST one SMS; SMSC's message id, or SmsError."""
        digits = "".join(ch for ch in phone if ch.isdigit())
        if not digits:
            raise SmsError("no phone number", retry=False)
        form = {
            "apikey": self._key, "phones": digits, "mes": text, "charset": "utf-8",
            "fmt": "3", "id": str(ref % 2_147_483_647 or 1),
        }  # fmt: skip
        if self.sender:
            form["sender"] = self.sender
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.post(self.url, data=form) as response:
                status = response.status
                body = await response.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise SmsError(f"network: {type(exc).__name__}", retry=True) from None
        if status >= 500 or status == 429:
            raise SmsError(f"HTTP {status}", retry=True)
        if status != 200:
            raise SmsError(f"HTTP {status}", retry=False)
        return self._answer(body)

    @staticmethod
    def _answer(body: str) -> str:
        try:
            data: Any = json.loads(body)
        except ValueError:
            raise SmsError("unreadable answer", retry=True) from None
        if not isinstance(data, dict):
            raise SmsError("unreadable answer", retry=True)
        if "error_code" in data or "error" in data:
            try:
                code = int(data.get("error_code", 0))
            except (TypeError, ValueError):
                code = 0
            reason, temporary, wait = ERRORS.get(code, ("refused", False, 0))
            raise SmsError(f"SMSC {code}: {reason}", retry=temporary, wait=wait)
        if "id" not in data:
            raise SmsError("unreadable answer", retry=True)
        return str(data["id"])

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
