"""The hotline desk: routing a citizen to a staff group, routes kept with the database, floods,
the members of the staff groups and the bans."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from bot.hotline import BanList, HotlineDesk
from bot.staff.roles import Role, RoleBook
from storage.bans import BanRepo
from storage.db import Database
from storage.staff import StaffRepo
from storage.tickets import RouteRepo

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CENTRAL = -1001
JORDAN = -1002
ADMIN = 900001
JORDAN_STAFF = 700001
QATAR_STAFF = 700002


@pytest.fixture
async def routes() -> AsyncIterator[RouteRepo]:
    """A RouteRepo over a fresh in-memory database (migrated)."""
    db = Database(":memory:")
    await db.open()
    yield RouteRepo(db)
    await db.close()


async def test_a_country_goes_to_its_mission_else_to_the_central_group(
    routes: RouteRepo,
) -> None:
    desk = HotlineDesk(routes, CENTRAL, flood_per_minute=20)
    await desk.set_route("JO", JORDAN, ADMIN, NOW)
    assert desk.chat_for("JO") == JORDAN
    assert desk.chat_for("QA") == CENTRAL
    assert desk.chat_for(None) == CENTRAL  # not registered


async def test_without_a_central_group_only_routed_countries_have_a_hotline(
    routes: RouteRepo,
) -> None:
    desk = HotlineDesk(routes, None, flood_per_minute=20)
    await desk.set_route("JO", JORDAN, ADMIN, NOW)
    assert desk.chat_for("JO") == JORDAN
    assert desk.chat_for("QA") is None
    assert desk.chats() == [JORDAN]


async def test_a_route_is_written_to_the_database_and_memory_in_one_call(
    routes: RouteRepo,
) -> None:
    desk = HotlineDesk(routes, CENTRAL, flood_per_minute=20)
    assert desk.staff_chats.chat_ids == frozenset()  # nothing is a staff chat before load
    assert await desk.load() == [CENTRAL]
    await desk.set_route("JO", JORDAN, ADMIN, NOW)
    assert await routes.all() == {"JO": JORDAN}
    assert desk.routes == {"JO": JORDAN}
    assert desk.staff_chats.chat_ids == frozenset({CENTRAL, JORDAN})

    # A restart loads the same routes and staff chats.
    again = HotlineDesk(routes, CENTRAL, flood_per_minute=20)
    assert await again.load() == [JORDAN, CENTRAL]
    assert again.chat_for("JO") == JORDAN
    assert again.staff_chats.chat_ids == frozenset({CENTRAL, JORDAN})


async def test_clearing_a_route_keeps_the_group_a_staff_chat(routes: RouteRepo) -> None:
    desk = HotlineDesk(routes, CENTRAL, flood_per_minute=20)
    await desk.load()
    await desk.set_route("JO", JORDAN, ADMIN, NOW)
    await desk.set_route("JO", None, ADMIN, NOW)
    assert await routes.all() == {}
    assert desk.routes == {}
    assert desk.chat_for("JO") == CENTRAL
    # Staff answers in the group's open topics must still reach their citizens.
    assert JORDAN in desk.staff_chats.chat_ids


def test_the_flood_window_counts_per_citizen_over_a_minute() -> None:
    clock = [1000.0]
    desk = HotlineDesk(
        RouteRepo(Database(":memory:")), CENTRAL, flood_per_minute=3, monotonic=lambda: clock[0]
    )
    assert [desk.flooding(1) for _ in range(4)] == [False, False, False, True]
    assert not desk.flooding(2)  # another citizen has their own window
    clock[0] += 30
    assert desk.flooding(1)  # refused messages are not counted, the window is still full
    clock[0] += 31
    assert not desk.flooding(1)  # the first three are more than a minute old


# ---- who sits in the staff groups (issue 14, item 4) -------------------------------------


@pytest.fixture
async def book(routes: RouteRepo) -> RoleBook:
    """Roles over the same database: an admin, Jordan's consul, Qatar's consul."""
    roles = RoleBook(StaffRepo(routes.db), admin_ids=[ADMIN])
    await roles.grant(JORDAN_STAFF, Role("staff", frozenset({"JO"})), ADMIN, NOW)
    await roles.grant(QATAR_STAFF, Role("staff", frozenset({"QA"})), ADMIN, NOW)
    return roles


async def test_a_group_receives_only_countries_every_member_covers(
    routes: RouteRepo, book: RoleBook
) -> None:
    desk = HotlineDesk(routes, CENTRAL, flood_per_minute=20, roles=book)
    await desk.set_route("JO", JORDAN, ADMIN, NOW)
    assert desk.set_member(JORDAN, JORDAN_STAFF, True)
    assert not desk.set_member(JORDAN, JORDAN_STAFF, True)  # no news
    desk.set_member(CENTRAL, ADMIN, True)
    assert desk.chat_for("JO") == JORDAN
    assert desk.outside_scope(JORDAN) == []
    assert desk.outside_scope(CENTRAL) == []
    # Qatar's consul sits in the Jordan group: Jordanians fall back to the central group.
    desk.set_member(JORDAN, QATAR_STAFF, True)
    assert [user for user, _ in desk.outside_scope(JORDAN)] == [QATAR_STAFF]
    assert desk.chat_for("JO") == CENTRAL
    # ... and in the central group too: no group may receive them, Qatar's citizens still go.
    desk.set_member(CENTRAL, QATAR_STAFF, True)
    assert desk.chat_for("JO") is None
    assert desk.chat_for("QA") == CENTRAL
    assert desk.chat_for(None) == CENTRAL  # not registered: no country to keep from anyone
    # The central group receives every country without a mission: only admins cover it.
    assert [user for user, _ in desk.outside_scope(CENTRAL)] == [QATAR_STAFF]
    desk.set_member(CENTRAL, QATAR_STAFF, False)
    desk.set_member(JORDAN, QATAR_STAFF, False)
    assert desk.chat_for("JO") == JORDAN


def test_a_refused_member_is_told_once_a_minute() -> None:
    clock = [0.0]
    desk = HotlineDesk(
        RouteRepo(Database(":memory:")), CENTRAL, flood_per_minute=3, monotonic=lambda: clock[0]
    )
    assert desk.refusal_due(CENTRAL, 1)
    assert not desk.refusal_due(CENTRAL, 1)
    assert desk.refusal_due(CENTRAL, 2)
    clock[0] += 61
    assert desk.refusal_due(CENTRAL, 1)


# ---- bans that outlive erasure (issue 14, item 5) ----------------------------------------


async def test_a_ban_is_kept_under_a_keyed_hash(routes: RouteRepo) -> None:
    db = routes.db
    async with db.transaction() as conn:  # a ban stored by id before migration 0010
        await conn.execute(
            "INSERT INTO bans (user_id, reason, banned_by, at) VALUES (42, 'spam', 1, 'x')"
        )
    bans = BanList(BanRepo(db))
    assert await bans.is_banned(42)  # converted on first use
    assert await db.fetchall("SELECT * FROM bans") == []
    await bans.ban(43, "abuse", ADMIN, NOW)
    subjects = [r[0] for r in await db.fetchall("SELECT subject FROM ban_records ORDER BY at")]
    assert len(subjects) == 2
    assert all(re.fullmatch("[0-9a-f]{64}", s) for s in subjects)  # no id, only a hash
    # The same stored key after a restart; another key (BAN_KEY) gives other hashes.
    assert await BanList(BanRepo(db)).is_banned(43)
    other = BanList(BanRepo(db), SecretStr("a key set by the operator"))
    assert not await other.is_banned(43)
    assert await other.subject(43) != await bans.subject(43)
    assert await bans.unban(43)
    assert not await bans.unban(43)
