"""Family links: an invitation made, used once, limited to what the citizen chose, revoked."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from tests.support.fakebot import FakeBotApi, FakeUser
from tests.support.journeys import ADMIN, consent, register_ru
from tests.support.running import RunningBot

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
LINK = re.compile(r"https://t\.me/\w+\?start=(fam_[\w-]+)")


async def invite(user: FakeUser) -> str:
    """The citizen makes an invitation; returns the /start payload of its link."""
    user.send("/family")
    await user.expect("Родственники получают")
    user.press("Пригласить родственника")
    sent = await user.expect("Отправьте эту ссылку родственнику")
    match = LINK.search(sent.text)
    assert match, sent.text
    return match.group(1)


async def safety_check(admin: FakeUser, citizen: FakeUser, country: str) -> None:
    admin.send(f"/safety {country}")
    await admin.expect("Спросить «Вы в безопасности?»", kind="send")
    admin.press("Подтвердить")
    await citizen.expect("вы в безопасности?", timeout=10)
    citizen.press("Я в безопасности")
    await citizen.expect("Берегите себя")


async def test_a_family_link_made_used_limited_and_revoked(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    citizen = fake.user(5001, first_name="Айгерим")
    await consent(citizen)
    await register_ru(citizen)
    payload = await invite(citizen)
    assert await run_db(
        "SELECT count(*) FROM family_invites WHERE code_hash LIKE ?", (f"%{payload[4:]}%",)
    ) == [(0,)]  # only the hash is stored
    # The relative opens the link and agrees.
    mother = fake.user(5101, first_name="Мама")
    mother.send(f"/start {payload}")
    ask = await mother.expect("приглашает вас получать новости")
    assert "Серикова Айгерим Болатовна" in ask.text
    assert "ответы на проверку безопасности" in ask.text
    assert "страна и город" not in ask.text  # not chosen, not offered
    mother.press("Согласен")
    await mother.expect("Готово. Вы будете получать новости")
    await citizen.expect("Мама принял(а) ваше приглашение")
    # The same link again, a forged one, one's own: refused, nothing linked.
    brother = fake.user(5102, first_name="Брат")
    brother.send(f"/start {payload}")
    await brother.expect("уже использована")
    brother.send("/start fam_" + "A" * 22)
    await brother.expect("недействительна")
    own = await invite(citizen)
    citizen.send(f"/start {own}")
    await citizen.expect("Это ваше собственное приглашение")
    assert await run_db("SELECT relative_id FROM family_links") == [(5101,)]
    # A safety answer reaches her; a move does not (the place is not shared).
    admin = fake.user(ADMIN)
    await safety_check(admin, citizen, "JO")
    event = await mother.expect("ответил(а) на проверку МИД РК")
    assert "«Я в безопасности»" in event.text
    citizen.send("/register")
    await citizen.expect("В какой стране")
    citizen.press("Катар")
    await citizen.expect("Город или место")
    citizen.send("Доха")
    await citizen.expect("Ваш статус")
    citizen.press("В транзите")
    await citizen.expect("Проверьте данные")
    citizen.press("Подтвердить")
    await citizen.expect("Сохранено")
    await mother.settle(0.3)
    assert [e.text for e in mother.unread()] == []
    # She cannot see more than was shared: no card, no switches, no one else's links.
    mother.send("/my")
    await mother.expect("Вы ещё не зарегистрированы")
    for forged in ("pl:sh:place", "pl:new", "pl:end:999"):
        query = mother.press_data(forged)
        assert "устарела" in (await mother.expect_answer(query))["text"], forged
    mother.send("/family")
    view = await mother.expect("Вы получаете новости")
    leave = "✖ Не получать новости: Серикова Айгерим Болатовна"
    assert [b["text"] for b in view.buttons()] == [leave]
    assert "Доха" not in view.text
    assert "Катар" not in view.text
    # The citizen shares moves from now on: the next one reaches her.
    citizen.send("/family")
    await citizen.expect("Родственники получают")
    citizen.press("страна и город, когда меняются")
    await citizen.expect(kind="edit")
    citizen.send("/register")
    await citizen.expect("В какой стране")
    citizen.press("Оман")
    await citizen.expect("Город или место")
    citizen.send("Маскат")
    await citizen.expect("Ваш статус")
    citizen.press("В транзите")
    await citizen.expect("Проверьте данные")
    citizen.press("Подтвердить")
    await citizen.expect("Сохранено")
    moved = await mother.expect("теперь здесь")
    assert "Маскат" in moved.text
    assert "Оман" in moved.text
    # Revoked: she is told, and hears nothing more.
    citizen.send("/family")
    await citizen.expect("Связано: 1 — Мама")
    citizen.press("Отключить: Мама")
    await citizen.expect("Связь отключена (Мама)")
    await mother.expect("Родственник отключил связь")
    await safety_check(admin, citizen, "OM")
    await mother.settle(0.3)
    assert not [e for e in mother.unread() if "ответил(а)" in e.text]
    assert await run_db("SELECT count(*) FROM family_links") == [(0,)]


async def test_an_expired_invitation_and_a_relative_who_leaves(
    fake: FakeBotApi, bot: RunningBot, run_db: Query
) -> None:
    citizen = fake.user(5002, first_name="Данияр")
    await consent(citizen)
    await register_ru(citizen)
    old = await invite(citizen)
    bot.clock.set(bot.clock.now() + timedelta(days=8))
    late = fake.user(5103, first_name="Дядя")
    late.send(f"/start {old}")
    await late.expect("Срок действия этой ссылки истёк")
    fresh = await invite(citizen)
    late.send(f"/start {fresh}")
    await late.expect("приглашает вас")
    late.press("Нет")
    await late.expect("ничего не сохранено")
    assert await run_db("SELECT count(*) FROM family_links") == [(0,)]
    late.send(f"/start {fresh}")  # declining did not use it up
    await late.expect("приглашает вас")
    late.press("Согласен")
    await late.expect("Вы будете получать новости")
    late.send("/family")
    await late.expect("Вы получаете новости")
    late.press("Не получать новости")
    await late.expect("Вы больше не получаете эти новости")
    await citizen.expect("Дядя больше не получает ваши новости")
    # Erasure on either side removes links: the relative links again, then erases.
    again = await invite(citizen)
    late.send(f"/start {again}")
    await late.expect("приглашает вас")
    late.press("Согласен")
    await late.expect("Вы будете получать новости")
    citizen.send("/delete")
    await citizen.expect("Удалить мои данные?")
    citizen.press("Да, удалить всё")
    await citizen.expect("Ваши данные удалены")
    assert await run_db("SELECT count(*) FROM family_links") == [(0,)]
    assert await run_db("SELECT count(*) FROM family_invites") == [(0,)]
