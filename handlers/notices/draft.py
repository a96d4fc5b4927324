"""What a staff member is composing or editing, kept in user_data between steps.

user_data is persisted (bot.runtime.persistence), so these keys and the JSON inside them
are part of the database: drafts saved before an upgrade must resume after it. They keep
their first names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update

from bot.context import HotlineContext
from bot.notices import text as notice_text
from bot.notices.reminders import DEFAULT_POLICY
from bot.staff.roles import Role
from handlers.common import reply
from storage.audience import Audience
from storage.notices import Notice, NoticeDraft

# The notice being composed or edited: {"countries", "statuses", "needs", "text_ru",
# "text_kk", "media_kind", "media_file_id", "ack", "schedule", "tz", "wall_time", "until",
# "followers", "urgent", "remind": [hours, at most], "sms"} while composing (drafts saved
# before the last four existed read as no followers choice, not urgent, the default
# reminders, no SMS); {"edit_id", "media_kind", "text_ru", "text_kk"} while editing.
DRAFT = "bc"
# A /safety check waiting for its confirmation: {"country", "city"}.
SAFETY = "safety"


class Draft:
    """The "bc" draft, read and written by name; the dict underneath is what is stored."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def picked(self, field: str) -> list[str]:
        """The countries, statuses or needs picked so far."""
        return list(self.data.get(field) or ())

    def toggle(self, field: str, value: str) -> None:
        """Pick or unpick one country, status or need."""
        chosen: list[str] = self.data.setdefault(field, [])
        if value in chosen:
            chosen.remove(value)
        else:
            chosen.append(value)

    def add_countries(self, codes: list[str]) -> None:
        """Add typed countries to the pick, each once."""
        chosen: list[str] = self.data.setdefault("countries", [])
        chosen.extend(c for c in codes if c not in chosen)

    @property
    def text_ru(self) -> str | None:
        """The Russian text (HTML), once given."""
        value = self.data.get("text_ru")
        return None if value is None else str(value)

    @text_ru.setter
    def text_ru(self, html: str) -> None:
        self.data["text_ru"] = html

    @property
    def text_kk(self) -> str | None:
        """The Kazakh text; None sends the Russian one to everyone."""
        value = self.data.get("text_kk")
        return None if value is None else str(value)

    @text_kk.setter
    def text_kk(self, html: str | None) -> None:
        self.data["text_kk"] = html

    @property
    def media_kind(self) -> str | None:
        """'photo', 'document', or None."""
        return self.data.get("media_kind")

    @property
    def media_file_id(self) -> str | None:
        """Telegram's file id of the attachment."""
        return self.data.get("media_file_id")

    def set_media(self, kind: str, file_id: str) -> None:
        """Attach a photo or a document."""
        self.data["media_kind"], self.data["media_file_id"] = kind, file_id

    def clear_media(self) -> None:
        """Take the attachment off again."""
        self.data.pop("media_kind", None)
        self.data.pop("media_file_id", None)

    @property
    def ack(self) -> bool:
        """With the acknowledgement button."""
        return bool(self.data.get("ack"))

    @ack.setter
    def ack(self, value: bool) -> None:
        self.data["ack"] = value

    @property
    def schedule(self) -> str:
        """'now', 'at' or 'daily'."""
        return str(self.data.get("schedule", "now"))

    @property
    def tz(self) -> str:
        """'astana' or 'local'."""
        return str(self.data.get("tz", "astana"))

    def set_when(self, schedule: str, tz: str) -> None:
        """Now, at a time or daily; in Astana's or each country's local time."""
        self.data["schedule"], self.data["tz"] = schedule, tz

    @property
    def wall_time(self) -> str | None:
        """'YYYY-MM-DD HH:MM' for a one-off, 'HH:MM' for a daily notice."""
        return self.data.get("wall_time")

    @wall_time.setter
    def wall_time(self, value: str) -> None:
        self.data["wall_time"] = value

    @property
    def until(self) -> str | None:
        """The last day of a daily notice (ISO date)."""
        return self.data.get("until")

    @until.setter
    def until(self, value: str) -> None:
        self.data["until"] = value

    @property
    def urgent(self) -> bool:
        """Marked urgent: sent before routine notices, reminded at any hour."""
        return bool(self.data.get("urgent"))

    @urgent.setter
    def urgent(self, value: bool) -> None:
        self.data["urgent"] = value

    @property
    def followers(self) -> bool:
        """Also to those following the countries: as staff chose, else only when urgent."""
        chosen = self.data.get("followers")
        return self.urgent if chosen is None else bool(chosen)

    def switch_followers(self) -> None:
        """Include the followers, or leave them out."""
        self.data["followers"] = not self.followers

    @property
    def remind(self) -> tuple[int, int]:
        """Reminders (after hours, at most): the default with the "Received" button, else none."""
        if not self.ack:
            return (0, 0)
        value = self.data.get("remind")
        if not isinstance(value, list) or len(value) != 2:
            return DEFAULT_POLICY
        return (int(value[0]), int(value[1]))

    @remind.setter
    def remind(self, value: tuple[int, int]) -> None:
        self.data["remind"] = list(value)

    @property
    def sms(self) -> str | None:
        """The SMS text for those the notice does not reach."""
        value = self.data.get("sms")
        return None if value is None else str(value)

    @sms.setter
    def sms(self, value: str | None) -> None:
        self.data["sms"] = value

    @property
    def edit_id(self) -> int:
        """The notice being edited (0 when composing)."""
        return int(self.data.get("edit_id", 0))


def draft(context: HotlineContext) -> Draft:
    """The current draft (an empty one if there is none)."""
    data = context.user_data if context.user_data is not None else {}
    return Draft(data.setdefault(DRAFT, {}))


def new_draft(context: HotlineContext) -> None:
    """Start composing a new notice."""
    if context.user_data is not None:
        context.user_data[DRAFT] = {"countries": [], "statuses": [], "needs": []}


def edit_draft(context: HotlineContext, notice: Notice) -> None:
    """Start editing the texts of a sent notice."""
    if context.user_data is not None:
        context.user_data[DRAFT] = {"edit_id": notice.id, "media_kind": notice.media_kind}


def drop_draft(context: HotlineContext) -> None:
    """Forget the draft (sent, stored or cancelled)."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


def audience(d: Draft, role: Role) -> Audience:
    """The draft's audience cut to the role's scope (staff with no pick: all their countries)."""
    scope = role.scope(frozenset(d.picked("countries")))
    return Audience(
        countries=tuple(sorted(scope)) if scope is not None else (),
        statuses=tuple(d.picked("statuses")),
        needs=tuple(d.picked("needs")),
        followers=d.followers,
    )


def notice_draft(d: Draft, role: Role) -> NoticeDraft:
    """What is stored when the draft is confirmed."""
    return NoticeDraft(
        audience=audience(d, role),
        text_ru=d.text_ru or "",
        text_kk=d.text_kk,
        media_kind=d.media_kind,
        media_file_id=d.media_file_id,
        ack=d.ack,
        schedule=d.data.get("schedule", "now"),
        tz_mode=d.data.get("tz", "astana"),
        wall_time=d.wall_time,
        until_date=d.until,
        urgent=d.urgent,
        remind_hours=d.remind[0],
        remind_max=d.remind[1],
        sms_text=d.sms,
    )


def _message_html(message: Message) -> str:
    """The staff member's text with their formatting (bold, links) as Telegram HTML."""
    return message.text_html if message.text else (message.caption_html or "")


async def take_text(update: Update, context: HotlineContext) -> str | None:
    """The text of a text message, checked as Telegram would; None after telling why."""
    message = update.effective_message
    if message is None or not message.text:
        await reply(update, context.t("bc-wrong-kind"))
        return None
    # Dates and times typed in the text become date_time entities (each reader's zone).
    html = notice_text.with_times(_message_html(message), context.settings.tz)
    with_media = bool(draft(context).media_kind)
    problem = notice_text.check(context.services.catalog, html, with_media=with_media)
    if problem:
        limit = notice_text.MAX_CAPTION if with_media else notice_text.MAX_TEXT
        await reply(update, context.t(f"bc-text-{problem}", max=limit))
        return None
    return html


Step = Callable[[Update, HotlineContext], Awaitable[str]]


async def kazakh_text(update: Update, context: HotlineContext, state: str, then: Step) -> str:
    """The Kazakh text, when composing and when editing: stored, then the next step."""
    html = await take_text(update, context)
    if html is None:
        return state
    draft(context).text_kk = html
    return await then(update, context)
