"""The Bot API methods the fake serves, as `m_<method>` over the state FakeBotApi holds."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from tests.support.fakebot.html import plain_text, time_entities
from tests.support.fakebot.model import JSON, ApiError, ChatState, Event, as_int, utf16_len

# The emoji a bot may react with (Bot API's ReactionTypeEmoji), the ones the tests meet.
REACTIONS = frozenset({"👍", "👎", "❤", "🔥", "👏", "🙏", "👌", "👀", "✍", "🤝", "🫡", "🕊"})
MEDIA_KINDS = ("photo", "document", "voice", "video", "audio", "sticker", "animation")
# The emoji a bot may react with (Bot API's ReactionTypeEmoji), the ones the tests meet.
REACTIONS = frozenset({"👍", "👎", "❤", "🔥", "👏", "🙏", "👌", "👀", "✍", "🤝", "🫡", "🕊"})
# What sendMediaGroup takes, and which kinds may share an album.
ALBUM_KINDS = {"photo": "visual", "video": "visual", "document": "document", "audio": "audio"}


class BotApiMethods:
    """Telegram's behaviour per method: what it accepts, refuses and records."""

    # State that FakeBotApi creates; declared here for the methods that read and change it.
    bot_user: JSON
    chats: dict[int, ChatState]
    events: list[Event]
    files: dict[str, bytes]
    commands: dict[tuple[str, str | None], list[JSON]]
    callback_answers: dict[str, JSON]
    pending_polls: int
    _updates: list[JSON]
    webhook: JSON | None

    def _webhook_changed(self) -> None:
        raise NotImplementedError

    _file_ids: itertools.count[int]
    _new_update: asyncio.Event
    _closing: bool

    # ---- helpers for methods ----------------------------------------------------------------

    def _chat(self, chat_id: Any) -> ChatState:
        chat = self.chats.get(as_int(chat_id) or 0)
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
                # Bot API 9.4 button colours (the error text is the fake's own wording).
                if button.get("style") not in (None, "primary", "success", "danger"):
                    raise ApiError(400, "Bad Request: invalid button style")
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
        source, field = ("text", "entities") if "text" in body else ("caption", "caption_entities")
        if params.get(source):
            entities = time_entities(str(params[source]), params.get("parse_mode"))
            if entities:
                message[field] = entities
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
        if utf16_len(visible) > limit:
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
        self.webhook = None
        return True

    async def m_setWebhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        if not url.startswith(("https://", "http://127.0.0.1")):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = {"url": url, "secret_token": params.get("secret_token") or ""}
        self._webhook_changed()
        return True

    async def m_getWebhookInfo(self, params: JSON) -> JSON:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}  # fmt: skip

    async def m_getUpdates(self, params: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        self.pending_polls += 1
        try:
            while not self._updates and not self._closing:
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
        source = self.chats.get(as_int(params.get("from_chat_id")) or 0)
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

    async def m_copyMessages(self, params: JSON) -> list[JSON]:
        chat = self._chat(params.get("chat_id"))
        ids = params.get("message_ids") or []
        if isinstance(ids, str):
            ids = json.loads(ids)
        if not 1 <= len(ids) <= 100 or ids != sorted(ids):
            raise ApiError(400, "Bad Request: message identifiers must be in increasing order")
        originals = [self._source({**params, "message_id": i}) for i in ids]
        # Copies of one album stay one album (a new group id in the target chat).
        groups: dict[str, str] = {}
        copied = []
        for original in originals:
            keep = ("text", "location", "contact", "caption", *MEDIA_KINDS)
            body = {k: v for k, v in original.items() if k in keep}
            group = original.get("media_group_id")
            if group is not None:
                body["media_group_id"] = groups.setdefault(group, f"c{chat.id}{group}")
            message = self._new_message(chat, "copyMessages", params, body)
            copied.append({"message_id": message["message_id"]})
        return copied

    async def m_sendMediaGroup(self, params: JSON) -> list[JSON]:
        chat = self._chat(params.get("chat_id"))
        media = params.get("media") or []
        if isinstance(media, str):
            media = json.loads(media)
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album")
        families = {ALBUM_KINDS.get(str(item.get("type"))) for item in media}
        if None in families or len(families) != 1:
            raise ApiError(400, "Bad Request: media of these types can't be grouped")
        group = f"g{next(self._file_ids)}"
        sent = []
        for item in media:
            kind = str(item["type"])
            body = self._file_obj(kind, item.get("media"))
            caption = self._text(
                {"caption": item.get("caption"), "parse_mode": item.get("parse_mode")},
                "caption", 1024, required=False,
            )  # fmt: skip
            if caption:
                body["caption"] = caption
            body["media_group_id"] = group
            sent.append(self._new_message(chat, "sendMediaGroup", params, body))
        return sent

    async def m_setMessageReaction(self, params: JSON) -> bool:
        _, message = self._target(params)
        reaction = params.get("reaction") or []
        if isinstance(reaction, str):
            reaction = json.loads(reaction)
        for item in reaction:
            if item.get("type") != "emoji" or item.get("emoji") not in REACTIONS:
                raise ApiError(400, "Bad Request: REACTION_INVALID")
        message["reactions"] = [item["emoji"] for item in reaction]
        return True

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
        chat = self.chats.get(as_int(params.get("chat_id")) or 0)
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
        chat = self.chats.get(as_int(params.get("chat_id")) or 0)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        user_id = int(params["user_id"])
        if chat.type != "private" and user_id != self.bot_user["id"]:
            status = chat.members.get(user_id, "left")
            user = {"id": user_id, "is_bot": False, "first_name": "U"}
            return {
                "status": status,
                "user": user,
                **({"until_date": 0} if status == "kicked" else {}),
            }
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
        if not 1 <= utf16_len(name) <= 128:
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
        if params.get("name") and not 1 <= utf16_len(str(params["name"])) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
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
        chat, message = self._target(params)
        for other in chat.messages.values():
            other.pop("pinned", None)
        message["pinned"] = True
        return True
