"""Keyboards. Callback data is a short prefix plus a value that handlers re-check."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.i18n import Markup, Translator
from bot.reference import countries
from storage.models import NEEDS, STATUSES

Button = InlineKeyboardButton


def rows(buttons: Sequence[Button], width: int) -> list[list[Button]]:
    """Lay buttons out `width` to a row."""
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def language(selected: str | None) -> InlineKeyboardMarkup:
    """Kazakh / Russian (the state language first), the pre-selected one ticked."""
    mark = {"ru": "", "kk": ""}
    if selected in mark:
        mark[selected] = "✓ "
    return InlineKeyboardMarkup(
        [[
            Button(f"{mark['kk']}🇰🇿 Қазақша", callback_data="lang:kk"),
            Button(f"{mark['ru']}🇷🇺 Русский", callback_data="lang:ru"),
        ]]
    )  # fmt: skip


# The language a citizen is not reading in, as a switch: the language comes from Telegram and
# this one button changes it (instead of a question before anything else).
_OTHER = {"ru": ("🇰🇿 Қазақша", "lang:kk"), "kk": ("🇷🇺 Русский", "lang:ru")}
# Callback data of the privacy notice: agree, decline, the full text.
CONSENT_YES, CONSENT_NO, CONSENT_MORE = "cons:yes", "cons:no", "cons:more"
# "End chat" (handlers.hotline.citizen.end_hotline): free text stops going to staff.
END_CHAT = "h:end"


def language_switch(lang: str) -> list[Button]:
    """A row with the one button that switches to the other language."""
    label, data = _OTHER.get(lang, _OTHER["ru"])
    return [Button(label, callback_data=data)]


def consent(t: Translator, more: bool = True) -> InlineKeyboardMarkup:
    """Agree / decline the privacy notice, the full text, and the language switch."""
    rows = [
        [Button(t("btn-consent-yes"), callback_data=CONSENT_YES)],
        [Button(t("btn-consent-no"), callback_data=CONSENT_NO)],
    ]
    if more:
        rows.append([Button(t("btn-privacy-more"), callback_data=CONSENT_MORE)])
    rows.append(language_switch(t.lang))
    return InlineKeyboardMarkup(rows)


def declined(t: Translator) -> InlineKeyboardMarkup:
    """After "I do not agree": what needs no stored data, and agreeing after all."""
    return InlineKeyboardMarkup(
        [
            [Button(t("btn-faq"), callback_data="m:faq")],
            [Button(t("btn-hotline"), callback_data="m:hot")],
            [Button(t("btn-consent-yes"), callback_data=CONSENT_YES)],
        ]
    )


def end_chat_row(t: Translator) -> list[Button]:
    """The "End chat" button, shown wherever free text goes to staff."""
    return [Button(t("btn-end-chat"), callback_data=END_CHAT)]


def main_menu(t: Translator, registered: bool, in_chat: bool = False) -> InlineKeyboardMarkup:
    """The citizen's main menu; during a hotline chat "End chat" replaces "Write"."""
    buttons = [[Button(t("btn-update" if registered else "btn-register"), callback_data="m:reg")]]
    if registered:
        buttons.append([Button(t("btn-my"), callback_data="m:my")])
    buttons += [
        [Button(t("btn-faq"), callback_data="m:faq")],
        end_chat_row(t) if in_chat else [Button(t("btn-hotline"), callback_data="m:hot")],
        [
            Button(t("btn-language"), callback_data="m:lang"),
            Button(t("btn-delete"), callback_data="m:del"),
        ],
    ]
    return InlineKeyboardMarkup(buttons)


def hotline_intro(t: Translator) -> InlineKeyboardMarkup:
    """Under "you are writing to consular staff": end the chat, or the menu."""
    return InlineKeyboardMarkup([end_chat_row(t), [Button(t("btn-menu"), callback_data="m:menu")]])


def back_to_menu(t: Translator) -> InlineKeyboardMarkup:
    """A single 'main menu' button."""
    return InlineKeyboardMarkup([[Button(t("btn-menu"), callback_data="m:menu")]])


def confirm_delete(t: Translator) -> InlineKeyboardMarkup:
    """Erase / keep."""
    return InlineKeyboardMarkup(
        [
            [Button(t("btn-delete-confirm"), callback_data="del:yes")],
            [Button(t("btn-delete-keep"), callback_data="m:menu")],
        ]
    )


CANCEL_ROW = "r:x"


def _cancel(t: Translator) -> list[Button]:
    return [Button(t("btn-cancel"), callback_data=CANCEL_ROW)]


def country_choice(t: Translator, codes: Sequence[str] = countries.REGION) -> InlineKeyboardMarkup:
    """Country buttons (the region first), two to a row, and Cancel."""
    buttons = [
        Button(countries.label(code, t.lang), callback_data=f"r:c:{code}")
        for code in codes
        if countries.get(code) is not None
    ]
    return InlineKeyboardMarkup([*rows(buttons, 2), _cancel(t)])


def share_location(t: Translator) -> ReplyKeyboardMarkup:
    """The reply keyboard with the 'send my location' button."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t("btn-share-location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def share_contact(t: Translator) -> ReplyKeyboardMarkup:
    """The reply keyboard with 'share my number' and Cancel.

    A request_contact button exists only on a reply keyboard, and a message carries one
    keyboard, so Cancel is a reply button here (the registration reads its label as /cancel)
    rather than an inline one on a second message.
    """
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(t("btn-share-contact"), request_contact=True)],
            [KeyboardButton(t("btn-cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def yes_no(t: Translator, yes: str, no: str) -> InlineKeyboardMarkup:
    """Two buttons with the given callback data."""
    return InlineKeyboardMarkup(
        [[Button(t("btn-yes"), callback_data=yes), Button(t("btn-no"), callback_data=no)]]
    )


def gps_confirm(t: Translator) -> InlineKeyboardMarkup:
    """Yes / no / other city under "You are here: ...?" (drafts saved by older versions)."""
    return InlineKeyboardMarkup(
        [
            [Button(t("btn-yes"), callback_data="r:g:yes")],
            place_change(t),
            _cancel(t),
        ]
    )


# The city-country check: move to the country the typed city is in, or keep the choice.
CITY_MOVE, CITY_KEEP = "r:cc:move", "r:cc:keep"


def city_check(t: Translator, moved: str, kept: str) -> InlineKeyboardMarkup:
    """The two readings of a typed city that the gazetteer places in another country."""
    return InlineKeyboardMarkup(
        [
            [Button(moved, callback_data=CITY_MOVE)],
            [Button(kept, callback_data=CITY_KEEP)],
            _cancel(t),
        ]
    )


# Under the question after a shared location: the place was not right after all.
OTHER_CITY, OTHER_COUNTRY = "r:g:city", "r:g:no"


def place_change(t: Translator) -> list[Button]:
    """Other city (the country stands) / other country, for a place from a shared location."""
    return [
        Button(t("btn-other-city"), callback_data=OTHER_CITY),
        Button(t("btn-other-country"), callback_data=OTHER_COUNTRY),
    ]


def statuses(t: Translator, change_place: bool = False) -> InlineKeyboardMarkup:
    """Resident / tourist / transit / stuck / other; after a shared location, "change" too."""
    buttons = [[Button(t(f"status-{s}"), callback_data=f"r:s:{s}")] for s in STATUSES]
    extra = [place_change(t)] if change_place else []
    return InlineKeyboardMarkup([*buttons, *extra, _cancel(t)])


def numbers(t: Translator, prefix: str, start: int, stop: int) -> InlineKeyboardMarkup:
    """Number buttons start..stop (inclusive), four to a row."""
    buttons = [Button(str(n), callback_data=f"{prefix}{n}") for n in range(start, stop + 1)]
    return InlineKeyboardMarkup([*rows(buttons, 4), _cancel(t)])


def needs(t: Translator) -> InlineKeyboardMarkup:
    """None / consular help / accommodation / evacuation."""
    buttons = [[Button(t(f"needs-{n}"), callback_data=f"r:n:{n}")] for n in NEEDS]
    return InlineKeyboardMarkup([*buttons, _cancel(t)])


def vulnerable(t: Translator) -> InlineKeyboardMarkup:
    """Someone vulnerable in the party: yes / no."""
    return InlineKeyboardMarkup(
        [
            [Button(t("btn-reg-vulnerable-yes"), callback_data="r:v:yes")],
            [Button(t("btn-reg-vulnerable-no"), callback_data="r:v:no")],
            _cancel(t),
        ]
    )


def telegram_name(t: Translator, name: str) -> InlineKeyboardMarkup:
    """Use the Telegram profile name as the full name."""
    # A button label is plain text, shown as is: escaping the name would show "&lt;".
    label = t("btn-use-name", name=Markup(name))
    return InlineKeyboardMarkup([[Button(label, callback_data="r:nm:tg")], _cancel(t)])


def skip(t: Translator, data: str) -> InlineKeyboardMarkup:
    """Skip an optional step."""
    return InlineKeyboardMarkup([[Button(t("btn-skip"), callback_data=data)], _cancel(t)])


def cancel_only(t: Translator) -> InlineKeyboardMarkup:
    """Only Cancel."""
    return InlineKeyboardMarkup([_cancel(t)])


# The optional note, offered as a line of the summary instead of a step of its own.
ADD_NOTE = "r:note:add"


def summary(t: Translator, has_note: bool = False) -> InlineKeyboardMarkup:
    """Confirm / a note for the consul / edit / cancel under the summary."""
    return InlineKeyboardMarkup(
        [
            [Button(t("btn-confirm"), callback_data="r:ok")],
            [Button(t("btn-change-note" if has_note else "btn-add-note"), callback_data=ADD_NOTE)],
            [Button(t("btn-edit"), callback_data="r:ed")],
            _cancel(t),
        ]
    )


EDITABLE = ("country", "city", "status", "party", "name", "phone", "needs", "note", "vulnerable")


def edit_fields(t: Translator, prefix: str, back: str) -> InlineKeyboardMarkup:
    """One button per editable field, and Back."""
    buttons = [Button(t(f"field-{f}"), callback_data=f"{prefix}{f}") for f in EDITABLE]
    return InlineKeyboardMarkup([*rows(buttons, 2), [Button(t("btn-back"), callback_data=back)]])
