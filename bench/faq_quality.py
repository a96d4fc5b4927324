"""FAQ matching quality and speed on the labelled questions in tests/data.

Prints top-1 and top-3 accuracy (overall and per language: Russian, Kazakh in Cyrillic, Kazakh
typed without its special letters, Kazakh in Latin letters), how often the bot would answer at
once, and the time per question. Targets: top-1 >= 90 %, top-3 >= 98 %, < 5 ms per question.

    .venv/bin/python -m bench.faq_quality [-v]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from bot.faq.matcher import Matcher, seed_faq

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "faq_questions.tsv"


LANGUAGES = ("ru", "kk", "kk-plain", "kk-latin")


def load_tagged() -> list[tuple[str, str, str]]:
    """(question, expected entry id, language) triples; "-" is an off-topic question."""
    rows = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            question, expected, lang = line.split("\t")
            rows.append((question, expected.strip(), lang.strip()))
    return rows


def load() -> list[tuple[str, str]]:
    """(question, expected entry id) pairs."""
    return [(question, expected) for question, expected, _ in load_tagged()]


def main() -> None:
    """Score every labelled question and print the figures."""
    verbose = "-v" in sys.argv
    started = time.perf_counter()
    matcher = Matcher(seed_faq())
    build_ms = (time.perf_counter() - started) * 1000
    labelled = load_tagged()
    pairs = [(q, e, lang) for q, e, lang in labelled if e != "-"]
    off_topic = [q for q, e, _ in labelled if e == "-"]
    top1 = top3 = answered = wrong_answers = 0
    per_lang: Counter[str] = Counter()
    per_lang_top1: Counter[str] = Counter()
    per_lang_top3: Counter[str] = Counter()
    times = []
    for question, expected, lang in pairs:
        t0 = time.perf_counter()
        decision, shown = matcher.decide(question)  # what the bot does per question
        times.append((time.perf_counter() - t0) * 1000)
        ranked = matcher.search(question)
        ids = [m.entry.id for m in ranked]
        hit1, hit3 = bool(ids) and ids[0] == expected, expected in ids[:3]
        top1 += hit1
        top3 += hit3
        per_lang[lang] += 1
        per_lang_top1[lang] += hit1
        per_lang_top3[lang] += hit3
        if decision == "answer":
            answered += 1
            wrong_answers += shown[0].entry.id != expected
        if verbose and (not ids or ids[0] != expected):
            print(f"  miss ({lang}): {question!r} -> {ids} (expected {expected})")
    refused = sum(matcher.decide(q)[0] == "none" for q in off_topic)
    if verbose:
        for q in off_topic:
            decision, shown = matcher.decide(q)
            if decision != "none":
                print(f"  off-topic not refused: {q!r} -> {[m.entry.id for m in shown]}")
    n = len(pairs)
    print(f"labelled questions: {n} (+{len(off_topic)} off-topic); built in {build_ms:.0f} ms")
    print(f"top-1 accuracy: {top1 / n:6.1%}  (target >= 90%)")
    print(f"top-3 accuracy: {top3 / n:6.1%}  (target >= 98%)")
    for lang in LANGUAGES:
        count = per_lang[lang]
        if count:
            print(
                f"  {lang:<9} {count:3d} questions: top-1 {per_lang_top1[lang] / count:6.1%},"
                f" top-3 {per_lang_top3[lang] / count:6.1%}"
            )
    print(f"answered at once: {answered / n:6.1%}, of those wrong: {wrong_answers}")
    print(f"off-topic questions handed to the hotline: {refused}/{len(off_topic)}")
    print(
        f"time per question: median {statistics.median(times):.2f} ms,"
        f" max {max(times):.2f} ms  (target < 5 ms)"
    )


if __name__ == "__main__":
    main()
