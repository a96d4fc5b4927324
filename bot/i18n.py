"""Fluent translations: one folder per language under locales/, Russian as the fallback."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from babel import Locale
from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.types import FluentNumber
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


# A Kazakh case ending after a number follows the number's last spoken word: its last vowel
# (vowel harmony) and its last sound. 2 is "екі", so 2-ге; 3 "үш", 3-ке; 6 "алты", 6-ға;
# 10 "он", 10-нан; 40 "қырық", 40-қа; 100 "жүз", 100-ге.
_UNITS = ("нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз")
_TENS = ("", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан")
_SCALES = ((10**3, "жүз"), (10**6, "мың"), (10**9, "миллион"), (10**12, "миллиард"))
# Back-vowel endings by the word's last sound: a vowel, л р й у, м н ң, ж з, anything else.
# Final б в г ғ д are pronounced voiceless in Kazakh (клубқа, миллиардқа), so they go last.
_ENDINGS = {
    "dative": ("ға", "ға", "ға", "ға", "қа"),
    "locative": ("да", "да", "да", "да", "та"),
    "ablative": ("дан", "дан", "нан", "дан", "тан"),
    "genitive": ("ның", "дың", "ның", "дың", "тың"),
    "accusative": ("ны", "ды", "ды", "ды", "ты"),
    "instrumental": ("мен", "мен", "мен", "бен", "пен"),
}
KAZAKH_CASES = tuple(_ENDINGS)
_FRONT = str.maketrans("аығқ", "еігк")


def kazakh_number_word(number: int) -> str:
    """The last word of a whole number spoken in Kazakh: 21 -> "бір", 40 -> "қырық"."""
    number = abs(number)
    if number == 0 or number % 10:
        return _UNITS[number % 10]
    if number % 100:
        return _TENS[number // 10 % 10]
    for scale, word in _SCALES:
        if number % scale:
            return word
    return "триллион"


def kazakh_suffix(number: int, case: str) -> str:
    """The case ending a Kazakh reader expects after `number`: (2, "dative") -> "ге"."""
    try:
        endings = _ENDINGS[case]
    except KeyError:
        raise ValueError(f"unknown Kazakh case {case!r}; one of {KAZAKH_CASES}") from None
    word = kazakh_number_word(number)
    last = word[-1]
    if last in "аәеиоөұүыіэюя":
        ending = endings[0]
    elif last in "лрйу":
        ending = endings[1]
    elif last in "мнң":
        ending = endings[2]
    elif last in "жз":
        ending = endings[3]
    else:
        ending = endings[4]
    vowels = [ch for ch in word if ch in "аоұыәеөүі"]
    return ending.translate(_FRONT) if vowels and vowels[-1] in "әеөүі" else ending


def kazakh_case(number: int, case: str) -> str:
    """A number with its Kazakh case ending, hyphenated as written: 2 -> "2-ге"."""
    return f"{number}-{kazakh_suffix(number, case)}"


def _kk_case_function(locale: str) -> Callable[..., Any]:
    """The Fluent function KK_CASE($n, case: "dative"), formatting the number as { $n } does."""
    babel_locale = Locale.parse(locale)

    def kk_case(number: Any, case: str = "") -> str:
        # FluentInt and FluentFloat are int and float; a string here is a caller's mistake.
        if not isinstance(number, int | float) or number != int(number):
            raise TypeError(f"KK_CASE takes a whole number, not {type(number).__name__}")
        text = number.format(babel_locale) if isinstance(number, FluentNumber) else str(number)
        return f"{text}-{kazakh_suffix(int(number), case)}"

    return kk_case


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
            # KK_CASE is in every bundle so that a message may move between languages.
            bundle = FluentBundle(
                [lang], functions={"KK_CASE": _kk_case_function(lang)}, use_isolating=False
            )
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
