"""The first contact: /start, the short notice in Telegram's language, consent, registration."""

from __future__ import annotations

from tests.support.fakebot import FakeBotApi
from tests.support.running import RunningBot


async def test_start_language_consent_menu(fake: FakeBotApi, bot: RunningBot) -> None:
    user = fake.user(1001, language_code="ru")
    user.send("/start")
    privacy = await user.expect("🔒 Ваши данные")  # no language question first
    assert len(privacy.text) < 300  # the short notice; the full one is behind "Подробнее"
    assert "🇰🇿 Қазақша" in [b["text"] for b in privacy.buttons()]
    user.press("Подробнее")
    await user.expect("Что мы храним", kind="edit")
    user.press("Қазақша")
    await user.expect("Дербес деректер", kind="edit")  # the same screen, in Kazakh
    user.press("Келісемін")
    await user.expect("келісім бердіңіз", kind="edit")
    await user.expect("қай елдесіз")  # consent leads straight into the registration
    user.press("Болдырмау")
    menu = await user.expect("Басты мәзір")
    assert "📝 Тіркелу" in [b["text"] for b in menu.buttons()]
