"""A fake Telegram Bot API server: real HTTP on 127.0.0.1, real long polling.

The bot under test talks to it through python-telegram-bot's `base_url`, exactly as it would
talk to api.telegram.org or a self-hosted Bot API server. The test side plays users (text,
commands, contacts, locations, media, presses on buttons that really exist, blocking the
bot), reads back everything the bot sent, and can impose flood limits and inject faults.

Used by the end-to-end tests and by the scripts in bench/. Split by concern: server.py (HTTP,
faults, flood limits), methods.py (the Bot API methods), users.py (the people), model.py
(what is recorded), html.py (Telegram's HTML check).
"""

from tests.support.fakebot.html import escape, plain_text
from tests.support.fakebot.model import (
    BOT_ID,
    BOT_USERNAME,
    JSON,
    TEST_TOKEN,
    ApiError,
    Call,
    ChatState,
    Event,
    Fault,
    FloodLimits,
)
from tests.support.fakebot.server import FakeBotApi
from tests.support.fakebot.users import FakeUser

__all__ = [
    "BOT_ID", "BOT_USERNAME", "JSON", "TEST_TOKEN", "ApiError", "Call", "ChatState", "Event",
    "FakeBotApi", "FakeUser", "Fault", "FloodLimits", "escape", "plain_text",
]  # fmt: skip
