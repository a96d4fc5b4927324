"""What a first registration costs a citizen: actions, messages per action, keyboards left.

A new citizen stuck at Doha airport at night registers in Russian and in Kazakh, through the
fake Bot API, the quickest way the bot offers (tests.support.journeys.QUICKEST_REGISTRATION:
the location button, the Telegram name button, the contact button). Before issue 15 it took
13 actions: /start, language, agree, "register", location, "yes", status, party, name,
contact, needs, "skip the note", confirm. Counted per language, from /start to "saved":

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
from tests.support.fakebot import TEST_TOKEN, FakeBotApi
from tests.support.journeys import DOHA_AIRPORT, QUICKEST_REGISTRATION, keyboards_left, walk
from tests.support.running import STAFF_CHAT, RunningBot


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


async def register(fake: FakeBotApi, user_id: int, lang: str) -> Figures:
    """Register one new citizen the quickest way; return what it cost."""
    user = fake.user(user_id, first_name="Айгерим", last_name="Серикова", language_code=lang)
    actions = await walk(user, QUICKEST_REGISTRATION[lang], DOHA_AIRPORT)
    await user.settle(0.3)
    events = user.events()
    sent = [e for e in events if e.kind == "send"]
    edits = [e for e in events if e.kind == "edit"]
    return Figures(actions, len(sent), len(edits), keyboards_left(fake, user))


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
                "ru": await register(fake, 71_001, "ru"),
                "kk": await register(fake, 71_002, "kk"),
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
