"""What the FAQ learns from citizens: "Did this help?" per entry, and the free-text questions
it could not answer with confidence (stored already stripped of personal data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.models import to_iso


@dataclass(frozen=True, slots=True)
class EntryVerdicts:
    """How citizens judged one FAQ answer."""

    entry_id: str
    helped: int
    not_helped: int


@dataclass(frozen=True, slots=True)
class QuestionKey:
    """Stored questions with the same word stems: how many, and one of their texts."""

    key: str
    count: int
    sample: str


class FaqLogRepo:
    """Writes verdicts and unanswered questions; reads them back for /faq_report."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def verdict(self, entry_id: str, user_id: int, helped: bool, now: datetime) -> None:
        """A citizen's "Did this help?" on an entry; a second press replaces the first."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO faq_feedback (entry_id, user_id, helpful, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id, entry_id) DO UPDATE SET helpful = excluded.helpful,"
                " at = excluded.at",
                (entry_id, user_id, int(helped), to_iso(now)),
            )

    async def question(self, user_id: int, lang: str, text: str, key: str, now: datetime) -> None:
        """An unanswered question, already stripped of numbers and names by the caller."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO faq_questions (user_id, lang, text, key, at) VALUES (?, ?, ?, ?, ?)",
                (user_id, lang, text, key, to_iso(now)),
            )

    async def verdicts(self, since: datetime, limit: int = 10) -> list[EntryVerdicts]:
        """Entries with the most "no" since `since`, then the fewest "yes"."""
        # Counted with FILTER: sum() of integers is a Decimal on PostgreSQL.
        rows = await self.db.fetchall(
            "SELECT entry_id, count(*) FILTER (WHERE helpful = 1),"
            " count(*) FILTER (WHERE helpful = 0) FROM faq_feedback WHERE at >= ?"
            " GROUP BY entry_id HAVING count(*) FILTER (WHERE helpful = 0) > 0"
            " ORDER BY 3 DESC, 2, 1 LIMIT ?",
            (to_iso(since), limit),
        )
        return [EntryVerdicts(r[0], int(r[1]), int(r[2])) for r in rows]

    async def question_keys(self, since: datetime) -> list[QuestionKey]:
        """Unanswered questions since `since`, one row per set of stems with its most
        frequent wording, most asked first."""
        rows = await self.db.fetchall(
            "SELECT key, text, count(*) FROM faq_questions WHERE at >= ? GROUP BY key, text",
            (to_iso(since),),
        )
        counts: dict[str, int] = {}
        wording: dict[str, tuple[int, str]] = {}
        for key, text, n in rows:
            counts[key] = counts.get(key, 0) + n
            best = wording.get(key)
            # A tie goes to the smallest text: the rows come in no set order (PostgreSQL's
            # grouping by hash), and the same question must show whatever the engine.
            if best is None or n > best[0] or (n == best[0] and text < best[1]):
                wording[key] = (n, text)
        found = [QuestionKey(key, n, wording[key][1]) for key, n in counts.items()]
        return sorted(found, key=lambda k: (-k.count, k.key))
