"""Rows behind the bot's runtime: conversation states, per-user scratch data, flood wait."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from storage.db import Database

ConversationKey = tuple[int | str, ...]


class BotStateRepo:
    """JSON documents keyed by conversation name and key, or by user id."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def conversations(self, name: str) -> dict[tuple[int | str, ...], Any]:
        """All stored states of one conversation."""
        rows = await self.db.fetchall(
            "SELECT key, state FROM conversation_states WHERE name = ?", (name,)
        )
        return {tuple(json.loads(r["key"])): json.loads(r["state"]) for r in rows}

    async def conversations_for(
        self, wanted: list[tuple[str, tuple[int | str, ...]]]
    ) -> dict[tuple[str, tuple[int | str, ...]], Any]:
        """The stored states of these (conversation, key) pairs, in one read; a pair with
        no conversation going on is absent."""
        if not wanted:
            return {}
        where = " OR ".join("(name = ? AND key = ?)" for _ in wanted)
        params = [v for name, key in wanted for v in (name, json.dumps(list(key)))]
        rows = await self.db.fetchall(
            f"SELECT name, key, state FROM conversation_states WHERE {where}", params
        )
        return {(r["name"], tuple(json.loads(r["key"]))): json.loads(r["state"]) for r in rows}

    async def user_data_of(self, user_id: int) -> dict[str, Any]:
        """One user's scratch data ({} if none)."""
        row = await self.db.fetchone("SELECT data FROM user_state WHERE user_id = ?", (user_id,))
        data: dict[str, Any] = json.loads(row["data"]) if row else {}
        return data

    async def set_conversation(
        self, name: str, key: tuple[int | str, ...], state: object | None
    ) -> None:
        """Store a state, or forget the key when the conversation ended (None)."""
        await self.save({}, {(name, key): state})

    async def user_data(self) -> dict[int, dict[str, Any]]:
        """Every user's scratch data."""
        rows = await self.db.fetchall("SELECT user_id, data FROM user_state")
        return {r["user_id"]: json.loads(r["data"]) for r in rows}

    async def set_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        """Store one user's scratch data; an empty dict removes the row."""
        await self.save({user_id: data}, {})

    async def save(
        self,
        users: Mapping[int, dict[str, Any]],
        conversations: Mapping[tuple[str, ConversationKey], object | None],
    ) -> None:
        """Store users' scratch data (empty: removed) and conversation states (None: ended)
        in one transaction."""
        async with self.db.transaction() as conn:
            for user_id, data in users.items():
                if data:
                    await conn.execute(
                        "INSERT INTO user_state (user_id, data) VALUES (?, ?)"
                        " ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
                        (user_id, json.dumps(data, ensure_ascii=False)),
                    )
                else:
                    await conn.execute("DELETE FROM user_state WHERE user_id = ?", (user_id,))
            for (name, key), state in conversations.items():
                if state is None:
                    await conn.execute(
                        "DELETE FROM conversation_states WHERE name = ? AND key = ?",
                        (name, json.dumps(list(key))),
                    )
                else:
                    await conn.execute(
                        "INSERT INTO conversation_states (name, key, state) VALUES (?, ?, ?)"
                        " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                        (name, json.dumps(list(key)), json.dumps(state)),
                    )

    async def flood_wait_until(self) -> datetime | None:
        """When Telegram's last flood wait ends (it may be over already); None if never told."""
        row = await self.db.fetchone("SELECT until FROM flood_wait WHERE id = 1")
        return datetime.fromisoformat(row["until"]) if row else None

    async def extend_flood_wait(self, until: datetime) -> None:
        """Record a flood wait's end; an earlier end than the stored one changes nothing."""
        # Fixed-width UTC text compares in time order, so the CASE keeps the later end.
        text = until.astimezone(UTC).isoformat(timespec="microseconds")
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO flood_wait (id, until) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET until = CASE"
                " WHEN excluded.until > flood_wait.until"
                " THEN excluded.until ELSE flood_wait.until END",
                (text,),
            )
