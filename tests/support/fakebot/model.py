"""The fake Bot API's data: ids, recorded calls and events, faults, limits and chats."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TEST_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
BOT_ID = 123456789
BOT_USERNAME = "hotline_test_bot"

JSON = dict[str, Any]


class ApiError(Exception):
    """A Telegram-shaped error response."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class Event:
    """Something the bot did in a chat: a message sent, edited or deleted."""

    kind: str  # "send", "edit", "delete"
    method: str
    chat_id: int
    message: JSON
    at: float

    @property
    def text(self) -> str:
        """Visible text or caption (tags stripped)."""
        return str(self.message.get("text") or self.message.get("caption") or "")

    def buttons(self) -> list[JSON]:
        """Inline buttons of the message, flattened."""
        markup = self.message.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: JSON
    at: float
    status: int = 200
    error: str | None = None


@dataclass
class Fault:
    """An error to return for matching requests."""

    method: str
    code: int
    description: str
    count: int = 1
    chat_id: int | None = None
    delay: float = 0.0
    retry_after: int | None = None
    # Let this many matching requests through first.
    skip: int = 0


@dataclass
class FloodLimits:
    """Rates above which the server answers 429, like Telegram does."""

    global_per_second: float | None = None
    per_chat_per_second: float | None = None
    group_per_minute: int | None = None
    retry_after: int = 1


@dataclass
class ChatState:
    """What the fake knows about a chat."""

    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    user: JSON | None = None
    blocked: bool = False
    started: bool = False
    next_id: Callable[[], int] = field(default_factory=lambda: itertools.count(1).__next__)
    messages: dict[int, JSON] = field(default_factory=dict)
    topics: dict[int, JSON] = field(default_factory=dict)
    reply_keyboard: JSON | None = None
    # Groups: user id -> status ("member", "administrator", "left" ...) of people in it.
    members: dict[int, str] = field(default_factory=dict)

    def as_json(self) -> JSON:
        """Telegram's Chat object."""
        data: JSON = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user:
            data.update(
                {
                    k: v
                    for k, v in self.user.items()
                    if k in ("first_name", "last_name", "username")
                }
            )
        if self.title:
            data["title"] = self.title
        if self.is_forum:
            data["is_forum"] = True
        return data


def utf16_len(text: str) -> int:
    """A length as Telegram counts it: UTF-16 code units (an emoji is often two)."""
    return len(text.encode("utf-16-le")) // 2


def as_int(value: Any) -> int | None:
    """A request parameter as an int (ids arrive as numbers or strings); None if it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
