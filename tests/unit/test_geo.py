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


@pytest.mark.parametrize(
    ("point", "ru", "kk"),
    [
        ((35.6892, 51.3890), "Тегеран", "Тегеран"),
        ((41.0138, 28.9497), "Стамбул", "Стамбұл"),  # CLDR has the Kazakh form
        ((25.2731, 51.6081), "Доха", "Доха"),  # the airport: Doha, not its nearer district
    ],
)
def test_towns_have_russian_and_kazakh_names_where_published(
    point: tuple[float, float], ru: str, kk: str
) -> None:
    place = geo.nearest(*point)
    assert place is not None
    assert (place.name("ru"), place.name("kk")) == (ru, kk)


def test_a_town_without_a_published_name_keeps_its_latin_one() -> None:
    place = geo.nearest(25.2532, 55.3657)  # a district by Dubai's airport
    assert place is not None
    assert place.name("ru") == place.name("kk") == place.city


@pytest.mark.parametrize(
    ("city", "country", "elsewhere"),
    [
        ("Доха", "IR", "QA"),  # the "Иран / Доха"
        ("Doha", "IR", "QA"),
        ("Дубай", "TR", "AE"),
        ("Доха", "QA", None),
        ("Амман, аэропорт Королевы Алии", "JO", None),  # the part before the comma
        ("Стамбұл", "TR", None),
        ("Шереметьево", "RU", None),  # unknown to the gazetteer: nothing to check
        ("Тель-Авив", "IL", None),
    ],
)
def test_a_typed_city_is_checked_against_the_country(
    city: str, country: str, elsewhere: str | None
) -> None:
    found = geo.city_elsewhere(city, country)
    assert (found.country if found else None) == elsewhere
