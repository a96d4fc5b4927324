"""Albums staff send in a topic reach the citizen as one album.

Telegram delivers an album as one update per item. Each item's update is collected here
(its handler returns at once, so the chat's next items are not held behind it) and held
open in the inbox; once no item has come for ALBUM_SETTLE seconds the album is copied to the
citizen in one copyMessages call, which keeps it an album, and the items' updates are done.
A kill before that leaves them unfinished: they are handled again at start-up, and the
album goes then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from telegram import Message
from telegram.error import Forbidden, TelegramError

from bot.context import HotlineContext
from handlers.hotline.cards import staff_t
from storage.tickets import Ticket

log = logging.getLogger(__name__)

ALBUM_SETTLE = 1.0


@dataclass
class _Album:
    ticket: Ticket
    chat_id: int
    thread_id: int | None
    # (topic message, its update) in the order they came.
    items: list[tuple[int, int]] = field(default_factory=list)
    last: float = 0.0
    task: asyncio.Task[None] | None = None


# (application, chat, album) -> the album being collected; per process, as the inbox's hold.
_collecting: dict[tuple[int, int, str], _Album] = {}


async def collect(
    update_id: int, context: HotlineContext, ticket: Ticket, message: Message
) -> None:
    """Add an album item; the album goes to the citizen once it is whole."""
    key = (id(context.application), message.chat_id, message.media_group_id or "")
    album = _collecting.get(key)
    if album is None:
        album = _collecting[key] = _Album(ticket, message.chat_id, message.message_thread_id)
    album.items.append((message.message_id, update_id))
    album.last = asyncio.get_running_loop().time()
    context.services.inbox.hold(update_id)
    if album.task is None:
        album.task = context.application.create_task(_send_when_whole(key, album, context))


async def _send_when_whole(
    key: tuple[int, int, str], album: _Album, context: HotlineContext
) -> None:
    loop = asyncio.get_running_loop()
    # A loop: every item that comes meanwhile moves the end.
    while (left := album.last + ALBUM_SETTLE - loop.time()) > 0:  # noqa: ASYNC110
        await asyncio.sleep(left)
    _collecting.pop(key, None)
    try:
        await _send(album, context)
    finally:
        context.services.inbox.release([u for _, u in album.items])


async def _send(album: _Album, context: HotlineContext) -> None:
    ticket = album.ticket
    t = staff_t(context)
    bot = context.bot
    ids = sorted(m for m, _ in album.items)
    answer_to = ids[0]
    try:
        copies = await bot.copy_messages(ticket.user_id, album.chat_id, ids)
    except Forbidden:
        await _tell(context, album, answer_to, t("staff-undelivered-blocked"))
        return
    except TelegramError as exc:
        log.warning("album of ticket %s not delivered: %s", ticket.id, type(exc).__name__)
        await _tell(context, album, answer_to, t("staff-undelivered"))
        return
    services = context.services
    now = services.clock.now()
    for staff_id, copy in zip(ids, copies, strict=False):
        await services.tickets.link(ticket.id, "out", copy.message_id, staff_id, now)
    await services.tickets.touch(ticket.id, "staff", now)


async def _tell(context: HotlineContext, album: _Album, reply_to: int, text: str) -> None:
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(
            album.chat_id, text, message_thread_id=album.thread_id, reply_to_message_id=reply_to
        )
