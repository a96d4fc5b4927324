"""Delivery marks: the sign on a citizen's message that it reached the staff topic.

The one place the mark is made (the relay calls it for every message that got there, the
acknowledgement's words promise it): a reaction, Bot API setMessageReaction, which costs
no message in the citizen's chat and none of the group's budget.
"""

from __future__ import annotations

import logging

from telegram import Bot, ReactionTypeEmoji
from telegram.error import TelegramError

log = logging.getLogger(__name__)

# The reaction meaning "it reached consular staff". Anything else that marks delivery must
# use this emoji (and call mark_delivered), so that citizens learn one sign.
DELIVERED = "👍"


async def mark_delivered(bot: Bot, chat_id: int, message_id: int) -> bool:
    """React to a citizen's message with DELIVERED; False if Telegram refused (a blocked bot,
    a deleted message): the message is in the topic all the same."""
    try:
        await bot.set_message_reaction(chat_id, message_id, ReactionTypeEmoji(DELIVERED))
    except TelegramError as exc:
        log.info("delivery mark not set: %s", type(exc).__name__)
        return False
    return True
