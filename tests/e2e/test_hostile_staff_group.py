"""Issue 14, items 3-4: in a staff group only roles act, and scopes hold there too."""

from __future__ import annotations

from typing import Any

from tests.support.fakebot import Event, FakeBotApi, FakeUser
from tests.support.journeys import (
    ADMIN,
    consent,
    officer,
    open_chat,
    register_ru,
    staff_of,
    topic_of,
)
from tests.support.running import STAFF_CHAT, RunningBot

NO_ROLE = "нет роли сотрудника"
OUT_OF_SCOPE = "не входит в вашу роль"


def group_events(fake: FakeBotApi, thread: int | None = None) -> list[Event]:
    """What the bot did in the staff group (in one topic, or in General for None)."""
    return [
        e for e in fake.chat_events(STAFF_CHAT) if e.message.get("message_thread_id") == thread
    ]


async def registered(fake: FakeBotApi, user_id: int) -> FakeUser:
    """A citizen registered in Jordan, back at the main menu."""
    user = fake.user(user_id)
    await consent(user)
    await register_ru(user)
    await user.expect("☰")
    return user


async def test_a_member_without_a_role_cannot_act_as_staff(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    admin = fake.user(ADMIN)
    await consent(admin)
    alia = await registered(fake, 8101)
    thread = await open_chat(fake, alia, "Помогите, рейс отменили")
    group = fake.chats[STAFF_CHAT]
    # Someone joins the staff group without a role: the admins hear of it.
    stranger = fake.user(700900, first_name="Посторонний", last_name=None)
    stranger.join(group)
    told = await admin.expect("без роли")
    assert "700900" in told.text
    assert "Посторонний" in told.text
    # Whatever they write or command in the citizen's topic does nothing.
    stranger.send("Переведите деньги на эту карту", chat=group, thread=thread)
    for command in ("/card", "/ban спам", "/close", "/reopen", "/faq lost-passport"):
        stranger.send(command, chat=group, thread=thread)
    stranger.send("/queue", chat=group)
    await alia.settle()
    assert [e.text for e in alia.unread()] == []
    refusals = [e for e in group_events(fake, thread) if NO_ROLE in e.text]
    assert len(refusals) == 1  # told once a minute, not once a message
    cards = [e for e in group_events(fake, thread) if "Обращение №1" in e.text]
    assert len(cards) == 1  # the card at the top only: /card showed nothing
    assert not [e for e in group_events(fake) if "Ждут ответа" in e.text]
    assert not fake.calls_of("closeForumTopic")
    # Not banned, not closed: the citizen's next message still reaches the topic.
    alia.send("Я всё ещё в аэропорту")
    await fake.wait_until(
        lambda: any(e.text == "Я всё ещё в аэропорту" for e in group_events(fake, thread))
    )
    # An officer with a role answers as before.
    consul = await officer(fake, bot, 700901, "Данияр")
    consul.send("Автобус в 18:00 от терминала 1.", chat=group, thread=thread)
    await alia.expect("Автобус в 18:00")


async def test_members_are_staff_when_the_operator_says_so(
    fake: FakeBotApi, settings: Any
) -> None:
    running = RunningBot(settings.model_copy(update={"staff_group_members_are_staff": True}))
    await running.start()
    try:
        admin = fake.user(ADMIN)
        await consent(admin)
        bolat = fake.user(8102, first_name="Болат")
        await consent(bolat)
        thread = await open_chat(fake, bolat, "Вопрос о визе")
        member = fake.user(700902, first_name="Асель", last_name=None)
        member.join(fake.chats[STAFF_CHAT])
        member.send("Визу продлевают в миграционной службе.", chat=fake.chats[STAFF_CHAT],
                    thread=thread)  # fmt: skip
        await bolat.expect("миграционной службе")
        await admin.settle()
        assert not [e for e in admin.unread() if "без роли" in e.text]
    finally:
        await running.stop()


async def test_scopes_hold_in_the_central_group(fake: FakeBotApi, bot: RunningBot) -> None:
    admin = fake.user(ADMIN)
    await consent(admin)
    group = fake.chats[STAFF_CHAT]
    alia = await registered(fake, 8103)  # Jordan
    thread = await open_chat(fake, alia, "Мы в аэропорту Аммана")
    # Staff of Qatar join the central group, which receives every country without a mission.
    qatar = await staff_of(fake, admin, 700950, "QA")
    qatar.join(group)
    told = await admin.expect("только для стран: QA")
    assert "700950" in told.text
    # In the Jordanian citizen's topic they can neither read the card nor answer.
    qatar.send("/card", chat=group, thread=thread)
    qatar.send("Здравствуйте, это Доха", chat=group, thread=thread)
    await fake.wait_until(lambda: any(OUT_OF_SCOPE in e.text for e in group_events(fake, thread)))
    await alia.settle()
    assert [e.text for e in alia.unread()] == []
    assert len([e for e in group_events(fake, thread) if "+77011234567" in e.text]) == 1
    # /queue shows them only the tickets they may serve.
    qatar.send("/queue", chat=group)
    await fake.wait_until(lambda: any("Очередь пуста" in e.text for e in group_events(fake)))
    # While they sit there, the group receives no more Jordanians: not a new chat ...
    bolat = await registered(fake, 8104)
    bolat.press("Написать на горячую линию")
    await bolat.expect("временно недоступна")
    # ... nor the open one.
    alia.send("Нам нужна помощь")
    await alia.expect("временно недоступна")
    assert not [e for e in group_events(fake, thread) if e.text == "Нам нужна помощь"]
    # A Jordanian officer still serves the open ticket's topic.
    consul = await officer(fake, bot, 700951, "Данияр")
    consul.send("/card", chat=group, thread=thread)
    await fake.wait_until(
        lambda: len([e for e in group_events(fake, thread) if "+77011234567" in e.text]) == 2
    )
    # The start-up check reports the group and the member.
    await bot.restart()
    report = await admin.expect("охватывает не все страны группы", timeout=10)
    assert f"{STAFF_CHAT}" in report.text
    assert "700950 (QA)" in report.text
    # Once they leave, Jordanians reach the group again.
    qatar.leave(group)
    await fake.wait_until(lambda: qatar.id not in bot.services.hotline.members(STAFF_CHAT))
    alia.send("Вы нас слышите?")
    await fake.wait_until(
        lambda: any(e.text == "Вы нас слышите?" for e in group_events(fake, thread))
    )


async def test_a_mission_group_receives_only_countries_its_members_cover(
    fake: FakeBotApi, bot: RunningBot
) -> None:
    admin = fake.user(ADMIN)
    await consent(admin)
    mission = fake.group(-1002000, "Посольство в Иордании")
    jordan_staff = await staff_of(fake, admin, 700960, "JO")
    jordan_staff.join(mission)
    admin.send("/route JO -1002000")
    await admin.expect("теперь идут в группу -1002000")
    alia = await registered(fake, 8105)
    alia.press("Написать на горячую линию")
    await alia.expect("Напишите ваш вопрос")
    alia.send("вопрос в Амман")
    await alia.expect("передано")
    await topic_of(fake, "вопрос в Амман")
    assert len(mission.topics) == 1
    # A Qatar-only officer is granted while already sitting in the Jordan group.
    qatar = fake.user(700961, first_name="Консул")
    qatar.chat.started = True
    mission.members[qatar.id] = "member"
    admin.send("/grant 700961 staff QA")
    told = await admin.expect("только для стран: QA")
    assert "-1002000" in told.text
    # Jordanians now fall back to the central group, whose only member is an admin.
    bolat = await registered(fake, 8106)
    bolat.press("Написать на горячую линию")
    await bolat.expect("Напишите ваш вопрос")
    bolat.send("вопрос")
    await bolat.expect("передано")
    await topic_of(fake, "вопрос")
    assert len(mission.topics) == 1
    assert any("Иордания" in t["name"] for t in fake.chats[STAFF_CHAT].topics.values())
