"""Offline geocoding: a shared location gives the country and the nearest town, or nothing."""

from __future__ import annotations

import pytest

from bot.reference import geo


@pytest.mark.parametrize(
    ("point", "code", "city"),
    [
        ((35.6892, 51.3890), "IR", "Tehran"),
        ((31.95, 35.93), "JO", "Amman"),
        ((25.2854, 51.5310), "QA", "Doha"),
        ((43.238, 76.945), "KZ", "Almaty"),
    ],
)
def test_geocoding_is_offline_and_finds_the_town(
    point: tuple[float, float], code: str, city: str
) -> None:
    place = geo.nearest(*point)
    assert place is not None
    assert place.country == code
    assert place.city == city


@pytest.mark.parametrize("point", [(15.0, 65.0), (0.0, 0.0), (-60.0, -30.0), (91.0, 0.0)])
def test_sea_and_nonsense_points_are_refused(point: tuple[float, float]) -> None:
    assert geo.nearest(*point) is None
