"""FAQ content and the local matcher for free-text questions.

Matching is offline and deterministic. Every question, its alternative phrasings and its
text in the other language are folded to one alphabet: lower case, Kazakh letters to their
Russian neighbours, Latin transliteration to Cyrillic, so "pasport joq", "паспорт жок" and
"төлқұжат жоқ" meet. Russian words are cut to a stem prefix, Kazakh words to their root
(kazakh_stem: "түнеуге", "түнейміз" -> "түне"); query words that are typos of a known word
are mapped to it (rapidfuzz). Entries are scored with BM25 over stems, plus a whole-string
fuzzy score that rescues short or oddly worded questions.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz, process

from bot.faq import schema
from storage.models import LANGS

# Kazakh letters folded to the Russian letter people type instead of them.
_KK_FOLD = str.maketrans("әғқңөұүһі", "агкноуухи")
# Latin typing of Russian and Kazakh (ad-hoc, the 2018 and the 2021 Kazakh Latin alphabets),
# longest sequences first.
_LATIN = [
    ("shch", "щ"), ("sch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"),
    ("gh", "г"), ("ts", "ц"), ("ya", "я"), ("yu", "ю"), ("yo", "е"), ("ia", "я"), ("iu", "ю"),
    ("á", "а"), ("ǵ", "г"), ("ń", "н"), ("ó", "о"), ("ú", "у"), ("ý", "у"), ("ı", "и"),
    ("ş", "ш"), ("ç", "ч"), ("ğ", "г"),
    ("ä", "а"), ("ö", "о"), ("ü", "у"), ("ū", "у"), ("ñ", "н"),
    ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"),
    ("h", "х"), ("i", "и"), ("j", "ж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
    ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("v", "в"), ("w", "у"), ("x", "кс"), ("y", "ы"), ("z", "з"),
]  # fmt: skip
_LATIN_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN))
_LATIN_MAP = dict(_LATIN)
# "y" after a vowel is й ("qalay", "baylanys"), elsewhere ы ("jabyldy"); "rayy" is райы.
_LATIN_Y = re.compile(r"(?<=[aeiouáäóöúüūı])y(?![aeiouáäóöúüūı])")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Words that carry no meaning for matching, in both languages (after folding).
_STOP = frozenset(
    # A word list reads best as text.
    """
    а в во и или к ко на не ни о об от по с со у я мы вы он она они мне меня нас вас
    что как где когда ли же бы то это этот эта там тут есть нет да ну мой моя мои
    ваш ваша мен сен биз сиз ол олар бул осы не кандаи калаи кашан каида ма ме ба бе па пе
    жане мен пен бен ушин туралы бар жок керек бола
    каи болады болса да де та те гои гана еди екен
    жатыр жатырмын турмын
    """.split()  # noqa: SIM905
)
STEM = 5

# Scores: BM25 is normalised by the best possible score of the query; see Match.
CONFIDENT = 0.55
MARGIN = 1.25
UNSURE = 0.35


def fold(text: str) -> str:
    """One alphabet for both languages and both scripts, lower case, no accents."""
    # э and е sound alike to a Latin typist ("evakuatsiya"); ә is folded to а above.
    text = text.casefold().replace("ё", "е").replace("э", "е").translate(_KK_FOLD)
    text = _LATIN_Y.sub("й", text)
    text = _LATIN_RE.sub(lambda m: _LATIN_MAP[m.group(0)], text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", text).replace("й", "и")


def words(text: str) -> list[str]:
    """Meaningful folded words of a text."""
    return [w for w in _WORD.findall(fold(text)) if w not in _STOP and len(w) > 1]


def stem(word: str) -> str:
    """A prefix stem: crude, but Russian and Kazakh inflect mostly at the end."""
    return word[:STEM]


# Kazakh endings, folded (ә -> а, і -> и ...), so one spelling serves both vowel harmonies.
# A prefix stem is enough for long Russian words, but Kazakh piles endings on short roots:
# "елге", "түнейміз" and "түнеуге" share no 5-letter prefix with "ел" and "түнеу".
# Case endings may leave a two-letter root (ел, үй); the others leave at least three.
_KK_CASE = frozenset(
    """
    га ге ка ке на не да де та те дан ден тан тен нан нен дын дин тын тин нын нин
    ды ди ты ти ны ни дагы деги тагы теги мен бен пен ымен имен
    """.split()  # noqa: SIM905
)
# Personal endings take the tense vowel before them along: орал-а-мын, түне-й-мін.
_KK_PERSONAL = frozenset(
    "мын мин бын бин пын пин сын син сыз сиз мыз миз быз биз пыз пиз".split()  # noqa: SIM905
)
# What may sit under a case or a personal ending: possessive, plural, participle, verbal noun,
# passive (бала-лар-ым-мен, көш-кен-де, тоқтат-ыл-ды).
_KK_INNER = frozenset(
    """
    ым им ымыз имиз ын ин ыныз иниз ныз низ сы си лар лер дар дер тар тер
    ган ген кан кен атын етин итын итин у ыл ил
    """.split()  # noqa: SIM905
)
# Word-final only: past and present third person, converb, adjective, desire.
_KK_FINAL = frozenset(
    "дым дим тым тим ады еди иды иди уга уге ып ип ык ик гым гим кым ким".split()  # noqa: SIM905
)
_KK_OUTER = sorted(_KK_CASE | _KK_PERSONAL | _KK_INNER | _KK_FINAL, key=len, reverse=True)
_KK_INNER_SORTED = sorted(_KK_INNER, key=len, reverse=True)


def _cut(word: str, endings: list[str]) -> tuple[str, str]:
    """The word without its longest ending from `endings` that leaves a long enough root."""
    for ending in endings:
        root = len(word) - len(ending)
        if word.endswith(ending) and root >= (2 if ending in _KK_CASE else 3):
            return word[:root], ending
    return word, ""


def kazakh_stem(word: str) -> str:
    """A folded word's Kazakh root, endings cut: "балаларыммен" -> "бала", "елге" -> "ел"."""
    word, ending = _cut(word, _KK_OUTER)
    if ending in _KK_PERSONAL and len(word) > 3 and word[-1] in "аеиы":
        word = word[:-1]
    while ending:
        word, ending = _cut(word, _KK_INNER_SORTED)
    return word[:STEM]


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of entries in the FAQ menu."""

    id: str
    title: dict[str, str]


@dataclass(frozen=True, slots=True)
class Entry:
    """One question and its answer in both languages."""

    id: str
    topic: str
    question: dict[str, str]
    answer: dict[str, str]
    ask: dict[str, tuple[str, ...]] = field(default_factory=dict)
    country: bool = False

    def phrasings(self) -> list[str]:
        """Every text that should match this entry, in both languages."""
        texts = [self.question[lang] for lang in LANGS]
        for lang in LANGS:
            texts.extend(self.ask.get(lang, ()))
        return texts

    def phrasings_in(self, lang: str) -> list[str]:
        """The question and its other phrasings in one language."""
        return [self.question[lang], *self.ask.get(lang, ())]


@dataclass(frozen=True, slots=True)
class Faq:
    """The whole FAQ."""

    topics: tuple[Topic, ...]
    entries: tuple[Entry, ...]

    def entry(self, entry_id: str) -> Entry | None:
        """Look an entry up by id (None for unknown or forged ids)."""
        return next((e for e in self.entries if e.id == entry_id), None)

    def in_topic(self, topic_id: str) -> list[Entry]:
        """Entries of a topic, in file order."""
        return [e for e in self.entries if e.topic == topic_id]


def parse_faq(document: schema.Document) -> Faq:
    """Build the FAQ from its validated document."""
    topics = tuple(Topic(t.id, t.title.model_dump()) for t in document.topics)
    entries = tuple(
        Entry(
            id=e.id,
            topic=e.topic,
            question=e.question.model_dump(),
            answer=e.answer.model_dump(),
            ask={lang: tuple(getattr(e.ask, lang) or ()) for lang in LANGS} if e.ask else {},
            country=bool(e.country),
        )
        for e in document.entries
    )
    return Faq(topics, entries)


@cache
def seed_faq() -> Faq:
    """The FAQ shipped in locales/faq.yaml."""
    return parse_faq(schema.seed())


@dataclass(frozen=True, slots=True)
class Match:
    """A scored entry."""

    entry: Entry
    score: float


class Matcher:
    """BM25 over folded stems with typo correction, plus a fuzzy whole-string score."""

    K1 = 1.2
    B = 0.5

    def __init__(self, faq: Faq) -> None:
        self.faq = faq
        docs: list[Counter[str]] = []
        self.phrases: list[tuple[str, int]] = []
        self.word_terms: dict[str, str] = {}
        # Terms by the language of the phrasing they come from, to read a query word both ways.
        self.lang_terms: dict[str, set[str]] = {lang: set() for lang in LANGS}
        for index, entry in enumerate(faq.entries):
            bag: Counter[str] = Counter()
            for lang in LANGS:
                cut = kazakh_stem if lang == "kk" else stem
                for text in entry.phrasings_in(lang):
                    for word in words(text):
                        term = cut(word)
                        bag[term] += 1
                        self.word_terms[word] = term
                        self.lang_terms[lang].add(term)
                    self.phrases.append((" ".join(words(text)), index))
            docs.append(bag)
        self.docs = docs
        self.avg_len = sum(sum(d.values()) for d in docs) / max(1, len(docs))
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for index, doc in enumerate(docs):
            for term in doc:
                self.postings[term].append(index)
        # Full folded words seen in the content, for typo correction of query words.
        self.vocabulary = sorted(self.word_terms)
        self.phrase_texts = [p for p, _ in self.phrases]

    def _terms(self, query: str) -> list[str]:
        terms = []
        for word in words(query):
            # A Russian word as its prefix, else a Kazakh word as its root ("елге" is "ел",
            # "істеймін" is "істе", not the "істей" of «жұмыс істей ме»), else either.
            term = stem(word)
            if term not in self.lang_terms["ru"]:
                root = kazakh_stem(word)
                if root in self.lang_terms["kk"] or term not in self.idf:
                    term = root
            if term not in self.idf and len(word) >= 4:
                best = process.extractOne(
                    word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=75
                )
                if best is not None:
                    term = self.word_terms[best[0]]
            terms.append(term)
        return terms

    def search(self, query: str, limit: int = 3) -> list[Match]:
        """Best entries for a free-text question, best first; scores in 0..1."""
        terms = self._terms(query)
        if not terms:
            return []
        scores: dict[int, float] = defaultdict(float)
        for term in set(terms):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for index in self.postings[term]:
                tf = self.docs[index][term]
                length = sum(self.docs[index].values())
                norm = (
                    tf
                    * (self.K1 + 1)
                    / (tf + self.K1 * (1 - self.B + self.B * length / self.avg_len))
                )
                scores[index] += idf * norm
        ceiling = sum(
            self.idf.get(t, 0.0) * (self.K1 + 1) / (1 + self.K1 * (1 - self.B)) for t in set(terms)
        )
        # Whole-string similarity to the closest phrasing of each entry.
        folded = " ".join(words(query))
        fuzzy: dict[int, float] = {}
        for _, score, pos in process.extract(
            folded, self.phrase_texts, scorer=fuzz.token_set_ratio, limit=10
        ):
            index = self.phrases[pos][1]
            fuzzy[index] = max(fuzzy.get(index, 0.0), score / 100)
        combined: dict[int, float] = {}
        for index in set(scores) | set(fuzzy):
            bm25 = scores.get(index, 0.0) / ceiling if ceiling else 0.0
            combined[index] = 0.7 * bm25 + 0.3 * fuzzy.get(index, 0.0)
        ranked = sorted(combined.items(), key=lambda item: (-item[1], item[0]))
        return [Match(self.faq.entries[i], round(s, 4)) for i, s in ranked[:limit]]

    def decide(self, query: str) -> tuple[str, list[Match]]:
        """("answer", [best]) when confident, ("choose", top 3) when unsure, ("none", [])."""
        matches = self.search(query)
        if not matches or matches[0].score < UNSURE:
            return "none", []
        best = matches[0]
        second = matches[1].score if len(matches) > 1 else 0.0
        if best.score >= CONFIDENT and best.score >= second * MARGIN:
            return "answer", [best]
        # An entry too weak to be an answer on its own is no choice either: «рейс тоқтатылды,
        # әуежайда қай жерде түнеуге болады?» offered a polling station for "тоқтатылды".
        return "choose", [m for m in matches if m.score >= UNSURE]
