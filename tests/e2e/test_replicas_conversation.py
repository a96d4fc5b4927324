"""Two webhook replicas behind a round-robin balancer: one citizen's registration, whose
steps land on both, goes through as on one process.

python-telegram-bot's ConversationHandler reads its states once, at start-up: without the
inbox's refresh (bot.runtime.inbox.ClaimingInbox.refresh) the replica that did not see the
previous step would not know the citizen is registering.
"""

from __future__ import annotations

import socket

import pytest
from pydantic import SecretStr

from bot.settings import Settings
from tests.support.balancer import Balancer
from tests.support.fakebot import FakeBotApi
from tests.support.journeys import consent, register_ru
from tests.support.pg import SERVER_URL
from tests.support.running import RunningBot

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")

SECRET = "two-replicas-one-conversation"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_registration_across_two_replicas(fake: FakeBotApi, settings: Settings) -> None:
    ports = [free_port(), free_port()]
    balancer = Balancer([f"http://127.0.0.1:{p}" for p in ports])
    await balancer.start()
    bots = [
        RunningBot(
            settings.model_copy(
                update={
                    "webhook_url": f"{balancer.url}/tg",
                    "webhook_secret": SecretStr(SECRET),
                    "webhook_port": port,
                    "replica_name": f"replica-{n}",
                }
            )
        )
        for n, port in enumerate(ports, start=1)
    ]
    try:
        for bot in bots:
            await bot.start()
        user = fake.user(6101)
        await consent(user)
        await register_ru(user)
        row = await bots[0].services.db.fetchone(
            "SELECT country, full_name FROM registrations WHERE user_id = ?", (6101,)
        )
        assert row is not None
        assert (row[0], row[1]) == ("JO", "Серикова Айгерим Болатовна")
        # The steps were handled by both replicas (round robin), not by one.
        assert all(n >= 3 for n in balancer.forwarded.values()), balancer.forwarded
    finally:
        for bot in bots:
            await bot.stop()
        await balancer.stop()
