"""What the hotline team's tests share: officers with roles, the staff group's events, the
buttons posted there, and running the desk's jobs now."""

from __future__ import annotations

from tests.support.fakebot import JSON, Event, FakeBotApi, FakeUser
from tests.support.running import STAFF_CHAT, RunningBot


async def officer(
    fake: FakeBotApi, admin: FakeUser, user_id: int, scope: str, name: str, username: str
) -> FakeUser:
    """A staff member granted `scope` by the admin, with a name and a @username."""
    member = fake.user(user_id, first_name=name, last_name=None, username=username)
    member.chat.started = True
    admin.send(f"/grant {user_id} staff {scope}")
    await admin.expect(f"{user_id}: сотрудник")
    return member


def topic_events(fake: FakeBotApi, thread: int, chat: int = STAFF_CHAT) -> list[Event]:
    """What the bot did in one topic of a staff group."""
    return [e for e in fake.chat_events(chat) if e.message.get("message_thread_id") == thread]


def general_events(fake: FakeBotApi, chat: int = STAFF_CHAT) -> list[Event]:
    """What the bot posted in a staff group outside any topic."""
    return [e for e in fake.chat_events(chat) if "message_thread_id" not in e.message]


def group_button(fake: FakeBotApi, text: str, chat: int = STAFF_CHAT) -> tuple[JSON, JSON]:
    """The newest bot message in a staff group with an inline button containing `text`."""
    for message in reversed(list(fake.chats[chat].messages.values())):
        if message.get("from", {}).get("id") != fake.bot_user["id"]:
            continue
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if text in button.get("text", ""):
                    return message, button
    raise AssertionError(f"no button {text!r} in the staff group")


def press_in_group(member: FakeUser, fake: FakeBotApi, text: str) -> str:
    """A staff member presses a button the bot posted in the staff group."""
    message, button = group_button(fake, text)
    return member.press_data(button["callback_data"], message)


async def run_job(bot: RunningBot, name: str) -> None:
    """Run a JobQueue job now, as its schedule would."""
    assert bot.app is not None
    assert bot.app.job_queue is not None
    (job,) = bot.app.job_queue.get_jobs_by_name(name)
    await job.run(bot.app)


async def topic_says(
    fake: FakeBotApi, thread: int, fragment: str, kind: str | None = None
) -> Event:
    """Wait until the bot says `fragment` in a topic (sent, or edited with kind="edit")."""

    def said() -> list[Event]:
        return [
            e
            for e in topic_events(fake, thread)
            if fragment in e.text and (kind is None or e.kind == kind)
        ]

    try:
        found = await fake.wait_until(said, what=f"{fragment!r} in topic {thread}")
    except AssertionError as exc:
        seen = [e.text[:80] for e in topic_events(fake, thread)[-5:]]
        raise AssertionError(f"{exc}; the topic's last messages: {seen}") from None
    assert isinstance(found, list)
    return found[-1]
