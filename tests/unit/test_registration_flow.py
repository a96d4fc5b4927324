"""The registration's order of steps and its draft, without Telegram."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.registration.flow import (
    CHAIN,
    DRAFT_KEY,
    RegistrationDraft,
    State,
    next_state,
)
from storage.models import Registration

# user_data rows exactly as the bot stored them before the registration became a package
# (captured from the old handlers/registration.py): a new draft waiting for the GPS answer,
# an edit of the phone, and an update of the place waiting for the status.
OLD_NEW_GPS = (
    '{"draft": {"_mode": "new", "_state": "gps", "_geo": {"country": "IR", "city": "Tehran",'
    ' "latitude": 35.7, "longitude": 51.42}}}'
)
OLD_EDIT_PHONE = (
    '{"draft": {"full_name": "Серикова Айгерим Болатовна", "country": "JO", "city": "Амман,'
    ' аэропорт Королевы Алии", "latitude": null, "longitude": null, "status": "stuck",'
    ' "party_size": 3, "children": 1, "phone": "+77011234567", "needs": "evacuation",'
    ' "note": "Нужен детский <b>корм</b> & вода", "_mode": "edit", "_state": "phone"}}'
)
OLD_UPDATE_STATUS = (
    '{"draft": {"full_name": "Серикова Айгерим Болатовна", "country": "QA", "latitude": null,'
    ' "longitude": null, "status": "stuck", "party_size": 3, "children": 1, "phone":'
    ' "+77011234567", "needs": "evacuation", "note": null, "_mode": "update", "_state":'
    ' "status", "_gps": false, "city": "Доха"}}'
)


def draft(**data: Any) -> RegistrationDraft:
    return RegistrationDraft(dict(data))


def test_a_new_registration_follows_the_chain() -> None:
    new = draft(_mode="new", party_size=3)
    steps: list[State] = ["country"]
    while steps[-1] != "confirm":
        steps.append(next_state(steps[-1], new))
    # The note is a line of the summary now, not a step (issue 15: at most 9 actions).
    assert steps == [
        "country", "city", "status", "party", "children", "name", "phone", "needs", "confirm",
    ]  # fmt: skip
    # Off the main line: the city-country question, and the note asked from the summary.
    assert set(CHAIN) | {"confirm"} == set(steps) | {"city_check", "note"}
    assert next_state("city_check", new) == "status"
    assert next_state("note", new) == "confirm"


def test_a_confirmed_location_skips_the_city() -> None:
    assert next_state("country", draft(_mode="new", _gps=True)) == "status"
    assert next_state("country", draft(_mode="new", _gps=False)) == "city"


def test_a_party_of_one_has_no_children_question() -> None:
    one = draft(_mode="new")
    one.set_party(1)
    assert one.children == 0
    assert next_state("party", one) == "name"
    two = draft(_mode="new", children=5)
    two.set_party(2)
    assert two.children == 2  # capped by the party size
    assert next_state("party", two) == "children"


@pytest.mark.parametrize(
    ("done", "expected"),
    [
        ("country", "status"), ("city", "status"), ("status", "confirm"),
        ("children", "name"), ("name", "phone"), ("phone", "needs"), ("note", "confirm"),
    ],
)  # fmt: skip
def test_an_update_asks_where_then_shows_the_summary(done: State, expected: State) -> None:
    # Country (a GPS place skips the city), city, status: then the summary.
    update = draft(_mode="update", _gps=done == "country", party_size=3)
    assert next_state(done, update) == expected


@pytest.mark.parametrize("done", ["city", "status", "children", "name", "phone", "needs", "note"])
def test_an_edit_of_one_field_returns_to_the_summary(done: State) -> None:
    assert next_state(done, draft(_mode="edit", party_size=3)) == "confirm"


def test_an_edit_of_the_country_asks_the_city_unless_a_location_gave_it() -> None:
    assert next_state("country", draft(_mode="edit")) == "city"
    assert next_state("country", draft(_mode="edit", _gps=True)) == "confirm"


def test_an_edit_of_the_party_asks_the_children_unless_alone() -> None:
    edit = draft(_mode="edit", party_size=2)
    assert next_state("party", edit) == "children"
    edit.set_party(1)
    assert next_state("party", edit) == "confirm"


def test_drafts_without_mode_or_state_are_new_ones_at_the_country() -> None:
    bare = draft()
    assert (bare.mode, bare.state, bare.gps, bare.geo, bare.party_size) == (
        "new", "country", False, None, 1,
    )  # fmt: skip
    user_data: dict[str, Any] = {DRAFT_KEY: "not a dict"}
    assert RegistrationDraft.of(user_data).data == {"_mode": "new", "_state": "country"}
    assert user_data[DRAFT_KEY] == {"_mode": "new", "_state": "country"}


def test_old_drafts_read_the_same_and_resume_at_their_step() -> None:
    gps = RegistrationDraft.of(json.loads(OLD_NEW_GPS))
    assert (gps.mode, gps.state, gps.geo) == (
        "new", "gps", {"country": "IR", "city": "Tehran", "latitude": 35.7, "longitude": 51.42},
    )  # fmt: skip
    gps.take_geo()
    assert (gps.country, gps.gps, gps.geo) == ("IR", True, None)
    assert gps.data["city"] == "Tehran"
    assert next_state("country", gps) == "status"

    edit = RegistrationDraft.of(json.loads(OLD_EDIT_PHONE))
    assert (edit.mode, edit.state, edit.party_size, edit.children) == ("edit", "phone", 3, 1)
    edit.set_phone("+77020001122")
    assert next_state("phone", edit) == "confirm"
    assert edit.to_input().phone == "+77020001122"
    assert edit.to_input().country == "JO"

    update = RegistrationDraft.of(json.loads(OLD_UPDATE_STATUS))
    assert (update.mode, update.state, update.gps) == ("update", "status", False)
    update.choose("status", "transit")
    assert next_state("status", update) == "confirm"
    assert update.to_input().city == "Доха"


def test_changes_are_made_in_the_persisted_dict() -> None:
    user_data = json.loads(OLD_NEW_GPS)
    RegistrationDraft.of(user_data).set_country("JO")
    assert user_data[DRAFT_KEY]["country"] == "JO"
    assert user_data[DRAFT_KEY]["_gps"] is False
    RegistrationDraft.discard(user_data)
    assert DRAFT_KEY not in user_data


def test_a_new_country_drops_the_old_city_and_point() -> None:
    moved = draft(country="JO", city="Амман", latitude=31.9, longitude=35.9, _gps=True)
    moved.set_country("JO")
    assert moved.data["city"] == "Амман"  # same country: the city stays
    moved.set_country("QA")
    assert "city" not in moved.data
    assert (moved.data["latitude"], moved.data["longitude"], moved.gps) == (None, None, False)


def test_start_prefills_from_the_saved_registration() -> None:
    stamp = datetime(2026, 12, 1, tzinfo=UTC)
    reg = Registration(
        user_id=1, full_name="Иванов Иван", country="IR", city="Tehran", latitude=None,
        longitude=None, status="resident", party_size=1, children=0, phone="+77017654321",
        needs="none", note=None, active=True, created_at=stamp, updated_at=stamp,
    )  # fmt: skip
    user_data: dict[str, Any] = {}
    started = RegistrationDraft.start(user_data, "update", reg)
    assert user_data[DRAFT_KEY] is started.data
    assert started.mode == "update"
    assert started.to_input().full_name == "Иванов Иван"
    assert json.loads(json.dumps(started.data)) == started.data  # JSON as it is persisted


def test_an_incomplete_draft_goes_back_to_its_first_missing_step() -> None:
    partial = draft(_mode="edit", country="JO", city="Амман", status="stuck", party_size=2)
    with pytest.raises(KeyError):
        partial.to_input()
    assert partial.first_missing() == "name"
    assert partial.mode == "new"  # the rest is asked in order
    assert draft().first_missing() == "country"


def test_a_typed_city_drops_the_located_point() -> None:
    located = draft(_mode="new")
    located.take_place("QA", "Доха", 25.27312, 51.60811)
    assert (located.country, located.city, located.gps) == ("QA", "Доха", True)
    assert located.data["latitude"] == 25.27312
    located.set_city("Хамад әуежайы")
    assert (located.gps, located.data["latitude"]) == (False, None)


def test_the_city_check_is_held_in_the_draft() -> None:
    typed = draft(_mode="new", country="IR", city="Доха")
    typed.hold_check("QA", "Доха")
    assert typed.check == {"country": "QA", "city": "Доха"}
    typed.drop_check()
    assert typed.check is None
    assert typed.prompt is None
    typed.prompt = 42
    assert typed.data["_prompt"] == 42
