"""Issue 14, items 9-10, in the notices wing: a forged ack with a Unicode digit, and a
full-length notice shown again by /notices with its date."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import Catalog
from bot.reference.telegram_text import MAX_TEXT, visible_len
from tests.support.fakebot import FakeBotApi
from tests.support.journeys import ADMIN, citizens, compose
from tests.support.running import RunningBot
from tests.support.seed import Person, seed

GENERIC_ERROR = "Что-то пошло не так"


async def test_a_forged_ack_with_a_unicode_digit_is_a_stale_button(
    fake: FakeBotApi, bot: RunningBot, db_path: Path
) -> None:
    await seed(db_path, [Person(8401, "AE")])
    user = citizens(fake, [Person(8401, "AE")])[8401]
    query = user.press_data("ack:²")
    assert "устарела" in (await user.expect_answer(query)).get("text", "")
    await user.settle()
    assert not [e for e in user.events() if GENERIC_ERROR in e.text]


async def test_a_full_length_notice_is_shown_again_by_notices(
    fake: FakeBotApi, bot: RunningBot, db_path: Path
) -> None:
    await seed(db_path, [Person(8402, "AE")])
    user = citizens(fake, [Person(8402, "AE")])[8402]
    header = Catalog().format("ru", "notice-header") + "\n\n"
    text = "я" * (MAX_TEXT - visible_len(header))  # header and text: exactly 4,096 units
    admin = fake.user(ADMIN)
    await compose(admin, ["Объединённые Арабские Эмираты"], text, None)
    admin.press("Подтвердить")
    await user.expect("я" * 100, timeout=10)
    user.send("/notices")
    await user.expect("Последние официальные сообщения")
    again = await user.expect("я" * 100)
    assert text in again.text
    await user.settle()
    assert not [e for e in user.events() if GENERIC_ERROR in e.text]
