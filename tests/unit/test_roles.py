"""Roles: what a role reaches, and grant/revoke writing the table and the book together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.staff.roles import Role, RoleBook
from storage.db import Database
from storage.staff import StaffMember, StaffRepo

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADMIN = 900001
GULF = Role("staff", frozenset({"AE", "QA"}))
ADMIN_ROLE = Role("admin", frozenset())


def test_staff_cover_their_countries_only() -> None:
    assert GULF.covers("AE")
    assert not GULF.covers("JO")
    assert not GULF.is_admin


def test_admins_cover_every_country() -> None:
    assert ADMIN_ROLE.is_admin
    assert ADMIN_ROLE.covers("JO")
    assert ADMIN_ROLE.covers("KZ")


def test_scope_of_staff_is_their_countries_narrowed_by_the_request() -> None:
    assert GULF.scope() == frozenset({"AE", "QA"})
    assert GULF.scope(["AE", "JO"]) == frozenset({"AE"})
    # Asking only for countries outside the role reaches nothing, never everything.
    assert GULF.scope(["JO"]) == frozenset()


def test_scope_of_admins_is_everything_unless_narrowed() -> None:
    assert ADMIN_ROLE.scope() is None
    assert ADMIN_ROLE.scope(["JO", "JO"]) == frozenset({"JO"})


@pytest.fixture
async def repo() -> AsyncIterator[StaffRepo]:
    """A StaffRepo over a fresh in-memory database (migrated)."""
    db = Database(":memory:")
    await db.open()
    yield StaffRepo(db)
    await db.close()


async def test_bootstrap_admins_stay_admins_whatever_is_stored(repo: StaffRepo) -> None:
    book = RoleBook(repo, [ADMIN])
    book.load([StaffMember(ADMIN, "staff", frozenset({"AE"}), None, NOW)])
    role = book.get(ADMIN)
    assert role is not None
    assert (role.is_admin, role.bootstrap) == (True, True)
    assert book.get(None) is None
    assert book.get(123) is None


async def test_grant_and_revoke_change_the_table_and_the_book_together(repo: StaffRepo) -> None:
    book = RoleBook(repo, [ADMIN])
    assert await book.grant(700001, GULF, ADMIN, NOW)
    assert book.get(700001) == GULF
    assert await repo.all() == [StaffMember(700001, "staff", GULF.countries, ADMIN, NOW)]
    # A restart reads back what was granted.
    reloaded = RoleBook(repo, [ADMIN])
    reloaded.load(await repo.all())
    assert reloaded.get(700001) == GULF

    assert await book.revoke(700001, ADMIN, NOW)
    assert book.get(700001) is None
    assert await repo.all() == []
    assert not await book.revoke(700001, ADMIN, NOW)  # nothing left to revoke


async def test_bootstrap_admins_are_neither_granted_nor_revoked(repo: StaffRepo) -> None:
    book = RoleBook(repo, [ADMIN])
    assert not await book.grant(ADMIN, GULF, ADMIN, NOW)
    assert not await book.revoke(ADMIN, ADMIN, NOW)
    assert book.get(ADMIN) == Role("admin", frozenset(), bootstrap=True)
    assert await repo.all() == []
