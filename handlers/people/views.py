"""What the people feature shows: cards, menus, buttons, and the callback prefixes they carry.

Every prefix is defined here beside the code that builds its buttons; the handlers' patterns
import them. Callback data only names a choice or an id: handlers look it up and check it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Markup, Translator
from bot.people import stay
from bot.reference import countries
from handlers.keyboards import rows
from storage.people import Details, Member
from storage.people_links import Link

Button = InlineKeyboardButton

# The details conversation: pd:menu opens it; pd:<section> asks one thing.
DETAILS = "pd:"
OPEN = DETAILS + "menu"
STAY_PICK = DETAILS + "st:"  # pd:st:<days> | pd:st:none
RELATION = DETAILS + "rel:"  # pd:rel:<code>
CLEAR = DETAILS + "clr:"  # pd:clr:stay | contact | list
TEMPLATE = DETAILS + "tpl"
BACK = DETAILS + "back"
DONE = DETAILS + "done"
SECTIONS = ("stay", "contact", "party", "group", "family")
# Following a country: pf:t:<CC> toggles, pf:u:<CC> unfollows, pf:ok closes the picker.
FOLLOW = "pf:"
FOLLOW_TOGGLE = FOLLOW + "t:"
UNFOLLOW = FOLLOW + "u:"
FOLLOW_DONE = FOLLOW + "ok"
# Family links: pl:new, pl:sh:<what> toggles a share, pl:y:<code> / pl:n answer an
# invitation, pl:end:<link id> ends a link (either side).
LINKS = "pl:"
LINK_NEW = LINKS + "new"
SHARE = LINKS + "sh:"
ACCEPT = LINKS + "y:"
DECLINE = LINKS + "n"
UNLINK = LINKS + "end:"
SHARES = ("safety", "place", "boarding")
# Inquiries: pq:c:<CC>, pq:skip, pq:ok, pq:x while filing; pq:y:<id> / pq:n:<id> the
# citizen's consent; pq:a:<inquiry>:<user> staff asking a match.
INQUIRY = "pq:"
INQ_COUNTRY = INQUIRY + "c:"
INQ_SKIP = INQUIRY + "skip"
INQ_SEND = INQUIRY + "ok"
INQ_CANCEL = INQUIRY + "x"
CONSENT_YES = INQUIRY + "y:"
CONSENT_NO = INQUIRY + "n:"
ASK = INQUIRY + "a:"
# The composing step's "followers" switch (a bx: button of the notices conversation).
FOLLOWERS_SWITCH = "bx:fw"

RELATIONS = ("parent", "spouse", "child", "sibling", "friend", "other")
MAX_LISTED = 12


def _one(label: str, data: str) -> list[Button]:
    return [Button(label, callback_data=data)]


def more_row(t: Translator) -> list[Button]:
    """The 'More details' button under a registration card."""
    return _one(t("btn-people-more"), OPEN)


def with_more(t: Translator, markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """A card's keyboard with 'More details' above its last row (Back or Menu)."""
    keyboard = [list(row) for row in markup.inline_keyboard]
    return InlineKeyboardMarkup([*keyboard[:-1], more_row(t), *keyboard[-1:]])


def day_text(day: date | None) -> str:
    """A date as people here write it."""
    return day.strftime("%d.%m.%Y") if day is not None else "—"


def member_text(member: Member) -> str:
    """One person of a list, as the card and the export show them."""
    text = member.full_name
    if member.birth_year:
        text += f" ({member.birth_year})"
    return text


def _people(t: Translator, members: Sequence[Member]) -> str:
    shown = ", ".join(member_text(m) for m in members[:MAX_LISTED])
    more = len(members) - MAX_LISTED
    return shown + (" " + t("people-and-more", count=more) if more > 0 else "")


def details_lines(t: Translator, details: Details, members: Sequence[Member]) -> str:
    """The details as lines of a card (empty when nothing was given)."""
    lines = []
    if details.stay_until:
        lines.append(t("people-card-stay", day=day_text(details.stay_until)))
    if details.contact_name:
        relation = t(f"relation-{details.contact_relation or 'other'}")
        lines.append(
            t(
                "people-card-contact",
                name=details.contact_name,
                phone=details.contact_phone or "—",
                relation=relation,
            )
        )
    group = [m for m in members if m.kind == "group"]
    companions = [m for m in members if m.kind == "companion"]
    if group:
        lines.append(t("people-card-group", count=len(group), names=_people(t, group)))
    elif companions:
        lines.append(t("people-card-companions", names=_people(t, companions)))
    return "\n".join(lines)


def details_menu(
    t: Translator, details: Details, members: Sequence[Member], party: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The details menu: what is given so far, and a button per section."""
    card = details_lines(t, details, members) or t("people-card-empty")
    text = t("people-menu", card=Markup(card))
    buttons = [
        Button(t("btn-people-stay"), callback_data=DETAILS + "stay"),
        Button(t("btn-people-contact"), callback_data=DETAILS + "contact"),
    ]
    if party > 1 and not any(m.kind == "group" for m in members):
        buttons.append(Button(t("btn-people-party"), callback_data=DETAILS + "party"))
    buttons.append(Button(t("btn-people-group"), callback_data=DETAILS + "group"))
    buttons.append(Button(t("btn-people-family"), callback_data=DETAILS + "family"))
    keyboard = [*rows(buttons, 2), _one(t("btn-people-done"), DONE)]
    return text, InlineKeyboardMarkup(keyboard)


def stay_choices(t: Translator, given: bool) -> InlineKeyboardMarkup:
    """A week, two, a month, three, "don't know"; removing the date if one is given."""
    quick = [
        Button(t(f"btn-stay-{days}"), callback_data=f"{STAY_PICK}{days}")
        for days in stay.QUICK_DAYS
    ]
    keyboard = [*rows(quick, 2), _one(t("btn-stay-unknown"), STAY_PICK + "none")]
    if given:
        keyboard.append(_one(t("btn-people-clear"), CLEAR + "stay"))
    keyboard.append(_one(t("btn-back"), BACK))
    return InlineKeyboardMarkup(keyboard)


def back_only(t: Translator, clear: str | None = None) -> InlineKeyboardMarkup:
    """Back to the details menu (and removing what this section holds, if anything)."""
    keyboard = [_one(t("btn-people-clear"), CLEAR + clear)] if clear else []
    return InlineKeyboardMarkup([*keyboard, _one(t("btn-back"), BACK)])


def relations(t: Translator) -> InlineKeyboardMarkup:
    """Who the person to notify is to the citizen."""
    buttons = [Button(t(f"relation-{r}"), callback_data=f"{RELATION}{r}") for r in RELATIONS]
    return InlineKeyboardMarkup([*rows(buttons, 2), _one(t("btn-back"), BACK)])


def group_choices(t: Translator, given: bool) -> InlineKeyboardMarkup:
    """The template file, removing the list, back."""
    keyboard = [_one(t("btn-people-template"), TEMPLATE)]
    if given:
        keyboard.append(_one(t("btn-people-clear"), CLEAR + "list"))
    keyboard.append(_one(t("btn-back"), BACK))
    return InlineKeyboardMarkup(keyboard)


def follow_picker(
    t: Translator, followed: Sequence[str], codes: Sequence[str]
) -> InlineKeyboardMarkup:
    """Country buttons, ticked when followed, and Done."""
    shown = list(codes) + [c for c in followed if c not in codes]
    buttons = [
        Button(
            ("✓ " if code in followed else "") + countries.label(code, t.lang),
            callback_data=f"{FOLLOW_TOGGLE}{code}",
        )
        for code in shown
    ]
    return InlineKeyboardMarkup([*rows(buttons, 2), _one(t("btn-people-done"), FOLLOW_DONE)])


def unfollow_picker(t: Translator, followed: Sequence[str]) -> InlineKeyboardMarkup:
    """One button per followed country to stop following it."""
    buttons = [
        Button("✖ " + countries.label(code, t.lang), callback_data=f"{UNFOLLOW}{code}")
        for code in followed
    ]
    return InlineKeyboardMarkup([*rows(buttons, 2), _one(t("btn-people-done"), FOLLOW_DONE)])


def share_flags(details: Details) -> dict[str, bool]:
    """What linked relatives receive, by name."""
    return {
        "safety": details.share_safety,
        "place": details.share_place,
        "boarding": details.share_boarding,
    }


def shared_text(t: Translator, flags: dict[str, bool]) -> str:
    """What is shared, in words ("nothing" if nothing)."""
    chosen = [t(f"share-{k}") for k, on in flags.items() if on]
    return ", ".join(chosen) if chosen else t("share-nothing")


def family_markup(
    t: Translator,
    flags: dict[str, bool] | None,
    links: Sequence[Link],
    to_me: Sequence[tuple[Link, str]],
) -> InlineKeyboardMarkup:
    """Share switches, a new invitation, and ending each link (both directions)."""
    keyboard: list[list[Button]] = []
    if flags is not None:
        # Only a registered citizen shares anything; a relative only sees the links to leave.
        keyboard += [
            _one(("✅ " if flags[k] else "▫️ ") + t(f"share-{k}"), f"{SHARE}{k}") for k in SHARES
        ]
        keyboard.append(_one(t("btn-family-invite"), LINK_NEW))
    # Button labels are plain text: names go in as they are (Markup: not escaped).
    for link in links:
        keyboard.append(
            _one(t("btn-family-revoke", name=Markup(link.relative_name)), f"{UNLINK}{link.id}")
        )
    for link, name in to_me:
        keyboard.append(_one(t("btn-family-leave", name=Markup(name)), f"{UNLINK}{link.id}"))
    return InlineKeyboardMarkup(keyboard)


def accept_markup(t: Translator, code: str) -> InlineKeyboardMarkup:
    """Agree to be linked, or not."""
    return InlineKeyboardMarkup(
        [_one(t("btn-family-accept"), f"{ACCEPT}{code}"), _one(t("btn-family-decline"), DECLINE)]
    )


def consent_markup(t: Translator, inquiry_id: int) -> InlineKeyboardMarkup:
    """'Yes, tell them I am safe' / 'No, tell them nothing'."""
    return InlineKeyboardMarkup(
        [
            _one(t("btn-inquiry-yes"), f"{CONSENT_YES}{inquiry_id}"),
            _one(t("btn-inquiry-no"), f"{CONSENT_NO}{inquiry_id}"),
        ]
    )


def inquiry_countries(t: Translator, codes: Sequence[str]) -> InlineKeyboardMarkup:
    """Country buttons while filing an inquiry, and Cancel."""
    buttons = [
        Button(countries.label(code, t.lang), callback_data=f"{INQ_COUNTRY}{code}")
        for code in codes
        if countries.get(code) is not None
    ]
    return InlineKeyboardMarkup([*rows(buttons, 2), inquiry_cancel_row(t)])


def inquiry_cancel_row(t: Translator) -> list[Button]:
    """Cancel under every step of an inquiry."""
    return _one(t("btn-cancel"), INQ_CANCEL)


def inquiry_skip(t: Translator) -> InlineKeyboardMarkup:
    """Skip an optional step of an inquiry."""
    return InlineKeyboardMarkup([_one(t("btn-skip"), INQ_SKIP), inquiry_cancel_row(t)])


def inquiry_send(t: Translator) -> InlineKeyboardMarkup:
    """Send the inquiry, or cancel it."""
    return InlineKeyboardMarkup([_one(t("btn-inquiry-send"), INQ_SEND), inquiry_cancel_row(t)])


def followers_row(t: Translator, included: bool, count: int) -> list[Button]:
    """The composing switch: the notice goes (or not) to those following its countries."""
    key = "btn-followers-on" if included else "btn-followers-off"
    return _one(t(key, count=count), FOLLOWERS_SWITCH)
