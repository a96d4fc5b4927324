"""What a first registration costs a citizen: actions, messages per action, keyboards left.

A new citizen stuck at Doha airport at night registers in Russian and in Kazakh, through the
fake Bot API, the quickest way the bot offers: the location button, the Telegram name button,
the contact button. Counted per language, from /start to "saved":

- actions: everything the citizen does (a command, a typed answer, a button, a share);
- messages: what the bot sends (new messages: each one is a notification on the phone),
  and edits of earlier messages (silent);
- keyboards left: bot messages that still carry inline buttons at the end, but the last one.

The pinned emergency numbers (one message, once per citizen) are counted in.

    .venv/bin/python -m bench.registration
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings
from tests.support.fakebot import TEST_TOKEN, FakeBotApi, FakeUser
from tests.support.running import STAFF_CHAT, RunningBot

# Hamad International Airport, Doha.
DOHA_AIRPORT = (25.2731, 51.6081)


@dataclass
class Walk:
    """A citizen whose every action is counted."""

    user: FakeUser
    actions: int = 0

    def send(self, text: str) -> None:
        """Type a message or a command."""
        self.actions += 1
        self.user.send(text)

    def press(self, label: str) -> None:
        """Press an inline button."""
        self.actions += 1
        self.user.press(label)

    def reply_button(self, label: str, location: tuple[float, float] | None = None) -> None:
        """Press a button of the reply keyboard (location or contact)."""
        self.actions += 1
        self.user.reply_button(label, location=location)

    async def expect(self, fragment: str) -> None:
        """Wait for the bot's answer."""
        await self.user.expect(fragment)


Script = list[tuple[str, str, str]]

# The quickest registration the bot offers, as (action, label, then-expect). Before issue 15
# it was 13 actions: /start, language, agree, "register", location, "yes", status, party,
# name, contact, needs, "skip the note", confirm.
RU: Script = [
    ("send", "/start", "🔒"),
    ("press", "Согласен", "В какой стране"),
    ("location", "Отправить геопозицию", "Ваш статус"),
    ("press", "Застрял(а)", "Сколько вас"),
    ("press", "1", "ФИО"),
    ("press", "Использовать", "Номер телефона"),
    ("contact", "Поделиться номером", "Какая помощь"),
    ("press", "Временное размещение", "Проверьте данные"),
    ("press", "Подтвердить", "☰"),
]
KK: Script = [
    ("send", "/start", "🔒"),
    ("press", "Келісемін", "қай елдесіз"),
    ("location", "Геолокацияны жіберу", "Қазіргі жағдайыңыз"),
    ("press", "Әуежайда", "қанша адамсыздар"),
    ("press", "1", "Төлқұжаттағыдай"),
    ("press", "атын қолдану", "Байланыс телефоны"),
    ("contact", "Нөміріммен бөлісу", "қандай көмек"),
    ("press", "Уақытша орналастыру", "Деректерді тексеріңіз"),
    ("press", "Растау", "☰"),
]


@dataclass(frozen=True)
class Figures:
    """What one registration cost."""

    actions: int
    sent: int
    edits: int
    keyboards_left: int

    @property
    def per_action(self) -> float:
        """New bot messages per citizen action."""
        return self.sent / self.actions


async def walk(fake: FakeBotApi, user_id: int, lang: str, script: Script) -> Figures:
    """Register one new citizen along `script`; return what it cost."""
    user = fake.user(user_id, first_name="Айгерим", last_name="Серикова", language_code=lang)
    citizen = Walk(user)
    for action, label, then in script:
        if action == "send":
            citizen.send(label)
        elif action == "press":
            citizen.press(label)
        elif action == "location":
            citizen.reply_button(label, location=DOHA_AIRPORT)
        else:
            citizen.reply_button(label)
        await citizen.expect(then)
    await user.settle(0.3)
    events = user.events()
    sent = [e for e in events if e.kind == "send"]
    edits = [e for e in events if e.kind == "edit"]
    bot_messages = [
        m for m in user.chat.messages.values()
        if m.get("from", {}).get("id") == fake.bot_user["id"] and not m.get("deleted")
    ]  # fmt: skip
    with_buttons = [
        m for m in bot_messages if (m.get("reply_markup") or {}).get("inline_keyboard")
    ]
    left = len(with_buttons) - (1 if with_buttons and with_buttons[-1] is bot_messages[-1] else 0)
    return Figures(citizen.actions, len(sent), len(edits), left)


async def main() -> None:
    """Run the bot in this process against the fake server; print the figures."""
    fake = FakeBotApi()
    await fake.start()
    fake.group(STAFF_CHAT, "Staff")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TEST_TOKEN,  # type: ignore[arg-type]
            database_path=Path(tmp) / "bench.sqlite3",
            bot_api_base_url=fake.base_url,
            staff_chat_id=STAFF_CHAT,
            # As an operator sets it: the pinned numbers are part of what a citizen receives.
            emergency_line="+7 7172 00 00 00",
            poll_timeout=1,
            log_level="WARNING",
        )
        bot = RunningBot(settings)
        await bot.start()
        try:
            results = {
                "ru": await walk(fake, 71_001, "ru", RU),
                "kk": await walk(fake, 71_002, "kk", KK),
            }
        finally:
            await bot.stop()
            await fake.stop()
    print("first registration, quickest path (location, Telegram name, contact), party of one")
    for lang, f in results.items():
        print(
            f"{lang}: {f.actions} actions, {f.sent} messages ({f.per_action:.2f} per action),"
            f" {f.edits} edits, {f.keyboards_left} keyboards left behind"
        )


if __name__ == "__main__":
    asyncio.run(main())
