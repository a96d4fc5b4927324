"""The people feature's pure parts: name matching, end-of-stay dates and plan, lists, codes."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.people import codes, lists, stay
from bot.people.matching import parse_query, search_key, skeleton
from bot.staff import reports
from storage.people import StayRow

HOME = ZoneInfo("Asia/Almaty")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Serikova Aigerim", "СЕРИКОВА Айгерим"),
        ("серикова", "Серикова Айгерим Болатовна"),
        ("Aygerim", "Айгерим"),
        ("Jasulan Qairat", "Жасұлан Қайрат"),
        ("Şynar", "Шынар"),
        ("Ахмедов", "Ахммедов"),
        ("Ёлкина", "Елкина"),
    ],
)
def test_spellings_meet(typed: str, stored: str) -> None:
    query = parse_query(typed)
    key = search_key(stored)
    assert query.needles
    assert all(needle in key for needle in query.needles), (query, key)


def test_a_word_matches_from_its_start_only() -> None:
    key = search_key("Нурланова Дана", "Дубай")
    assert " dub" in key
    assert " nurl" in key
    assert all(n in key for n in parse_query("дана дуб").needles)
    assert not all(n in key for n in parse_query("урланова").needles)


def test_phone_queries_and_empty_ones() -> None:
    assert parse_query("+7 701 123 45 67").phone == "+77011234567"
    assert parse_query("8 701 123 45 67").phone == "+77011234567"
    assert parse_query("12345678").empty  # digits, but no valid number
    assert parse_query("a").empty
    assert len(parse_query("ab cd ef gh ik lm no").needles) == 5
    assert skeleton("ҚАЗАҚСТАН") == "kazakstan"
    assert skeleton("Аллаберген") == "alabergen"
    assert skeleton("1050000") == "1050000"  # digits are not letters spelled twice


def test_stay_dates_are_checked() -> None:
    today = date(2026, 12, 1)
    assert stay.parse("30.12.2026", today) == (date(2026, 12, 30), None)
    assert stay.parse("2026-12-01", today) == (date(2026, 12, 1), None)
    assert stay.parse("30.11.2026", today) == (None, "past")
    assert stay.parse("01.01.2030", today) == (None, "far")
    assert stay.parse("завтра", today) == (None, "format")
    assert stay.parse("31.02.2027", today) == (None, "format")


def _row(user_id: int, until: date, **kw: bool) -> StayRow:
    fields = {"asked": False, "warned": False, "active": True, "held": False, **kw}
    return StayRow(user_id, "AE", until, **fields)


def test_the_plan_asks_on_the_day_warns_the_day_before_and_erases() -> None:
    # 10:00 in Dubai (UTC+4) on 10 December: daytime there.
    now = datetime(2026, 12, 10, 6, 0, tzinfo=UTC)
    rows = [
        _row(1, date(2026, 12, 10)),  # today: asked
        _row(2, date(2026, 12, 10), asked=True),  # already asked
        _row(3, date(2026, 11, 11)),  # erased tomorrow (30 days): warned
        _row(4, date(2026, 11, 10)),  # 30 days ago: erased
        _row(5, date(2026, 11, 10), held=True),  # an open ticket: kept
        _row(6, date(2026, 12, 11)),  # tomorrow: nothing yet
        _row(7, date(2026, 12, 9), active=False),  # went home: not asked
    ]
    plan = stay.plan(rows, now, HOME, 30, "10:00-20:00")
    assert [r.user_id for r in plan.ask] == [1]
    assert [(r.user_id, day) for r, day in plan.warn] == [(3, date(2026, 12, 11))]
    assert [r.user_id for r in plan.erase] == [4]
    assert plan.held == 1
    # At 03:00 local nobody is asked or warned, but the erasure does not wait for daytime.
    night = stay.plan(rows, datetime(2026, 12, 9, 23, 0, tzinfo=UTC), HOME, 30, "10:00-20:00")
    assert night.ask == []
    assert night.warn == []
    assert [r.user_id for r in night.erase] == [4]


def test_companions_are_read_one_per_line() -> None:
    parsed = lists.parse_companions("Айша Серикова, 2019\n\n  Болат  Сериков ", 2, 2026)
    assert parsed.ok
    assert [(m.full_name, m.birth_year) for m in parsed.members] == [
        ("Айша Серикова", 2019),
        ("Болат Сериков", None),
    ]
    bad = lists.parse_companions("А, 2019\nБолат, 1800", 5, 2026).bad
    assert bad == [(1, "name"), (2, "year")]
    assert lists.parse_companions("a b\nc d\ne f", 2, 2026).problem == "too-many"
    assert lists.parse_companions("  ", 2, 2026).problem == "empty"


def test_a_group_list_names_its_bad_rows() -> None:
    text = "Иванов Иван; +77011234567\nПетров Пётр\nX\nСидоров; 123"
    parsed = lists.parse_group(lists.typed_rows(text))
    assert parsed.bad == [(3, "name"), (4, "phone")]
    good = lists.parse_group(lists.typed_rows("Иванов Иван +7 701 123 45 67\nПетров Пётр"))
    assert good.ok
    assert [m.phone for m in good.members] == ["+77011234567", None]
    many = "\n".join(f"Человек Номер{i}" for i in range(61))
    assert lists.parse_group(lists.typed_rows(many)).problem == "too-many"


def test_uploads_csv_in_both_encodings_and_xlsx_with_numbers() -> None:
    csv_text = "ФИО;Телефон\nИванов Иван;+77011234567\nПетров Пётр;\n"
    for encoding in ("utf-8-sig", "cp1251"):
        rows = lists.read_table(csv_text.encode(encoding), "group.csv")
        parsed = lists.parse_group(rows)
        assert parsed.ok, encoding
        assert [m.full_name for m in parsed.members] == ["Иванов Иван", "Петров Пётр"]
    data = reports.xlsx_bytes("Группа", ["ФИО", "Телефон"], [["Иванов Иван", 77011234567]])
    parsed = lists.parse_group(lists.read_table(data, "Group.XLSX"))
    assert parsed.ok
    assert parsed.members[0].phone == "+77011234567"


def test_hostile_uploads_are_refused() -> None:
    with pytest.raises(lists.UploadError) as bad_zip:
        lists.read_table(b"PK\x03\x04 not really", "x.xlsx")
    assert bad_zip.value.problem == "format"
    with pytest.raises(lists.UploadError) as other:
        lists.read_table(b"x", "list.docx")
    assert other.value.problem == "format"
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "0" * (lists.MAX_UNPACKED + 1))
    with pytest.raises(lists.UploadError) as big:
        lists.read_table(bomb.getvalue(), "bomb.xlsx")
    assert big.value.problem == "size"


def test_invitation_codes() -> None:
    code = codes.new_code()
    assert codes.code_of(codes.PREFIX + code) == code
    assert codes.code_of("fam_short") is None
    assert codes.code_of("ref_" + code) is None
    assert codes.code_hash(code) != code
    assert len(codes.code_hash(code)) == 64
    link = codes.invite_link("hotline_bot", code)
    assert link == f"https://t.me/hotline_bot?start=fam_{code}"
    assert len(link.split("start=")[1]) <= 64
