"""Country names typed in Russian, Kazakh or English, and the region's names."""

from __future__ import annotations

import pytest

from bot.reference import countries


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Иран", "IR"), ("израиль", "IL"), ("Jordan", "JO"), ("ОАЭ", "AE"),
        ("Біріккен Араб Әмірліктері", "AE"), ("Түркия", "TR"), ("Türkiye", "TR"),
        ("Сауд Арабиясы", "SA"), ("Мысыр", "EG"), ("Egypt", "EG"), ("Эфиопия", "ET"),
        ("Украина", "UA"), ("Кувейт", "KW"), ("Бахрейн", "BH"), ("Сирия", "SY"),
        ("Германя", "DE"), ("UK", "GB"), ("Ливан", "LB"), ("Oman", "OM"),
    ],
)  # fmt: skip
def test_country_names_in_three_languages(typed: str, code: str) -> None:
    assert countries.search(typed) == [code]


def test_country_search_refuses_nonsense() -> None:
    assert countries.search("Нарния") == []
    assert countries.search("x") == []
    assert countries.get("ZZ") is None
    assert countries.get("ir") is None
    assert countries.get("IR") is not None


def test_region_names_exist_in_both_languages() -> None:
    for code in countries.REGION:
        country = countries.get(code)
        assert country is not None
        assert country.name("ru") != country.name("en")
