"""The content schema: what it accepts loads, starts and renders; hostile YAML is refused."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.faq import content, schema
from bot.faq.content import Content, Problem
from bot.faq.directory import render_contacts, render_polling
from bot.i18n import Catalog
from bot.reference import countries
from storage.models import LANGS


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog()


def seed() -> dict[str, Any]:
    return copy.deepcopy(content.seed_document())


def problems_of(document: dict[str, Any] | str, stored: bool = False) -> list[Problem]:
    text = document if isinstance(document, str) else content.dump(document)
    parsed, problems = content.load(text, stored=stored)
    assert (parsed is None) == bool(problems)
    return problems


def keys(problems: list[Problem]) -> set[str]:
    return {p.key for p in problems}


def renders(document: dict[str, Any], catalog: Catalog) -> None:
    """Everything a citizen can be shown from the document, in both languages."""
    live = Content(document)
    for lang in LANGS:
        t = catalog.translator(lang)
        for code, info in live.directory.items():
            name = countries.label(code, lang)
            assert render_contacts(t, info, name).strip()
            assert render_polling(t, info, name).strip()
        for entry in live.faq.entries:
            assert entry.answer[lang]
            assert entry.question[lang]
        assert all(topic.title[lang] for topic in live.faq.topics)


def test_the_seed_is_valid_and_its_export_round_trips(catalog: Catalog) -> None:
    document = seed()
    text = content.dump(document)
    assert "&" not in text.replace("&amp;", "")  # no anchors in an export
    assert problems_of(text) == []
    parsed, _ = content.load(text)
    assert parsed == document
    renders(document, catalog)


def test_every_kind_and_status_has_its_text_in_both_languages(catalog: Catalog) -> None:
    for lang in LANGS:
        for kind in schema.MISSION_KINDS:
            assert catalog.bundles[lang].has_message(f"dir-{kind}"), (lang, kind)
        for status in schema.POLLING_STATUSES:
            assert catalog.bundles[lang].has_message(f"polling-{status}"), (lang, status)
    # The schema's literals are these tuples (one vocabulary, not two).
    kinds = schema.Mission.model_fields["kind"].annotation
    statuses = schema.Polling.model_fields["status"].annotation
    assert kinds is not None
    assert statuses is not None
    assert kinds.__args__ == schema.MISSION_KINDS
    assert statuses.__args__ == schema.POLLING_STATUSES


def test_a_mission_without_kind_or_with_an_unknown_kind_is_refused() -> None:
    document = seed()
    del document["directory"]["AE"]["missions"][0]["kind"]
    document["directory"]["AE"]["missions"][1]["kind"] = "consulate"
    problems = problems_of(document)
    assert Problem("content-err-missing", {"where": "directory.AE.missions[0].kind"}) in problems
    assert (
        Problem(
            "content-err-mission-kind",
            {"where": "directory.AE.missions[1].kind", "kind": "consulate"},
        )
        in problems
    )


def test_a_consulate_needs_its_city_in_both_languages() -> None:
    document = seed()
    del document["directory"]["AE"]["missions"][1]["city"]["kk"]
    assert keys(problems_of(document)) == {"content-err-missing-lang"}
    del document["directory"]["AE"]["missions"][1]["city"]
    assert problems_of(document) == [
        Problem("content-err-missing", {"where": "directory.AE.missions[1].city"})
    ]


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda d: d["directory"]["QA"].update(polling="open"), "content-err-not-map"),
        (lambda d: d["directory"]["QA"]["polling"].update(status="closed"), "content-err-polling"),
        (
            lambda d: d["directory"]["QA"].update(missions={"kind": "embassy"}),
            "content-err-not-list",
        ),
        (
            lambda d: d["directory"]["QA"]["missions"][0].update(hotline=112),
            "content-err-not-text",
        ),
        (
            lambda d: d["directory"]["QA"]["missions"][0].update(phone="1"),
            "content-err-unknown-key",
        ),
        (lambda d: d["directory"].update(XX={}), "content-err-country"),
        (lambda d: d["entries"][0].update(answer="текст"), "content-err-not-map"),
        (
            lambda d: d["entries"][0].update(anwser={"ru": "x", "kk": "y"}),
            "content-err-unknown-key",
        ),
        (lambda d: d["entries"][0].update(country="да"), "content-err-invalid"),
        (lambda d: d["entries"][0]["answer"].update(kk=" "), "content-err-missing-lang"),
        (lambda d: d["entries"][0].update(id="Плохой id"), "content-err-bad-id"),
        (lambda d: d["entries"][0].update(topic="nope"), "content-err-unknown-topic"),
        (
            lambda d: d["entries"].append(copy.deepcopy(d["entries"][0])),
            "content-err-duplicate-id",
        ),
        (lambda d: d.update(entries=[]), "content-err-empty"),
        (lambda d: d.update(extra={"a": 1}), "content-err-unknown-key"),
    ],
)
def test_each_problem_is_named(edit: Any, key: str) -> None:
    document = seed()
    edit(document)
    assert key in keys(problems_of(document))


def test_anything_accepted_loads_starts_and_renders(catalog: Catalog) -> None:
    document = seed()
    # Optional parts left out or empty, in the ways admins write them.
    del document["directory"]["SA"]["polling"]
    document["directory"]["BH"] = {}
    document["directory"]["IQ"] = {"missions": None, "polling": None}
    document["directory"]["AE"]["missions"][0] = {"kind": "embassy", "hotline": None}
    document["directory"]["QA"]["polling"] = {"status": "open"}
    document["entries"][0].pop("ask")
    document["entries"][1]["ask"] = {"ru": ["только по-русски"]}
    assert problems_of(document) == []
    renders(content.load(content.dump(document))[0] or {}, catalog)


def test_answer_length_is_counted_as_telegram_counts_it() -> None:
    document = seed()
    # 1,800 emoji: 1,800 characters, but 3,600 UTF-16 units, over the answer's 3,500.
    document["entries"][0]["answer"]["ru"] = "🆘" * 1800
    document["entries"][1]["answer"]["ru"] = "<b>" + "я" * 3500 + "</b>"  # tags do not count
    document["entries"][2]["question"]["ru"] = "🇰🇿" * 51  # 204 units
    assert problems_of(document) == [
        Problem("content-err-too-long", {"where": "safety-now.answer.ru", "max": 3500}),
        Problem(
            "content-err-too-long",
            {"where": f"{document['entries'][2]['id']}.question.ru", "max": 200},
        ),
    ]


def test_an_answer_may_use_any_tag_telegram_accepts() -> None:
    document = seed()
    document["entries"][0]["answer"]["ru"] = "<tg-spoiler>x</tg-spoiler> <ins>y</ins>"
    document["entries"][1]["answer"]["ru"] = '<a href="">без ссылки</a>'
    assert problems_of(document) == [
        Problem("content-err-html", {"where": "follow-authorities.answer.ru", "tag": "<a>"})
    ]


BOMB = """\
topics: [{id: t, title: {ru: Т, kk: Т}}]
entries: [{id: e, topic: t, question: {ru: В, kk: С}, answer: {ru: О, kk: Ж}}]
unchecked:
  a: &a [x, x, x, x, x, x, x, x, x, x]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_anchors_and_aliases_are_refused_in_uploads() -> None:
    started = time.perf_counter()
    assert problems_of(BOMB) == [Problem("content-err-alias", {"line": 4})]
    assert problems_of("topics: &t []\nentries: *t\n") == [
        Problem("content-err-alias", {"line": 1})
    ]
    assert time.perf_counter() - started < 1


def test_stored_documents_may_alias_but_not_explode_or_loop() -> None:
    # Exports written before anchors were refused carry them: those still load at start-up.
    document = seed()
    shared = {"missions": [], "polling": {"status": "unknown"}}
    document["directory"]["SA"] = document["directory"]["BH"] = shared
    old_export = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    assert "*id001" in old_export
    assert problems_of(old_export, stored=True) == []
    started = time.perf_counter()
    assert problems_of(BOMB, stored=True) == [
        Problem("content-err-nodes", {"max": schema.MAX_NODES})
    ]
    assert keys(problems_of("topics: &x [*x]\nentries: []\n", stored=True)) == {
        "content-err-alias"
    }
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    "text",
    [
        "topics: []\nentries: " + "[" * 5000 + "]" * 5000 + "\n",
        "topics: []\nentries: " + "[" * 500 + "]" * 500 + "\n",
        "topics: []\nentries:\n" + "".join("  " * i + "-\n" for i in range(1, 900)),
    ],
)
def test_nesting_is_bounded(text: str) -> None:
    (problem,) = problems_of(text)
    assert problem.key == "content-err-depth"
    assert problem.args["max"] == schema.MAX_DEPTH


def test_size_and_node_count_are_bounded() -> None:
    assert problems_of("#" * (schema.MAX_DOCUMENT + 1)) == [
        Problem("content-err-size", {"max": schema.MAX_DOCUMENT // 1000})
    ]
    many = "topics: []\nentries: [" + ", ".join(["1"] * (schema.MAX_NODES + 1)) + "]\n"
    assert problems_of(many) == [Problem("content-err-nodes", {"max": schema.MAX_NODES})]


def test_syntax_errors_and_unsafe_tags_are_problems_with_a_line() -> None:
    assert problems_of("topics: [unclosed\n") == [Problem("content-err-yaml", {"line": 2})]
    assert keys(problems_of("topics: !!python/object:os.system []\nentries: []\n")) == {
        "content-err-yaml"
    }


class _File:
    def __init__(self, path: str, size: int | None) -> None:
        self.file_path = path
        self.file_size = size


async def test_read_upload_stops_at_the_limit(tmp_path: Path) -> None:
    small, large = tmp_path / "small.yaml", tmp_path / "large.yaml"
    small.write_bytes(b"x" * 1000)
    large.write_bytes(b"x" * 5_000_000)
    assert await content.read_upload(_File(str(small), None), 1000) == b"x" * 1000
    assert await content.read_upload(_File(str(large), None), 1000) is None
    assert await content.read_upload(_File(str(small), 5_000_000), 1000) is None
    with pytest.raises(content.DownloadError):
        await content.read_upload(_File(str(tmp_path / "missing"), None), 1000)
