"""Statistics, exports and the audit log, scoped to the staff member's countries."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.support.fakebot import FakeBotApi
from tests.support.journeys import ADMIN, file_of, staff_of
from tests.support.running import RunningBot
from tests.support.seed import Person, seed

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]

POPULATION = [
    Person(31, "AE", "stuck", "evacuation", party=3), Person(32, "AE", "tourist"),
    Person(33, "AE", "resident", "consular", party=2), Person(34, "QA", "transit", "evacuation"),
    Person(35, "QA", "stuck", "accommodation", party=4), Person(36, "IR", "resident"),
]  # fmt: skip


async def test_stats_match_the_database_and_the_chart_is_a_png(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    await seed(db_path, POPULATION)
    admin = fake.user(ADMIN)
    admin.send("/stats")
    table = await admin.expect("Граждане по странам")
    expected = await run_db(
        "SELECT country, count(*), sum(party_size), count(*) FILTER (WHERE needs != 'none'),"
        " count(*) FILTER (WHERE needs = 'evacuation') FROM registrations WHERE active = 1"
        " GROUP BY country"
    )
    lines = {line.split()[0]: line.split()[1:] for line in table.text.splitlines()[2:6]}
    for country, registered, people, help_, evac in expected:
        assert lines[country][:4] == [str(registered), str(people), str(help_), str(evac)]
    assert lines["Σ"][:2] == ["6", "12"]
    photo = await admin.expect("Зарегистрированные граждане по статусу")
    png = file_of(fake, photo, "photo")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 2000
    # One country: a card.
    admin.send("/stats Катар")
    card = await admin.expect("Катар")
    assert "Зарегистрировано: 2 (людей с учётом семей: 5)" in card.text
    assert "эвакуация: 1" in card.text


async def test_staff_see_and_export_only_their_countries(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    await seed(db_path, POPULATION)
    admin = fake.user(ADMIN)
    consul = await staff_of(fake, admin, 700300, "QA")
    consul.send("/stats")
    card = await consul.expect("Катар")
    assert "ОАЭ" not in card.text
    assert "Эмираты" not in card.text
    await consul.expect(kind="send")  # the chart
    consul.send("/stats AE")
    await consul.expect("вне вашей зоны")
    consul.send("/export AE")
    await consul.expect("вне вашей зоны")
    consul.send("/export QA evacuation")
    done = await consul.expect("Выгрузка: строк — 1")
    data = file_of(fake, done, "document").decode("utf-8")
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["ФИО", "Телефон", "Людей", "Детей"]
    assert [(r[0], r[4]) for r in rows[1:]] == [("Citizen 34", "QA")]
    sheet = await consul.expect(kind="send")
    assert sheet.message["document"]["file_name"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(file_of(fake, sheet, "document")))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert values[0][0] == "ФИО"
    assert [v[0] for v in values[1:]] == ["Citizen 34"]
    # No filter: every QA registration and nothing else.
    consul.send("/export")
    done = await consul.expect("Выгрузка: строк — 2")
    names = {r[0] for r in csv.reader(io.StringIO(file_of(fake, done, "document").decode()
                                                   .lstrip("\ufeff")), delimiter=";")}  # fmt: skip
    assert names == {"ФИО", "Citizen 34", "Citizen 35"}
    consul.send("/export Марс")
    await consul.expect("Не понял «Марс»")
    audits = await run_db("SELECT actor_id, details FROM audit_log WHERE action = 'export'")
    assert len(audits) == 2
    assert all(a[0] == 700300 for a in audits)
    assert all("Citizen" not in a[1] for a in audits)  # the audit names no citizen
    # The audit log is for admins.
    consul.send("/audit")
    await consul.expect("Эта команда недоступна.")
    admin.send("/audit")
    log = await admin.expect("Последние действия")
    assert "export" in log.text
    assert "staff.grant" in log.text
