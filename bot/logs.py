"""Logging set-up: no token and no personal data in any line."""

from __future__ import annotations

import logging
import re
import sys

_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")


class RedactTokenFilter(logging.Filter):
    """Defence in depth: a URL with the token (httpx, PTB network errors) is masked, and
    the raw update payload PTB dumps when it cannot parse an update (names, phones, texts)
    is cut off."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's text with any bot token masked."""
        message = record.getMessage()
        if "Received data was" in message:
            record.msg = message.split("Received data was", 1)[0] + "Received data: <redacted>"
            record.args = None
            message = record.msg
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("<token>", message)
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if _TOKEN.search(text):
                record.msg = f"{record.msg}\n{_TOKEN.sub('<token>', text)}"
                record.exc_info = None
                record.exc_text = None
        return True


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Marks the handler this module installed, so a second call does not add another."""


def setup_logging(level: str) -> None:
    """Configure logging for the process: our handler on the root, libraries kept quiet."""
    root = logging.getLogger()
    if not any(isinstance(h, _OurHandler) for h in root.handlers):
        handler = _OurHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactTokenFilter())
        root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # PTB's DEBUG lines dump whole updates (names, phones, texts): never below INFO, even
    # when the operator asks for DEBUG to see our own decisions.
    logging.getLogger("telegram").setLevel(logging.INFO)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
