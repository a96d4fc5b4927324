"""Urgency words: the shipped list in Russian and Kazakh, Cyrillic and Latin typing, and the
ordinary sentences that must not match; the file's format and its mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.faq.urgency import UrgencyError, load, parse
from tests.support.cli import cli

WORDS = load()

URGENT = [
    # Russian
    ("Помогите, нас не выпускают", "danger"),
    ("pomogite pozhalujsta", "danger"),
    ("Мой муж ранен, нужна помощь", "injury"),
    ("Брата задержали на границе", "detention"),
    ("Ребёнок остался один в аэропорту", "child_alone"),
    ("У нас нет воды уже два дня", "no_water_or_food"),
    ("Нужен врач, у мамы сердечный приступ", "medical"),
    ("Рядом стреляют", "danger"),
    # Kazakh, Cyrillic
    ("Көмектесіңіз, қонақүйден шыға алмаймыз", "danger"),
    ("Әкем жараланды", "injury"),
    ("Інімді полиция ұстап алды", "detention"),
    ("Балам жалғыз қалды", "child_alone"),
    ("Су жоқ, тамақ жоқ", "no_water_or_food"),
    ("Жедел жәрдем керек", "medical"),
    # Kazakh, Latin typing (2018, 2021 alphabets and ad hoc)
    ("komektesiniz", "danger"),
    ("Kömektesiñiz!", "danger"),
    ("kómektesińiz", "danger"),
    ("akem jaralandy", "injury"),
    ("zharalandy", "injury"),
    ("su joq", "no_water_or_food"),
]

ORDINARY = [
    "Как продлить визу в ОАЭ?",
    "Спасибо, мне помогли",
    "Рейс задержали на три часа",
    "Наш рейс задержали, что делать с пересадкой?",
    "Где купить воду в аэропорту?",
    "Ребёнку нужен паспорт",
    "Кровать в гостинице сломана",
    "Устал ждать автобус",
    "Ранее я уже писал вам",
    "Можно ли провезти лекарства?",
    "Помогите разобраться с документами",
    "Рахмет, бәрі жақсы",
    "Визаны қалай ұзартуға болады?",
    "Pasport joq, ne isteu kerek?",
    "Қауіпсіздік туралы сұрағым бар",
    "Su bar ma?",
    "",
]


@pytest.mark.parametrize(("text", "category"), URGENT)
def test_urgent_words_in_both_languages_and_scripts(text: str, category: str) -> None:
    found = WORDS.match(text)
    assert found is not None, text
    assert found[0] == category


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_sentences_do_not_match(text: str) -> None:
    assert WORDS.match(text) is None, WORDS.match(text)


def test_a_void_phrase_does_not_hide_an_urgent_word_elsewhere() -> None:
    assert WORDS.match("Рейс задержали, а брата задержали в полиции") == ("detention", "задержали")


def test_prefixes_phrases_and_voids_as_the_file_describes() -> None:
    words = parse(
        {
            "injury": {"ru": ["ранен*", "истекает кровью"], "kk": ["жараланды"]},
            "not": {"ru": ["ранен* вчера"]},
        }
    )
    assert words.urgent("Ранена рука")
    assert words.urgent("он истекает кровью")
    assert not words.urgent("кровью истекает")  # a phrase is the words in order
    assert not words.urgent("ранен вчера, сегодня лучше")
    assert words.urgent("JARALANDY")


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ([], "categories"),
        ({"danger": ["помогите"]}, "danger"),
        ({"danger": {"en": ["help"]}}, "danger.en"),
        ({"danger": {"ru": ["!!!"]}}, "danger.ru"),
    ],
)
def test_a_broken_list_names_its_place(document: object, where: str) -> None:
    with pytest.raises(UrgencyError, match=where.split(".")[0]):
        parse(document)


def test_admins_can_try_a_text_from_the_command_line(tmp_path: Path) -> None:
    urgent = cli(tmp_path, "faq", "urgent", "Нас задержали на границе")
    assert urgent.returncode == 0, urgent.stderr
    assert urgent.stdout.strip() == "urgent: detention (задержали)"
    assert cli(tmp_path, "faq", "urgent", "Наш рейс задержали").stdout.strip() == "not urgent"
