"""Keyboards. Callback data is a short prefix plus a value that handlers re-check."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.i18n import Translator
from bot.reference import countries
from storage.models import NEEDS, STATUSES

Button = InlineKeyboardButton


def rows(buttons: Sequence[Button], width: int) -> list[list[Button]]:
    """Lay buttons out `width` to a row."""
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def language(selected: str | None) -> InlineKeyboardMarkup:
    """Russian / Kazakh, the pre-selected one ticked."""
    mark = {"ru": "", "kk": ""}
    if selected in mark:
        mark[selected] = "✓ "
    return InlineKeyboardMarkup(
        [[
            Button(f"{mark['ru']}🇷🇺 Русский", callback_data="lang:ru"),
            Button(f"{mark['kk']}🇰🇿 Қазақша", callback_data="lang:kk"),
        ]]
    )  # fmt: skip


def consent(t: Translator) -> InlineKeyboardMarkup:
    """Agree / decline the privacy notice."""
    return InlineKeyboardMarkup(
        [
            [Button(t("btn-consent-yes"), callback_data="cons:yes")],
            [Button(t("btn-consent-no"), callback_data="cons:no")],
        ]
    )


def main_menu(t: Translator, registered: bool) -> InlineKeyboardMarkup:
    """The citizen's main menu."""
    buttons = [[Button(t("btn-update" if registered else "btn-register"), callback_data="m:reg")]]
    if registered:
        buttons.append([Button(t("btn-my"), callback_data="m:my")])
    buttons += [
        [Button(t("btn-faq"), callback_data="m:faq")],
        [Button(t("btn-hotline"), callback_data="m:hot")],
        [
            Button(t("btn-language"), callback_data="m:lang"),
            Button(t("btn-delete"), callback_data="m:del"),
        ],
    ]
    return InlineKeyboardMarkup(buttons)


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
    """The reply keyboard with the 'share my number' button."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t("btn-share-contact"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def yes_no(t: Translator, yes: str, no: str) -> InlineKeyboardMarkup:
    """Two buttons with the given callback data."""
    return InlineKeyboardMarkup(
        [[Button(t("btn-yes"), callback_data=yes), Button(t("btn-no"), callback_data=no)]]
    )


def statuses(t: Translator) -> InlineKeyboardMarkup:
    """Resident / tourist / transit / stuck / other."""
    buttons = [[Button(t(f"status-{s}"), callback_data=f"r:s:{s}")] for s in STATUSES]
    return InlineKeyboardMarkup([*buttons, _cancel(t)])


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
    return InlineKeyboardMarkup(
        [[Button(t("btn-use-name", name=name), callback_data="r:nm:tg")], _cancel(t)]
    )


def skip(t: Translator, data: str) -> InlineKeyboardMarkup:
    """Skip an optional step."""
    return InlineKeyboardMarkup([[Button(t("btn-skip"), callback_data=data)], _cancel(t)])


def cancel_only(t: Translator) -> InlineKeyboardMarkup:
    """Only Cancel."""
    return InlineKeyboardMarkup([_cancel(t)])


def summary(t: Translator) -> InlineKeyboardMarkup:
    """Confirm / edit / cancel under the summary."""
    return InlineKeyboardMarkup(
        [
            [Button(t("btn-confirm"), callback_data="r:ok")],
            [Button(t("btn-edit"), callback_data="r:ed")],
            _cancel(t),
        ]
    )


EDITABLE = ("country", "city", "status", "party", "name", "phone", "needs", "note", "vulnerable")


def edit_fields(t: Translator, prefix: str, back: str) -> InlineKeyboardMarkup:
    """One button per editable field, and Back."""
    buttons = [Button(t(f"field-{f}"), callback_data=f"{prefix}{f}") for f in EDITABLE]
    return InlineKeyboardMarkup([*rows(buttons, 2), [Button(t("btn-back"), callback_data=back)]])
