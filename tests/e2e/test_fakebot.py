"""The fake Bot API itself, driven by python-telegram-bot's Bot: uploads, topics, limits."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from tests.support.fakebot import TEST_TOKEN, FakeBotApi


@pytest.fixture
async def api_bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    bot = Bot(
        TEST_TOKEN,
        base_url=fake.base_url,
        base_file_url=fake.file_url,
        request=HTTPXRequest(read_timeout=1.0),
    )
    async with bot:
        yield bot


async def test_uploads_files_and_media(fake: FakeBotApi, api_bot: Bot) -> None:
    user = fake.user(7001)
    user.send("/start")
    photo = await api_bot.send_photo(7001, InputFile(b"\x89PNG fake", filename="c.png"),
                                     caption="<b>chart</b>", parse_mode="HTML")  # fmt: skip
    assert photo.photo
    assert photo.caption == "chart"
    doc = await api_bot.send_document(7001, InputFile(b"a;b\n", filename="export.csv"))
    assert doc.document is not None
    assert doc.document.file_name == "export.csv"
    assert fake.files[doc.document.file_id] == b"a;b\n"
    file = await api_bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"a;b\n"
    loc = await api_bot.send_location(7001, 25.2, 55.3)
    assert loc.location is not None
    # A copy and a forward of the citizen's own message.
    sent = user.send("привет")
    copy = await api_bot.copy_message(7001, 7001, sent["message_id"])
    assert copy.message_id > sent["message_id"]
    forward = await api_bot.forward_message(7001, 7001, sent["message_id"])
    assert forward.text == "привет"


async def test_html_and_length_are_checked_like_telegram(fake: FakeBotApi, api_bot: Bot) -> None:
    fake.user(7002).send("/start")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await api_bot.send_message(7002, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await api_bot.send_message(7002, "<script>x</script>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="too long"):
        await api_bot.send_message(7002, "я" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await api_bot.send_message(7999, "who?")
    message = await api_bot.send_message(7002, "a")
    with pytest.raises(BadRequest, match="not modified"):
        await api_bot.edit_message_text("a", 7002, message.message_id)
    assert await api_bot.delete_message(7002, message.message_id)


async def test_forum_topics(fake: FakeBotApi, api_bot: Bot) -> None:
    fake.group(-100500, "Staff")
    topic = await api_bot.create_forum_topic(-100500, "🇦🇪 UAE · Айгерим · #12")
    thread = topic.message_thread_id
    sent = await api_bot.send_message(-100500, "card", message_thread_id=thread)
    assert sent.message_thread_id == thread
    assert await api_bot.edit_forum_topic(-100500, thread, name="closed #12")
    assert await api_bot.close_forum_topic(-100500, thread)
    assert await api_bot.reopen_forum_topic(-100500, thread)
    assert await api_bot.delete_forum_topic(-100500, thread)
    with pytest.raises(BadRequest, match="thread not found"):
        await api_bot.send_message(-100500, "late", message_thread_id=thread)
    fake.group(-100600, "Not a forum", forum=False)
    with pytest.raises(BadRequest, match="not a forum"):
        await api_bot.create_forum_topic(-100600, "x")


async def test_flood_limits_and_faults(fake: FakeBotApi, api_bot: Bot) -> None:
    fake.user(7003).send("/start")
    fake.flood.per_chat_per_second = 1
    fake.flood.retry_after = 2
    await api_bot.send_message(7003, "one")
    with pytest.raises(RetryAfter) as info:
        await api_bot.send_message(7003, "two")
    assert info.value.retry_after == dtm.timedelta(seconds=2)
    with pytest.raises(RetryAfter):
        await api_bot.send_message(7003, "during the penalty")
    assert fake.requests_in_penalty == 1
    fake.flood.per_chat_per_second = None
    fake.penalty_until = 0
    fake.inject("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden):
        await api_bot.send_message(7003, "x")
    fake.inject("sendMessage", 502, "Bad Gateway")
    with pytest.raises(Exception, match="Bad Gateway"):
        await api_bot.send_message(7003, "x")
    fake.inject("sendMessage", 0, "", delay=1.5)
    with pytest.raises(TimedOut):
        await api_bot.send_message(7003, "slow")


async def test_long_polling_waits_for_updates(fake: FakeBotApi, api_bot: Bot) -> None:
    user = fake.user(7004)

    async def later() -> None:
        await asyncio.sleep(0.3)
        user.send("/start")

    task = asyncio.create_task(later())
    loop = asyncio.get_running_loop()
    started = loop.time()
    updates = await api_bot.get_updates(timeout=5, read_timeout=10)
    await task
    assert 0.2 < loop.time() - started < 3
    assert updates[0].message is not None
    assert updates[0].message.text == "/start"
    assert await api_bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_stop_releases_a_pending_long_poll(fake: FakeBotApi, api_bot: Bot) -> None:
    poll = asyncio.create_task(api_bot.get_updates(timeout=5, read_timeout=10))
    await fake.wait_until(lambda: fake.pending_polls == 1, what="a pending long poll")
    # PTB's updater cancels its request when it stops; the server's handler goes on waiting.
    poll.cancel()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await fake.stop()
    assert loop.time() - started < 1.0  # not the poll's 5 s: aiohttp waits for handlers
    assert fake.pending_polls == 0
