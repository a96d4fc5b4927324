"""The FAQ content and the matcher: structure, both languages, labelled accuracy."""

from __future__ import annotations

import re

import pytest

from bench.faq_quality import load
from bot.faq.matcher import Matcher, fold, seed_faq
from tests.support.fakebot import plain_text


def test_content_is_complete_in_both_languages() -> None:
    faq = seed_faq()
    assert len(faq.entries) >= 25
    topic_ids = {t.id for t in faq.topics}
    ids = [e.id for e in faq.entries]
    assert len(ids) == len(set(ids))
    for entry in faq.entries:
        assert entry.topic in topic_ids
        for lang in ("ru", "kk"):
            assert entry.question[lang].strip()
            assert entry.answer[lang].strip()
            # Telegram would accept the HTML, and the answer fits one message.
            assert len(plain_text(entry.answer[lang], "HTML")) < 3500
        assert entry.answer["ru"] != entry.answer["kk"]
    for topic in faq.topics:
        assert topic.title["ru"] != topic.title["kk"]
        assert faq.in_topic(topic.id)


def test_no_invented_contacts() -> None:
    """Phone numbers and e-mails come only from the directory an admin fills."""
    for entry in seed_faq().entries:
        for text in entry.answer.values():
            assert "@" not in text
            assert not re.search(r"\+?\d[\d\s()-]{5,}\d", text), entry.id


@pytest.mark.parametrize(
    ("typed", "folded"),
    [("Төлқұжат", "толкужат"), ("tolqujat", "толкужат"), ("Ёлка", "елка"), ("shygys", "шыгыс")],
)
def test_folding(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_labelled_questions_accuracy() -> None:
    matcher = Matcher(seed_faq())
    pairs = [(q, e) for q, e in load() if e != "-"]
    assert len(pairs) >= 100
    ranked = [[m.entry.id for m in matcher.search(q)] for q, _ in pairs]
    top1 = sum(r[:1] == [e] for r, (_, e) in zip(ranked, pairs, strict=True)) / len(pairs)
    top3 = sum(e in r[:3] for r, (_, e) in zip(ranked, pairs, strict=True)) / len(pairs)
    assert top1 >= 0.90
    assert top3 >= 0.98


def test_decisions() -> None:
    matcher = Matcher(seed_faq())
    decision, shown = matcher.decide("потерял паспорт")
    assert decision == "answer"
    assert shown[0].entry.id == "lost-passport"
    decision, shown = matcher.decide("когда эвакуация")
    assert decision == "choose"
    assert len(shown) == 3
    assert matcher.decide("рецепт плова") == ("none", [])
    assert matcher.decide("") == ("none", [])
