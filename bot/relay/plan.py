"""What goes into a topic for a ticket's waiting messages: as few group messages as the
messages allow (no Telegram here; bot.relay.engine sends the plan).

Telegram lets a bot post about 20 messages a minute into one group, and a citizen writing
while the group's budget is short has several messages waiting at once. They go together:
- the texts (and edits, and the bot's notes) as one digest, each with the time it was
  written; a single text goes as a copy of the citizen's message, formatting and all;
- photos and videos as albums (documents with documents, audio with audio), up to ten;
  an album the citizen sent stays that album (copied as one);
- anything else (voice, stickers, locations, contacts ...) as a copy of its own.
The head (the citizen card of a new topic, a note that the topic was recreated) and the
urgent flag lead the first text, or the caption of a lone photo or document when there is
no text: the first message of a new ticket is one group message where its kind allows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.reference.telegram_text import MAX_CAPTION, MAX_TEXT, split, visible_len
from storage.relays import EDIT, NOTE, PendingRelay

# Kinds whose content is text: merged into the digest.
TEXTUAL = frozenset({"text", EDIT, NOTE})
# Kinds sent with a caption (the head may ride on it).
CAPTIONED = frozenset({"photo", "video", "animation", "document", "audio", "voice"})
# Kinds that sendMediaGroup takes, by the albums they may share.
FAMILY = {"photo": "visual", "video": "visual", "document": "document", "audio": "audio"}
MAX_ALBUM = 10

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Text:
    """sendMessage: HTML, optionally a reply to a topic message."""

    html: str
    rows: tuple[PendingRelay, ...] = ()
    reply_to: int | None = None
    head: bool = False


@dataclass(frozen=True, slots=True)
class Copy:
    """copyMessage of one citizen message, optionally with a new caption (HTML)."""

    message_id: int
    rows: tuple[PendingRelay, ...]
    caption: str | None = None
    head: bool = False


@dataclass(frozen=True, slots=True)
class CopyAlbum:
    """copyMessages of an album the citizen sent: it arrives as one album."""

    message_ids: tuple[int, ...]
    rows: tuple[PendingRelay, ...]


@dataclass(frozen=True, slots=True)
class Media:
    """One item of an album built from separate messages."""

    kind: str
    file_id: str
    caption: str | None


@dataclass(frozen=True, slots=True)
class Album:
    """sendMediaGroup of photos/videos (or documents, or audio) sent one by one."""

    media: tuple[Media, ...]
    rows: tuple[PendingRelay, ...]


Send = Text | Copy | CopyAlbum | Album


def cost(send: Send) -> int:
    """Group messages a send puts into the topic."""
    if isinstance(send, CopyAlbum):
        return len(send.message_ids)
    if isinstance(send, Album):
        return len(send.media)
    return 1


def plain(html_text: str) -> str:
    """What Telegram shows of an HTML text: tags off, entities decoded."""
    return html.unescape(_TAG.sub("", html_text))


@dataclass
class _Digest:
    """Texts gathered into as few messages as Telegram's 4,096 units allow."""

    stamp: Callable[[datetime], str]
    lead: str = ""
    sends: list[Text] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    rows: list[PendingRelay] = field(default_factory=list)

    def add(self, row: PendingRelay, timed: bool) -> None:
        body = row.body or ""
        line = f"<b>{html.escape(self.stamp(row.written_at))}</b> {body}" if timed else body
        if visible_len(self._join([*self.lines, line])) <= MAX_TEXT:
            self.lines.append(line)
            self.rows.append(row)
            return
        self.flush()
        if visible_len(self._join([line])) <= MAX_TEXT:
            self.lines.append(line)
            self.rows.append(row)
            return
        # Longer than a message even alone: the bot's words and the text go on in further
        # messages (plain text; its formatting cannot be cut in two safely).
        pieces = split(plain(self._join([line])), MAX_TEXT)
        for piece in pieces[:-1]:
            self.sends.append(Text(html.escape(piece), head=self._take_lead()))
        self.sends.append(Text(html.escape(pieces[-1]), (row,), reply_to=_reply(row)))

    def _join(self, lines: list[str]) -> str:
        parts = [self.lead, "\n".join(lines)] if self.lead else ["\n".join(lines)]
        return "\n\n".join(p for p in parts if p)

    def _take_lead(self) -> bool:
        had = bool(self.lead)
        self.lead = ""
        return had

    def flush(self) -> None:
        if not self.lines and not self.lead:
            return
        reply_to = _reply(self.rows[0]) if len(self.rows) == 1 else None
        text = self._join(self.lines)
        self.sends.append(Text(text, tuple(self.rows), reply_to, head=self._take_lead()))
        self.lines, self.rows = [], []


def _reply(row: PendingRelay) -> int | None:
    return row.reply_to if row.kind == EDIT else None


def plan(
    rows: Sequence[PendingRelay],
    *,
    head: str | None,
    flag: str | None,
    stamp: Callable[[datetime], str],
) -> list[Send]:
    """The sends that put `rows` into the topic, with `head` and `flag` in the first."""
    lead = "\n\n".join(p for p in (head, flag) if p)
    texts = [r for r in rows if r.kind in TEXTUAL]
    albums: dict[str, list[PendingRelay]] = {}
    singles: list[PendingRelay] = []
    for row in rows:
        if row.kind in TEXTUAL:
            continue
        if row.media_group_id and row.message_id is not None:
            albums.setdefault(row.media_group_id, []).append(row)
        else:
            singles.append(row)
    sends: list[Send] = []
    if texts:
        only = texts[0]
        if len(texts) == 1 and not lead and only.kind == "text" and only.message_id is not None:
            sends.append(Copy(only.message_id, (only,)))
        else:
            digest = _Digest(stamp, lead)
            lead = ""
            for row in texts:
                digest.add(row, timed=len(texts) > 1)
            digest.flush()
            sends.extend(digest.sends)
    if lead:
        first = next((r for r in singles if r.kind in CAPTIONED), None)
        caption = "\n\n".join(p for p in (lead, first.body if first else None) if p)
        if (
            first is not None
            and first.message_id is not None
            and (visible_len(caption) <= MAX_CAPTION)
        ):
            sends.append(Copy(first.message_id, (first,), caption=caption, head=True))
            singles.remove(first)
        else:
            sends.append(Text(lead, head=True))
    for items in albums.values():
        ids = tuple(r.message_id for r in items if r.message_id is not None)
        sends.append(CopyAlbum(ids, tuple(items)))
    sends.extend(_media(singles, stamp))
    return sends


def _media(rows: list[PendingRelay], stamp: Callable[[datetime], str]) -> list[Send]:
    """Albums of what may share one, a copy of everything else (in the order written)."""
    families: dict[str, list[PendingRelay]] = {}
    for row in rows:
        family = FAMILY.get(row.kind)
        if family is not None and row.file_id:
            families.setdefault(family, []).append(row)
    grouped = {r.id for group in families.values() if len(group) > 1 for r in group}
    sends: list[Send] = []
    for group in families.values():
        if len(group) < 2:
            continue
        for start in range(0, len(group), MAX_ALBUM):
            chunk = group[start : start + MAX_ALBUM]
            sends.append(Album(tuple(_item(r, stamp) for r in chunk), tuple(chunk)))
    for row in rows:
        if row.id not in grouped and row.message_id is not None:
            sends.append(Copy(row.message_id, (row,)))
    return sends


def _item(row: PendingRelay, stamp: Callable[[datetime], str]) -> Media:
    """An album item, captioned with the time it was sent (the caption kept if it fits)."""
    when = f"<b>{html.escape(stamp(row.written_at))}</b>"
    caption = f"{when} {row.body}" if row.body else when
    if visible_len(caption) > MAX_CAPTION:
        caption = row.body or ""
    return Media(row.kind, row.file_id or "", caption or None)
