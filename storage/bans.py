"""Hotline bans kept as records that name nobody, and the secret their key comes from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.models import to_iso


@dataclass(frozen=True, slots=True)
class LegacyBan:
    """A ban stored by Telegram id before bans were kept as keyed hashes."""

    user_id: int
    reason: str
    banned_by: int
    at: str


class BanRepo:
    """Reads and writes `ban_records` (subject = a keyed hash the caller computes)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def secret(self, name: str, candidate: str) -> str:
        """The stored secret `name`; `candidate` is stored first if there is none yet."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (name, candidate),
            )
            async with conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)) as cur:
                row = await cur.fetchone()
        if row is None:
            raise LookupError("secret vanished right after it was stored")
        return str(row["value"])

    async def ban(self, subject: str, reason: str, by: int, now: datetime) -> None:
        """Record a ban (or replace its reason and date)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO ban_records (subject, reason, banned_by, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (subject) DO UPDATE SET reason = excluded.reason,"
                " banned_by = excluded.banned_by, at = excluded.at",
                (subject, reason, by, to_iso(now)),
            )

    async def unban(self, subject: str) -> bool:
        """Lift a ban; False if there was none."""
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM ban_records WHERE subject = ?", (subject,))
            return cur.rowcount == 1

    async def is_banned(self, subject: str) -> bool:
        """Whether the subject is banned from the hotline."""
        row = await self.db.fetchone("SELECT 1 FROM ban_records WHERE subject = ?", (subject,))
        return row is not None

    async def legacy(self) -> list[LegacyBan]:
        """Bans still stored by Telegram id (written before migration 0010)."""
        rows = await self.db.fetchall("SELECT user_id, reason, banned_by, at FROM bans")
        return [LegacyBan(r["user_id"], r["reason"], r["banned_by"], r["at"]) for r in rows]

    async def adopt(self, converted: list[tuple[str, LegacyBan]]) -> None:
        """Store legacy bans under their subjects and delete them by id, in one transaction."""
        async with self.db.transaction() as conn:
            for subject, old in converted:
                await conn.execute(
                    "INSERT INTO ban_records (subject, reason, banned_by, at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (subject, old.reason, old.banned_by, old.at),
                )
                await conn.execute("DELETE FROM bans WHERE user_id = ?", (old.user_id,))
