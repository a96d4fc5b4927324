"""People using Telegram, played by the tests: they send updates and read what the bot sent."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from tests.support.fakebot.model import JSON, ChatState, Event

if TYPE_CHECKING:
    from tests.support.fakebot.server import FakeBotApi


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
        if chat.type != "private":
            # Only members can write in a group.
            chat.members.setdefault(self.id, "member")
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

    def send_album(
        self, kinds: list[str], captions: list[str | None] | None = None,
        chat: ChatState | None = None, thread: int | None = None,
    ) -> list[JSON]:  # fmt: skip
        """Send an album (photos and videos, or documents): one update per item, as
        Telegram delivers it, sharing a media_group_id."""
        group = f"a{self.id}{next(self.api._file_ids)}"
        sent = []
        for index, kind in enumerate(kinds):
            file_id = f"U{kind}{next(self.api._file_ids)}"
            self.api.files[file_id] = b"x"
            body: JSON = {**self.api._file_obj(kind, file_id), "media_group_id": group}
            caption = (captions or [])[index] if index < len(captions or []) else None
            if caption:
                body["caption"] = caption
            sent.append(self._push(body, chat, thread))
        return sent

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

    async def press_when_shown(self, text: str, timeout: float = 5.0) -> str:
        """Press an inline button once the bot has shown it (it may still be on its way)."""

        def shown() -> bool:
            try:
                self.find_button(text)
            except AssertionError:
                return False
            return True

        await self.api.wait_until(shown, timeout, f"a button {text!r} in chat {self.id}")
        return self.press(text)

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

    def join(self, chat: ChatState) -> None:
        """Join a group: the bot, an administrator there, gets chat_member."""
        self._group_member_update(chat, chat.members.get(self.id, "left"), "member")

    def leave(self, chat: ChatState) -> None:
        """Leave a group."""
        self._group_member_update(chat, chat.members.get(self.id, "member"), "left")

    def _group_member_update(self, chat: ChatState, old: str, new: str) -> None:
        chat.members[self.id] = new
        self.api.push_update(
            {
                "chat_member": {
                    "chat": chat.as_json(),
                    "from": self.data,
                    "date": int(time.time()),
                    "old_chat_member": {"status": old, "user": self.data},
                    "new_chat_member": {"status": new, "user": self.data},
                }
            }
        )

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
