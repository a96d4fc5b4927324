"""Staff open a departure step by step, and change one field of it later.

New: kind -> country -> city -> who -> assembly point -> its location -> date and time (the
country's local time) -> seats -> hours to confirm -> destination -> summary -> open. Edit:
a field, its question, saved. Every step re-reads the role, and the country is always one
the staff member serves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.evacuation import views
from bot.evacuation.views import EDIT, FIELD, KIND, WHO, WHO_CHOICES
from bot.notices.schedule import parse_when
from bot.reference import countries
from bot.staff.roles import Role
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.evacuation.cards import managed, post_card
from handlers.evacuation.drafts import StaffDraft, drop_staff, staff_draft, start_staff
from handlers.roles import requires
from storage.audience import Audience
from storage.evacuation import EDITABLE, KINDS

END = ConversationHandler.END
MAX_CITY = 100
MAX_POINT = 300
MAX_DESTINATION = 100
MAX_SEATS = 10_000
MAX_HOURS = 72

Ask = Callable[[Update, HotlineContext], Awaitable[str]]


def _typed(update: Update) -> str:
    message = update.effective_message
    return " ".join(((message.text if message else "") or "").split())


async def _question(update: Update, context: HotlineContext, key: str, **args: object) -> None:
    markup = views.stop_only(context.t, views.STOP)
    await reply(update, context.t(key, **args), reply_markup=markup)


async def ask_kind(update: Update, context: HotlineContext) -> str:
    """Charter flight, scheduled flight seats, bus, other."""
    await reply(update, context.t("ev-ask-kind"), reply_markup=views.kinds(context.t))
    return "ev_kind"


async def ask_point(update: Update, context: HotlineContext) -> str:
    """The assembly point, free text."""
    await _question(update, context, "ev-ask-point", max=MAX_POINT)
    return "ev_point"


async def ask_when(update: Update, context: HotlineContext) -> str:
    """Date and time of departure in the country's local time."""
    zone = views.zone(staff_draft(context).country, context.settings.tz)
    await _question(update, context, "ev-ask-when", zone=str(zone))
    return "ev_when"


async def ask_seats(update: Update, context: HotlineContext) -> str:
    """How many seats."""
    await _question(update, context, "ev-ask-seats", max=MAX_SEATS)
    return "ev_seats"


async def ask_hours(update: Update, context: HotlineContext) -> str:
    """How long a citizen has to confirm an offer."""
    await _question(update, context, "ev-ask-hours", max=MAX_HOURS)
    return "ev_hours"


async def ask_destination(update: Update, context: HotlineContext) -> str:
    """Where to (optional)."""
    await reply(
        update, context.t("ev-ask-destination", max=MAX_DESTINATION),
        reply_markup=views.skip_or_stop(context.t),
    )  # fmt: skip
    return "ev_dest"


ASK: dict[str, Ask] = {
    "kind": ask_kind, "point": ask_point, "departs_at": ask_when, "seats": ask_seats,
    "confirm_hours": ask_hours, "destination": ask_destination,
}  # fmt: skip


@requires("staff", refused=END)
async def begin(update: Update, context: HotlineContext, role: Role) -> str:
    """ev:new: a new departure."""
    await answer_query(update)
    start_staff(context, "new")
    return await ask_kind(update, context)


async def _saved(update: Update, context: HotlineContext, role: Role, value: object) -> object:
    """In edit mode: store the one field, show the card again, and end."""
    d, user = staff_draft(context), update.effective_user
    services = context.services
    departure = await services.evacuation.repo.get(d.departure_id)
    if departure is None or not role.covers(departure.country):
        drop_staff(context)
        await refuse_button(update, context)
        return END
    status = await services.evacuation.edit(departure.id, d.field, value, user.id if user else 0)
    drop_staff(context)
    if status == "held":
        counts = await services.evacuation.counts(departure)
        await reply(update, context.t("ev-seats-held", count=departure.seats - counts.seats_left))
        return END
    if status != "ok":
        await reply(update, context.t("ev-not-open"))
        return END
    await reply(update, context.t("ev-edited"))
    updated = await services.evacuation.repo.get(departure.id)
    if updated is not None:
        await post_card(update, context, updated)
    return END


async def _answered(
    update: Update, context: HotlineContext, role: Role, key: str, value: object, then: Ask
) -> object:
    """Editing: store this one field and end. Composing: keep it, ask the next question."""
    d = staff_draft(context)
    if d.mode == "edit":
        return await _saved(update, context, role, value)
    d.set(**{key: value})
    return await then(update, context)


@requires("staff", refused=END)
async def kind_chosen(update: Update, context: HotlineContext, role: Role) -> object:
    """ev:k:<kind>."""
    kind = callback_arg(update, KIND)
    if kind not in KINDS:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    d = staff_draft(context)
    if d.mode == "edit":
        return await _saved(update, context, role, kind)
    d.set(kind=kind)
    codes = ", ".join(sorted(role.countries)) if not role.is_admin else ""
    await _question(update, context, "ev-ask-country", codes=codes or "—")
    return "ev_country"


@requires("staff", refused=END)
async def country_typed(update: Update, context: HotlineContext, role: Role) -> object:
    """A country code or name; only one the staff member serves."""
    text = _typed(update)
    code = countries.code_of(text) if len(text) <= 60 else None
    if code is None:
        await reply(update, context.t("bc-country-unknown", text=text[:60]))
        return None
    if not role.covers(code):
        await reply(update, context.t("bc-scope-outside"))
        return None
    staff_draft(context).set(country=code)
    await _question(update, context, "ev-ask-city", max=MAX_CITY)
    return "ev_city"


def _length_problem(text: str, shortest: int, longest: int) -> tuple[str, dict[str, int]] | None:
    if len(text) > longest:
        return "error-too-long", {"max": longest}
    if len(text) < shortest:
        return "error-too-short", {}
    return None


@requires("staff", refused=END)
async def city_typed(update: Update, context: HotlineContext, role: Role) -> object:
    """The city it leaves from; then who is offered seats (with how many each choice reaches)."""
    text = _typed(update)
    problem = _length_problem(text, 2, MAX_CITY)
    if problem is not None:
        await reply(update, context.t(problem[0], **problem[1]))
        return None
    d = staff_draft(context)
    d.set(city=text)
    audience = context.services.notices.audience
    counts = {}
    for key, (who, city_only) in WHO_CHOICES.items():
        counts[key] = await audience.count(
            Audience(
                countries=(d.country,), needs=("evacuation",) if who == "evacuation" else (),
                city=text if city_only else None,
            )
        )  # fmt: skip
    await reply(
        update, context.t("ev-ask-who"), reply_markup=views.audiences(context.t, text, counts)
    )
    return "ev_who"


@requires("staff", refused=END)
async def who_chosen(update: Update, context: HotlineContext, role: Role) -> object:
    """ev:w:<choice>: those who need evacuation or everyone; the country or the city."""
    choice = WHO_CHOICES.get(callback_arg(update, WHO) or "")
    if choice is None:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    staff_draft(context).set(audience=choice[0], city_only=choice[1])
    return await ask_point(update, context)


@requires("staff", refused=END)
async def point_typed(update: Update, context: HotlineContext, role: Role) -> object:
    """The assembly point; then its location (optional)."""
    text = _typed(update)
    problem = _length_problem(text, 3, MAX_POINT)
    if problem is not None:
        await reply(update, context.t(problem[0], **problem[1]))
        return None
    return await _answered(update, context, role, "point", text, ask_location)


async def ask_location(update: Update, context: HotlineContext) -> str:
    """The assembly point's location, or Skip."""
    await reply(update, context.t("ev-ask-location"), reply_markup=views.skip_or_stop(context.t))
    return "ev_loc"


@requires("staff", refused=END)
async def location_shared(update: Update, context: HotlineContext, role: Role) -> str:
    """The assembly point's location."""
    message = update.effective_message
    if message is not None and message.location is not None:
        point = message.location
        staff_draft(context).set(
            latitude=round(point.latitude, 5), longitude=round(point.longitude, 5)
        )
        await reply(update, context.t("ev-location-saved"))
    return await ask_when(update, context)


@requires("staff", refused=END)
async def location_skipped(update: Update, context: HotlineContext, role: Role) -> str:
    """No location for the assembly point."""
    await answer_query(update)
    staff_draft(context).set(latitude=None, longitude=None)
    return await ask_when(update, context)


def _too_soon(context: HotlineContext, moment: datetime) -> bool:
    """In the past, or so close that no offer could still be confirmed."""
    minutes = max(context.settings.evacuation_last_offer_minutes, 1)
    return (moment - context.services.clock.now()).total_seconds() < minutes * 60


def _future(context: HotlineContext, d: StaffDraft, text: str) -> datetime | str:
    """The typed local time as an instant, or the key of what is wrong with it."""
    wall = parse_when(text)
    if wall is None:
        return "ev-bad-when"
    moment = wall.replace(tzinfo=views.zone(d.country, context.settings.tz))
    return "ev-past" if _too_soon(context, moment) else moment


@requires("staff", refused=END)
async def when_typed(update: Update, context: HotlineContext, role: Role) -> object:
    """The departure's date and time (local); not in the past."""
    d = staff_draft(context)
    moment = _future(context, d, _typed(update))
    if isinstance(moment, str):
        await reply(
            update,
            context.t(moment, minutes=context.settings.evacuation_last_offer_minutes),
        )
        return None
    if d.mode == "edit":
        return await _saved(update, context, role, moment)
    d.set_when(moment)
    return await ask_seats(update, context)


def _number(text: str, top: int) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 6 and 1 <= int(text) <= top else None


@requires("staff", refused=END)
async def seats_typed(update: Update, context: HotlineContext, role: Role) -> object:
    """How many seats: at least one."""
    seats = _number(_typed(update), MAX_SEATS)
    if seats is None:
        await reply(update, context.t("ev-bad-seats", max=MAX_SEATS))
        return None
    return await _answered(update, context, role, "seats", seats, ask_hours)


@requires("staff", refused=END)
async def hours_typed(update: Update, context: HotlineContext, role: Role) -> object:
    """Hours to confirm an offer."""
    hours = _number(_typed(update), MAX_HOURS)
    if hours is None:
        await reply(update, context.t("ev-bad-hours", max=MAX_HOURS))
        return None
    return await _answered(update, context, role, "hours", hours, ask_destination)


@requires("staff", refused=END)
async def destination_typed(update: Update, context: HotlineContext, role: Role) -> object:
    """Where to."""
    text = _typed(update)
    problem = _length_problem(text, 2, MAX_DESTINATION)
    if problem is not None:
        await reply(update, context.t(problem[0], **problem[1]))
        return None
    return await _destination(update, context, role, text)


@requires("staff", refused=END)
async def destination_skipped(update: Update, context: HotlineContext, role: Role) -> object:
    """No destination given."""
    await answer_query(update)
    return await _destination(update, context, role, None)


async def _destination(
    update: Update, context: HotlineContext, role: Role, value: str | None
) -> object:
    d = staff_draft(context)
    if d.mode == "edit":
        return await _saved(update, context, role, value)
    d.set(destination=value)
    draft = d.to_draft()
    count = await context.services.notices.audience.count(
        Audience(countries=(draft.country,), needs=draft_needs(draft.audience),
                 city=draft.city if draft.city_only else None)
    )  # fmt: skip
    text, markup = views.draft_summary(context.t, draft, context.settings.tz, count)
    await reply(update, text, reply_markup=markup)
    return "ev_open"


def draft_needs(audience: str) -> tuple[str, ...]:
    """The needs filter of an audience choice."""
    return ("evacuation",) if audience == "evacuation" else ()


@requires("staff", refused=END)
async def open_departure(update: Update, context: HotlineContext, role: Role) -> object:
    """ev:ok: store the departure and send the first offers; its card is the confirmation."""
    d, user = staff_draft(context), update.effective_user
    try:
        draft = d.to_draft()
    except (KeyError, TypeError, ValueError):
        drop_staff(context)
        await refuse_button(update, context)
        return END
    if not role.covers(draft.country):
        await answer_query(update, context.t("bc-scope-outside"), alert=True)
        return END
    await answer_query(update)
    if _too_soon(context, draft.departs_at):
        # The time passed while the departure was being composed.
        minutes = context.settings.evacuation_last_offer_minutes
        await reply(update, context.t("ev-past", minutes=minutes))
        return await ask_when(update, context)
    departure = await context.services.evacuation.open(draft, user.id if user else 0)
    drop_staff(context)
    await post_card(update, context, departure)
    return END


@requires("staff", refused=END)
async def begin_edit(update: Update, context: HotlineContext, role: Role) -> object:
    """ev:e:<id>: which field to change."""
    departure = await managed(update, context, role, EDIT)
    if departure is None:
        return END
    if departure.state != "open":
        await answer_query(update, context.t("ev-not-open"), alert=True)
        return END
    await answer_query(update)
    start_staff(context, "edit", id=departure.id, country=departure.country)
    text, markup = views.fields(context.t, departure)
    await reply(update, text, reply_markup=markup)
    return "ev_field"


@requires("staff", refused=END)
async def field_chosen(update: Update, context: HotlineContext, role: Role) -> object:
    """ev:f:<field>: its question."""
    field = callback_arg(update, FIELD)
    if field not in EDITABLE:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    staff_draft(context).set(field=field)
    return await ASK[field](update, context)
