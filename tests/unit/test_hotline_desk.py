"""The hotline desk: routing a citizen to a staff group, routes kept with the database, floods."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.hotline import HotlineDesk
from storage.db import Database
from storage.tickets import RouteRepo

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CENTRAL = -1001
JORDAN = -1002
ADMIN = 900001


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
