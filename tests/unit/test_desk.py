"""The hotline team's tools without a server: templates, thresholds, percentiles, and the
FAQ's unanswered questions (stripped, grouped)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.desk import templates
from bot.desk.alarms import GREEN, RED, YELLOW, Thresholds
from bot.desk.figures import Spread, nearest_rank, summarise
from bot.faq.matcher import Matcher, seed_faq
from bot.faq.unmatched import group, key_of, known_word, scrub
from storage.desk_stats import HotlineSample


def test_the_shipped_templates_are_valid_in_both_languages() -> None:
    document = templates.seed_document()
    assert templates.validate(document) == []
    parsed = templates.parse(document)
    assert "greeting" in parsed.names
    assert all(set(t.text) == {"ru", "kk"} for t in parsed.items)


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda d: d["templates"][0]["text"].pop("kk"), "tpl-err-missing-lang"),
        (lambda d: d["templates"][0]["text"].update(ru="Ваш {phone}"), "tpl-err-placeholder"),
        (lambda d: d["templates"][1].update(name="greeting"), "tpl-err-duplicate"),
        (lambda d: d["templates"][0].update(name="Не имя"), "tpl-err-bad-name"),
        (lambda d: d["templates"][0]["text"].update(kk="ә" * 3001), "tpl-err-too-long"),
        (lambda d: d.update(templates=[]), "tpl-err-empty"),
    ],
)  # fmt: skip
def test_bad_documents_name_the_problem(edit: object, key: str) -> None:
    document = templates.seed_document()
    edit(document)  # type: ignore[operator]
    assert key in {p.key for p in templates.validate(document)}


def test_uploads_refuse_aliases_bad_yaml_and_other_shapes() -> None:
    assert templates.load("a: &x [1]\nb: *x")[1][0].key == "tpl-err-alias"
    assert templates.load("templates: [")[1][0].key == "tpl-err-yaml"
    assert templates.load("- 1\n- 2")[1][0].key == "tpl-err-structure"
    assert templates.load("x" * (templates.MAX_DOCUMENT + 1))[1][0].key == "tpl-err-size"


def test_rendering_escapes_the_text_and_fills_the_placeholders() -> None:
    text = "Здравствуйте, {name}! <b>не тег</b> №{ticket} {contacts} {other}"
    html = templates.render(text, {"name": "А &amp; Б", "ticket": "7", "contacts": "<i>x</i>"})
    assert html == "Здравствуйте, А &amp; Б! &lt;b&gt;не тег&lt;/b&gt; №7 <i>x</i> {other}"
    assert templates.render("{name}", {}) == ""


def test_utf16_length_counts_emoji_as_two() -> None:
    assert templates.utf16_len("🙂a") == 3


def test_the_colour_of_a_wait() -> None:
    limits = Thresholds.of_minutes(10, 120)
    assert limits.light(timedelta(minutes=4), urgent=True) == GREEN
    assert limits.light(timedelta(minutes=5), urgent=True) == YELLOW
    assert limits.light(timedelta(minutes=10), urgent=True) == RED
    assert limits.light(timedelta(minutes=59), urgent=False) == GREEN
    assert limits.light(timedelta(minutes=119), urgent=False) == YELLOW


def test_nearest_rank_percentiles() -> None:
    values = [120, 300, 600, 1800, 7200]
    assert nearest_rank(values, 50) == 600
    assert nearest_rank(values, 90) == 7200
    assert nearest_rank([5], 90) == 5
    assert nearest_rank([], 50) is None
    assert nearest_rank(list(range(1, 11)), 90) == 9
    assert Spread.of([3, 1, 2]) == Spread(3, 2, 3)


def test_summary_per_day_and_per_officer() -> None:
    from datetime import date

    sample = HotlineSample(
        opened_per_day={"2026-12-01": 2, "2026-12-03": 1},
        closed_per_day={"2026-12-03": 2},
        waiting=1, waiting_urgent=0, overdue=0,
        responses={7: [60, 180], None: [600]},
        closes={7: ([3600, 7200], 9, 2), None: ([60], 0, 0)},
        holding={8: 1},
    )  # fmt: skip
    summary = summarise(sample, date(2026, 12, 1), date(2026, 12, 3))
    assert [(d.day, o, c) for d, o, c in summary.days] == [(1, 2, 0), (2, 0, 0), (3, 1, 2)]
    assert (summary.opened, summary.closed) == (3, 2)
    assert summary.first_response == Spread(3, 180, 600)
    assert summary.rating.average == 4.5
    seven, eight = summary.officers
    assert (seven.officer_id, seven.closed, seven.first_response.p50) == (7, 2, 60)
    assert (eight.officer_id, eight.holding, eight.rating.average) == (8, 1, None)


@pytest.fixture(scope="module")
def known() -> Callable[[str], bool]:
    """Ordinary words: the shipped FAQ's vocabulary, stop words, countries."""
    return known_word(Matcher(seed_faq()).idf.__contains__)


@pytest.mark.parametrize(
    ("question", "stored"),
    [
        ("Меня зовут Айгерим Серикова, как продлить визу в Катаре?",
         "Меня зовут как продлить визу в Катаре?"),
        ("Ерлан Болатович потерял паспорт, пишите a@b.kz или +7 701 123 45 67",
         "потерял паспорт, пишите или"),
        ("Рейс FZ1234 отменили 12.03, что делать", "Рейс отменили что делать"),
        ("Где справка для Қанат Әлиұлы", "Где справка для"),
        ("Aigerim Serikova, visa in Qatar?", "visa in Qatar?"),
        ("87011234567", ""),
    ],
)  # fmt: skip
def test_questions_are_stored_without_numbers_and_names(
    known: Callable[[str], bool], question: str, stored: str
) -> None:
    assert scrub(question, known) == stored


def test_questions_worded_alike_share_a_key_and_similar_ones_a_group() -> None:
    assert key_of("Можно ли продлить визу?") == key_of("визу продлить можно")
    rows = [
        (key_of("можно взять кошку в самолет"), 3, "можно взять кошку в самолет"),
        (key_of("можно ли провезти кошку в самолете"), 1, "можно ли провезти кошку в самолете"),
        (key_of("рецепт плова"), 2, "рецепт плова"),
        (key_of("как продлить визу"), 1, "как продлить визу"),
    ]
    groups = group(rows)
    assert [(g.count, g.variants) for g in groups] == [(4, 2), (2, 1), (1, 1)]
    assert groups[0].sample == "можно взять кошку в самолет"


def test_alarm_settings_are_validated() -> None:
    from pydantic import ValidationError

    from bot.settings import Settings

    with pytest.raises(ValidationError):
        Settings(_env_file=None, alarm_urgent_minutes=200, alarm_normal_minutes=100)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, ticket_idle_days=0)  # type: ignore[call-arg]
    assert Settings(_env_file=None).ticket_idle_days == 7  # type: ignore[call-arg]
