"""python-telegram-bot persistence on our SQLite database (conversations and user drafts).

Only what a restart must not lose is stored: the step of each registration and its draft.
Chat data, bot data and callback data are not used by the hotline.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any, TypeVar

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.bot_state import BotStateRepo
from storage.db import Database


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


# The application's bot_data type: handed in by its builder, so this plumbing does not
# import the container that holds the live services.
BD = TypeVar("BD")


class SqlitePersistence(BasePersistence[dict[str, Any], dict[str, Any], BD]):
    """Stores conversation states and user_data as JSON rows."""

    def __init__(
        self,
        db: Database,
        repo: BotStateRepo,
        update_interval: float,
        bot_data: Callable[[], BD],
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.db = db
        self.repo = repo
        self._bot_data = bot_data
        # PTB hands every user who sent an update to update_user_data at each interval,
        # changed or not; remembering what is stored turns those into no-ops.
        self._stored: dict[int, str] = {}

    async def _ready(self) -> None:
        # PTB loads persistence in Application.initialize(), before post_init runs.
        await self.db.open()

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        """Load every user's scratch data."""
        await self._ready()
        data = await self.repo.user_data()
        self._stored = {user_id: _dump(value) for user_id, value in data.items()}
        return data

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        """Chat data is not persisted."""
        return {}

    async def get_bot_data(self) -> BD:
        """Bot data is not persisted (it holds live services)."""
        return self._bot_data()

    async def get_callback_data(self) -> CDCData | None:
        """Arbitrary callback data is not used."""
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        """Load the states of one conversation handler."""
        await self._ready()
        return await self.repo.conversations(name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store or forget one conversation state."""
        await self.repo.set_conversation(name, key, new_state)

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        """Store one user's scratch data, if it changed since it was last stored."""
        dumped = _dump(data) if data else ""
        if self._stored.get(user_id, "") == dumped:
            return
        await self.repo.set_user_data(user_id, copy.deepcopy(data))
        if dumped:
            self._stored[user_id] = dumped
        else:
            self._stored.pop(user_id, None)

    def remember(self, user_id: int, data: dict[str, Any]) -> None:
        """`data` is what the database holds now (read by another replica's refresh)."""
        if data:
            self._stored[user_id] = _dump(data)
        else:
            self._stored.pop(user_id, None)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        """Chat data is not persisted."""

    async def update_bot_data(self, data: BD) -> None:
        """Bot data is not persisted."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Arbitrary callback data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not persisted."""

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one user's scratch data (erasure)."""
        await self.repo.set_user_data(user_id, {})
        self._stored.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """The in-memory copy is authoritative; nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Chat data is not persisted."""

    async def refresh_bot_data(self, bot_data: BD) -> None:
        """Bot data is not persisted."""

    async def flush(self) -> None:
        """Every write is already committed."""
