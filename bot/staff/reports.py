"""Statistics as a table and a chart, exports as CSV and XLSX: files, no Telegram."""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from storage.models import STATUSES
from storage.stats import CountryStats

STATUS_COLORS = {
    "resident": "#4C78A8", "tourist": "#72B7B2", "transit": "#F58518", "stuck": "#E45756",
    "other": "#BAB0AC",
}  # fmt: skip


def chart_png(
    rows: Sequence[CountryStats], label: Callable[[str], str], status_label: Callable[[str], str],
    title: str,
) -> bytes:  # fmt: skip
    """A horizontal stacked bar per country (registrations by status), as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on a server
    from matplotlib.figure import Figure

    shown = list(rows[:15])[::-1]
    fig = Figure(figsize=(8, 1.2 + 0.45 * max(1, len(shown))), dpi=100)
    ax = fig.subplots()
    left = [0] * len(shown)
    names = [label(r.country) for r in shown]
    for status in STATUSES:
        values = [r.by_status.get(status, 0) for r in shown]
        ax.barh(names, values, left=left, color=STATUS_COLORS[status], label=status_label(status))
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def shares_png(
    names: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], title: str
) -> bytes:
    """Grouped horizontal bars of percentages, one group per name (the register's quality)."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on a server
    from matplotlib.figure import Figure

    shown = list(range(min(15, len(names))))[::-1]
    bar = 0.8 / max(1, len(series))
    fig = Figure(figsize=(8, 1.2 + 0.25 * len(series) * max(1, len(shown))), dpi=100)
    ax = fig.subplots()
    for index, (label, color, values) in enumerate(series):
        ax.barh([y + index * bar for y in range(len(shown))], [values[i] for i in shown],
                height=bar, color=color, label=label)  # fmt: skip
    ax.set_yticks([y + 0.4 - bar / 2 for y in range(len(shown))], [names[i] for i in shown])
    ax.set_xlim(0, 100)
    ax.set_xlabel("%")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM, so Excel opens Cyrillic correctly; semicolons for its locale."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_cell(v) for v in header])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """A workbook with one sheet: bold header, frozen first row, filters, sized columns.

    XlsxWriter, cell by cell with the typed writers: about three times faster than
    openpyxl's write-only mode on an evacuation list of 30,000 rows (bench/scale.py).
    `write_string` stores text as text, so a note starting with "=" is never a formula and
    a phone keeps its "+"; only real numbers go through `write_number`.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True})
    for index, name in enumerate(header):
        width = max([len(str(name))] + [len(str(r[index] or "")) for r in rows[:500]])
        sheet.set_column(index, index, min(40, width + 2))
        sheet.write_string(0, index, str(name), bold)
    text, number = sheet.write_string, sheet.write_number
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            # Decided per cell, not per column from the first row: a column that starts
            # with a number may hold text further down.
            if isinstance(value, int | float) and not isinstance(value, bool):
                number(r, c, value)
            elif value is not None and value != "":
                text(r, c, str(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), max(0, len(header) - 1))
    book.close()
    return buffer.getvalue()


class ExportFiles:
    """The CSV and the XLSX of one export, written a batch at a time to temporary files.

    Memory stays flat whatever the number of rows (bench/scale.py: the bot's peak RSS was
    691 MB exporting 296,000 rows held as lists): the CSV is written as rows come, and
    XlsxWriter's constant_memory mode flushes each row to disk. The same cells as
    csv_bytes and xlsx_bytes: widths from the first 500 rows, text stays text.
    """

    def __init__(self, title: str, header: Sequence[str]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-export-"))
        self.csv_path = self.folder / "export.csv"
        self.xlsx_path = self.folder / "export.xlsx"
        self.header = [str(h) for h in header]
        self.rows = 0
        self._csv = self.csv_path.open("w", encoding="utf-8", newline="")
        self._csv.write("\ufeff")
        self._writer = csv.writer(self._csv, delimiter=";")
        self._writer.writerow([_cell(v) for v in self.header])
        import xlsxwriter

        self._book = xlsxwriter.Workbook(
            str(self.xlsx_path), {"constant_memory": True, "tmpdir": str(self.folder)}
        )
        self._sheet = self._book.add_worksheet(title[:31])
        self._bold = self._book.add_format({"bold": True})

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows to both files (blocking: run it in a thread)."""
        if not rows:
            return
        if self.rows == 0:
            for index, name in enumerate(self.header):
                width = max([len(name)] + [len(str(r[index] or "")) for r in rows[:500]])
                self._sheet.set_column(index, index, min(40, width + 2))
                self._sheet.write_string(0, index, name, self._bold)
        self._writer.writerows([_cell(v) for v in row] for row in rows)
        text, number = self._sheet.write_string, self._sheet.write_number
        for r, row in enumerate(rows, start=self.rows + 1):
            for c, value in enumerate(row):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    number(r, c, value)
                elif value is not None and value != "":
                    text(r, c, str(value))
        self.rows += len(rows)

    def finish(self) -> None:
        """Close both files (blocking: run it in a thread)."""
        if self.rows == 0:
            for index, name in enumerate(self.header):
                self._sheet.set_column(index, index, min(40, len(name) + 2))
                self._sheet.write_string(0, index, name, self._bold)
        self._csv.close()
        self._sheet.freeze_panes(1, 0)
        self._sheet.autofilter(0, 0, self.rows, max(0, len(self.header) - 1))
        self._book.close()

    def discard(self) -> None:
        """Remove the files (they hold personal data)."""
        if not self._csv.closed:
            self._csv.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        if os.path.exists(self.folder):  # pragma: no cover - rmtree said nothing
            raise OSError(f"cannot remove {self.folder}")


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection"): = + - or @
# first, or a leading tab or carriage return. Quoting does not help; a leading apostrophe
# makes the cell text. "+77011234567" is read as a number (the "+" lost), so phones need it
# too: the same rule covers them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
