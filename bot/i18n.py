"""Fluent translations: one folder per language under locales/, Russian as the fallback."""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import ast

from storage.models import LANGS, Lang

log = logging.getLogger(__name__)

# locales/ is a package of data files: found where it is installed, not beside this file.
LOCALES_DIR = Path(str(resources.files("locales")))
DEFAULT_LANG: Lang = "ru"


class Markup(str):
    """Text that is already safe HTML and must not be escaped again."""

    __slots__ = ()


class MissingTranslationError(KeyError):
    """A message id is not defined for a language."""


def pick_lang(stored: str | None, telegram_code: str | None) -> Lang:
    """Stored choice wins, then Telegram's language_code, then Russian."""
    if stored in LANGS:
        return stored
    code = (telegram_code or "").lower().split("-")[0]
    if code in ("kk", "kz"):
        return "kk"
    return DEFAULT_LANG


class Catalog:
    """All loaded bundles; `translator(lang)` gives the per-language callable."""

    def __init__(self, root: Path = LOCALES_DIR) -> None:
        self.root = root
        self.bundles: dict[str, FluentBundle] = {}
        self.ids: dict[str, set[str]] = {}
        for lang in LANGS:
            # Bidi isolation marks around placeables would show up as garbage in Telegram.
            bundle = FluentBundle([lang], use_isolating=False)
            ids: set[str] = set()
            for path in sorted((root / lang).glob("*.ftl")):
                resource = FluentResource(path.read_text(encoding="utf-8"))
                ids.update(e.id.name for e in resource.body if isinstance(e, ast.Message))
                bundle.add_resource(resource)
            self.bundles[lang] = bundle
            self.ids[lang] = ids

    def format(self, lang: str, key: str, args: Mapping[str, Any] | None = None) -> str:
        """Render one message; string arguments are HTML-escaped unless they are Markup."""
        bundle = self.bundles.get(lang) or self.bundles[DEFAULT_LANG]
        if not bundle.has_message(key):
            if lang != DEFAULT_LANG and self.bundles[DEFAULT_LANG].has_message(key):
                log.error("message %s missing in %s", key, lang)
                return self.format(DEFAULT_LANG, key, args)
            raise MissingTranslationError(key)
        message = bundle.get_message(key)
        if message.value is None:
            raise MissingTranslationError(key)
        # fluent.runtime refuses placeables longer than 1,000 characters (a guard against
        # expansion attacks), but a registration card or a list of upload problems can be
        # longer. Strings therefore go in as short tokens and are put back afterwards.
        fluent_args: dict[str, Any] = {}
        values: dict[str, str] = {}
        for name, value in (args or {}).items():
            if isinstance(value, str):
                # Private-use characters cannot come from a user's text into a token.
                value = type(value)(value.replace("\ue000", "").replace("\ue001", ""))
                token = f"\ue000{len(values)}\ue001"
                values[token] = value if isinstance(value, Markup) else html.escape(value)
                fluent_args[name] = token
            else:
                fluent_args[name] = value
        text, errors = bundle.format_pattern(message.value, fluent_args)
        if errors:
            # A broken message must not reach a citizen as half a sentence silently.
            log.error("message %s in %s rendered with errors: %s", key, lang, errors)
        result = str(text)
        for token, value in values.items():
            result = result.replace(token, value)
        return result

    def translator(self, lang: str) -> Translator:
        """A callable bound to one language."""
        return Translator(self, lang if lang in LANGS else DEFAULT_LANG)


class Translator:
    """`t("key", name=value)` in one language."""

    def __init__(self, catalog: Catalog, lang: str) -> None:
        self.catalog = catalog
        self.lang: Lang = lang  # type: ignore[assignment]

    def __call__(self, key: str, **args: Any) -> str:
        return self.catalog.format(self.lang, key, args)
