"""A fake Telegram Bot API server: real HTTP on 127.0.0.1, real long polling.

The bot under test talks to it through python-telegram-bot's `base_url`, exactly as it would
talk to api.telegram.org or a self-hosted Bot API server. The test side plays users (text,
commands, contacts, locations, media, presses on buttons that really exist, blocking the
bot), reads back everything the bot sent, and can impose flood limits and inject faults.

Used by the end-to-end tests and by the scripts in bench/.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import BodyPartReader, web

TEST_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
BOT_ID = 123456789
BOT_USERNAME = "hotline_test_bot"

JSON = dict[str, Any]

# Parameters that are plain strings even when they look like JSON ("123", "true").
STR_FIELDS = frozenset(
    {
        "text", "caption", "name", "first_name", "last_name", "phone_number", "vcard",
        "callback_query_id", "description", "short_description", "title", "address",
        "parse_mode", "language_code", "emoji", "url", "file_id", "icon_custom_emoji_id",
        "query", "message_effect_id", "business_connection_id", "file_name",
    }
)  # fmt: skip
SEND_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "sendAudio",
        "sendSticker", "sendLocation", "sendContact", "sendAnimation", "sendVenue",
        "copyMessage", "forwardMessage", "editMessageText", "editMessageCaption",
        "editMessageReplyMarkup",
    }
)  # fmt: skip
MEDIA_KINDS = ("photo", "document", "voice", "video", "audio", "sticker", "animation")
ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "tg-spoiler", "span", "blockquote", "tg-emoji",
    }
)  # fmt: skip


class ApiError(Exception):
    """A Telegram-shaped error response."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class _HtmlCheck(HTMLParser):
    """Telegram's HTML parse mode: a small tag set, properly nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = f'unexpected end tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text a user would see; raises ApiError where Telegram would refuse the markup."""
    if (parse_mode or "").upper() != "HTML":
        return text
    checker = _HtmlCheck()
    checker.feed(text)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {checker.error}")
    return "".join(checker.text)


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


class FakeBotApi:
    """The server and its recorded state."""

    def __init__(self, token: str = TEST_TOKEN) -> None:
        self.token = token
        self.bot_user: JSON = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Hotline",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.port = 0
        self.calls: list[Call] = []
        # Successful requests per method: cheap to poll from benchmarks.
        self.counts: Counter[str] = Counter()
        self.events: list[Event] = []
        self.chats: dict[int, ChatState] = {}
        self.commands: dict[tuple[str, str | None], list[JSON]] = {}
        self.callback_answers: dict[str, JSON] = {}
        self.faults: list[Fault] = []
        self.flood = FloodLimits()
        self.flood_events: list[tuple[float, str, int | None, int]] = []
        self.penalty_until = 0.0
        self.requests_in_penalty = 0
        self._sent_times: deque[float] = deque()
        self._chat_sent: dict[int, deque[float]] = defaultdict(deque)
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.files: dict[str, bytes] = {}
        self._changed = asyncio.Event()
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.pending_polls = 0

    # ---- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What the bot uses as BOT_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """What the bot uses as BOT_API_FILE_URL."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Close the server (pending long polls return)."""
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- test side: users and chats --------------------------------------------------------

    def user(
        self, user_id: int, first_name: str = "Айгерим", last_name: str | None = "Серикова",
        language_code: str | None = "ru", username: str | None = None,
    ) -> FakeUser:  # fmt: skip
        """A Telegram user with a private chat with the bot."""
        data: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            data["last_name"] = last_name
        if language_code:
            data["language_code"] = language_code
        if username:
            data["username"] = username
        chat = self.chats.get(user_id)
        if chat is None:
            self.chats[user_id] = ChatState(id=user_id, type="private", user=data)
        return FakeUser(self, data)

    def group(self, chat_id: int, title: str = "Staff", forum: bool = True) -> ChatState:
        """A supergroup (a forum by default) the bot is a member of."""
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = ChatState(
                id=chat_id, type="supergroup", title=title, is_forum=forum, started=True
            )
        return chat

    def push_update(self, update: JSON) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        self._new_update.set()
        return update_id

    def inject(
        self, method: str, code: int, description: str, *, count: int = 1,
        chat_id: int | None = None, delay: float = 0.0, retry_after: int | None = None,
        skip: int = 0,
    ) -> Fault:  # fmt: skip
        """Make `count` matching requests after the next `skip` fail (after `delay` seconds)."""
        fault = Fault(method, code, description, count, chat_id, delay, retry_after, skip)
        self.faults.append(fault)
        return fault

    def calls_of(self, method: str) -> list[Call]:
        """Recorded requests of one method."""
        return [c for c in self.calls if c.method == method]

    def chat_events(self, chat_id: int) -> list[Event]:
        """Everything the bot did in a chat."""
        return [e for e in self.events if e.chat_id == chat_id]

    async def wait_until(
        self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        """Wait until `predicate()` is truthy after some bot request; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.2))

    def _notify(self) -> None:
        self._changed.set()

    # ---- HTTP ------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> JSON:
        params: JSON = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body or {})
            return params
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            raw: dict[str, Any] = {}
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename:
                    raw[part.name] = ("file", part.filename, bytes(await part.read()))
                else:
                    raw[part.name] = await part.text()
            params.update(raw)
        elif request.can_read_body:
            params.update(await request.post())
        return {k: self._decode(k, v) for k, v in params.items()}

    @staticmethod
    def _decode(key: str, value: Any) -> Any:
        if not isinstance(value, str) or key in STR_FIELDS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    async def _file(self, request: web.Request) -> web.StreamResponse:
        data = self.files.get(request.match_info["path"])
        if data is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=data)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        try:
            await self._apply_faults(method, params)
            self._apply_flood(method, params)
            handler = getattr(self, f"m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as exc:
            call.status, call.error = exc.code, exc.description
            body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            self._notify()
            return web.json_response(body, status=exc.code)
        self.counts[method] += 1
        self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _apply_faults(self, method: str, params: JSON) -> None:
        for fault in self.faults:
            if fault.count <= 0 or fault.method not in (method, "*"):
                continue
            if fault.chat_id is not None and _int(params.get("chat_id")) != fault.chat_id:
                continue
            if fault.skip > 0:
                fault.skip -= 1
                continue
            fault.count -= 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
            parameters = {"retry_after": fault.retry_after} if fault.retry_after else None
            if fault.code == 429 and fault.retry_after:
                self.penalty_until = time.monotonic() + fault.retry_after
                self.flood_events.append((time.monotonic(), method, None, fault.retry_after))
            if fault.code:
                raise ApiError(fault.code, fault.description, parameters)
            return

    def _apply_flood(self, method: str, params: JSON) -> None:
        if method not in SEND_METHODS:
            return
        now = time.monotonic()
        limits = self.flood
        if now < self.penalty_until:
            self.requests_in_penalty += 1
            retry = max(1, int(self.penalty_until - now + 0.999))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        chat_id = _int(params.get("chat_id"))
        over = False
        if limits.global_per_second:
            window = self._sent_times
            while window and now - window[0] >= 1.0:
                window.popleft()
            over = len(window) >= limits.global_per_second
        if not over and chat_id is not None:
            per_chat = self._chat_sent[chat_id]
            is_group = chat_id < 0
            span = 60.0 if is_group and limits.group_per_minute else 1.0
            limit = limits.group_per_minute if is_group else limits.per_chat_per_second
            if limit:
                while per_chat and now - per_chat[0] >= span:
                    per_chat.popleft()
                over = len(per_chat) >= limit
        if over:
            self.penalty_until = now + limits.retry_after
            self.flood_events.append((now, method, chat_id, limits.retry_after))
            raise ApiError(
                429,
                f"Too Many Requests: retry after {limits.retry_after}",
                {"retry_after": limits.retry_after},
            )
        self._sent_times.append(now)
        if chat_id is not None:
            self._chat_sent[chat_id].append(now)

    # ---- helpers for methods ----------------------------------------------------------------

    def _chat(self, chat_id: Any) -> ChatState:
        chat = self.chats.get(_int(chat_id) or 0)
        if chat is None or (chat.type == "private" and not chat.started):
            raise ApiError(400, "Bad Request: chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _check_thread(self, chat: ChatState, params: JSON) -> int | None:
        thread = params.get("message_thread_id")
        if thread is None:
            return None
        topic = chat.topics.get(int(thread))
        if topic is None or topic.get("deleted"):
            raise ApiError(400, "Bad Request: message thread not found")
        return int(thread)

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        if markup in (None, ""):
            return None
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return dict(markup)

    def _new_message(self, chat: ChatState, method: str, params: JSON, body: JSON) -> JSON:
        message: JSON = {
            "message_id": chat.next_id(),
            "date": int(time.time()),
            "chat": chat.as_json(),
            "from": self.bot_user,
            **body,
        }
        thread = self._check_thread(chat, params)
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        markup = self._check_markup(params.get("reply_markup"))
        if markup:
            if "inline_keyboard" in markup:
                message["reply_markup"] = markup
            elif "keyboard" in markup:
                chat.reply_keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        chat.messages[message["message_id"]] = message
        self.events.append(Event("send", method, chat.id, message, time.monotonic()))
        return message

    def _text(self, params: JSON, key: str, limit: int, required: bool) -> str | None:
        value = params.get(key)
        if value is None or value == "":
            if required:
                raise ApiError(400, "Bad Request: message text is empty")
            return None
        visible = plain_text(str(value), params.get("parse_mode"))
        if len(visible) > limit:
            what = "message is too long" if key == "text" else "message caption is too long"
            raise ApiError(400, f"Bad Request: {what}")
        if not visible.strip() and required:
            raise ApiError(400, "Bad Request: message text is empty")
        return visible

    def _file_obj(self, kind: str, value: Any) -> JSON:
        if isinstance(value, str) and value.startswith("attach://"):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if isinstance(value, tuple):
            _, filename, data = value
            file_id = f"F{kind}{next(self._file_ids)}"
            self.files[file_id] = data
            obj: JSON = {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data)}
            if kind == "document":
                obj["file_name"] = filename
        elif isinstance(value, str) and value:
            obj = {"file_id": value, "file_unique_id": value}
        else:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if kind == "photo":
            return {"photo": [{**obj, "width": 640, "height": 480}]}
        if kind in ("video", "animation"):
            obj.update(width=640, height=480, duration=1)
        if kind in ("voice", "audio"):
            obj["duration"] = 1
        if kind == "sticker":
            obj.update(width=512, height=512, type="regular", is_animated=False, is_video=False)
        return {kind: obj}

    # ---- Bot API methods ----------------------------------------------------------------------

    async def m_getMe(self, params: JSON) -> JSON:
        return self.bot_user

    async def m_logOut(self, params: JSON) -> bool:
        return True

    async def m_close(self, params: JSON) -> bool:
        return True

    async def m_deleteWebhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def m_getWebhookInfo(self, params: JSON) -> JSON:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    async def m_getUpdates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        self.pending_polls += 1
        try:
            while not self._updates and self._runner is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._new_update.clear()
                try:
                    await asyncio.wait_for(self._new_update.wait(), timeout=remaining)
                except TimeoutError:
                    break
        finally:
            self.pending_polls -= 1
        return self._updates[:limit]

    def _scope_key(self, params: JSON) -> tuple[str, str | None]:
        scope = params.get("scope") or {"type": "default"}
        kind = str(scope["type"])
        if "chat_id" in scope:
            chat = self._chat(scope["chat_id"])  # Telegram refuses chats it does not know
            kind = f"{kind}:{chat.id}"
        return kind, params.get("language_code")

    async def m_setMyCommands(self, params: JSON) -> bool:
        self.commands[self._scope_key(params)] = params["commands"]
        return True

    async def m_getMyCommands(self, params: JSON) -> list[JSON]:
        return self.commands.get(self._scope_key(params), [])

    async def m_deleteMyCommands(self, params: JSON) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    async def m_sendMessage(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        text = self._text(params, "text", 4096, required=True)
        return self._new_message(chat, "sendMessage", params, {"text": text})

    async def _send_media(self, kind: str, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        body = self._file_obj(kind, params.get(kind))
        caption = self._text(params, "caption", 1024, required=False)
        if caption:
            body["caption"] = caption
        return self._new_message(chat, f"send{kind.title()}", params, body)

    async def m_sendPhoto(self, params: JSON) -> JSON:
        return await self._send_media("photo", params)

    async def m_sendDocument(self, params: JSON) -> JSON:
        return await self._send_media("document", params)

    async def m_sendVoice(self, params: JSON) -> JSON:
        return await self._send_media("voice", params)

    async def m_sendVideo(self, params: JSON) -> JSON:
        return await self._send_media("video", params)

    async def m_sendAudio(self, params: JSON) -> JSON:
        return await self._send_media("audio", params)

    async def m_sendSticker(self, params: JSON) -> JSON:
        return await self._send_media("sticker", params)

    async def m_sendLocation(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        loc = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
        return self._new_message(chat, "sendLocation", params, {"location": loc})

    async def m_sendContact(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        contact = {"phone_number": params["phone_number"], "first_name": params["first_name"]}
        return self._new_message(chat, "sendContact", params, {"contact": contact})

    def _source(self, params: JSON) -> JSON:
        source = self.chats.get(_int(params.get("from_chat_id")) or 0)
        message = source.messages.get(int(params.get("message_id", 0))) if source else None
        if message is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        return message

    async def m_copyMessage(self, params: JSON) -> JSON:
        original = self._source(params)
        chat = self._chat(params.get("chat_id"))
        keep = ("text", "location", "contact", *MEDIA_KINDS)
        body = {k: v for k, v in original.items() if k in keep}
        if "caption" in params:
            caption = self._text(params, "caption", 1024, required=False)
            if caption:
                body["caption"] = caption
        elif "caption" in original:
            body["caption"] = original["caption"]
        message = self._new_message(chat, "copyMessage", params, body)
        return {"message_id": message["message_id"]}

    async def m_forwardMessage(self, params: JSON) -> JSON:
        original = self._source(params)
        chat = self._chat(params.get("chat_id"))
        body = {k: v for k, v in original.items() if k not in ("message_id", "chat", "date")}
        body["forward_origin"] = {"type": "hidden_user", "sender_user_name": "user", "date": 0}
        return self._new_message(chat, "forwardMessage", params, body)

    def _target(self, params: JSON) -> tuple[ChatState, JSON]:
        chat = self._chat(params.get("chat_id"))
        message = chat.messages.get(int(params.get("message_id", 0)))
        if message is None or message.get("deleted"):
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat, message

    async def m_editMessageText(self, params: JSON) -> JSON:
        chat, message = self._target(params)
        text = self._text(params, "text", 4096, required=True)
        markup = self._check_markup(params.get("reply_markup"))
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message["text"] = text
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        self.events.append(Event("edit", "editMessageText", chat.id, message, time.monotonic()))
        return message

    async def m_editMessageCaption(self, params: JSON) -> JSON:
        chat, message = self._target(params)
        message["caption"] = self._text(params, "caption", 1024, required=False) or ""
        self.events.append(Event("edit", "editMessageCaption", chat.id, message, time.monotonic()))
        return message

    async def m_editMessageReplyMarkup(self, params: JSON) -> JSON:
        chat, message = self._target(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        self.events.append(
            Event("edit", "editMessageReplyMarkup", chat.id, message, time.monotonic())
        )
        return message

    async def m_deleteMessage(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        message = chat.messages.get(int(params.get("message_id", 0)))
        if message is None or message.get("deleted"):
            raise ApiError(400, "Bad Request: message to delete not found")
        message["deleted"] = True
        self.events.append(Event("delete", "deleteMessage", chat.id, message, time.monotonic()))
        return True

    async def m_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        if self.callback_answers[query_id].get("answered"):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        self.callback_answers[query_id] = {"answered": True, **params}
        return True

    async def m_getChat(self, params: JSON) -> JSON:
        chat = self.chats.get(_int(params.get("chat_id")) or 0)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        data = chat.as_json()
        data["accent_color_id"] = 0
        data["max_reaction_count"] = 11
        data["accepted_gift_types"] = {
            "unlimited_gifts": False, "limited_gifts": False,
            "unique_gifts": False, "premium_subscription": False, "gifts_from_channels": False,
        }  # fmt: skip
        return data

    async def m_getChatMember(self, params: JSON) -> JSON:
        chat = self.chats.get(_int(params.get("chat_id")) or 0)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        user_id = int(params["user_id"])
        if user_id == self.bot_user["id"] and chat.type != "private":
            return {
                "status": "administrator", "user": self.bot_user, "can_be_edited": False,
                "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
                "can_manage_video_chats": False, "can_restrict_members": False,
                "can_promote_members": False, "can_change_info": True,
                "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
                "can_delete_stories": False, "can_pin_messages": True, "can_manage_topics": True,
            }  # fmt: skip
        return {"status": "member", "user": {"id": user_id, "is_bot": False, "first_name": "U"}}

    async def m_getFile(self, params: JSON) -> JSON:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id, "file_unique_id": file_id,
            "file_size": len(self.files[file_id]), "file_path": file_id,
        }  # fmt: skip

    async def m_createForumTopic(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        if not chat.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
        thread_id = chat.next_id()
        topic = {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}
        chat.topics[thread_id] = topic
        return dict(topic)

    def _topic(self, params: JSON) -> tuple[ChatState, JSON]:
        chat = self._chat(params.get("chat_id"))
        topic = chat.topics.get(int(params.get("message_thread_id", 0)))
        if topic is None or topic.get("deleted"):
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        return chat, topic

    async def m_editForumTopic(self, params: JSON) -> bool:
        _, topic = self._topic(params)
        if params.get("name"):
            topic["name"] = params["name"]
        return True

    async def m_closeForumTopic(self, params: JSON) -> bool:
        _, topic = self._topic(params)
        if topic.get("closed"):
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic["closed"] = True
        return True

    async def m_reopenForumTopic(self, params: JSON) -> bool:
        _, topic = self._topic(params)
        if not topic.get("closed"):
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic["closed"] = False
        return True

    async def m_deleteForumTopic(self, params: JSON) -> bool:
        _, topic = self._topic(params)
        topic["deleted"] = True
        return True

    async def m_unpinAllForumTopicMessages(self, params: JSON) -> bool:
        self._topic(params)
        return True

    async def m_pinChatMessage(self, params: JSON) -> bool:
        self._target(params)
        return True


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FakeUser:
    """A person using Telegram: sends updates, reads what the bot sent to them."""

    def __init__(self, api: FakeBotApi, data: JSON) -> None:
        self.api = api
        self.data = data
        self.id: int = data["id"]
        self.cursor = 0  # index into api.events: what this user has already read

    @property
    def chat(self) -> ChatState:
        """The private chat with the bot."""
        return self.api.chats[self.id]

    def _message(
        self, body: JSON, chat: ChatState | None = None, thread: int | None = None
    ) -> JSON:
        chat = chat or self.chat
        chat.started = True
        message: JSON = {
            "message_id": chat.next_id(),
            "date": int(time.time()),
            "chat": chat.as_json(),
            "from": self.data,
            **body,
        }
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        chat.messages[message["message_id"]] = message
        return message

    def _push(self, body: JSON, chat: ChatState | None = None, thread: int | None = None) -> JSON:
        message = self._message(body, chat, thread)
        self.api.push_update({"message": message})
        return message

    def send(self, text: str, chat: ChatState | None = None, thread: int | None = None) -> JSON:
        """Send a text (a leading /word becomes a bot_command entity, as clients do)."""
        body: JSON = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._push(body, chat, thread)

    def edit(self, message: JSON, text: str) -> JSON:
        """Edit one of the user's earlier text messages."""
        edited = {**message, "text": text, "edit_date": int(time.time())}
        self.api.chats[message["chat"]["id"]].messages[message["message_id"]] = edited
        self.api.push_update({"edited_message": edited})
        return edited

    def send_contact(self, phone: str, user_id: int | None = None, first_name: str = "") -> JSON:
        """Share a contact; by default the user's own (what the contact button sends)."""
        contact: JSON = {
            "phone_number": phone,
            "first_name": first_name or self.data["first_name"],
        }
        owner = self.id if user_id is None else user_id
        if owner:
            contact["user_id"] = owner
        return self._push({"contact": contact})

    def send_location(self, latitude: float, longitude: float) -> JSON:
        """Share a location."""
        return self._push({"location": {"latitude": latitude, "longitude": longitude}})

    def send_media(
        self, kind: str, caption: str | None = None, data: bytes = b"x",
        filename: str = "file.pdf", mime: str = "application/pdf",
        chat: ChatState | None = None, thread: int | None = None,
    ) -> JSON:  # fmt: skip
        """Send a photo, document, voice, video, audio or sticker."""
        file_id = f"U{kind}{next(self.api._file_ids)}"
        self.api.files[file_id] = data
        body: JSON = self.api._file_obj(kind, file_id)
        if kind == "document":
            body["document"].update(file_name=filename, mime_type=mime, file_size=len(data))
        if kind == "sticker":
            body["sticker"].update(emoji="🙂")
        if caption:
            body["caption"] = caption
        return self._push(body, chat, thread)

    def reply_button(self, text: str, location: tuple[float, float] | None = None) -> JSON:
        """Press a button of the reply keyboard that the bot currently shows."""
        keyboard = self.chat.reply_keyboard
        if keyboard is None:
            raise AssertionError("the bot shows no reply keyboard")
        for row in keyboard["keyboard"]:
            for button in row:
                label = button if isinstance(button, str) else button.get("text", "")
                if text not in label:
                    continue
                if isinstance(button, dict) and button.get("request_contact"):
                    return self.send_contact("+77011234567")
                if isinstance(button, dict) and button.get("request_location"):
                    if location is None:
                        raise AssertionError("a location button needs coordinates")
                    return self.send_location(*location)
                return self.send(label)
        raise AssertionError(f"no reply button containing {text!r}")

    def find_button(self, text: str) -> tuple[JSON, JSON]:
        """The newest bot message in this chat with an inline button labelled `text`."""
        exact: tuple[JSON, JSON] | None = None
        partial: tuple[JSON, JSON] | None = None
        for message in reversed(list(self.chat.messages.values())):
            if message.get("from", {}).get("id") != self.api.bot_user["id"]:
                continue
            if message.get("deleted"):
                continue
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == text and exact is None:
                        exact = (message, button)
                    elif text in button.get("text", "") and partial is None:
                        partial = (message, button)
            if exact or partial:
                break
        found = exact or partial
        if found is None:
            raise AssertionError(f"no inline button {text!r} in chat {self.id}")
        return found

    def press(self, text: str) -> str:
        """Press an inline button that really exists; returns the callback query id."""
        message, button = self.find_button(text)
        return self.press_data(button["callback_data"], message)

    def press_data(self, data: str, message: JSON | None = None) -> str:
        """Send a callback query with arbitrary data (forged or stale)."""
        if message is None:
            bot_messages = [
                m for m in self.chat.messages.values()
                if m.get("from", {}).get("id") == self.api.bot_user["id"]
            ]  # fmt: skip
            message = bot_messages[-1] if bot_messages else {
                "message_id": 1, "date": 0, "chat": self.chat.as_json()
            }  # fmt: skip
        self.chat.started = True  # pressing a button means the chat exists
        query_id = f"cq{next(self.api._callback_ids)}"
        self.api.callback_answers[query_id] = {}
        self.api.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.data,
                    "message": message,
                    "chat_instance": f"ci{self.id}",
                    "data": data,
                }
            }
        )
        return query_id

    def block(self) -> None:
        """Block the bot: later sends fail with 403; the bot gets my_chat_member."""
        self.chat.blocked = True
        self._member_update("member", "kicked")

    def unblock(self) -> None:
        """Unblock (restart) the bot."""
        self.chat.blocked = False
        self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> None:
        self.api.push_update(
            {
                "my_chat_member": {
                    "chat": self.chat.as_json(),
                    "from": self.data,
                    "date": int(time.time()),
                    "old_chat_member": {
                        "status": old,
                        "user": self.api.bot_user,
                        **({"until_date": 0} if old == "kicked" else {}),
                    },
                    "new_chat_member": {
                        "status": new,
                        "user": self.api.bot_user,
                        **({"until_date": 0} if new == "kicked" else {}),
                    },
                }
            }
        )

    # ---- reading what the bot did ----------------------------------------------------------

    def events(self) -> list[Event]:
        """Everything the bot did in this chat so far."""
        return self.api.chat_events(self.id)

    def unread(self) -> list[Event]:
        """Bot actions in this chat since the last expect()."""
        return [e for e in self.api.events[self.cursor :] if e.chat_id == self.id]

    async def expect(
        self, fragment: str = "", timeout: float = 5.0, kind: str | None = None
    ) -> Event:
        """Wait for the next bot action in this chat whose text contains `fragment`."""

        def find() -> Event | None:
            for index in range(self.cursor, len(self.api.events)):
                event = self.api.events[index]
                if event.chat_id != self.id or (kind and event.kind != kind):
                    continue
                if fragment in event.text:
                    self.cursor = index + 1
                    return event
            return None

        try:
            found = await self.api.wait_until(find, timeout, f"{fragment!r} in chat {self.id}")
        except AssertionError as exc:
            seen = [e.text[:80] for e in self.unread()]
            raise AssertionError(f"{exc}; the bot sent meanwhile: {seen}") from None
        assert isinstance(found, Event)
        return found

    async def expect_answer(self, query_id: str, timeout: float = 5.0) -> JSON:
        """Wait until the bot answered a callback query; return the answer."""

        def answered() -> JSON | None:
            answer = self.api.callback_answers.get(query_id, {})
            return answer if answer.get("answered") else None

        result = await self.api.wait_until(answered, timeout, f"answer to {query_id}")
        assert isinstance(result, dict)
        return result

    async def settle(self, quiet: float = 0.3, timeout: float = 5.0) -> list[Event]:
        """Wait until the bot has been silent in this chat for `quiet` seconds; return unread."""
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            count = len(self.api.events)
            if count == seen and not self.api._updates:
                break
            seen = count
            await asyncio.sleep(quiet)
        return self.unread()


def escape(text: str) -> str:
    """HTML-escape like the bot does, for building expected strings in tests."""
    return html.escape(text)
