"""FAQ matching quality and speed on the labelled questions in tests/data.

Prints top-1 and top-3 accuracy, how often the bot would answer at once, and the time per
question. Targets: top-1 >= 90 %, top-3 >= 98 %, < 5 ms per question.

    .venv/bin/python -m bench.faq_quality [-v]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from bot.faq.matcher import Matcher, seed_faq

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "faq_questions.tsv"


def load() -> list[tuple[str, str]]:
    """(question, expected entry id) pairs."""
    pairs = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            question, expected = line.rsplit("\t", 1)
            pairs.append((question, expected.strip()))
    return pairs


def main() -> None:
    """Score every labelled question and print the figures."""
    verbose = "-v" in sys.argv
    started = time.perf_counter()
    matcher = Matcher(seed_faq())
    build_ms = (time.perf_counter() - started) * 1000
    labelled = load()
    pairs = [(q, e) for q, e in labelled if e != "-"]
    off_topic = [q for q, e in labelled if e == "-"]
    top1 = top3 = answered = wrong_answers = 0
    times = []
    for question, expected in pairs:
        t0 = time.perf_counter()
        decision, shown = matcher.decide(question)  # what the bot does per question
        times.append((time.perf_counter() - t0) * 1000)
        ranked = matcher.search(question)
        ids = [m.entry.id for m in ranked]
        top1 += bool(ids) and ids[0] == expected
        top3 += expected in ids[:3]
        if decision == "answer":
            answered += 1
            wrong_answers += shown[0].entry.id != expected
        if verbose and (not ids or ids[0] != expected):
            print(f"  miss: {question!r} -> {ids} (expected {expected})")
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
    print(f"answered at once: {answered / n:6.1%}, of those wrong: {wrong_answers}")
    print(f"off-topic questions handed to the hotline: {refused}/{len(off_topic)}")
    print(
        f"time per question: median {statistics.median(times):.2f} ms,"
        f" max {max(times):.2f} ms  (target < 5 ms)"
    )


if __name__ == "__main__":
    main()
