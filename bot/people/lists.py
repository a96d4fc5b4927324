"""Lists of people: those travelling with a citizen, and a group's people typed one per line
or uploaded as CSV or XLSX. A list with any bad row is refused whole, with the row numbers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.reference.phones import normalize_phone
from storage.people import MemberInput

MAX_GROUP = 60
MAX_NAME = 100
# An upload is read only this far: a file with more rows is refused without parsing it all.
MAX_ROWS_READ = 200
MAX_UPLOAD = 1_000_000
# XLSX is a zip: what it unpacks to is capped before a parser sees it (a zip bomb is small).
MAX_UNPACKED = 20_000_000
MAX_ENTRIES = 500
OLDEST_YEARS = 120

RowProblem = Literal["name", "year", "phone"]
ListProblem = Literal["empty", "too-many"]
UploadProblem = Literal["size", "format", "encoding"]
# The first cell of a header row: the template's, or what people write themselves.
_HEADER_WORDS = ("фио", "ф.и.о", "имя", "name", "аты-жөні", "аты жөні", "full name")
_YEAR_AT_END = re.compile(r"^(.*?)[\s,;]+(\d{4})\s*$")
_PHONE_AT_END = re.compile(r"^(.*?)[\s,;\t]+(\+?[\d\s()\-.]{6,24})\s*$")


class UploadError(Exception):
    """An uploaded file that cannot be read as a table."""

    def __init__(self, problem: UploadProblem) -> None:
        super().__init__(problem)
        self.problem: UploadProblem = problem


@dataclass(slots=True)
class Parsed:
    """The people read from a list, or what is wrong with it (then `members` is not used)."""

    members: list[MemberInput] = field(default_factory=list)
    bad: list[tuple[int, RowProblem]] = field(default_factory=list)
    problem: ListProblem | None = None

    @property
    def ok(self) -> bool:
        """Every row is good and the list fits."""
        return not self.bad and self.problem is None


def _name(raw: str) -> str | None:
    name = " ".join(raw.split())
    return name if 2 <= len(name) <= MAX_NAME and any(ch.isalpha() for ch in name) else None


def parse_companions(text: str, most: int, this_year: int) -> Parsed:
    """One name per line, a year of birth after it for children ("Айша, 2019")."""
    result = Parsed()
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    for number, line in lines:
        year: int | None = None
        raw = line
        match = _YEAR_AT_END.match(line)
        if match:
            raw, year = match.group(1), int(match.group(2))
            if not this_year - OLDEST_YEARS <= year <= this_year:
                result.bad.append((number, "year"))
                continue
        name = _name(raw)
        if name is None:
            result.bad.append((number, "name"))
            continue
        result.members.append(MemberInput(name, birth_year=year))
    if not lines:
        result.problem = "empty"
    elif len(lines) > most:
        result.problem = "too-many"
    return result


def _member(cells: Sequence[str]) -> MemberInput | RowProblem:
    """A group's row: the name, and a phone in the next cell (or after the name)."""
    first = cells[0] if cells else ""
    phone_text = next((c for c in cells[1:] if c.strip()), "")
    if not phone_text and (match := _PHONE_AT_END.match(first)):
        first, phone_text = match.group(1), match.group(2)
    name = _name(first)
    if name is None:
        return "name"
    phone = None
    if phone_text.strip():
        phone = normalize_phone(phone_text)
        if phone is None:
            return "phone"
    return MemberInput(name, phone=phone)


def parse_group(rows: Iterable[tuple[int, Sequence[str]]]) -> Parsed:
    """A group's people from numbered rows (a header row is skipped), at most 60."""
    result = Parsed()
    data = [(n, [c.strip() for c in cells]) for n, cells in rows if any(c.strip() for c in cells)]
    if data and _is_header(data[0][1]):
        data = data[1:]
    for number, cells in data:
        member = _member(cells)
        if isinstance(member, MemberInput):
            result.members.append(member)
        else:
            result.bad.append((number, member))
    if not data:
        result.problem = "empty"
    elif len(data) > MAX_GROUP:
        result.problem = "too-many"
    return result


def typed_rows(text: str) -> list[tuple[int, list[str]]]:
    """A typed group list: one person per line, "name; phone" (the phone is optional)."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        name, sep, rest = line.partition(";")
        rows.append((number, [name, rest] if sep else [line]))
    return rows


def _is_header(cells: Sequence[str]) -> bool:
    first = cells[0].casefold() if cells else ""
    return any(word in first for word in _HEADER_WORDS)


def _cell(value: Any) -> str:
    """A spreadsheet value as text: whole numbers (a phone typed as a number) without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """The numbered rows of an uploaded CSV or XLSX (its first sheet)."""
    if len(data) > MAX_UPLOAD:
        raise UploadError("size")
    if filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    if filename.lower().endswith((".csv", ".txt")):
        return _read_csv(data)
    raise UploadError("format")


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "cp1251"):
        # Excel in a Russian locale saves CSV in Windows-1251, not UTF-8.
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UploadError("encoding")
    sample = text[:4096]
    delimiter = max((";", ",", "\t"), key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    for number, cells in enumerate(reader, start=1):
        if number > MAX_ROWS_READ:
            break
        rows.append((number, [str(c) for c in cells]))
    return rows


def _read_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED:
                raise UploadError("size")
    except zipfile.BadZipFile:
        raise UploadError("format") from None
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        # Whatever the parser trips on, the answer is the same: not a workbook we can read.
        raise UploadError("format") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise UploadError("format")
        rows = []
        for number, values in enumerate(
            sheet.iter_rows(max_row=MAX_ROWS_READ, max_col=4, values_only=True), start=1
        ):
            rows.append((number, [_cell(v) for v in values]))
        return rows
    finally:
        book.close()
