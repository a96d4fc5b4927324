"""SMS: the length in parts, the SMSC.kz adapter against the fake of its API (errors too),
and what the sender records for each answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import Clock
from bot.sms import segments
from bot.sms.gateway import SmsError
from bot.sms.sender import SmsSender
from bot.sms.smsc import SmscGateway
from storage.db import Database
from storage.sms import SmsItem, SmsRepo
from tests.support.smsc import API_KEY, FakeSmsc

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)


class Frozen(Clock):
    """A clock that stays at NOW."""

    def now(self) -> datetime:
        return NOW


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("Price: 10€ [x]", "GSM-7", 17, 1),  # € [ ] take two septets each
        ("б" * 70, "UCS-2", 70, 1),
        ("б" * 71, "UCS-2", 71, 2),
        ("Қазақстан" + "a" * 125, "UCS-2", 134, 2),  # one Kazakh letter makes it all UCS-2
        ("🆘" * 35, "UCS-2", 70, 1),  # emoji are two UTF-16 units
    ],
)
def test_length_in_parts(text: str, encoding: str, units: int, parts: int) -> None:
    length = segments.measure(text)
    assert (length.encoding, length.units, length.parts) == (encoding, units, parts)


def test_part_sizes() -> None:
    assert segments.measure("a" * 10).per_part == 160
    assert segments.measure("a" * 200).per_part == 153
    assert segments.measure("я").per_part == 70
    assert segments.measure("я" * 100).per_part == 67


@pytest.fixture
async def smsc() -> AsyncIterator[FakeSmsc]:
    """The fake SMSC.kz on a free port."""
    server = FakeSmsc()
    await server.start()
    yield server
    await server.stop()


async def test_adapter_sends_in_the_body_and_reads_the_id(smsc: FakeSmsc) -> None:
    gateway = SmscGateway(smsc.url, API_KEY, "MFA KZ")
    try:
        provider_id = await gateway.send("+7 701 123-45-67", "Сбор у посольства в 10:00", 41)
    finally:
        await gateway.close()
    [sms] = smsc.accepted
    assert provider_id == str(sms.id)
    assert (sms.phone, sms.text, sms.sender, sms.ref) == (
        "77011234567", "Сбор у посольства в 10:00", "MFA KZ", "41",
    )  # fmt: skip
    [request] = smsc.requests
    assert request["charset"] == "utf-8"
    assert API_KEY not in repr(gateway)


async def test_adapter_maps_errors_to_retry_or_final(smsc: FakeSmsc) -> None:
    gateway = SmscGateway(smsc.url, API_KEY)
    try:
        smsc.fail("77010000001", status=503)
        with pytest.raises(SmsError) as temporary:
            await gateway.send("+77010000001", "x", 1)
        assert (temporary.value.retry, temporary.value.reason) == (True, "HTTP 503")
        assert await gateway.send("+77010000001", "x", 1)  # the retry goes through
        smsc.fail("77010000002", error_code=8)
        with pytest.raises(SmsError) as final:
            await gateway.send("+77010000002", "x", 2)
        assert not final.value.retry
        assert final.value.reason == "SMSC 8: cannot be delivered to this number"
        with pytest.raises(SmsError) as invalid:
            await gateway.send("+12", "x", 3)
        assert (invalid.value.retry, invalid.value.reason) == (
            False,
            "SMSC 7: invalid phone number",
        )
        # The same SMS again within a minute: SMSC refuses it for now, not for good.
        with pytest.raises(SmsError) as again:
            await gateway.send("+77010000001", "x", 1)
        assert again.value.retry
        assert again.value.wait >= 60
    finally:
        await gateway.close()
    wrong = SmscGateway(smsc.url, "not-the-key")
    try:
        with pytest.raises(SmsError) as refused:
            await wrong.send("+77010000003", "x", 4)
        assert (refused.value.retry, refused.value.reason) == (False, "SMSC 2: API key refused")
    finally:
        await wrong.close()
    unreachable = SmscGateway("http://127.0.0.1:9/sys/send.php", API_KEY, timeout=2)
    try:
        with pytest.raises(SmsError) as network:
            await unreachable.send("+77010000004", "x", 5)
        assert network.value.retry
    finally:
        await unreachable.close()


class Scripted:
    """A gateway that answers from a list: an id, or an SmsError to raise."""

    name = "scripted"

    def __init__(self, answers: list[str | SmsError]) -> None:
        self.answers = answers

    async def send(self, phone: str, text: str, ref: int) -> str:
        answer = self.answers.pop(0)
        if isinstance(answer, SmsError):
            raise answer
        return answer

    async def close(self) -> None:
        return None


async def test_sender_records_sent_retry_and_final() -> None:
    gateway = Scripted(["m1", SmsError("HTTP 503", retry=True), SmsError("x", retry=False)])
    sender = SmsSender(gateway, SmsRepo(Database(":memory:")), Frozen(), 5, 3, lambda _: None)
    item = SmsItem(1, 7, 100, 0, "+77010000001", "text")
    assert (await sender.attempt(item)).kind == "sent"
    retry = await sender.attempt(item)
    assert retry.kind == "retry"
    assert retry.due_at == NOW + timedelta(seconds=2)
    assert (await sender.attempt(item)).kind == "failed"
    # Out of attempts, a temporary refusal is final too; no phone, nothing is tried.
    gateway.answers = [SmsError("HTTP 503", retry=True)]
    assert (await sender.attempt(SmsItem(2, 7, 101, 2, "+77010000002", "t"))).kind == "failed"
    assert (await sender.attempt(SmsItem(3, 7, 102, 0, "", "t"))).error == "no phone"
