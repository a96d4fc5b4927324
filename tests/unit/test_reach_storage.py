"""Reach in storage, on a temporary database: send order, reminders, those not reached, the
hand-over, SMS queueing, the register's quality, and the two-person rule's requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage.approvals import ApprovalRepo, dump_draft, load_draft
from storage.audience import Audience
from storage.db import Database
from storage.models import to_iso
from storage.notices import Notice, NoticeDraft, NoticeRepo
from storage.outbox import OutboxRepo, Outcome
from storage.reach import ReachRepo
from storage.sms import SmsRepo

NOW = datetime(2030, 1, 10, 5, 0, tzinfo=UTC)
# user id -> (country, status, needs, children, phone)
PEOPLE = {
    1: ("AE", "tourist", "none", 0, "+77010000001"),
    2: ("AE", "resident", "evacuation", 0, "+77010000002"),
    3: ("AE", "stuck", "none", 0, ""),
    4: ("US", "tourist", "none", 1, "+77010000004"),
    5: ("US", "tourist", "accommodation", 0, "+77010000002"),  # the same phone as 2
    6: ("US", "resident", "consular", 0, "+77010000006"),
}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database with the six citizens above."""
    database = Database(tmp_path / "reach.sqlite3")
    await database.open()
    stamp = to_iso(NOW)
    async with database.transaction() as conn:
        for user_id, (country, status, needs, children, phone) in PEOPLE.items():
            await conn.execute(
                "INSERT INTO citizens (user_id, lang, consent_at, created_at, updated_at)"
                " VALUES (?, 'ru', ?, ?, ?)",
                (user_id, stamp, stamp, stamp),
            )
            await conn.execute(
                "INSERT INTO registrations (user_id, full_name, country, city, status,"
                " party_size, children, phone, needs, active, created_at, updated_at)"
                " VALUES (?, ?, ?, 'City', ?, 2, ?, ?, ?, 1, ?, ?)",
                (user_id, f"Citizen {user_id}", country, status, children, phone, needs,
                 stamp, stamp),
            )  # fmt: skip
    yield database
    await database.close()


async def _sent(db: Database, **options: Any) -> Notice:
    """A notice to everyone, filled and recorded: 1-4 delivered, 5 blocked, 6 failed."""
    draft = replace(NoticeDraft(Audience(), "Текст", None), **options)
    notice = await NoticeRepo(db).create(draft, 900, "now", NOW, NOW)
    outbox = OutboxRepo(db)
    await outbox.fill(notice, "now", NOW, None, None, NOW)
    items = {i.user_id: i for i in await outbox.due(NOW, 10)}
    outcomes = [Outcome(items[u].id, "sent", message_id=50 + u) for u in (1, 2, 3, 4)]
    outcomes += [Outcome(items[5].id, "blocked", error="Forbidden: bot was blocked")]
    outcomes += [Outcome(items[6].id, "failed", error="Bad Request: no rights")]
    await outbox.record(outcomes, NOW)
    return notice


async def test_urgent_first_and_inside_a_notice_those_who_need_help(db: Database) -> None:
    repo, outbox = NoticeRepo(db), OutboxRepo(db)
    routine = await repo.create(NoticeDraft(Audience(), "Обычное", None), 900, "now", NOW, NOW)
    urgent = await repo.create(
        NoticeDraft(Audience(), "Срочное", None, urgent=True), 900, "now", NOW, NOW
    )
    await outbox.fill(routine, "now", NOW, None, None, NOW)
    await outbox.fill(urgent, "now", NOW, None, None, NOW)
    order = [(i.notice_id, i.user_id) for i in await outbox.due(NOW, 20)]
    # Evacuation/consular help (2, 6), stuck (3), vulnerable (4: children, 5: no place to
    # stay), then the rest (1): the urgent notice's recipients all before the routine one's.
    expected = [2, 6, 3, 4, 5, 1]
    assert order == [(urgent.id, u) for u in expected] + [(routine.id, u) for u in expected]


async def test_reminders_go_to_the_silent_in_daytime_and_stop_on_acknowledgement(
    db: Database,
) -> None:
    notice = await _sent(db, ack=True, remind_hours=6, remind_max=2)
    outbox, reach = OutboxRepo(db), ReachRepo(db)
    assert await outbox.ack(notice.id, 1, NOW + timedelta(minutes=5))
    later = NOW + timedelta(hours=6)
    assert await reach.reminder_countries(NOW + timedelta(hours=5)) == []
    assert await reach.reminder_countries(later) == ["AE", "US"]
    # Only AE is in its daytime: its silent recipients (2, 3) are reminded, US's (4) waits.
    assert await reach.queue_reminders(later, ["AE"]) == 2
    assert await reach.queue_reminders(later, ["AE"]) == 0, "once each"
    pending = await outbox.due(later, 10)
    assert sorted((i.user_id, i.reminder, i.message_id) for i in pending) == [
        (2, 1, 52), (3, 1, 53),
    ]  # fmt: skip
    assert all(i.priority >= 20 for i in pending)
    # 3 acknowledges under the reminder: the notice's copy is marked, the reminder withdrawn.
    assert await outbox.ack(notice.id, 3, later) is True
    assert await outbox.ack(notice.id, 3, later) is False
    reminded = {i.user_id: i for i in await outbox.due(later, 10)}
    assert list(reminded) == [2]
    await outbox.record([Outcome(reminded[2].id, "sent", message_id=90)], later)
    progress = await outbox.progress(notice.id)
    assert (progress.sent, progress.acked, progress.reminded) == (4, 2, 1)
    # Reminder 2 follows reminder 1 after another 6 hours; US gets its first in its daytime.
    assert await reach.queue_reminders(later + timedelta(hours=6), ["AE", "US"]) == 2
    rows = await db.fetchall(
        "SELECT user_id, run, reminder, message_id FROM outbox"
        " WHERE reminder > 0 AND state = 'pending' ORDER BY user_id"
    )
    assert [tuple(r) for r in rows] == [(2, "now~r2", 2, 52), (4, "now~r1", 1, 54)]


async def test_not_reached_hand_over_and_sms(db: Database) -> None:
    notice = await _sent(db, ack=True, remind_hours=6, remind_max=1, sms_text="Сбор в 10:00")
    outbox, reach = OutboxRepo(db), ReachRepo(db)
    await outbox.ack(notice.id, 1, NOW)
    assert [(u.user_id, u.reach) for u in await reach.not_reached(notice.id)] == [
        (2, "silent"), (3, "silent"), (5, "blocked"), (6, "failed"), (4, "silent"),
    ]  # fmt: skip
    assert [u.user_id for u in await reach.not_reached(notice.id, {"US"})] == [5, 6, 4]
    [ae, us] = await reach.breakdown(notice.id)
    assert (ae.country, ae.total, ae.delivered, ae.acked, ae.silent) == ("AE", 3, 3, 1, 2)
    assert (us.blocked, us.failed, us.silent, us.not_reached) == (1, 1, 1, 3)
    # Nobody is handed over while reminders are still to come.
    assert await reach.due_hand_over(NOW + timedelta(hours=7)) == []
    later = NOW + timedelta(hours=6)
    await reach.queue_reminders(later, ["AE", "US"])
    items = await outbox.due(later, 10)
    await outbox.record([Outcome(i.id, "sent", message_id=99) for i in items], later)
    assert await reach.due_hand_over(later + timedelta(hours=5)) == []
    done = later + timedelta(hours=6)
    assert await reach.due_hand_over(done) == [notice.id]
    # SMS to those not reached who have a phone: 2, 4, 5, 6 (3 has none).
    assert await reach.sms_candidates(notice.id) == 4
    assert await reach.hand_over(notice.id, done, sms=True) == 4
    assert await reach.hand_over(notice.id, done, sms=True) is None
    assert await reach.due_hand_over(done) == []
    sms = SmsRepo(db)
    due = await sms.due(done, 10)
    assert sorted((s.user_id, s.phone, s.text) for s in due)[0] == (
        2,
        "+77010000002",
        "Сбор в 10:00",
    )
    assert await sms.queue(notice.id, 900, done, None) == 0, "nothing twice"
    assert await sms.cancel(notice.id, done) == 4
    audit = await db.fetchall("SELECT action FROM audit_log ORDER BY id")
    assert [r[0] for r in audit][-2:] == ["notice.handed", "sms.queue"]


async def test_register_quality(db: Database) -> None:
    notice = await _sent(db, ack=True, urgent=True)  # 5 blocked the bot meanwhile
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE registrations SET updated_at = '2029-01-01T00:00:00+00:00' WHERE user_id = 1"
        )
    await OutboxRepo(db).ack(notice.id, 2, NOW)
    quality = {q.country: q for q in await ReachRepo(db).quality(None, NOW - timedelta(days=14))}
    ae, us = quality["AE"], quality["US"]
    assert (ae.registered, ae.confirmed, ae.stale, ae.no_phone, ae.duplicates) == (3, 2, 1, 1, 1)
    assert (us.blocked, us.duplicates) == (1, 1)
    assert (ae.urgent_notice, ae.urgent_sent, ae.urgent_acked) == (notice.id, 3, 1)
    assert (us.urgent_sent, us.urgent_acked) == (1, 0)
    assert list(q.country for q in await ReachRepo(db).quality({"US"}, NOW)) == ["US"]


async def test_approval_requests_refuse_the_author(db: Database) -> None:
    draft = NoticeDraft(Audience(("AE",), ("stuck",)), "Текст", "Мәтін", ack=True, urgent=True,
                        remind_hours=6, remind_max=2, sms_text="SMS")  # fmt: skip
    assert load_draft(dump_draft(draft)) == draft
    repo = ApprovalRepo(db)
    request = await repo.create(draft, 700, 501, NOW)
    assert (request.state, request.recipients, request.draft) == ("waiting", 501, draft)
    assert await repo.decide(request.id, 700, True, NOW) is None, "not their own"
    decided = await repo.decide(request.id, 701, True, NOW)
    assert decided is not None
    assert (decided.state, decided.decided_by) == ("approved", 701)
    assert await repo.decide(request.id, 702, False, NOW) is None, "decided once"
    await repo.link(request.id, 42, NOW)
    linked = await repo.get(request.id)
    assert linked is not None
    assert linked.notice_id == 42
    actions = [r[0] for r in await db.fetchall("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["approval.request", "approval.approved"]
