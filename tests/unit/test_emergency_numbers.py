"""Local emergency numbers come from the published table the data file names, and only there."""

from __future__ import annotations

from bot.reference import emergency


def test_the_table_names_its_source() -> None:
    header = [line for line in emergency.DATA.read_text("utf-8").splitlines() if line[:1] == "#"]
    assert any("libphonenumber" in line for line in header)


def test_transit_hubs_have_their_numbers() -> None:
    assert emergency.local_numbers("QA") == ("999",)
    assert "999" in emergency.local_numbers("AE")
    assert "112" in emergency.local_numbers("TR")


def test_unknown_countries_get_nothing_rather_than_a_guess() -> None:
    assert emergency.local_numbers(None) == ()
    assert emergency.local_numbers("ZZ") == ()
    assert emergency.local_numbers("xx") == ()


def test_a_few_numbers_at_most() -> None:
    assert len(emergency.local_numbers("ET")) <= emergency.SHOWN
