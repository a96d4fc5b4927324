"""The /stats hotline chart: tickets opened and closed per day, as PNG bytes (no Telegram)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

OPENED_COLOR, CLOSED_COLOR = "#4C78A8", "#72B7B2"


def chart_png(
    days: Sequence[tuple[date, int, int]], opened: str, closed: str, title: str
) -> bytes:
    """Two bars a day (opened, closed), like the registration chart of /stats."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on a server
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(6.0, 0.28 * len(days) + 2), 3.6), dpi=100)
    ax = fig.subplots()
    positions = list(range(len(days)))
    ax.bar([p - 0.2 for p in positions], [d[1] for d in days], width=0.4, color=OPENED_COLOR,
           label=opened)  # fmt: skip
    ax.bar([p + 0.2 for p in positions], [d[2] for d in days], width=0.4, color=CLOSED_COLOR,
           label=closed)  # fmt: skip
    step = max(1, len(days) // 15)
    ax.set_xticks(positions[::step], [d[0].strftime("%d.%m") for d in days][::step], fontsize=8)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
