"""Logging set-up: no token and no personal data in any line."""

from __future__ import annotations

import logging
import re
import sys

_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")


class RedactTokenFilter(logging.Filter):
    """Defence in depth: a URL with the token (httpx, PTB network errors) is masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's text with any bot token masked."""
        message = record.getMessage()
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


def setup_logging(level: str) -> None:
    """Configure the root logger once for the process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokenFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
