"""Official notices: their rows and lifecycle (create, schedule, finish, cancel, recall, edit)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from storage.audience import Audience
from storage.audit import audit
from storage.db import Database
from storage.models import from_iso, to_iso

Schedule = Literal["now", "at", "daily"]
TzMode = Literal["astana", "local"]


_NOTICE_COLUMNS = (
    "id, author_id, countries, statuses, needs, text_ru, text_kk, media_kind, media_file_id,"
    " ack, schedule, tz_mode, wall_time, until_date, next_run, fill_at, state, version,"
    " missed_runs, progress_chat, progress_msg, created_at, finished_at, kind, city, followers,"
    " urgent, remind_hours, remind_max, sms_text, handed_at"
)


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in text.split(",") if c)


@dataclass(frozen=True, slots=True)
class NoticeDraft:
    """What staff composed, validated by the bot."""

    audience: Audience
    text_ru: str
    text_kk: str | None
    media_kind: str | None = None
    media_file_id: str | None = None
    ack: bool = False
    schedule: Schedule = "now"
    tz_mode: TzMode = "astana"
    wall_time: str | None = None
    until_date: str | None = None
    kind: str = "notice"
    # Proof of reach: urgent notices go first; reminders after `remind_hours`, at most
    # `remind_max` of them; the SMS text for those the notice does not reach.
    urgent: bool = False
    remind_hours: int = 0
    remind_max: int = 0
    sms_text: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """A stored notice."""

    id: int
    author_id: int
    audience: Audience
    text_ru: str
    text_kk: str | None
    media_kind: str | None
    media_file_id: str | None
    ack: bool
    schedule: Schedule
    tz_mode: TzMode
    wall_time: str | None
    until_date: str | None
    next_run: str | None
    fill_at: datetime | None
    state: str
    version: int
    missed_runs: int
    progress_chat: int | None
    progress_msg: int | None
    created_at: datetime
    finished_at: datetime | None
    kind: str = "notice"
    urgent: bool = False
    remind_hours: int = 0
    remind_max: int = 0
    sms_text: str | None = None
    handed_at: datetime | None = None

    def text(self, lang: str) -> str:
        """The text for a recipient of this language."""
        return self.text_kk if lang == "kk" and self.text_kk is not None else self.text_ru


def _notice(row: Any) -> Notice:
    return Notice(
        id=row["id"],
        author_id=row["author_id"],
        audience=Audience(
            _codes(row["countries"]),
            _codes(row["statuses"]),
            _codes(row["needs"]),
            row["city"],
            followers=bool(row["followers"]),
        ),
        text_ru=row["text_ru"],
        text_kk=row["text_kk"],
        media_kind=row["media_kind"],
        media_file_id=row["media_file_id"],
        ack=bool(row["ack"]),
        schedule=row["schedule"],
        tz_mode=row["tz_mode"],
        wall_time=row["wall_time"],
        until_date=row["until_date"],
        next_run=row["next_run"],
        fill_at=from_iso(row["fill_at"]) if row["fill_at"] else None,
        state=row["state"],
        version=row["version"],
        missed_runs=row["missed_runs"],
        progress_chat=row["progress_chat"],
        progress_msg=row["progress_msg"],
        created_at=from_iso(row["created_at"]),
        finished_at=from_iso(row["finished_at"]) if row["finished_at"] else None,
        kind=row["kind"],
        urgent=bool(row["urgent"]),
        remind_hours=row["remind_hours"],
        remind_max=row["remind_max"],
        sms_text=row["sms_text"],
        handed_at=from_iso(row["handed_at"]) if row["handed_at"] else None,
    )


class NoticeRepo:
    """Reads and writes `notices` (and, for cancel, recall and edit, their outbox rows)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        draft: NoticeDraft,
        author_id: int,
        next_run: str,
        fill_at: datetime,
        now: datetime,
    ) -> Notice:
        """Store a notice with its first occurrence; audited in the same transaction."""
        stamp = to_iso(now)
        aud = draft.audience
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO notices (author_id, countries, statuses, needs, text_ru, text_kk,"
                " media_kind, media_file_id, ack, schedule, tz_mode, wall_time, until_date,"
                " next_run, fill_at, created_at, updated_at, kind, city, followers, urgent,"
                " remind_hours, remind_max, sms_text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (
                    author_id, ",".join(aud.countries), ",".join(aud.statuses),
                    ",".join(aud.needs), draft.text_ru, draft.text_kk, draft.media_kind,
                    draft.media_file_id, int(draft.ack), draft.schedule, draft.tz_mode,
                    draft.wall_time, draft.until_date, next_run, to_iso(fill_at), stamp, stamp,
                    draft.kind, aud.city, int(aud.followers), int(draft.urgent),
                    draft.remind_hours, draft.remind_max, draft.sms_text,
                ),
            )  # fmt: skip
            notice_id = int((await cur.fetchone())[0])
            await audit(
                conn, stamp, author_id, f"{draft.kind}.create",
                {"notice": notice_id, "countries": list(aud.countries) or "all",
                 "statuses": list(aud.statuses), "needs": list(aud.needs),
                 "schedule": draft.schedule, "tz": draft.tz_mode, "when": draft.wall_time,
                 "until": draft.until_date, "ack": draft.ack, "followers": aud.followers,
                 "russian_for_all": draft.text_kk is None, "urgent": draft.urgent,
                 "reminders": [draft.remind_hours, draft.remind_max],
                 "sms": draft.sms_text is not None},
            )  # fmt: skip
        notice = await self.get(notice_id)
        if notice is None:
            raise RuntimeError("notice vanished after insert")
        return notice

    async def get(self, notice_id: int) -> Notice | None:
        """One notice."""
        row = await self.db.fetchone(
            f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE id = ?", (notice_id,)
        )
        return _notice(row) if row else None

    async def armed(self) -> list[Notice]:
        """Active notices with an occurrence still to fill (to arm at start-up)."""
        rows = await self.db.fetchall(
            f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE state = 'active'"
            " AND next_run IS NOT NULL ORDER BY fill_at"
        )
        return [_notice(r) for r in rows]

    async def upcoming(self, countries: frozenset[str] | None, limit: int = 20) -> list[Notice]:
        """Active notices with a future occurrence, for /scheduled (within a scope)."""
        rows = await self.db.fetchall(
            f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE state = 'active'"
            " AND next_run IS NOT NULL AND next_run != 'now' ORDER BY fill_at LIMIT 500"
        )
        found = [_notice(r) for r in rows]
        if countries is not None:
            found = [
                n for n in found
                if n.audience.countries and set(n.audience.countries) <= countries
            ]  # fmt: skip
        return found[:limit]

    async def set_progress(self, notice_id: int, chat_id: int, message_id: int) -> None:
        """Remember the staff message that shows this notice's progress."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE notices SET progress_chat = ?, progress_msg = ? WHERE id = ?",
                (chat_id, message_id, notice_id),
            )

    async def skip(
        self, notice: Notice, next_run: str | None, next_fill: datetime | None,
        now: datetime,
    ) -> Notice:  # fmt: skip
        """An occurrence was due too long ago: count it missed and move on."""
        stamp = to_iso(now)
        state = "missed" if next_run is None and notice.schedule != "daily" else notice.state
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE notices SET next_run = ?, fill_at = ?, missed_runs = missed_runs + 1,"
                " state = ?, updated_at = ? WHERE id = ?",
                (next_run, to_iso(next_fill) if next_fill else None, state, stamp, notice.id),
            )
            await audit(
                conn, stamp, None, "notice.missed", {"notice": notice.id, "run": notice.next_run}
            )
        return replace(notice, next_run=next_run, fill_at=next_fill, state=state,
                       missed_runs=notice.missed_runs + 1)  # fmt: skip

    async def finish_if_drained(self, notice_id: int, now: datetime) -> bool:
        """Mark an active notice done once nothing is left to fill or send."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE notices SET state = 'done', finished_at = ?, updated_at = ?"
                " WHERE id = ? AND state = 'active' AND next_run IS NULL AND kind != 'fresh'"
                " AND NOT EXISTS"
                " (SELECT 1 FROM outbox WHERE notice_id = ? AND op = 'send'"
                " AND state = 'pending')",
                (stamp, stamp, notice_id, notice_id),
            )
            return cur.rowcount == 1

    async def cancel(self, notice_id: int, actor_id: int, now: datetime) -> int:
        """Stop a notice: nothing more is filled or sent. Returns the sends it withdrew."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE notices SET state = 'cancelled', next_run = NULL, fill_at = NULL,"
                " finished_at = ?, updated_at = ? WHERE id = ? AND state = 'active'",
                (stamp, stamp, notice_id),
            )
            if cur.rowcount == 0:
                return -1
            withdrawn = await conn.execute(
                "UPDATE outbox SET state = 'cancelled', done_at = ? WHERE notice_id = ?"
                " AND op = 'send' AND state = 'pending'",
                (stamp, notice_id),
            )
            await audit(
                conn, stamp, actor_id, "notice.cancel",
                {"notice": notice_id, "withdrawn": withdrawn.rowcount},
            )  # fmt: skip
            return withdrawn.rowcount

    async def edit(
        self, notice_id: int, text_ru: str, text_kk: str | None, actor_id: int,
        now: datetime,
    ) -> int:  # fmt: skip
        """New texts; every delivered copy is queued for an edit. Returns how many."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE notices SET text_ru = ?, text_kk = ?, version = version + 1,"
                " updated_at = ? WHERE id = ? AND state IN ('active', 'done', 'cancelled')",
                (text_ru, text_kk, stamp, notice_id),
            )
            if cur.rowcount == 0:
                return -1
            queued = await conn.execute(
                "INSERT INTO outbox (notice_id, run, user_id, op, lang, country, due_at,"
                " message_id, version) SELECT o.notice_id, o.run, o.user_id, 'edit', o.lang,"
                " o.country, ?, o.message_id, n.version FROM outbox o JOIN notices n"
                " ON n.id = o.notice_id WHERE o.notice_id = ? AND o.op = 'send'"
                " AND o.state = 'sent' AND o.reminder = 0",
                (stamp, notice_id),
            )
            # Edits queued by an earlier edit would now write the older text.
            await conn.execute(
                "UPDATE outbox SET state = 'cancelled', done_at = ? WHERE notice_id = ?"
                " AND op = 'edit' AND state = 'pending' AND version < (SELECT version"
                " FROM notices WHERE id = ?)",
                (stamp, notice_id, notice_id),
            )
            await audit(
                conn, stamp, actor_id, "notice.edit",
                {"notice": notice_id, "copies": queued.rowcount},
            )  # fmt: skip
            return queued.rowcount

    async def recall(self, notice_id: int, actor_id: int, now: datetime) -> int:
        """Withdraw a notice: pending sends cancelled, every delivered copy queued for deletion."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE notices SET state = 'recalled', next_run = NULL, fill_at = NULL,"
                " finished_at = ?, updated_at = ? WHERE id = ? AND state != 'recalled'",
                (stamp, stamp, notice_id),
            )
            if cur.rowcount == 0:
                return -1
            await conn.execute(
                "UPDATE outbox SET state = 'cancelled', done_at = ? WHERE notice_id = ?"
                " AND op IN ('send', 'edit') AND state = 'pending'",
                (stamp, notice_id),
            )
            queued = await conn.execute(
                "INSERT INTO outbox (notice_id, run, user_id, op, lang, country, due_at,"
                " message_id) SELECT notice_id, run, user_id, 'delete', lang, country, ?,"
                " message_id FROM outbox WHERE notice_id = ? AND op = 'send' AND state = 'sent'",
                (stamp, notice_id),
            )
            await audit(
                conn, stamp, actor_id, "notice.recall",
                {"notice": notice_id, "copies": queued.rowcount},
            )  # fmt: skip
            return queued.rowcount

    async def unfinished(self) -> list[int]:
        """Active notices with no occurrence left: done once their outbox drains."""
        rows = await self.db.fetchall(
            "SELECT id FROM notices WHERE state = 'active' AND next_run IS NULL"
            " AND kind != 'fresh'"
        )
        return [r["id"] for r in rows]

    async def fresh_notice(self, now: datetime) -> int:
        """The id of the system notice that carries freshness pings (created once)."""
        row = await self.db.fetchone("SELECT id FROM notices WHERE kind = 'fresh' LIMIT 1")
        if row is not None:
            return int(row["id"])
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO notices (author_id, text_ru, schedule, state, created_at,"
                " updated_at, kind) VALUES (0, '', 'now', 'active', ?, ?, 'fresh') RETURNING id",
                (stamp, stamp),
            )
            return int((await cur.fetchone())[0])

    async def recent_for(self, user_id: int, limit: int = 5) -> list[Notice]:
        """Notices delivered to this citizen, newest first, recalled ones left out."""
        rows = await self.db.fetchall(
            f"SELECT {', '.join('n.' + c.strip() for c in _NOTICE_COLUMNS.split(','))}"
            " FROM notices n WHERE n.state != 'recalled' AND n.kind = 'notice'"
            " AND n.id IN (SELECT notice_id"
            " FROM outbox WHERE user_id = ? AND op = 'send' AND state = 'sent')"
            " ORDER BY n.id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_notice(r) for r in rows]

    async def recent_for_country(self, country: str, limit: int = 5) -> list[Notice]:
        """Notices sent to everyone in a country (no status or needs filter), newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE state IN ('active', 'done')"
            " AND kind = 'notice' AND statuses = '' AND needs = ''"
            " AND (countries = '' OR ',' || countries || ',' LIKE ?)"
            " AND EXISTS (SELECT 1 FROM outbox WHERE notice_id = notices.id AND op = 'send'"
            " AND state = 'sent') ORDER BY id DESC LIMIT ?",
            (f"%,{country},%", limit),
        )
        return [_notice(r) for r in rows]
