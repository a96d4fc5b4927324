"""The fake Bot API's server: HTTP on 127.0.0.1, the test side's controls, faults and limits.

Requests are routed to the Bot API methods (methods.py); what the bot did is recorded for
the test side (users.py), which also plays the people who write to the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from typing import Any

from aiohttp import BodyPartReader, web

from tests.support.fakebot.methods import BotApiMethods
from tests.support.fakebot.model import (
    BOT_USERNAME,
    JSON,
    TEST_TOKEN,
    ApiError,
    Call,
    ChatState,
    Event,
    Fault,
    FloodLimits,
    as_int,
)
from tests.support.fakebot.users import FakeUser

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
        "sendMediaGroup", "copyMessage", "copyMessages", "forwardMessage", "editMessageText",
        "editMessageCaption", "editMessageReplyMarkup",
    }
)  # fmt: skip


def messages_of(method: str, params: JSON) -> int:
    """Messages a call puts into its chat: an album or a batch copy counts each (as the bot
    assumes Telegram does)."""
    for key in ("media", "message_ids"):
        items = params.get(key)
        if isinstance(items, list):
            return max(1, len(items))
    return 1


class FakeBotApi(BotApiMethods):
    """The server and its recorded state."""

    _last_update_id = 0

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
        # A chat's own flood wait (its 1 a second, a group's 20 a minute): only sends to that
        # chat are refused meanwhile, as on Telegram.
        self.chat_penalty: dict[int, float] = {}
        self.requests_in_penalty = 0
        self._sent_times: deque[float] = deque()
        self._chat_sent: dict[int, deque[float]] = defaultdict(deque)
        self._updates: list[JSON] = []
        # Update ids go on from one server to the next, as Telegram's do for a bot: a bot
        # restarted on the same database against a new fake meets no id it has seen.
        FakeBotApi._last_update_id = max(
            FakeBotApi._last_update_id + 10_000, time.time_ns() // 10**6
        )
        self._update_ids = itertools.count(FakeBotApi._last_update_id)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.files: dict[str, bytes] = {}
        self._changed = asyncio.Event()
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # Set by stop(): long polls still waiting return at once. aiohttp's graceful shutdown
        # waits for every running handler, and a poll whose client was cancelled (PTB's
        # updater stopping) would otherwise hold it for its whole timeout (2.00 s a test).
        self._closing = False
        self.pending_polls = 0
        # Webhook mode (setWebhook): updates are POSTed instead, as Telegram does: again and
        # again until answered 200, one chat's next update only after its previous one.
        self.webhook: JSON | None = None
        self.webhook_posts: list[tuple[int, int]] = []  # (update_id, HTTP status or 0)
        self.webhook_connections = 8
        self._pusher: asyncio.Task[None] | None = None

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
        self._closing = False
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
        self._closing = True
        self._new_update.set()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
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
        if self.webhook is not None:
            self._webhook_changed()
        return update_id

    def _webhook_changed(self) -> None:
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.get_running_loop().create_task(self._push())

    @staticmethod
    def _update_chat(update: JSON) -> Any:
        for value in update.values():
            if isinstance(value, dict):
                chat = value.get("chat") or (value.get("message") or {}).get("chat")
                if chat:
                    return chat.get("id")
                if "from" in value:
                    return value["from"].get("id")
        return None

    async def _push(self) -> None:
        """POST pending updates to the webhook until each is answered 200."""
        import aiohttp

        async with aiohttp.ClientSession() as http:
            while self._updates and self.webhook is not None and not self._closing:
                hook = self.webhook
                batch, chats = [], set()
                for update in self._updates:
                    chat = self._update_chat(update)
                    if chat in chats and chat is not None:
                        continue
                    chats.add(chat)
                    batch.append(update)
                    if len(batch) >= self.webhook_connections:
                        break

                async def post(update: JSON, hook: JSON = hook) -> bool:
                    headers = {"X-Telegram-Bot-Api-Secret-Token": str(hook["secret_token"])}
                    try:
                        async with http.post(
                            hook["url"],
                            json=update,
                            headers=headers,
                            timeout=aiohttp.ClientTimeout(total=10),
                        ) as res:
                            self.webhook_posts.append((update["update_id"], res.status))
                            return res.status == 200
                    except (aiohttp.ClientError, TimeoutError):
                        self.webhook_posts.append((update["update_id"], 0))
                        return False  # fmt: skip

                results = await asyncio.gather(*(post(u) for u in batch))
                done = {u["update_id"] for u, ok in zip(batch, results, strict=True) if ok}
                self._updates = [u for u in self._updates if u["update_id"] not in done]
                self._notify()
                if not all(results):
                    await asyncio.sleep(0.2)  # Telegram waits before it tries again

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
            if fault.chat_id is not None and as_int(params.get("chat_id")) != fault.chat_id:
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
        chat_id = as_int(params.get("chat_id"))
        if chat_id is not None and now < self.chat_penalty.get(chat_id, 0.0):
            self.requests_in_penalty += 1
            retry = max(1, int(self.chat_penalty[chat_id] - now + 0.999))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        count = messages_of(method, params)
        if limits.global_per_second:
            window = self._sent_times
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) + count > limits.global_per_second:
                self.penalty_until = now + limits.retry_after
                self.flood_events.append((now, method, None, limits.retry_after))
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {limits.retry_after}",
                    {"retry_after": limits.retry_after},
                )
        if chat_id is not None:
            per_chat = self._chat_sent[chat_id]
            is_group = chat_id < 0
            span = 60.0 if is_group and limits.group_per_minute else 1.0
            limit = limits.group_per_minute if is_group else limits.per_chat_per_second
            if limit:
                while per_chat and now - per_chat[0] >= span:
                    per_chat.popleft()
                if len(per_chat) + count > limit and per_chat:
                    self.chat_penalty[chat_id] = now + limits.retry_after
                    self.flood_events.append((now, method, chat_id, limits.retry_after))
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {limits.retry_after}",
                        {"retry_after": limits.retry_after},
                    )
        self._sent_times.extend([now] * count)
        if chat_id is not None:
            self._chat_sent[chat_id].extend([now] * count)
