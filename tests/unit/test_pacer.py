"""The broadcast pacer: spacing, a bounded catch-up after a stall, unpaced sends counted."""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.runtime.limiter import CATCH_UP, Pacer


async def _spacing_holds() -> bool:
    """One run of the spacing check: even gaps, then a bounded catch-up after a stall."""
    pacer = Pacer(100)
    burst = int(CATCH_UP * 100)  # slots "lost" before the first call are made up at once

    async def stamps(n: int) -> list[float]:
        out = []
        for _ in range(n):
            await pacer.wait()
            pacer.done()
            out.append(time.monotonic())
        return out

    first = await stamps(burst + 21)
    gaps = [b - a for a, b in itertools.pairwise(first[burst:])]
    # One late wake-up shortens the next gap, never more; the spacing holds over the run.
    if min(gaps) <= 0.004 or not 0.19 < first[-1] - first[burst] < 0.3:
        return False
    # A long stall: only CATCH_UP's worth of slots are sent back to back, then spacing.
    await asyncio.sleep(0.3)
    after = await stamps(burst + 5)
    return after[burst] - after[0] < 0.02 and after[-1] - after[burst] > 0.03


async def test_pacer_spaces_starts_and_makes_up_only_for_a_short_lag() -> None:
    # Real time on a shared 2-core machine: a wake-up more than one slot (10 ms) late,
    # which the other test worker can cause, is made up by design. Three runs, one must
    # hold; a pacer that does not space sends fails all three.
    results = [await _spacing_holds() for _ in range(3)]
    assert any(results), results


async def test_pacer_counts_unpaced_sends_in_its_window() -> None:
    pacer = Pacer(10, window=0.2)
    for _ in range(pacer.limit):  # replies and progress edits fill the window
        pacer.count()
    for _ in range(pacer.limit):
        pacer.done()
    started = time.monotonic()
    await pacer.wait()  # a broadcast waits until they leave it
    assert time.monotonic() - started > 0.15
    pacer.done()
