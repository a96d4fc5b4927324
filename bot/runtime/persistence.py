"""python-telegram-bot persistence on our SQLite database (conversations and user drafts).

Only what a restart must not lose is stored: the step of each registration and its draft.
Chat data, bot data and callback data are not used by the hotline.

When it is stored matters as much. The bot commits a user's data right before anything is
sent to their private chat (`commit_user`, called by the limiter), and every update's
user data and conversation states right after its handlers finish (the update processor
calls `Application.update_persistence`); PTB's own interval is left for changes made
outside updates. Writes that arrive together share one transaction. A conversation whose
handlers record the step they ask before asking it (`track_steps`) resumes at that step:
its conversation row is written only after the handler returns, after the question went
out, so after a kill in between the recorded step is the one the user was shown.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.bot_state import BotStateRepo
from storage.db import Database


def _dump(data: Mapping[str, Any] | None) -> str:
    # "" stands for no row: an empty dict is not stored.
    return json.dumps(data, sort_keys=True, ensure_ascii=False) if data else ""


@dataclass
class _Pending:
    """Writes waiting for the next transaction (group commit)."""

    users: set[int] = field(default_factory=set)
    conversations: dict[tuple[str, ConversationKey], object | None] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Writes added now go into batch number `batch`; batches below `done` are committed.
    batch: int = 0
    done: int = 0


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
        # The conversation rows as stored (JSON); the tracked conversations and the steps
        # get_user_data found; the data commits read (see attach; PTB's copies until then).
        self._states: dict[tuple[str, ConversationKey], str] = {}
        self._tracked: dict[str, tuple[str, str]] = {}
        self._steps: dict[str, dict[int, object]] = {}
        self._live: Mapping[int, dict[str, Any]] | None = None
        self._copies: dict[int, dict[str, Any]] = {}
        self._pending: _Pending | None = None

    async def _ready(self) -> None:
        # PTB loads persistence in Application.initialize(), before post_init runs.
        await self.db.open()

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        """Load every user's scratch data."""
        await self._ready()
        data = await self.repo.user_data()
        self._stored = {user_id: _dump(value) for user_id, value in data.items()}
        for name, (doc, step_field) in self._tracked.items():
            steps = self._steps[name] = {}
            for user_id, value in data.items():
                record = value.get(doc)
                step = record.get(step_field) if isinstance(record, dict) else None
                if step is not None:
                    steps[user_id] = step
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
        """Load the states of one conversation (for a tracked one, the steps users saw)."""
        await self._ready()
        stored = await self.repo.conversations(name)
        self._states.update({(name, key): json.dumps(state) for key, state in stored.items()})
        return self._shown(name, stored)

    def _shown(self, name: str, stored: ConversationDict) -> ConversationDict:
        if name not in self._tracked:
            return stored
        # Keys are (chat, user): a tracked conversation runs in private chats.
        return {(user_id, user_id): step for user_id, step in self._steps.pop(name, {}).items()}

    def track_steps(self, name: str, doc: str, step_field: str) -> None:
        """Conversation `name` writes the step it asks to user_data[doc][step_field] first.

        No such record means the user is not in the conversation. Call before the
        application is initialized.
        """
        self._tracked[name] = (doc, step_field)

    def attach(self, user_data: Mapping[int, dict[str, Any]]) -> None:
        """Commit from the application's live user_data rather than PTB's earlier copies.

        A copy taken by PTB's interval run could land after a newer commit_user and store
        an older state; the live mapping at commit time never goes back.
        """
        self._live = user_data

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store or forget one conversation state, if it changed."""
        dumped = json.dumps(new_state) if new_state is not None else None
        if self._states.get((name, key)) == dumped:
            return
        await self._write(conversations={(name, key): new_state})

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        """Store one user's scratch data, if it changed since it was last stored."""
        if self._live is None:
            self._copies[user_id] = data
        await self._commit_user(user_id)

    async def commit_user(self, user_id: int) -> None:
        """Commit one user's data as it is in memory now (before a send to their chat)."""
        if self._live is not None:
            await self._commit_user(user_id)

    async def _commit_user(self, user_id: int) -> None:
        # The common case, nothing changed, costs one dump and no transaction.
        if self._stored.get(user_id, "") != _dump(self._data_of(user_id)):
            await self._write(users={user_id})

    def _data_of(self, user_id: int) -> Mapping[str, Any] | None:
        if self._live is not None:
            return self._live.get(user_id)
        return self._copies.get(user_id)

    async def _write(
        self,
        users: set[int] | None = None,
        conversations: dict[tuple[str, ConversationKey], object | None] | None = None,
    ) -> None:
        """Queue writes and return once a transaction holding them is committed."""
        pending = self._pending
        if pending is None:
            pending = self._pending = _Pending()
        pending.users.update(users or ())
        pending.conversations.update(conversations or {})
        mine = pending.batch
        # PTB hands a run's writes over as concurrent tasks: one turn of the loop lets the
        # others queue theirs, and one transaction takes them all.
        await asyncio.sleep(0)
        async with pending.lock:
            if pending.done > mine:
                return
            batch = pending.batch
            taken_users, pending.users = pending.users, set()
            taken_states, pending.conversations = pending.conversations, {}
            pending.batch += 1
            try:
                await self._commit(taken_users, taken_states)
            except BaseException:
                # Put them back (newer writes win) for the next batch to retry.
                pending.users |= taken_users
                pending.conversations = {**taken_states, **pending.conversations}
                raise
            pending.done = batch + 1

    async def _commit(
        self, users: set[int], states: dict[tuple[str, ConversationKey], object | None]
    ) -> None:
        docs: dict[int, str] = {}
        for user_id in users:
            dumped = _dump(self._data_of(user_id))
            if self._stored.get(user_id, "") != dumped:
                docs[user_id] = dumped
        changed = {
            k: v
            for k, v in states.items()
            if self._states.get(k) != (json.dumps(v) if v is not None else None)
        }
        if not docs and not changed:
            return
        await self.repo.save(
            {user_id: json.loads(doc) if doc else {} for user_id, doc in docs.items()}, changed
        )
        for user_id, doc in docs.items():
            if doc:
                self._stored[user_id] = doc
            else:
                self._stored.pop(user_id, None)
                self._copies.pop(user_id, None)
        for k, v in changed.items():
            if v is None:
                self._states.pop(k, None)
            else:
                self._states[k] = json.dumps(v)

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
        self._copies.pop(user_id, None)
        # Erasure deleted the row already; "stored" makes the write below a real delete.
        self._stored[user_id] = "-"
        await self._write(users={user_id})

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """The in-memory copy is authoritative; nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Chat data is not persisted."""

    async def refresh_bot_data(self, bot_data: BD) -> None:
        """Bot data is not persisted."""

    async def flush(self) -> None:
        """Every write is already committed (each caller waits for its transaction)."""
