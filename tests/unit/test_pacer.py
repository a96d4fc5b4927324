"""The broadcast pacer: spacing, a bounded catch-up after a stall, unpaced sends counted."""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.runtime.limiter import CATCH_UP, Pacer


async def test_pacer_spaces_starts_and_makes_up_only_for_a_short_lag() -> None:
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
    assert min(gaps) > 0.004  # one late wake-up shortens the next gap, never more
    assert 0.19 < first[-1] - first[burst] < 0.3
    # A long stall: only CATCH_UP's worth of slots are sent back to back, then spacing.
    await asyncio.sleep(0.3)
    after = await stamps(burst + 5)
    assert after[burst] - after[0] < 0.02
    assert after[-1] - after[burst] > 0.03


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
