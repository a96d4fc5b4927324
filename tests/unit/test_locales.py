"""Every message exists in Russian and Kazakh and renders with sample arguments."""

from __future__ import annotations

import html

import pytest
from fluent.syntax import ast, parse
from fluent.syntax.visitor import Visitor as FluentVisitor

from bot.i18n import LOCALES_DIR, Catalog, Markup, pick_lang
from storage.models import LANGS

# Identical on purpose: bilingual prompts, or words that are the same in both languages.
SAME_IN_BOTH = {
    "choose-language", "btn-language", "field-phone", "faq-topic", "faq-answer", "polling-note",
    "sched-at", "grant-done", "export-col-phone", "reg-answer", "btn-reach-open", "reach-col-sms",
    "reach-list-col-phone", "reach-list-col-sms",
    # The hotline team's tools: an abbreviation both languages write alike, a name, a dash.
    "desk-dur-minutes", "desk-owner", "faqr-none",
}  # fmt: skip
# Variables that carry numbers (plural selectors); the rest carry text.
NUMERIC = {
    "max", "party", "profile", "registration", "places", "drafts", "children", "ticket",
    "minutes", "rating", "count", "percent", "sent", "failed", "blocked", "left", "total",
    "cancelled", "acked", "ack", "deleted", "pending", "scope", "kk", "media", "told",
    "registered", "people", "help", "evacuation", "new", "stale", "days", "rows", "safe",
    "silent", "on", "urgent", "asked", "parts", "chars", "hours", "per", "missing", "sms",
    "delivered",
}  # fmt: skip


def variables(lang: str) -> dict[str, set[str]]:
    """Message id -> the variables it uses, from the Fluent syntax tree."""
    found: dict[str, set[str]] = {}

    class Visitor(FluentVisitor):
        def __init__(self) -> None:
            self.names: set[str] = set()

        def visit_VariableReference(self, node: ast.VariableReference) -> None:
            self.names.add(node.id.name)

    for path in sorted((LOCALES_DIR / lang).glob("*.ftl")):
        resource = parse(path.read_text(encoding="utf-8"))
        for entry in resource.body:
            assert not isinstance(entry, ast.Junk), f"syntax error in {path}: {entry.content!r}"
            if isinstance(entry, ast.Message):
                visitor = Visitor()
                visitor.visit(entry)
                found[entry.id.name] = visitor.names
    return found


def test_same_keys_in_every_language() -> None:
    keys = {lang: set(variables(lang)) for lang in LANGS}
    assert keys["ru"] - keys["kk"] == set(), "missing in kk"
    assert keys["kk"] - keys["ru"] == set(), "missing in ru"


def test_same_variables_in_every_language() -> None:
    ru, kk = variables("ru"), variables("kk")
    for key in ru:
        assert ru[key] == kk[key], key


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_renders(lang: str) -> None:
    catalog = Catalog()
    for key, names in variables(lang).items():
        for number in (1, 3, 5, 21):
            args = {n: number if n in NUMERIC else f"<{n}> & co" for n in names}
            bundle = catalog.bundles[lang]
            message = bundle.get_message(key)
            assert message.value is not None, key
            _, errors = bundle.format_pattern(message.value, args)
            assert errors == [], (key, errors)
            text = catalog.format(lang, key, args)
            assert text.strip(), key
            assert "{" not in text, key
            # Arguments are escaped: user text can never inject HTML.
            for name in names:
                if isinstance(args[name], str):
                    assert html.escape(str(args[name])) in text, (key, name)
        assert len(catalog.format(lang, key, dict.fromkeys(names, 1))) <= 4096


def test_kazakh_is_not_russian_copied_over() -> None:
    catalog = Catalog()
    copied = [
        key
        for key, names in variables("ru").items()
        if key not in SAME_IN_BOTH
        and catalog.format("ru", key, dict.fromkeys(names, 1))
        == catalog.format("kk", key, dict.fromkeys(names, 1))
    ]
    assert copied == []
    kazakh_letters = set("әғқңөұүі")  # һ is rare in native words
    all_kk = " ".join(
        catalog.format("kk", k, dict.fromkeys(n, 1)) for k, n in variables("kk").items()
    )
    assert kazakh_letters <= set(all_kk.lower())


def test_markup_is_not_escaped_twice() -> None:
    catalog = Catalog()
    text = catalog.format("ru", "reg-summary", {"card": Markup("<b>x</b>")})
    assert "<b>x</b>" in text


def test_long_arguments_render_whole() -> None:
    catalog = Catalog()
    card = Markup("<b>x</b>" + "я" * 3000)
    assert card in catalog.format("kk", "reg-summary", {"card": card})
    note = "<" + "ж" * 2000 + "\ue0000\ue001"
    text = catalog.format("ru", "reg-card", {"note": note, "party": 1, "children": 0})
    assert "&lt;" + "ж" * 2000 in text


def test_language_choice_order() -> None:
    assert pick_lang("kk", "ru") == "kk"
    assert pick_lang(None, "kk") == "kk"
    assert pick_lang(None, "en-US") == "ru"
    assert pick_lang("de", None) == "ru"
