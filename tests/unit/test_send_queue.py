"""The engine's queue in memory (most urgent first, swapping out the least urgent when
full) and the two-person rule."""

from __future__ import annotations

from bot.notices.queue import SendQueue
from bot.notices.service import NoticeService
from bot.settings import Settings
from storage.audience import Audience
from storage.notices import NoticeDraft
from storage.outbox import OutboxItem
from tests.support.fakebot import TEST_TOKEN


def item(item_id: int, priority: int) -> OutboxItem:
    return OutboxItem(item_id, 1, "now", 100 + item_id, "send", "ru", 0, None, "AE", priority)


async def test_most_urgent_first_then_in_the_order_fetched() -> None:
    queue = SendQueue(limit=4)
    for entry in (item(5, 13), item(3, 13), item(9, 10), item(7, 3)):
        assert await queue.put(entry) is None
    assert queue.worst() == 13
    assert [(await queue.get()).id for _ in range(4)] == [7, 9, 5, 3]
    assert queue.worst() is None


async def test_a_full_queue_gives_up_its_least_urgent_item() -> None:
    queue = SendQueue(limit=2)
    await queue.put(item(1, 13))
    await queue.put(item(2, 12))
    evicted = await queue.put(item(3, 1))
    assert evicted is not None
    assert evicted.id == 1
    assert len(queue) == 2
    assert [(await queue.get()).id for _ in range(2)] == [3, 2]


def rule(threshold: int) -> NoticeService:
    """A notice service that only knows its settings (the rule reads nothing else)."""
    service = NoticeService.__new__(NoticeService)
    service.settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TEST_TOKEN,  # type: ignore[arg-type]
        approval_threshold=threshold,
    )
    return service


def test_two_person_rule_applies_to_urgent_and_large_notices() -> None:
    routine = NoticeDraft(Audience(), "Текст", None)
    urgent = NoticeDraft(Audience(), "Текст", None, urgent=True)
    check = NoticeDraft(Audience(), "", None, kind="safety")
    on, off = rule(500), rule(0)
    assert not on.needs_approval(routine, 500)
    assert on.needs_approval(routine, 501)
    assert on.needs_approval(urgent, 1)
    assert not on.needs_approval(check, 10_000), "safety checks are never held back"
    assert not off.needs_approval(urgent, 10_000), "0 turns the rule off"
