"""'More details' after registering: end of stay, the person to notify, those travelling
together, a group's people (typed or uploaded). Each answer is saved as soon as it is given,
and "saved" is said after the commit; bad input changes nothing and asks again.

A persistent conversation (name "people_details"); the person to notify is gathered over
three steps in user_data["people"] and stored once complete.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from telegram import InputFile, Update
from telegram.ext import ConversationHandler

from bot.context import HotlineContext
from bot.faq.content import DownloadError, read_upload
from bot.i18n import Markup
from bot.people import lists, stay
from bot.people.matching import search_key
from bot.reference.phones import normalize_phone
from bot.staff import reports
from handlers import menu
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.people import family, views
from handlers.registration.flow import DRAFT_KEY as REGISTRATION_DRAFT
from storage.models import Registration
from storage.people import MemberKind

END = ConversationHandler.END
NAME = "people_details"
# Persisted user_data key: the person to notify while it is being typed ({"name", "phone"}).
PENDING = "people"
MAX_NAME = 100
MAX_LIST_TEXT = 4000


async def _registration(update: Update, context: HotlineContext) -> Registration | None:
    user = update.effective_user
    return await context.services.registrations.get(user.id) if user else None


def registering(context: HotlineContext) -> bool:
    """Whether the citizen is in the middle of the registration conversation (its draft)."""
    return bool(context.user_data and context.user_data.get(REGISTRATION_DRAFT))


async def show_menu(update: Update, context: HotlineContext) -> object:
    """The details menu with what is given so far."""
    reg = await _registration(update, context)
    if reg is None:
        await reply(update, context.t("my-none"))
        return END
    people = context.services.people
    details = await people.repo.details(reg.user_id)
    members = await people.repo.members(reg.user_id)
    text, markup = views.details_menu(context.t, details, members, reg.party_size)
    await reply(update, text, reply_markup=markup)
    return "menu"


async def begin(update: Update, context: HotlineContext) -> object:
    """pd:menu under a registration card: the details menu (registered citizens only)."""
    await answer_query(update)
    if registering(context):
        await reply(update, context.t("reg-in-progress"))
        return END
    return await show_menu(update, context)


async def section(update: Update, context: HotlineContext) -> object:
    """pd:<section>: ask for one kind of detail."""
    name = callback_arg(update, views.DETAILS)
    reg = await _registration(update, context)
    if name not in views.SECTIONS or reg is None:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    t = context.t
    details = await context.services.people.repo.details(reg.user_id)
    members = await context.services.people.repo.members(reg.user_id)
    if name == "stay":
        await reply(
            update,
            t("people-ask-stay"),
            reply_markup=views.stay_choices(t, details.stay_until is not None),
        )
        return "stay"
    if name == "contact":
        clear = "contact" if details.contact_name else None
        await reply(update, t("people-ask-contact-name"), reply_markup=views.back_only(t, clear))
        return "contact_name"
    if name == "party":
        if reg.party_size < 2:
            await refuse_button(update, context)
            return None
        clear = "list" if members else None
        text = t("people-ask-party", count=reg.party_size - 1, children=reg.children)
        await reply(update, text, reply_markup=views.back_only(t, clear))
        return "party"
    if name == "group":
        await reply(
            update,
            t("people-ask-group", max=lists.MAX_GROUP),
            reply_markup=views.group_choices(t, bool(members)),
        )
        return "group"
    # Family links have their own view; the conversation is over.
    await family.show_family(update, context)
    return END


async def back(update: Update, context: HotlineContext) -> object:
    """pd:back: the menu again, nothing changed."""
    await answer_query(update)
    _drop_pending(context)
    return await show_menu(update, context)


async def done(update: Update, context: HotlineContext) -> object:
    """pd:done: close the details (everything is already saved)."""
    await answer_query(update)
    _drop_pending(context)
    await reply(update, context.t("people-closed"))
    await menu.show_menu(update, context)
    return END


# ---- end of stay ---------------------------------------------------------------------------


async def _save_stay(update: Update, context: HotlineContext, day: date | None) -> object:
    user = update.effective_user
    services = context.services
    if user is None or not await services.people.repo.set_stay(user.id, day, services.clock.now()):
        await reply(update, context.t("my-none"))
        return END
    if day is None:
        await reply(update, context.t("people-stay-unknown"))
    else:
        erase = stay.erase_day(day, context.settings.stay_erase_days)
        text = context.t(
            "people-stay-saved",
            day=views.day_text(day),
            erase=views.day_text(erase),
            days=context.settings.stay_erase_days,
        )
        await reply(update, text)
    return await show_menu(update, context)


async def _today(update: Update, context: HotlineContext) -> date:
    reg = await _registration(update, context)
    country = reg.country if reg else "KZ"
    return stay.local_today(country, context.services.clock.now(), context.settings.tz)


async def stay_button(update: Update, context: HotlineContext) -> object:
    """pd:st:<days> or pd:st:none."""
    value = callback_arg(update, views.STAY_PICK)
    if value != "none" and value not in stay.QUICK_DAYS:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    if value == "none" or value is None:
        return await _save_stay(update, context, None)
    today = await _today(update, context)
    return await _save_stay(update, context, today + timedelta(days=stay.QUICK_DAYS[value]))


async def stay_text(update: Update, context: HotlineContext) -> object:
    """A typed last day: not in the past, at most a year ahead."""
    message = update.effective_message
    today = await _today(update, context)
    day, problem = stay.parse((message.text if message else "") or "", today)
    if problem is not None:
        await reply(
            update,
            context.t(f"people-stay-{problem}", max=stay.MAX_AHEAD_DAYS),
            reply_markup=views.stay_choices(context.t, False),
        )
        return None
    return await _save_stay(update, context, day)


# ---- the person to notify --------------------------------------------------------------------


def _pending(context: HotlineContext) -> dict[str, Any]:
    data = context.user_data if context.user_data is not None else {}
    value = data.get(PENDING)
    if not isinstance(value, dict):
        value = data[PENDING] = {}
    return value


def _drop_pending(context: HotlineContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(PENDING, None)


def _typed(update: Update) -> str:
    message = update.effective_message
    return " ".join(((message.text if message else "") or "").split())


async def contact_name(update: Update, context: HotlineContext) -> object:
    """The name of the person to notify at home."""
    name = _typed(update)
    if not 2 <= len(name) <= MAX_NAME:
        key = "error-too-long" if len(name) > MAX_NAME else "error-too-short"
        await reply(update, context.t(key, max=MAX_NAME))
        return None
    _pending(context)["name"] = name
    await reply(
        update, context.t("people-ask-contact-phone"), reply_markup=views.back_only(context.t)
    )
    return "contact_phone"


async def contact_phone(update: Update, context: HotlineContext) -> object:
    """Their phone: typed, or a contact shared from the address book."""
    message = update.effective_message
    raw = message.contact.phone_number if message and message.contact else _typed(update)
    phone = normalize_phone(raw)
    if phone is None:
        await reply(update, context.t("error-phone"))
        return None
    _pending(context)["phone"] = phone
    await reply(
        update, context.t("people-ask-contact-relation"), reply_markup=views.relations(context.t)
    )
    return "contact_relation"


async def contact_relation(update: Update, context: HotlineContext) -> object:
    """pd:rel:<code>: who they are; then the person to notify is saved."""
    relation = callback_arg(update, views.RELATION)
    pending = _pending(context)
    if relation not in views.RELATIONS or not pending.get("name") or not pending.get("phone"):
        await refuse_button(update, context)
        return None
    await answer_query(update)
    user = update.effective_user
    services = context.services
    saved = user is not None and await services.people.repo.set_contact(
        user.id, str(pending["name"]), str(pending["phone"]), relation, services.clock.now()
    )
    _drop_pending(context)
    if not saved:
        await reply(update, context.t("my-none"))
        return END
    await reply(update, context.t("people-contact-saved"))
    return await show_menu(update, context)


# ---- companions and groups -------------------------------------------------------------------


async def _save_list(
    update: Update, context: HotlineContext, kind: MemberKind, parsed: lists.Parsed
) -> object:
    t = context.t
    if not parsed.ok:
        if parsed.problem == "too-many" and kind == "companion":
            reg = await _registration(update, context)
            problem = t("people-list-too-many", max=(reg.party_size - 1) if reg else 1)
        elif parsed.problem == "too-many":
            problem = t("people-list-too-many", max=lists.MAX_GROUP)
        elif parsed.problem == "empty":
            problem = t("people-list-empty")
        else:
            shown = parsed.bad[:15]
            problem = "\n".join(t(f"people-row-{p}", row=n) for n, p in shown)
            if len(parsed.bad) > len(shown):
                problem += "\n" + t("content-more-problems", count=len(parsed.bad) - len(shown))
        await reply(update, t("people-list-rejected", problems=Markup(problem)))
        return None
    user = update.effective_user
    services = context.services
    keys = [search_key(m.full_name) for m in parsed.members]
    saved = user is not None and await services.people.repo.save_members(
        user.id, kind, parsed.members, keys, services.clock.now()
    )
    if not saved:
        await reply(update, t("my-none"))
        return END
    key = "people-group-saved" if kind == "group" else "people-party-saved"
    await reply(update, t(key, count=len(parsed.members)))
    return await show_menu(update, context)


async def party_text(update: Update, context: HotlineContext) -> object:
    """Those travelling with the citizen, one per line ("Айша, 2019" for a child)."""
    message = update.effective_message
    text = (message.text if message else "") or ""
    reg = await _registration(update, context)
    if reg is None:
        await reply(update, context.t("my-none"))
        return END
    if len(text) > MAX_LIST_TEXT:
        await reply(update, context.t("error-too-long", max=MAX_LIST_TEXT))
        return None
    year = context.services.clock.now().astimezone(context.settings.tz).year
    parsed = lists.parse_companions(text, reg.party_size - 1, year)
    return await _save_list(update, context, "companion", parsed)


async def group_text(update: Update, context: HotlineContext) -> object:
    """A group typed one person per line: "name; phone" (the phone is optional)."""
    message = update.effective_message
    text = (message.text if message else "") or ""
    if len(text) > MAX_LIST_TEXT:
        await reply(update, context.t("error-too-long", max=MAX_LIST_TEXT))
        return None
    return await _save_list(update, context, "group", lists.parse_group(lists.typed_rows(text)))


async def group_file(update: Update, context: HotlineContext) -> object:
    """A group as a CSV or XLSX file (the template's columns: name, phone)."""
    message = update.effective_message
    document = message.document if message else None
    if document is None:
        return None
    t = context.t
    try:
        raw = await read_upload(await document.get_file(), lists.MAX_UPLOAD)
        if raw is None:
            raise lists.UploadError("size")
        rows = lists.read_table(raw, document.file_name or "")
    except lists.UploadError as exc:
        await reply(update, t(f"people-upload-{exc.problem}", max=lists.MAX_UPLOAD // 1000))
        return None
    except DownloadError:
        await reply(update, t("error-generic"))
        return None
    return await _save_list(update, context, "group", lists.parse_group(rows))


async def template(update: Update, context: HotlineContext) -> None:
    """pd:tpl: the group template (XLSX: a name column and a phone column)."""
    await answer_query(update)
    t = context.t
    header = [t("people-template-name"), t("people-template-phone")]
    data = reports.xlsx_bytes(t("people-template-sheet"), header, [])
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(
            InputFile(data, filename="group-template.xlsx"),
            caption=t("people-template-caption", max=lists.MAX_GROUP),
        )


async def clear(update: Update, context: HotlineContext) -> object:
    """pd:clr:<stay|contact|list>: remove what the section holds."""
    what = callback_arg(update, views.CLEAR)
    user = update.effective_user
    if what not in ("stay", "contact", "list") or user is None:
        await refuse_button(update, context)
        return None
    await answer_query(update)
    people = context.services.people.repo
    now = context.services.clock.now()
    if what == "stay":
        await people.set_stay(user.id, None, now)
    elif what == "contact":
        await people.set_contact(user.id, None, None, None, now)
        _drop_pending(context)
    else:
        await people.clear_members(user.id)
    await reply(update, context.t("people-cleared"))
    return await show_menu(update, context)


# ---- leaving and stray input -----------------------------------------------------------------


async def cancel(update: Update, context: HotlineContext) -> object:
    """/cancel: close the details; what was saved stays saved."""
    return await done(update, context)


async def busy_command(update: Update, context: HotlineContext) -> None:
    """Another command while the details are open."""
    await reply(update, context.t("people-in-progress"))


async def leave_for(update: Update, context: HotlineContext) -> object:
    """A menu button or a registration button pressed while the details are open."""
    _drop_pending(context)
    action = callback_arg(update, "m:")
    if action is not None and action in menu.MENU_ACTIONS:
        await menu.menu_action(update, context)
        return END
    # Registration buttons belong to its own conversation: pressed again, they start it.
    await answer_query(update, context.t("people-press-again"), alert=True)
    return END


async def wrong_input(update: Update, context: HotlineContext) -> None:
    """Text where a button is expected, a sticker where text is."""
    await reply(update, context.t("people-wrong-input"))
