"""An upgrade from the schema of the last release (migration 0013, before issue 20) keeps
its data and brings it under the new migrations (counts, claims, replicas)."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database, migrations

# The last migration of the release before PostgreSQL (issue 16's 0013_reach).
PREVIOUS = 13
STAMP = "2030-01-10T09:00:00+00:00"


async def test_upgrade_from_the_previous_release_keeps_the_register(
    db_path: Path | str,
) -> None:
    old = Database(db_path)
    await old.backend.open()
    try:
        plan = migrations(old.dialect)
        assert plan[PREVIOUS - 1][1] == "0013_reach.sql"
        await old.backend.migrate(plan[:PREVIOUS])
        assert await old.user_version() == PREVIOUS
        async with old.transaction() as tx:
            for user_id, country, party in ((1, "AE", 2), (2, "AE", 1), (3, "TR", 4)):
                await tx.execute(
                    "INSERT INTO citizens (user_id, lang, created_at, updated_at)"
                    " VALUES (?, 'ru', ?, ?)",
                    (user_id, STAMP, STAMP),
                )
                await tx.execute(
                    "INSERT INTO registrations (user_id, full_name, country, city, status,"
                    " party_size, children, phone, needs, active, created_at, updated_at)"
                    " VALUES (?, 'A Citizen', ?, 'City', 'tourist', ?, 0, '', 'none', 1, ?, ?)",
                    (user_id, country, party, STAMP, STAMP),
                )
            # A carrier notice of the evacuation wing: the kind 0011 allowed.
            await tx.execute(
                "INSERT INTO notices (author_id, text_ru, schedule, state, created_at,"
                " updated_at, kind) VALUES (0, '', 'now', 'active', ?, ?, 'evacuation')",
                (STAMP, STAMP),
            )
            notice = await tx.fetchone("SELECT max(id) FROM notices")
            assert notice is not None
            await tx.execute(
                "INSERT INTO outbox (notice_id, run, user_id, op, lang, country, due_at)"
                " VALUES (?, 'o:1', 1, 'send', 'ru', 'AE', ?)",
                (notice[0], STAMP),
            )
            await tx.execute(
                "INSERT INTO sms_outbox (notice_id, user_id, due_at, created_at)"
                " VALUES (?, 1, ?, ?)",
                (notice[0], STAMP, STAMP),
            )
    finally:
        await old.close()

    db = Database(db_path)
    await db.open()
    try:
        assert await db.user_version() == len(migrations())
        counts = await db.fetchall(
            "SELECT country, n, people FROM registration_counts WHERE n > 0 ORDER BY country"
        )
        assert [(r[0], int(r[1]), int(r[2])) for r in counts] == [("AE", 2, 3), ("TR", 1, 4)]
        claims = await db.fetchone(
            "SELECT count(*) FROM outbox WHERE claimed_by IS NULL AND claimed_until IS NULL"
        )
        sms = await db.fetchone("SELECT count(*) FROM sms_outbox WHERE claimed_until IS NULL")
        assert (int(claims[0]) if claims else 0, int(sms[0]) if sms else 0) == (1, 1)
        columns = await db.columns()
        assert {"inbox", "leases", "replicas", "people_search"} <= set(columns)
    finally:
        await db.close()
