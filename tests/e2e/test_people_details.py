"""'More details' after registering: end of stay, person to notify, companions, a group.

Each is optional, saved when given, refused with a clear answer when wrong, and shown on the
citizen's card, the staff card in a hotline topic, in /stats and in the export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.staff import reports
from tests.support.fakebot import FakeBotApi, FakeUser
from tests.support.journeys import ADMIN, consent, file_of, open_chat, register_ru
from tests.support.running import STAFF_CHAT, RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
AMMAN = ZoneInfo("Asia/Amman")


async def open_details(user: FakeUser) -> None:
    await user.press_when_shown("Дополнительные сведения")  # under the menu after "Saved"
    await user.expect("Что добавить или изменить?")


async def test_end_of_stay_contact_and_companions(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(3001)
    await consent(user)
    await register_ru(user)  # Jordan, a party of 3 with one child
    await open_details(user)
    # End of stay: a past date, a date years ahead, then one in ten days.
    user.press("До какого числа")
    await user.expect("До какого числа вы планируете")
    user.send("01.01.2020")
    await user.expect("уже прошла")
    user.send("01.01.2099")
    await user.expect("не дальше чем через год")
    user.send("скоро")
    await user.expect("Не понял дату")
    day = (bot.clock.now().astimezone(AMMAN) + timedelta(days=10)).date()
    user.send(day.strftime("%d.%m.%Y"))
    saved = await user.expect("Сохранено: до")
    assert day.strftime("%d.%m.%Y") in saved.text
    assert "30 дней" in saved.text
    await user.expect("Что добавить или изменить?")
    assert await run_db("SELECT stay_until FROM people_details") == [(day.isoformat(),)]
    # The person to notify: a bad phone is asked again, nothing is stored until complete.
    user.press("Кому сообщить дома")
    await user.expect("Напишите имя и фамилию")
    user.send("Сериков Болат")
    await user.expect("Номер телефона этого человека")
    user.send("12345")
    await user.expect("Не удалось распознать номер")
    assert await run_db("SELECT contact_name FROM people_details") == [(None,)]
    user.send("+7 701 765 43 21")
    await user.expect("Кем он вам приходится?")
    user.press("Мать / отец")
    await user.expect("Сохранено: контактное лицо на родине")
    await user.expect("Что добавить или изменить?")
    # Those travelling together: at most two others (a party of 3), a year for the child.
    user.press("Кто со мной")
    await user.expect("не больше 2")
    user.send("Айша Серикова, 2019\nБолат Сериков\nЕщё Один")
    await user.expect("больше 2 человек")
    user.send("Айша Серикова, 1800\nБ")
    rejected = await user.expect("Список не принят")
    assert "строка 1: неверный год" in rejected.text
    assert "строка 2: нужны имя и фамилия" in rejected.text
    assert await run_db("SELECT count(*) FROM people_members") == [(0,)]
    user.send("Айша Серикова, 2019\nБолат Сериков")
    await user.expect("Сохранено: с вами 2 человека")
    menu = await user.expect("Что добавить или изменить?")
    assert "Айша Серикова (2019), Болат Сериков" in menu.text
    user.press("Готово")
    await user.expect("Всё, что вы указали, сохранено")
    # The citizen's card shows it all.
    user.send("/my")
    card = await user.expect("Моя регистрация")
    assert "Пробуду до:" in card.text
    assert "Кому сообщить дома: Сериков Болат, +77017654321 (Мать / отец)" in card.text
    assert "Со мной: Айша Серикова (2019), Болат Сериков" in card.text
    # So does the card staff see in the hotline topic.
    await open_chat(fake, user, "Нужна помощь с документами")
    staff_card = next(e for e in fake.chat_events(STAFF_CHAT) if "Обращение №" in e.text)
    assert "Сериков Болат, +77017654321" in staff_card.text
    assert "Айша Серикова (2019)" in staff_card.text
    # And the export, for staff of the country.
    admin = fake.user(ADMIN)
    admin.send("/export JO")
    done = await admin.expect("Выгрузка: строк — 1")
    rows = list(
        csv.reader(
            io.StringIO(file_of(fake, done, "document").decode().lstrip("\ufeff")), delimiter=";"
        )
    )
    header, row = rows
    values = dict(zip(header, row, strict=True))
    assert values["Пробудет до"] == day.strftime("%d.%m.%Y")
    assert values["Кому сообщить дома"] == "Сериков Болат"
    assert values["Телефон контакта"] == "'+77017654321"  # neutralised for spreadsheets
    assert values["Кем приходится"] == "Мать / отец"
    assert values["Вместе с ним / группа"] == "Айша Серикова (2019); Болат Сериков"


async def test_a_group_of_40_from_an_xlsx_upload_counts_as_40(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    leader = fake.user(3002)
    await consent(leader)
    await register_ru(leader)
    await open_details(leader)
    leader.press("Группа (список)")
    await leader.expect("до 60 человек")
    leader.press("Шаблон списка")
    sent = await leader.expect("Шаблон списка группы")
    assert sent.message["document"]["file_name"] == "group-template.xlsx"
    template = file_of(fake, sent, "document")
    assert template.startswith(b"PK")
    # A list with bad rows: their numbers, and nothing stored.
    bad = [["ФИО", "Телефон"], ["Иванов Иван", "+77011234567"], ["И", ""], ["Петров Пётр", "123"]]
    leader.send_media(
        "document",
        data=reports.xlsx_bytes("Группа", bad[0], bad[1:]),
        filename="group.xlsx",
        mime="application/vnd.ms-excel",
    )
    rejected = await leader.expect("Список не принят")
    assert "строка 3: нужны имя и фамилия" in rejected.text
    assert "строка 4: не удалось распознать телефон" in rejected.text
    assert await run_db("SELECT count(*) FROM people_members") == [(0,)]
    # Not a spreadsheet at all.
    leader.send_media("document", data=b"%PDF-1.4", filename="group.pdf")
    await leader.expect("Нужен файл XLSX или CSV")
    # Forty people, phones as numbers the way Excel keeps them.
    people = [[f"Турист Номер{i}", 77011230000 + i if i % 2 else ""] for i in range(40)]
    leader.send_media(
        "document",
        data=reports.xlsx_bytes("Группа", ["ФИО", "Телефон"], people),
        filename="Группа.xlsx",
        mime="application/vnd.ms-excel",
    )
    await leader.expect("Сохранено: в группе 40 человек")
    assert await run_db(
        "SELECT count(*), count(phone) FROM people_members WHERE kind = 'group'"
    ) == [(40, 20)]
    admin = fake.user(ADMIN)
    admin.send("/stats JO")
    card = await admin.expect("Иордания")
    assert "Зарегистрировано: 1 (людей с учётом семей: 40)" in card.text
    admin.send("/export JO")
    done = await admin.expect("Выгрузка: строк — 1")
    rows = list(
        csv.reader(
            io.StringIO(file_of(fake, done, "document").decode().lstrip("\ufeff")), delimiter=";"
        )
    )
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["Людей"] == "40"
    assert values["Вместе с ним / группа"].count(";") == 39
    # The group list replaces itself; removing it brings back the party of the registration.
    await leader.settle(0.2)
    leader.press("Группа (список)")
    await leader.expect("до 60 человек")
    leader.press("Удалить это")
    await leader.expect("Удалено")
    assert await run_db("SELECT count(*) FROM people_members") == [(0,)]


async def test_bad_input_inside_the_details_changes_nothing(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    user = fake.user(3003)
    await consent(user)
    # Not registered: the details are not offered, and a forged button is refused.
    query = user.press_data("pd:stay")
    assert "устарела" in (await user.expect_answer(query))["text"]
    await register_ru(user)
    await open_details(user)
    user.send("просто текст")
    await user.expect("Здесь нужен текстовый ответ или кнопка")
    user.send("/help")
    await user.expect("заполняете дополнительные сведения")
    forged = user.press_data("pd:st:9999")
    user.press("До какого числа")
    assert "устарела" in (await user.expect_answer(forged))["text"]
    await user.expect("До какого числа вы планируете")
    user.send_media("sticker")
    await user.expect("Здесь нужен текстовый ответ или кнопка")
    user.press("Не знаю")
    await user.expect("срок пребывания не указан")
    user.send("/cancel")
    await user.expect("Всё, что вы указали, сохранено")
    assert await run_db("SELECT stay_until FROM people_details") == [(None,)]
    # A main-menu button leaves the details for that menu action; typing then is no answer.
    await open_details(user)
    user.press("До какого числа")
    await user.expect("До какого числа вы планируете")
    user.press("Частые вопросы")
    await user.expect("Выберите тему")
    user.send("01.01.2030")
    await user.settle(0.3)
    assert not [e for e in user.unread() if "Сохранено" in e.text or "прошла" in e.text]
    # Registration's own buttons end the details first; pressed again, they start it.
    await open_details(user)
    query = user.press("Обновить моё местоположение")
    assert "Нажмите кнопку ещё раз" in (await user.expect_answer(query))["text"]
    user.press("Обновить моё местоположение")
    await user.expect("В какой стране")
