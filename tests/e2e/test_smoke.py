"""The first contact: /start, language, consent, menu."""

from __future__ import annotations

from tests.support.fakebot import FakeBotApi
from tests.support.running import RunningBot


async def test_start_language_consent_menu(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(1001, language_code="ru")
    user.send("/start")
    choose = await user.expect("Выберите язык")
    assert "✓ 🇷🇺 Русский" in [b["text"] for b in choose.buttons()]
    user.press("Қазақша")
    await user.expect("Дербес деректер")
    user.press("Келісемін")
    await user.expect("Келісіміңіз сақталды")
    menu = await user.expect("Басты мәзір")
    assert "📝 Тіркелу" in [b["text"] for b in menu.buttons()]
