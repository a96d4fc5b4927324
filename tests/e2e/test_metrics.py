"""The Prometheus endpoint: updates, sends by outcome, 429s and the queue depths, per replica."""

from __future__ import annotations

import socket

import aiohttp

from bot.settings import Settings
from tests.support.fakebot import FakeBotApi
from tests.support.running import RunningBot


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def value(text: str, series: str) -> float:
    """The value of one series (name and labels exactly as exposed), 0 if absent."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def scrape(port: int) -> str:
    """GET /metrics as Prometheus would."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as res,
    ):
        assert res.status == 200
        assert res.headers["Content-Type"].startswith("text/plain")
        return await res.text()


async def test_metrics_count_what_the_bot_does(fake: FakeBotApi, settings: Settings) -> None:
    port = free_port()
    replica = f"replica-{port}"  # counters live in the process: one name per test
    config = settings.model_copy(
        update={"metrics_port": port, "replica_name": replica, "metrics_sample_seconds": 1}
    )
    bot = RunningBot(config)
    await bot.start()
    try:
        user = fake.user(5101, language_code="ru")
        # The first answer meets a 429: the limiter obeys it and sends again.
        fake.inject("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        user.send("/start")
        await user.expect("🔒 Ваши данные")
        text = await scrape(port)
        label = f'replica="{replica}"'
        assert value(text, f"hotline_updates_total{{{label}}}") >= 1
        assert value(text, f"hotline_update_seconds_count{{{label}}}") >= 1
        assert value(text, f'hotline_sends_total{{outcome="ok",{label}}}') >= 1
        assert value(text, f'hotline_sends_total{{outcome="rate_limited",{label}}}') == 1
        assert value(text, f"hotline_rate_limited_total{{{label}}}") == 1
        for gauge in ("outbox_pending", "outbox_due", "inbox_pending", "tickets_waiting"):
            assert f"hotline_{gauge}{{{label}}}" in text
        assert fake.token not in text
    finally:
        await bot.stop()
