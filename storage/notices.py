"""Official notices and their durable outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from storage.content import audit
from storage.db import Database
from storage.models import from_iso, to_iso, utcnow

Schedule = Literal["now", "at", "daily"]
TzMode = Literal["astana", "local"]
Op = Literal["send", "edit", "delete"]
OutcomeKind = Literal["sent", "done", "retry", "requeue", "failed", "blocked"]

_NOTICE_COLUMNS = (
    "id, author_id, countries, statuses, needs, text_ru, text_kk, media_kind, media_file_id,"
    " ack, schedule, tz_mode, wall_time, until_date, next_run, fill_at, state, version,"
    " missed_runs, progress_chat, progress_msg, created_at, finished_at, kind, city"
)


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in text.split(",") if c)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a notice is for; an empty tuple means "any"."""

    countries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    city: str | None = None


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

    def text(self, lang: str) -> str:
        """The text for a recipient of this language."""
        return self.text_kk if lang == "kk" and self.text_kk is not None else self.text_ru


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One pending delivery operation."""

    id: int
    notice_id: int
    run: str
    user_id: int
    op: Op
    lang: str
    attempts: int
    message_id: int | None
    country: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one outbox item."""

    item_id: int
    kind: OutcomeKind
    message_id: int | None = None
    version: int = 1
    error: str | None = None
    # For "retry": when to try again.
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """Counts of one notice's deliveries."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    pending: int = 0
    cancelled: int = 0
    acked: int = 0
    edits_pending: int = 0
    deletes_pending: int = 0
    deleted: int = 0
    # Answers to a safety check.
    safe: int = 0
    help: int = 0

    @property
    def total(self) -> int:
        """Every recipient the notice was queued for."""
        return self.sent + self.failed + self.blocked + self.pending + self.cancelled


def _notice(row: Any) -> Notice:
    return Notice(
        id=row[0],
        author_id=row[1],
        audience=Audience(_codes(row[2]), _codes(row[3]), _codes(row[4]), row[24]),
        text_ru=row[5],
        text_kk=row[6],
        media_kind=row[7],
        media_file_id=row[8],
        ack=bool(row[9]),
        schedule=row[10],
        tz_mode=row[11],
        wall_time=row[12],
        until_date=row[13],
        next_run=row[14],
        fill_at=from_iso(row[15]) if row[15] else None,
        state=row[16],
        version=row[17],
        missed_runs=row[18],
        progress_chat=row[19],
        progress_msg=row[20],
        created_at=from_iso(row[21]),
        finished_at=from_iso(row[22]) if row[22] else None,
        kind=row[23],
    )


def _audience_sql(
    audience: Audience, countries: Iterable[str] | None = None
) -> tuple[str, list[Any]]:
    """WHERE clause over registrations r / citizens c for an audience."""
    clauses = ["r.active = 1", "c.blocked_at IS NULL"]
    params: list[Any] = []
    codes = tuple(countries) if countries is not None else audience.countries
    for column, values in (("r.country", codes), ("r.status", audience.statuses),
                           ("r.needs", audience.needs)):  # fmt: skip
        if values:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    if audience.city:
        clauses.append("r.city = ? COLLATE NOCASE")
        params.append(audience.city)
    return " AND ".join(clauses), params


class NoticeRepo:
    """Reads and writes `notices` and `outbox`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- audience -----------------------------------------------------------------------

    async def audience_count(self, audience: Audience) -> int:
        """How many citizens the audience reaches right now."""
        where, params = _audience_sql(audience)
        row = await self.db.fetchone(
            f"SELECT count(*) FROM registrations r JOIN citizens c USING (user_id) WHERE {where}",
            params,
        )
        return int(row[0]) if row else 0

    async def audience_countries(self, audience: Audience) -> list[str]:
        """The countries the audience has recipients in (for per-country local time)."""
        where, params = _audience_sql(audience)
        rows = await self.db.fetchall(
            "SELECT DISTINCT r.country FROM registrations r JOIN citizens c USING (user_id)"
            f" WHERE {where}",
            params,
        )
        return sorted(r[0] for r in rows)

    async def countries_with_citizens(
        self, within: Iterable[str] | None = None
    ) -> list[tuple[str, int]]:
        """(country, active registrations), largest first: the audience picker's buttons."""
        where, params = _audience_sql(Audience(), within)
        rows = await self.db.fetchall(
            "SELECT r.country, count(*) FROM registrations r JOIN citizens c USING (user_id)"
            f" WHERE {where} GROUP BY r.country ORDER BY count(*) DESC, r.country",
            params,
        )
        return [(r[0], r[1]) for r in rows]

    # ---- notices ------------------------------------------------------------------------

    async def create(
        self,
        draft: NoticeDraft,
        author_id: int,
        next_run: str,
        fill_at: datetime,
        now: datetime | None = None,
    ) -> Notice:
        """Store a notice with its first occurrence; audited in the same transaction."""
        stamp = to_iso(now or utcnow())
        aud = draft.audience
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO notices (author_id, countries, statuses, needs, text_ru, text_kk,"
                " media_kind, media_file_id, ack, schedule, tz_mode, wall_time, until_date,"
                " next_run, fill_at, created_at, updated_at, kind, city)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    author_id, ",".join(aud.countries), ",".join(aud.statuses),
                    ",".join(aud.needs), draft.text_ru, draft.text_kk, draft.media_kind,
                    draft.media_file_id, int(draft.ack), draft.schedule, draft.tz_mode,
                    draft.wall_time, draft.until_date, next_run, to_iso(fill_at), stamp, stamp,
                    draft.kind, aud.city,
                ),
            )  # fmt: skip
            notice_id = int(cur.lastrowid or 0)
            await audit(
                conn, stamp, author_id, f"{draft.kind}.create",
                {"notice": notice_id, "countries": list(aud.countries) or "all",
                 "statuses": list(aud.statuses), "needs": list(aud.needs),
                 "schedule": draft.schedule, "tz": draft.tz_mode, "when": draft.wall_time,
                 "until": draft.until_date, "ack": draft.ack,
                 "russian_for_all": draft.text_kk is None},
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

    async def fill(
        self,
        notice: Notice,
        run: str,
        due: datetime | dict[str, datetime],
        next_run: str | None,
        next_fill: datetime | None,
        now: datetime | None = None,
    ) -> int:
        """Queue one occurrence for every matching recipient and advance the schedule.

        `due` is one instant, or one per country (each recipient's local time). Idempotent:
        a fill repeated after a crash inserts nothing twice.
        """
        stamp = to_iso(now or utcnow())
        where, params = _audience_sql(notice.audience)
        if isinstance(due, dict):
            import json

            due_sql = "json_extract(?, '$.' || r.country)"
            due_param: str = json.dumps({c: to_iso(t) for c, t in due.items()})
            where += " AND json_extract(?, '$.' || r.country) IS NOT NULL"
            params.append(due_param)
        else:
            due_sql = "?"
            due_param = to_iso(due)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO outbox (notice_id, run, user_id, op, lang, country,"
                f" due_at, version) SELECT ?, ?, r.user_id, 'send', c.lang, r.country, {due_sql},"
                " ? FROM registrations r JOIN citizens c USING (user_id)"
                f" WHERE {where}",
                [notice.id, run, due_param, notice.version, *params],
            )
            inserted = cur.rowcount
            await conn.execute(
                "UPDATE notices SET next_run = ?, fill_at = ?, updated_at = ? WHERE id = ?",
                (next_run, to_iso(next_fill) if next_fill else None, stamp, notice.id),
            )
        return inserted

    async def skip(
        self, notice: Notice, next_run: str | None, next_fill: datetime | None,
        now: datetime | None = None,
    ) -> Notice:  # fmt: skip
        """An occurrence was due too long ago: count it missed and move on."""
        stamp = to_iso(now or utcnow())
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

    async def finish_if_drained(self, notice_id: int, now: datetime | None = None) -> bool:
        """Mark an active notice done once nothing is left to fill or send."""
        stamp = to_iso(now or utcnow())
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

    async def cancel(self, notice_id: int, actor_id: int, now: datetime | None = None) -> int:
        """Stop a notice: nothing more is filled or sent. Returns the sends it withdrew."""
        stamp = to_iso(now or utcnow())
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
        now: datetime | None = None,
    ) -> int:  # fmt: skip
        """New texts; every delivered copy is queued for an edit. Returns how many."""
        stamp = to_iso(now or utcnow())
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
                " AND o.state = 'sent'",
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

    async def recall(self, notice_id: int, actor_id: int, now: datetime | None = None) -> int:
        """Withdraw a notice: pending sends cancelled, every delivered copy queued for deletion."""
        stamp = to_iso(now or utcnow())
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

    # ---- outbox -------------------------------------------------------------------------

    async def due(self, now: datetime, limit: int, skip: Iterable[int] = ()) -> list[OutboxItem]:
        """Pending items due by `now`, oldest first, leaving out those already in hand."""
        exclude = set(skip)
        rows = await self.db.fetchall(
            "SELECT id, notice_id, run, user_id, op, lang, attempts, message_id, country"
            " FROM outbox WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?",
            (to_iso(now), limit + len(exclude)),
        )
        items = [OutboxItem(*r) for r in rows if r[0] not in exclude]
        return items[:limit]

    async def next_due(self) -> datetime | None:
        """When the earliest pending item falls due."""
        row = await self.db.fetchone("SELECT min(due_at) FROM outbox WHERE state = 'pending'")
        return from_iso(row[0]) if row and row[0] else None

    async def record(self, outcomes: Sequence[Outcome], now: datetime | None = None) -> None:
        """Store a batch of results in one transaction (group commit)."""
        stamp = to_iso(now or utcnow())
        sent: list[int] = []
        async with self.db.transaction() as conn:
            for o in outcomes:
                if o.kind == "sent":
                    sent.append(o.item_id)
                    await conn.execute(
                        "UPDATE outbox SET state = 'sent', message_id = ?, version = ?,"
                        " attempts = attempts + 1, done_at = ?, error = NULL WHERE id = ?",
                        (o.message_id, o.version, stamp, o.item_id),
                    )
                elif o.kind == "done":
                    await conn.execute(
                        "UPDATE outbox SET state = 'sent', attempts = attempts + 1,"
                        " done_at = ? WHERE id = ?",
                        (stamp, o.item_id),
                    )
                elif o.kind in ("retry", "requeue"):
                    bump = 1 if o.kind == "retry" else 0
                    await conn.execute(
                        "UPDATE outbox SET attempts = attempts + ?, due_at = ?, error = ?"
                        " WHERE id = ?",
                        (bump, to_iso(o.due_at or utcnow()), o.error, o.item_id),
                    )
                else:
                    await conn.execute(
                        "UPDATE outbox SET state = ?, attempts = attempts + 1, error = ?,"
                        " done_at = ? WHERE id = ?",
                        (o.kind, o.error, stamp, o.item_id),
                    )
                    if o.kind == "blocked":
                        await conn.execute(
                            "UPDATE citizens SET blocked_at = coalesce(blocked_at, ?)"
                            " WHERE user_id = (SELECT user_id FROM outbox WHERE id = ?)",
                            (stamp, o.item_id),
                        )
            if sent:
                marks = ",".join("?" * len(sent))
                # A copy that landed while its notice was being recalled or edited: queue
                # its deletion or edit too, so nothing stale stays in a citizen's chat.
                await conn.execute(
                    "INSERT INTO outbox (notice_id, run, user_id, op, lang, country, due_at,"
                    " message_id, version) SELECT o.notice_id, o.run, o.user_id,"
                    " CASE n.state WHEN 'recalled' THEN 'delete' ELSE 'edit' END, o.lang,"
                    " o.country, ?, o.message_id, n.version FROM outbox o JOIN notices n"
                    f" ON n.id = o.notice_id WHERE o.id IN ({marks})"
                    " AND (n.state = 'recalled' OR o.version < n.version)",
                    (stamp, *sent),
                )

    async def progress(self, notice_id: int) -> Progress:
        """Counts by state, acknowledgements and pending edits or deletions."""
        rows = await self.db.fetchall(
            "SELECT op, state, count(*), count(acked_at), sum(answer = 'safe'),"
            " sum(answer = 'help') FROM outbox WHERE notice_id = ? GROUP BY op, state",
            (notice_id,),
        )
        counts: dict[str, int] = {}
        for op, state, n, acked, safe, help_ in rows:
            if op == "send":
                counts[state] = counts.get(state, 0) + n
                counts["acked"] = counts.get("acked", 0) + acked
                counts["safe"] = counts.get("safe", 0) + (safe or 0)
                counts["help"] = counts.get("help", 0) + (help_ or 0)
            elif state == "pending":
                key = "edits_pending" if op == "edit" else "deletes_pending"
                counts[key] = counts.get(key, 0) + n
            elif op == "delete" and state == "sent":
                counts["deleted"] = counts.get("deleted", 0) + n
        return Progress(**counts)

    async def unfinished(self) -> list[int]:
        """Active notices with no occurrence left: done once their outbox drains."""
        rows = await self.db.fetchall(
            "SELECT id FROM notices WHERE state = 'active' AND next_run IS NULL"
            " AND kind != 'fresh'"
        )
        return [r[0] for r in rows]

    async def busy_notices(self) -> list[int]:
        """Notices that have something pending (sends, edits or deletions)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT notice_id FROM outbox WHERE state = 'pending'"
        )
        return [r[0] for r in rows]

    async def ack(self, notice_id: int, user_id: int, now: datetime | None = None) -> bool | None:
        """Record a recipient's acknowledgement: True new, False repeated, None not theirs."""
        stamp = to_iso(now or utcnow())
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id, acked_at FROM outbox WHERE notice_id = ? AND user_id = ?"
                " AND op = 'send' AND state = 'sent' ORDER BY id DESC LIMIT 1",
                (notice_id, user_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            if row[1] is not None:
                return False
            await conn.execute("UPDATE outbox SET acked_at = ? WHERE id = ?", (stamp, row[0]))
            return True

    async def answer(
        self, notice_id: int, user_id: int, answer: str, now: datetime | None = None
    ) -> Notice | None:
        """Record a recipient's answer to a safety check or freshness ping; None if not theirs."""
        stamp = to_iso(now or utcnow())
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET answer = ?, answered_at = ? WHERE id = (SELECT id FROM outbox"
                " WHERE notice_id = ? AND user_id = ? AND op = 'send' AND state = 'sent'"
                " ORDER BY id DESC LIMIT 1)",
                (answer, stamp, notice_id, user_id),
            )
            if cur.rowcount == 0:
                return None
        return await self.get(notice_id)

    async def latest_safety(
        self, countries: Iterable[str] | None
    ) -> dict[str, tuple[int, int, int]]:
        """Per country, the latest safety check's (safe, need help, no answer) counts."""
        rows = await self.db.fetchall(
            "SELECT o.country, sum(o.answer = 'safe'), sum(o.answer = 'help'),"
            " sum(o.answer IS NULL) FROM outbox o WHERE o.op = 'send' AND o.notice_id ="
            " (SELECT max(n.id) FROM notices n WHERE n.kind = 'safety'"
            " AND instr(',' || n.countries || ',', ',' || o.country || ',') > 0)"
            " GROUP BY o.country"
        )
        wanted = set(countries) if countries is not None else None
        return {
            r[0]: (r[1] or 0, r[2] or 0, r[3] or 0)
            for r in rows if wanted is None or r[0] in wanted
        }  # fmt: skip

    async def fresh_notice(self, now: datetime | None = None) -> int:
        """The id of the system notice that carries freshness pings (created once)."""
        row = await self.db.fetchone("SELECT id FROM notices WHERE kind = 'fresh' LIMIT 1")
        if row is not None:
            return int(row[0])
        stamp = to_iso(now or utcnow())
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO notices (author_id, text_ru, schedule, state, created_at,"
                " updated_at, kind) VALUES (0, '', 'now', 'active', ?, ?, 'fresh')",
                (stamp, stamp),
            )
            return int(cur.lastrowid or 0)

    async def stale_countries(self, stale_before: datetime, fresh_id: int) -> list[str]:
        """Countries with stale registrations not asked since they went stale."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT r.country FROM registrations r JOIN citizens c USING (user_id)"
            " WHERE r.active = 1 AND c.blocked_at IS NULL AND r.updated_at < ?"
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.notice_id = ?"
            " AND o.user_id = r.user_id AND o.due_at >= r.updated_at)",
            (to_iso(stale_before), fresh_id),
        )
        return sorted(r[0] for r in rows)

    async def queue_fresh(
        self, fresh_id: int, countries: Sequence[str], stale_before: datetime, now: datetime
    ) -> int:
        """Queue "are you still there?" for stale citizens of these countries, once each."""
        if not countries:
            return 0
        marks = ",".join("?" * len(countries))
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO outbox (notice_id, run, user_id, op, lang, country,"
                " due_at) SELECT ?, r.updated_at, r.user_id, 'send', c.lang, r.country, ?"
                " FROM registrations r JOIN citizens c USING (user_id) WHERE r.active = 1"
                f" AND c.blocked_at IS NULL AND r.updated_at < ? AND r.country IN ({marks})"
                " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.notice_id = ?"
                " AND o.user_id = r.user_id AND o.due_at >= r.updated_at)",
                (fresh_id, stamp, to_iso(stale_before), *countries, fresh_id),
            )
            return cur.rowcount

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
            " AND (countries = '' OR instr(',' || countries || ',', ?) > 0)"
            " AND EXISTS (SELECT 1 FROM outbox WHERE notice_id = notices.id AND op = 'send'"
            " AND state = 'sent') ORDER BY id DESC LIMIT ?",
            (f",{country},", limit),
        )
        return [_notice(r) for r in rows]
