"""The relay's plan: how a ticket's waiting messages become as few group messages as they
allow (digest, albums, the card riding on the first message)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from bot.reference.telegram_text import visible_len
from bot.relay.plan import Album, Copy, CopyAlbum, Text, cost, plan
from storage.relays import EDIT, NOTE, PendingRelay

T0 = datetime(2030, 3, 1, 9, 5, tzinfo=UTC)
_ids = itertools.count(1)


def row(
    kind: str = "text", body: str | None = "текст", minute: int = 0, **extra: object
) -> PendingRelay:
    n = next(_ids)
    fields: dict[str, object] = {
        "id": n, "ticket_id": 1, "staff_chat_id": -100, "kind": kind, "message_id": 100 + n,
        "body": body, "file_id": f"F{n}" if kind in ("photo", "video", "document") else None,
        "media_group_id": None, "sender_name": "Айгерим", "reply_to": None,
        "written_at": T0 + timedelta(minutes=minute), "urgent": False,
    }  # fmt: skip
    fields.update(extra)
    return PendingRelay(**fields)  # type: ignore[arg-type]


def stamp(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def test_a_lone_text_is_copied_as_written() -> None:
    only = row()
    assert plan([only], head=None, flag=None, stamp=stamp) == [Copy(only.message_id or 0, (only,))]


def test_the_card_and_the_first_message_are_one_message() -> None:
    first = row(body="Помогите")
    (send,) = plan([first], head="CARD", flag="🔴 URGENT", stamp=stamp)
    assert isinstance(send, Text)
    assert send.html == "CARD\n\n🔴 URGENT\n\nПомогите"
    assert send.head
    assert send.rows == (first,)


def test_waiting_texts_become_one_digest_with_their_times() -> None:
    rows = [row(body="первое", minute=0), row(body="второе", minute=2), row(NOTE, "заметка", 3)]
    (send,) = plan(rows, head=None, flag=None, stamp=stamp)
    assert isinstance(send, Text)
    assert send.html == "<b>09:05</b> первое\n<b>09:07</b> второе\n<b>09:08</b> заметка"
    assert send.rows == tuple(rows)
    assert cost(send) == 1


def test_a_digest_stays_within_telegram_s_limit() -> None:
    rows = [row(body="я" * 1500, minute=m) for m in range(5)]
    sends = plan(rows, head=None, flag=None, stamp=stamp)
    assert len(sends) == 3
    assert all(isinstance(s, Text) and visible_len(s.html) <= 4096 for s in sends)
    assert [r for s in sends for r in s.rows] == rows


def test_a_full_length_edit_goes_on_in_a_second_message_replying_to_the_copy() -> None:
    edit = row(EDIT, "✏️ исправил: " + "😀" * 2048, reply_to=77)
    first, second = plan([edit], head=None, flag=None, stamp=stamp)
    assert isinstance(first, Text)
    assert isinstance(second, Text)
    assert first.html.startswith("✏️ исправил: ")
    assert second.rows == (edit,)
    assert second.reply_to == 77


def test_separate_photos_become_an_album_and_an_album_stays_one() -> None:
    photos = [row("photo", None), row("photo", "подпись"), row("video", None)]
    album = [row("photo", None, media_group_id="G"), row("photo", None, media_group_id="G")]
    voice = row("voice", None)
    sends = plan([*photos, *album, voice], head=None, flag=None, stamp=stamp)
    assert [type(s) for s in sends] == [CopyAlbum, Album, Copy]
    copied, built, single = sends
    assert isinstance(copied, CopyAlbum)
    assert copied.message_ids == tuple(r.message_id for r in album)
    assert isinstance(built, Album)
    assert [m.kind for m in built.media] == [
        "photo",
        "photo",
        "video",
    ]
    assert built.media[1].caption == "<b>09:05</b> подпись"
    assert isinstance(single, Copy)
    assert single.rows == (voice,)
    assert sum(cost(s) for s in sends) == 6


def test_without_text_the_card_rides_on_a_lone_photo_s_caption() -> None:
    photo = row("photo", "посадочный талон")
    (send,) = plan([photo], head="CARD", flag=None, stamp=stamp)
    assert send == Copy(
        photo.message_id or 0, (photo,), caption="CARD\n\nпосадочный талон", head=True
    )


def test_a_card_that_cannot_ride_goes_first_on_its_own() -> None:
    sticker = row("sticker", None)
    head, copy = plan([sticker], head="CARD", flag=None, stamp=stamp)
    assert head == Text("CARD", head=True)
    assert copy == Copy(sticker.message_id or 0, (sticker,))
