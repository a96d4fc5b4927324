"""Citizens: language, consent and erasure of everything a citizen left behind."""

from __future__ import annotations

import logging
from datetime import datetime

from storage.cache import UserCache
from storage.db import Database, Row
from storage.models import Citizen, ErasureReport, Lang, from_iso, to_iso
from storage.people import erase_person

log = logging.getLogger(__name__)

# The two statements of an erasure that read JSON, in each engine's words. Audit details
# are always written by json.dumps (storage/audit.py); conversation keys are JSON lists.
_ERASE_AUDIT = {
    "sqlite": "UPDATE audit_log SET details = json_set(details, '$.user_id', 'erased')"
    " WHERE json_valid(details) AND json_extract(details, '$.user_id') = ?",
    "postgresql": "UPDATE audit_log SET details = jsonb_set(details::jsonb, '{user_id}',"
    " '\"erased\"')::text WHERE details LIKE '{%' AND details::jsonb -> 'user_id'"
    " = to_jsonb(CAST(? AS BIGINT))",
}
_ERASE_CONVERSATIONS = {
    "sqlite": "DELETE FROM conversation_states WHERE EXISTS"
    " (SELECT 1 FROM json_each(conversation_states.key) WHERE value = ?)",
    "postgresql": "DELETE FROM conversation_states"
    " WHERE key::jsonb @> to_jsonb(CAST(? AS BIGINT))",
}


def _citizen(row: Row) -> Citizen:
    return Citizen(
        user_id=row["user_id"],
        lang=row["lang"],
        consent_at=from_iso(row["consent_at"]) if row["consent_at"] else None,
        created_at=from_iso(row["created_at"]),
    )


class CitizenRepo:
    """Reads and writes the `citizens` table."""

    def __init__(self, db: Database, cache: UserCache | None = None) -> None:
        self.db = db
        self.cache = cache or UserCache()

    async def get(self, user_id: int) -> Citizen | None:
        """Return the citizen or None if they never chose a language."""
        if user_id in self.cache.citizens:
            cached = self.cache.citizens[user_id]
            return cached if isinstance(cached, Citizen) else None
        citizen = await self._load(user_id)
        self.cache.citizens.put(user_id, citizen)
        return citizen

    async def _load(self, user_id: int) -> Citizen | None:
        row = await self.db.fetchone(
            "SELECT user_id, lang, consent_at, created_at FROM citizens WHERE user_id = ?",
            (user_id,),
        )
        return _citizen(row) if row else None

    async def lang_of(self, user_id: int) -> Lang | None:
        """Return the stored language only (the hot path of every update)."""
        citizen = await self.get(user_id)
        return citizen.lang if citizen else None

    async def set_lang(self, user_id: int, lang: Lang, now: datetime) -> None:
        """Store the chosen language, creating the citizen row if needed."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO citizens (user_id, lang, created_at, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang,"
                " updated_at = excluded.updated_at",
                (user_id, lang, stamp, stamp),
            )
        self.cache.citizens.forget(user_id)

    async def give_consent(self, user_id: int, lang: Lang, now: datetime) -> None:
        """Record consent to the processing of personal data."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO citizens (user_id, lang, consent_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " consent_at = excluded.consent_at, updated_at = excluded.updated_at",
                (user_id, lang, stamp, stamp, stamp),
            )
        self.cache.citizens.forget(user_id)

    async def set_blocked(self, user_id: int, blocked: bool, now: datetime) -> bool:
        """Record that the citizen blocked (or unblocked) the bot; False if unknown."""
        stamp = to_iso(now) if blocked else None
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE citizens SET blocked_at = ? WHERE user_id = ?", (stamp, user_id)
            )
            return cur.rowcount == 1

    async def inactive(self, before: datetime) -> list[int]:
        """Citizens whose registration (or, without one, profile) is untouched since `before`.

        Staff and citizens with an open hotline ticket are never included.
        """
        rows = await self.db.fetchall(
            "SELECT c.user_id AS user_id FROM citizens c LEFT JOIN registrations r USING (user_id)"
            " WHERE coalesce(r.updated_at, c.updated_at) < ?"
            " AND c.user_id NOT IN (SELECT user_id FROM staff)"
            # A chat that only follows a country or a relative (no registration) keeps its
            # bare row while it does: that is a standing request, ended by its owner.
            " AND NOT (r.user_id IS NULL AND (EXISTS (SELECT 1 FROM follows f"
            " WHERE f.user_id = c.user_id) OR EXISTS (SELECT 1 FROM family_links l"
            " WHERE l.relative_id = c.user_id)))"
            " AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.user_id = c.user_id"
            " AND t.status = 'open') ORDER BY c.user_id",
            (to_iso(before),),
        )
        return [r["user_id"] for r in rows]

    async def erase(self, user_id: int, checkpoint: bool = True) -> ErasureReport:
        """Delete every row that mentions the citizen, in one transaction, then checkpoint.

        A ban outlives the erasure: its record names nobody (storage.bans). `checkpoint`
        False leaves the WAL to the caller (purge erases many, then checkpoints once).
        """
        async with self.db.transaction() as conn:
            places = await conn.execute("DELETE FROM place_history WHERE user_id = ?", (user_id,))
            reg = await conn.execute("DELETE FROM registrations WHERE user_id = ?", (user_id,))
            drafts = await conn.execute("DELETE FROM user_state WHERE user_id = ?", (user_id,))
            # Tickets, their message links and their relay queue go with the citizen row
            # (ON DELETE CASCADE).
            tickets = await conn.execute("DELETE FROM tickets WHERE user_id = ?", (user_id,))
            # Bans by Telegram id from before migration 0010, not yet converted.
            await conn.execute("DELETE FROM bans WHERE user_id = ?", (user_id,))
            # Delivery rows of notices (which copy went to whom, acknowledgements).
            await conn.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))
            # End of stay, companions, follows, family links, inquiries (issue 18).
            people = await erase_person(conn, user_id)
            # SMS handed on to them when a notice did not reach them.
            await conn.execute("DELETE FROM sms_outbox WHERE user_id = ?", (user_id,))
            # What the FAQ learnt from them: their questions and "Did this help?" answers;
            # and, for a staff member, how the hotline team's directory knew them.
            questions = await conn.execute(
                "DELETE FROM faq_questions WHERE user_id = ?", (user_id,)
            )
            verdicts = await conn.execute("DELETE FROM faq_feedback WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM desk_officers WHERE user_id = ?", (user_id,))
            # Updates still waiting in the inbox (a handled one keeps no user id or payload);
            # in webhook mode their chat is the person's too.
            await conn.execute(
                "DELETE FROM inbox WHERE user_id = ? OR chat_key = ?", (user_id, user_id)
            )
            # The audit log keeps what staff did, never whom it concerned once erased.
            await conn.execute(_ERASE_AUDIT[self.db.dialect], (user_id,))
            convs = await conn.execute(_ERASE_CONVERSATIONS[self.db.dialect], (user_id,))
            profile = await conn.execute("DELETE FROM citizens WHERE user_id = ?", (user_id,))
            report = ErasureReport(
                profile=profile.rowcount,
                registration=reg.rowcount,
                places=places.rowcount,
                drafts=drafts.rowcount + convs.rowcount,
                tickets=tickets.rowcount,
                people=people,
                faq=questions.rowcount + verdicts.rowcount,
            )
        # Both cached facts: "is registered" left behind made the menu offer "My registration".
        self.cache.forget(user_id)
        if checkpoint and not await self.db.checkpoint():
            # A reader (a backup) held it: the old pages stay in -wal until the next one.
            log.warning("checkpoint after an erasure was blocked by a reader")
        return report
