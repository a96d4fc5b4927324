"""Webhook mode: updates arrive by POST, are committed to the inbox, then answered 200."""

from __future__ import annotations

import socket

import aiohttp
from pydantic import SecretStr

from bot.settings import Settings
from tests.support.fakebot import FakeBotApi
from tests.support.journeys import consent, officer, open_chat, register_ru
from tests.support.running import STAFF_CHAT, RunningBot, eventually

SECRET = "s3cret-token_for-the-webhook"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_settings(settings: Settings, port: int) -> Settings:
    """The test settings in webhook mode on `port`."""
    return settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{port}/tg/hook",
            "webhook_secret": SecretStr(SECRET),
            "webhook_port": port,
        }
    )


async def test_a_citizen_registers_through_the_webhook(
    fake: FakeBotApi, settings: Settings
) -> None:
    port = free_port()
    bot = RunningBot(webhook_settings(settings, port))
    await bot.start()
    try:
        assert fake.webhook is not None
        assert fake.webhook == {"url": f"http://127.0.0.1:{port}/tg/hook", "secret_token": SECRET}
        user = fake.user(6001)
        await consent(user)
        await register_ru(user)
        # Every update was stored, answered 200 once, and handled: the inbox is drained.
        assert {status for _, status in fake.webhook_posts} == {200}
        inbox = bot.services.inbox_repo
        assert await eventually(inbox.pending, 0) == 0
        # Handled updates keep no text (personal data).
        rows = await bot.services.db.fetchall("SELECT payload, state FROM inbox")
        assert rows
        assert {(r[0], r[1]) for r in rows} == {(None, "done")}
    finally:
        await bot.stop()


async def test_the_secret_is_checked_and_a_redelivery_is_handled_once(
    fake: FakeBotApi, settings: Settings
) -> None:
    port = free_port()
    bot = RunningBot(webhook_settings(settings, port))
    await bot.start()
    url = f"http://127.0.0.1:{port}/tg/hook"
    update = {
        "update_id": 777001,
        "message": {
            "message_id": 1, "date": 1764590000, "text": "/start",
            "chat": {"id": 6002, "type": "private", "first_name": "Айгерим"},
            "from": {"id": 6002, "is_bot": False, "first_name": "Айгерим",
                     "language_code": "ru"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }  # fmt: skip
    user = fake.user(6002)
    user.chat.started = True  # the update below is the citizen's first /start
    try:
        async with aiohttp.ClientSession() as http:
            for secret, expected in (("", 403), ("wrong", 403), (SECRET, 200), (SECRET, 200)):
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                async with http.post(url, json=update, headers=headers) as res:
                    assert res.status == expected
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(url, data=b"{not json", headers=headers) as res:
                assert res.status == 400
            # A poll without the fields python-telegram-bot requires (an older self-hosted
            # Bot API server): stored and answered 200, so Telegram does not send it again
            # and again; recorded skipped once, never handled.
            unreadable = {"update_id": 777002, "poll": {"id": "p1"}}
            async with http.post(url, json=unreadable, headers=headers) as res:
                assert res.status == 200
        await user.expect("🔒 Ваши данные")
        await user.settle(0.5)
        # Posted twice (Telegram's redelivery), answered once.
        choices = [e for e in fake.chat_events(6002) if "🔒 Ваши данные" in e.text]
        assert len(choices) == 1
        rows = await bot.services.db.fetchall(
            "SELECT update_id, state, error FROM inbox ORDER BY update_id"
        )
        assert [r[0] for r in rows] == [777001, 777002]
        repo = bot.services.inbox_repo

        async def skipped() -> list[int]:
            return [update_id for update_id, _ in await repo.skipped()]

        assert await eventually(skipped, [777002]) == [777002]
    finally:
        await bot.stop()


async def test_an_officers_album_goes_as_one_album_in_webhook_mode(
    fake: FakeBotApi, settings: Settings
) -> None:
    """A chat's updates are claimed one after another; an album's first item, held until the
    album is whole, must not keep the other items back."""
    bot = RunningBot(webhook_settings(settings, free_port()))
    await bot.start()
    try:
        user = fake.user(6003)
        await consent(user)
        thread = await open_chat(fake, user, "Фото документов")
        consul = await officer(fake, bot, 700603, countries=())
        consul.send_album(["photo", "photo", "photo"], chat=fake.chats[STAFF_CHAT], thread=thread)
        await fake.wait_until(
            lambda: len([e for e in user.events() if "photo" in e.message]) == 3, what="album"
        )
        (back,) = [c for c in fake.calls_of("copyMessages") if int(c.params["chat_id"]) == 6003]
        assert len(back.params["message_ids"]) == 3
        got = [e for e in user.events() if "photo" in e.message]
        assert len({e.message["media_group_id"] for e in got}) == 1
    finally:
        await bot.stop()
