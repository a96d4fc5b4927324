"""Following a country without registering: /follow, notices staff send to followers too,
/stats, /unfollow and erasure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.fakebot import Event, FakeBotApi
from tests.support.journeys import ADMIN, citizens, compose
from tests.support.running import RunningBot
from tests.support.seed import Person, seed

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
HEADER = "📢 Официальное сообщение МИД РК"
UAE = "Объединённые Арабские Эмираты"


def notices_in(fake: FakeBotApi, chat_id: int) -> list[Event]:
    return [e for e in fake.chat_events(chat_id) if e.kind == "send" and HEADER in e.text]


async def send(admin: Any, summary: Event, followers: bool) -> None:
    """Confirm a composed notice, switching the followers on first if asked."""
    if followers:
        admin.press("Подписчикам: нет")
        again = await admin.expect("Проверьте перед отправкой")
        assert "тоже получат" in again.text
    admin.press("Подтвердить")
    await admin.expect("завершена", timeout=10, kind="edit")


async def test_followers_get_the_notices_staff_include_them_in(
    fake: FakeBotApi, bot: RunningBot, db_path: Path, run_db: Query
) -> None:
    await seed(db_path, [Person(4101, "AE"), Person(4102, "QA")])
    registered = citizens(fake, [Person(4101, "AE"), Person(4102, "QA")])
    # A relative at home follows the UAE and Qatar: buttons, and a typed name.
    relative = fake.user(4201, first_name="Мама")
    relative.send("/follow")
    await relative.expect("Мы храним только этот чат и ваш язык")
    relative.press(UAE)
    await relative.expect(kind="edit")
    relative.send("/follow Катар")
    await relative.expect("Вы следите: 🇶🇦 Катар")
    relative.press("Готово")
    summary = await relative.expect("Вы следите:")
    assert "Катар" in summary.text
    assert "Эмираты" in summary.text
    assert await run_db("SELECT country FROM follows WHERE user_id = 4201 ORDER BY 1") == [
        ("AE",),
        ("QA",),
    ]
    # Nothing but the chat and its language: no consent, no registration.
    assert await run_db("SELECT lang, consent_at FROM citizens WHERE user_id = 4201") == [
        ("ru", None),
    ]
    # A registered citizen who also follows their own country gets one copy.
    registered[4101].send("/follow AE")
    await registered[4101].expect("Вы следите")
    # A routine notice: followers are not included unless staff switch them on.
    admin = fake.user(ADMIN)
    routine = await compose(admin, [UAE], "Плановое сообщение для граждан.", None)
    assert "Подписчики этих стран без регистрации (2): не получат" in routine.text
    await send(admin, routine, followers=False)
    assert len(notices_in(fake, 4101)) == 1
    assert notices_in(fake, 4201) == []
    # An urgent one, with the followers switched on.
    urgent = await compose(admin, [UAE], "Срочно: аэропорт Дубая закрыт.", None)
    await send(admin, urgent, followers=True)
    [got] = notices_in(fake, 4201)
    assert "аэропорт Дубая закрыт" in got.text
    assert len(notices_in(fake, 4101)) == 2  # one copy each, though registered and following
    assert notices_in(fake, 4102) == []
    # /stats counts the followers beside the register.
    admin.send("/stats")
    table = await admin.expect("Граждане по странам")
    assert "Следят без регистрации: 3 (AE 2 · QA 1)" in table.text
    # /unfollow: one button per country; "all" stops the rest.
    relative.send("/unfollow")
    await relative.expect("За какими странами больше не следить?")
    relative.press("Катар")
    await relative.expect(kind="edit")
    gone = relative.press_data("pf:u:QA")  # already stopped: refused, nothing changes
    assert "устарела" in (await relative.expect_answer(gone))["text"]
    assert await run_db("SELECT country FROM follows WHERE user_id = 4201") == [("AE",)]
    forged = relative.press_data("pf:t:XX")
    assert "устарела" in (await relative.expect_answer(forged))["text"]
    relative.send("/unfollow all")
    await relative.expect("снято подписок: 1")
    relative.send("/unfollow")
    await relative.expect("Вы не следите ни за одной страной")
    # Erasure covers follows.
    relative.send("/follow AE")
    await relative.expect("Вы следите")
    relative.send("/delete")
    await relative.expect("Удалить мои данные?")
    relative.press("Да, удалить всё")
    done = await relative.expect("Ваши данные удалены")
    assert "подписки, семейные связи и запросы" in done.text
    assert await run_db("SELECT count(*) FROM follows WHERE user_id = 4201") == [(0,)]
    assert await run_db("SELECT count(*) FROM citizens WHERE user_id = 4201") == [(0,)]


async def test_follow_is_in_both_command_menus(fake: FakeBotApi, bot: RunningBot) -> None:
    for code, follow, family in (
        (None, "Следить за страной без регистрации", "Семья"),
        ("kk", "Тіркелмей елге жазылу", "Отбасы"),
    ):
        menu = {c["command"]: c["description"] for c in fake.commands[("all_private_chats", code)]}
        assert menu["follow"] == follow
        assert menu["family"].startswith(family)
        assert {"unfollow", "relative"} <= set(menu)
        assert "find" not in menu  # staff only
