"""What departures, offers and boarding codes look like, and the callback data of their buttons.

The engine sends offers with these texts and the handlers show the same cards and answers,
so the prefixes are defined here, beside the buttons, and the handlers' patterns import
them. Buttons carry an id the handler looks up and re-checks (and offers a random token),
never the data itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.evacuation import codes
from bot.evacuation.passengers import shown_date
from bot.i18n import Markup, Translator
from bot.notices.schedule import country_zone
from bot.reference import countries
from storage.evacuation import EDITABLE, KINDS, Departure, DepartureDraft
from storage.evacuation_offers import Counts, Offer, Passenger

# Under an offer: ev:y:<offer>:<token> confirms, ev:n:<offer>:<token> asks "decline?",
# ev:nn:<offer>:<token> declines (also "give my seats up" once confirmed), ev:keep keeps it.
CONFIRM = "ev:y:"
DECLINE = "ev:n:"
DECLINE_SURE = "ev:nn:"
KEEP = "ev:keep"
# The passport steps: the summary's Confirm, and Cancel on every step.
PARTY_OK = "ev:pok"
PARTY_STOP = "ev:pstop"
# Composing a departure: new, kind, who, skip, open, stop.
NEW = "ev:new"
KIND = "ev:k:"
WHO = "ev:w:"
SKIP = "ev:skip"
OPEN = "ev:ok"
STOP = "ev:stop"
# A departure's card: manifest, notice to passengers, check-in, edit (then a field),
# cancel (then "yes"); and "done" in check-in, "Russian for all" in a notice.
MANIFEST = "ev:m:"
NOTIFY = "ev:p:"
CHECK_IN = "ev:b:"
EDIT = "ev:e:"
FIELD = "ev:f:"
CANCEL = "ev:c:"
CANCEL_SURE = "ev:cc:"
CHECK_IN_DONE = "ev:bd"
RUSSIAN_FOR_ALL = "ev:ru1"
# Who is offered seats: (audience, city only) as the WHO button's value.
WHO_CHOICES = {"e": ("evacuation", False), "ec": ("evacuation", True),
               "a": ("all", False), "ac": ("all", True)}  # fmt: skip

Body = tuple[str, InlineKeyboardMarkup | None]
Shown = Departure | DepartureDraft


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def zone(country: str, home: ZoneInfo) -> ZoneInfo:
    """The country's time zone: departure times are typed and shown in it."""
    return country_zone(country, home)


def local(moment: datetime, country: str, home: ZoneInfo) -> str:
    """A time as the country's wall clock reads it."""
    return moment.astimezone(zone(country, home)).strftime("%d.%m.%Y %H:%M")


def _map_link(d: Shown) -> Markup:
    if d.latitude is None or d.longitude is None:
        return Markup("")
    url = f"https://maps.google.com/?q={d.latitude:.5f},{d.longitude:.5f}"
    return Markup(f' (<a href="{url}">🗺</a>)')


def who(t: Translator, d: Shown) -> str:
    """Who is offered seats, in words."""
    key = "ev-who-evacuation" if d.audience == "evacuation" else "ev-who-all"
    return t(f"{key}-city", city=d.city) if d.city_only else t(key)


def details(t: Translator, d: Shown, home: ZoneInfo, staff: bool = True) -> Markup:
    """What, from where to where, the assembly point, when (local time); for staff also the
    seats, the hours to confirm and who is offered seats."""
    args = {
        "what": t(f"ev-kind-{d.kind}"), "to": d.destination or t("ev-to-none"),
        "origin": f"{d.city}, {countries.label(d.country, t.lang, missing=d.country)}",
        "point": d.point, "map": _map_link(d), "when": local(d.departs_at, d.country, home),
        "zone": str(zone(d.country, home)),
    }  # fmt: skip
    if not staff:
        return Markup(t("ev-trip", **args))
    return Markup(t("ev-details", **args, seats=d.seats, hours=d.confirm_hours, who=who(t, d)))


def offer(t: Translator, d: Departure, o: Offer, home: ZoneInfo) -> Body:
    """The offer a party gets, with Confirm and Decline."""
    text = t(
        "ev-offer", what=t(f"ev-kind-{d.kind}"),
        origin=f"{d.city}, {countries.label(d.country, t.lang, missing=d.country)}",
        to=d.destination or t("ev-to-none"), point=d.point, map=_map_link(d),
        when=local(d.departs_at, d.country, home), seats=o.seats,
        deadline=local(o.deadline_at, d.country, home),
    )  # fmt: skip
    args = f"{o.id}:{o.token}"
    markup = InlineKeyboardMarkup(
        [
            [_button(t("btn-ev-confirm"), f"{CONFIRM}{args}")],
            [_button(t("btn-ev-decline"), f"{DECLINE}{args}")],
        ]
    )
    return text, markup


def decline_question(t: Translator, o: Offer) -> Body:
    """Decline the seats? (also: give confirmed seats back)."""
    markup = InlineKeyboardMarkup(
        [[
            _button(t("btn-ev-decline-yes"), f"{DECLINE_SURE}{o.id}:{o.token}"),
            _button(t("btn-ev-keep"), KEEP),
        ]]
    )  # fmt: skip
    return t("ev-decline-ask" if o.state == "offered" else "ev-give-up-ask"), markup


def cancelled(t: Translator, d: Departure, home: ZoneInfo) -> str:
    """What everyone offered or confirmed gets when the departure is cancelled."""
    return t(
        "ev-cancelled-notice", what=t(f"ev-kind-{d.kind}"), origin=d.city,
        when=local(d.departs_at, d.country, home),
    )  # fmt: skip


def people(t: Translator, passengers: Sequence[Passenger]) -> Markup:
    """The party as in their passports, one line each (escaped)."""
    lines = [
        t("ev-person", n=i, name=p.full_name, passport=p.passport, birth=shown_date(p.birth_date))
        for i, p in enumerate(passengers, start=1)
    ]
    return Markup("\n".join(lines))


def passport_summary(t: Translator, passengers: Sequence[Passenger]) -> Body:
    """The party's passport data before it is stored, with Confirm / Cancel."""
    markup = InlineKeyboardMarkup(
        [[_button(t("btn-confirm"), PARTY_OK)], [_button(t("btn-cancel"), PARTY_STOP)]]
    )
    return t("ev-passport-summary", people=people(t, passengers)), markup


def stop_only(t: Translator, data: str = PARTY_STOP) -> InlineKeyboardMarkup:
    """Only Cancel."""
    return InlineKeyboardMarkup([[_button(t("btn-cancel"), data)]])


def confirmed(t: Translator, d: Departure, o: Offer, home: ZoneInfo) -> Body:
    """Seats confirmed: the number, the details again, and "give my seats up"."""
    text = t("ev-confirmed", number=o.confirmation or "—", details=details(t, d, home, False))
    markup = InlineKeyboardMarkup([[_button(t("btn-ev-give-up"), f"{DECLINE}{o.id}:{o.token}")]])
    return text, markup


def boarding_caption(t: Translator, o: Offer) -> str:
    """Under the boarding QR code."""
    return t("ev-boarding-caption", code=codes.shown(o.boarding_code or ""), seats=o.seats)


def kinds(t: Translator) -> InlineKeyboardMarkup:
    """Charter, scheduled flight seats, bus, other."""
    rows = [[_button(t(f"ev-kind-{k}"), f"{KIND}{k}")] for k in KINDS]
    return InlineKeyboardMarkup([*rows, [_button(t("btn-cancel"), STOP)]])


def audiences(t: Translator, city: str, counts: dict[str, int]) -> InlineKeyboardMarkup:
    """The four choices of who is offered seats, each with how many it reaches now."""
    labels = {"e": "btn-ev-who-evac", "ec": "btn-ev-who-evac-city", "a": "btn-ev-who-all",
              "ac": "btn-ev-who-all-city"}  # fmt: skip
    rows = [
        [_button(t(labels[k], city=city, count=counts.get(k, 0)), f"{WHO}{k}")]
        for k in WHO_CHOICES
    ]
    return InlineKeyboardMarkup([*rows, [_button(t("btn-cancel"), STOP)]])


def skip_or_stop(t: Translator) -> InlineKeyboardMarkup:
    """Skip an optional step, or Cancel."""
    return InlineKeyboardMarkup([[_button(t("btn-skip"), SKIP)], [_button(t("btn-cancel"), STOP)]])


def draft_summary(t: Translator, d: DepartureDraft, home: ZoneInfo, count: int) -> Body:
    """The new departure before it opens."""
    markup = InlineKeyboardMarkup(
        [[_button(t("btn-ev-open"), OPEN)], [_button(t("btn-cancel"), STOP)]]
    )
    return t("ev-summary", details=details(t, d, home), count=count), markup


def card(t: Translator, d: Departure, c: Counts, home: ZoneInfo) -> Body:
    """A departure for staff: details, live counts, and what can be done with it."""
    text = t(
        "ev-card", id=str(d.id), state=t(f"ev-state-{d.state}"), details=details(t, d, home),
        offered=c.offered, offered_seats=c.offered_seats, confirmed=c.confirmed,
        confirmed_seats=c.confirmed_seats, declined=c.declined, expired=c.expired,
        waitlisted=c.waitlisted, left=c.seats_left, seats=c.seats, boarded=c.boarded_seats,
    )  # fmt: skip
    if c.sending:
        text += "\n" + t("ev-sending", count=c.sending)
    if d.state == "departed":
        text += "\n" + t("ev-departed-line", people=d.evacuated)
    buttons = [[_button(t("btn-ev-manifest"), f"{MANIFEST}{d.id}")]]
    if d.state == "open":
        buttons[0].append(_button(t("btn-ev-notify"), f"{NOTIFY}{d.id}"))
        buttons.append(
            [
                _button(t("btn-ev-checkin"), f"{CHECK_IN}{d.id}"),
                _button(t("btn-ev-edit"), f"{EDIT}{d.id}"),
            ]
        )
        buttons.append([_button(t("btn-ev-cancel"), f"{CANCEL}{d.id}")])
    return text, InlineKeyboardMarkup(buttons)


def cancel_question(t: Translator, d: Departure) -> Body:
    """Cancel the departure? (everyone offered or confirmed is told)."""
    markup = InlineKeyboardMarkup(
        [[_button(t("btn-ev-cancel-yes"), f"{CANCEL_SURE}{d.id}"), _button(t("btn-no"), KEEP)]]
    )
    return t("ev-cancel-ask", id=str(d.id)), markup


def fields(t: Translator, d: Departure) -> Body:
    """Which field of the departure to change."""
    rows = [[_button(t(f"ev-field-{f}"), f"{FIELD}{f}")] for f in EDITABLE]
    markup = InlineKeyboardMarkup([*rows, [_button(t("btn-cancel"), STOP)]])
    return t("ev-edit-ask", id=str(d.id)), markup


def board_line(t: Translator, o: Offer, passengers: Sequence[Passenger], c: Counts) -> str:
    """A party checked in: who they are, and boarded against confirmed."""
    return t(
        "ev-board-ok", code=codes.shown(o.boarding_code or ""), seats=o.seats,
        number=o.confirmation or "—", people=people(t, passengers), boarded=c.boarded_seats,
        confirmed=c.confirmed_seats,
    )  # fmt: skip


def evacuated_line(t: Translator, evacuated: dict[str, int]) -> str:
    """/stats: people evacuated per country (one country: the number alone)."""
    if len(evacuated) == 1:
        return t("ev-stats-evacuated", people=next(iter(evacuated.values())))
    listed = " · ".join(f"{code} {n}" for code, n in sorted(evacuated.items()))
    return t("ev-stats-evacuated-list", list=listed)
