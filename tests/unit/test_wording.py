"""Wording rules from issue 15 (items 9 and 10) that a reader would otherwise catch by eye."""

from __future__ import annotations

import re

import pytest
from fluent.syntax import FluentParser, ast

from bot.faq.matcher import seed_faq
from bot.i18n import LOCALES_DIR, Catalog
from handlers import keyboards
from storage.models import LANGS

# The one "арналған" that stays: the name of the document in the law.
LAW_TERM = "қайтып оралуға арналған куәлік"
# Quoted names that are not buttons: Telegram's admin right, the name of a check, a phrase.
NOT_BUTTONS = {
    "Управление темами", "Тақырыптарды басқару", "Вы в безопасности?", "Қауіпсіздесіз бе?", "/",
    "эвакуационном рейсе", "Эвакуациялық рейске",
    # A YAML shape named in an upload error (content-err-not-map), not a button.
    "ключ: значение", "кілт: мән",
}  # fmt: skip


def sources(lang: str) -> dict[str, str]:
    """Message id -> its Fluent source as written, placeables and all."""
    text = (LOCALES_DIR / lang / "main.ftl").read_text(encoding="utf-8")
    resource = FluentParser(with_spans=True).parse(text)
    return {
        entry.id.name: text[entry.span.start : entry.span.end]
        for entry in resource.body
        if isinstance(entry, ast.Message) and entry.span is not None
    }


def faq_texts(lang: str) -> list[str]:
    """What the FAQ shows in one language: topic names, questions, answers (not `ask`)."""
    faq = seed_faq()
    return (
        [t.title[lang] for t in faq.topics]
        + [e.question[lang] for e in faq.entries]
        + [e.answer[lang] for e in faq.entries]
    )


def kazakh() -> str:
    """Everything a Kazakh reader sees, one text."""
    return "\n".join([*sources("kk").values(), *faq_texts("kk")])


@pytest.mark.parametrize(
    ("wrong", "why"),
    [
        ("болдырылмады", "reads as 'was not cancelled': say тоқтатылды or сақталмады"),
        ("Рахмет", "one spelling: Рақмет"),
        ("мәртебе", "a legal status; the registration asks for жағдай"),
        ("жоба", "a project, not an unfinished registration"),
        ("Нөмірімен", "the citizen shares their own number: Нөміріммен"),
        ("» пайдалану", "«…» атын қолдану"),
        ("не білу маңызды", "a calque of «что важно знать»"),
        ("болып жатқан", "a calque of «страна пребывания»"),
        ("дипломатиялық өкілдік", "one word for the mission: шетелдегі мекеме"),
        ("дипмиссия", "one word for the mission: шетелдегі мекеме"),
    ],
)
def test_kazakh_avoids(wrong: str, why: str) -> None:
    assert wrong.lower() not in kazakh().lower(), why


def test_arnalgan_only_in_the_law_term() -> None:
    assert "арналған" not in kazakh().lower().replace(LAW_TERM, "")


def test_stopping_is_one_verb_family() -> None:
    kk = sources("kk")
    assert "тоқтатылды" in kk["reg-cancelled"]
    assert "сақталмады" in kk["reg-cancelled-kept"]
    # Болдырмау stays only as the glossary's label of the Cancel button.
    with_boldyr = {key for key, text in kk.items() if "болдыр" in text.lower()}
    assert all(key.startswith("btn-") for key in with_boldyr), with_boldyr


def test_faq_topics_and_answers_name_the_mission_one_way() -> None:
    faq = seed_faq()
    texts = [t.title["kk"] for t in faq.topics] + [e.answer["kk"] for e in faq.entries]
    assert not [t for t in texts if "елшілі" in t.lower()]
    assert any("шетелдегі мекеме" in t.lower() for t in texts)


def test_the_state_language_comes_first() -> None:
    catalog = Catalog()
    for lang in LANGS:
        assert catalog.format(lang, "choose-language") == "Тілді таңдаңыз / Выберите язык"
        assert catalog.format(lang, "btn-language") == "🌐 Тіл / Язык"
    buttons = keyboards.language(None).inline_keyboard[0]
    assert [b.callback_data for b in buttons] == ["lang:kk", "lang:ru"]


def button_labels(lang: str) -> set[str]:
    """Every button text in a language, without its emoji and arrows."""
    catalog = Catalog()
    labels = set()
    for key in sources(lang):
        if key.startswith(("btn-", "status-", "needs-")):
            text = catalog.format(lang, key, {"name": "x", "count": 1})
            label = re.sub(r"^[^\w(]+|[^\w)?]+$", "", text)
            labels.add(label)
            labels.add(label.split(" / ")[0])  # «Получено» names «Получено / я в безопасности»
    return labels


@pytest.mark.parametrize("lang", LANGS)
def test_quoted_button_names_are_the_buttons(lang: str) -> None:
    """«Поделиться номером» in a hint must be the text on the button the citizen looks for."""
    labels = button_labels(lang)
    quoted = re.findall(r"«([^»{\n]+)»", "\n".join([*sources(lang).values(), *faq_texts(lang)]))
    assert quoted
    assert sorted({q for q in quoted if q not in labels | NOT_BUTTONS}) == []


@pytest.mark.parametrize(
    ("lang", "nearest"),
    [("ru", "(ближайший город на карте)"), ("kk", "(картадағы ең жақын қала)")],
)
def test_a_gps_city_in_latin_reads_as_a_label(lang: str, nearest: str) -> None:
    # The gazetteer names towns in Latin ("Doha"): said to be the map's name, and not the end
    # of a question («…, Doha? Верно?»).
    text = Catalog().format(lang, "reg-gps-found", {"country": "Катар", "city": "Doha"})
    assert f"Катар, Doha {nearest}." in text
    assert text.count("?") == 1


@pytest.mark.parametrize(
    ("key", "wrong"),
    [
        ("reg-ask-party", "включая вас"),
        ("faq-unsure", "об одном из этих вопросов"),
        ("needs-evacuation", "вернуться"),
    ],
)
def test_russian_the_issue_quoted(key: str, wrong: str) -> None:
    assert wrong not in Catalog().format("ru", key, {"max": 20})
