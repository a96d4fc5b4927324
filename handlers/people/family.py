"""Family links: a citizen invites relatives with a one-time link and chooses what they
receive (safety answers, country and city when they change, evacuation boarding); either
side can end a link. Relatives get those events and nothing else of the citizen's data.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest, TelegramError

from bot.context import HotlineContext
from bot.i18n import DEFAULT_LANG
from bot.people import codes
from bot.reference import countries
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.people import views
from storage.people import Details

log = logging.getLogger(__name__)

MAX_RELATIVE_NAME = 64
# Telegram's limit on inline buttons per message keeps the list of links short anyway.
MAX_LINKS = 20


async def show_family(update: Update, context: HotlineContext) -> None:
    """/family: what is shared and with whom; the links to relatives one follows."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    t = context.t
    reg = await services.registrations.get(user.id)
    to_me = await services.people.links.links_to(user.id)
    named = [(link, await _name_of(context, link.user_id)) for link in to_me]
    if reg is None and not to_me:
        await reply(update, t("family-unregistered"))
        return
    lines = []
    flags = None
    links = []
    if reg is not None:
        details = await services.people.repo.details(user.id)
        flags = views.share_flags(details)
        links = await services.people.links.links_of(user.id)
        names = ", ".join(link.relative_name for link in links) or t("family-nobody")
        lines.append(
            t("family-mine", shared=views.shared_text(t, flags), count=len(links), names=names)
        )
    if named:
        lines.append(t("family-theirs", names=", ".join(name for _, name in named)))
    markup = views.family_markup(t, flags, links, named)
    await reply(update, "\n\n".join(lines), reply_markup=markup)


async def _name_of(context: HotlineContext, user_id: int) -> str:
    """How a linked citizen is named to their relatives: the registered name."""
    reg = await context.services.registrations.get(user_id)
    return reg.full_name if reg else context.t("family-someone")


async def share_switch(update: Update, context: HotlineContext) -> None:
    """pl:sh:<what>: share it with linked relatives, or stop."""
    what = callback_arg(update, views.SHARE)
    user = update.effective_user
    if what not in views.SHARES or user is None:
        await refuse_button(update, context)
        return
    services = context.services
    if await services.registrations.get(user.id) is None:
        await refuse_button(update, context)
        return
    flags = views.share_flags(await services.people.repo.details(user.id))
    flags[what] = not flags[what]
    await services.people.repo.set_shares(
        user.id, flags["safety"], flags["place"], flags["boarding"], services.clock.now()
    )
    await answer_query(update, context.t("family-shares-saved"))
    links = await services.people.links.links_of(user.id)
    to_me = await services.people.links.links_to(user.id)
    named = [(link, await _name_of(context, link.user_id)) for link in to_me]
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(
                views.family_markup(context.t, flags, links, named)
            )


async def new_invite(update: Update, context: HotlineContext) -> None:
    """pl:new: a one-time invitation link to send to relatives."""
    user = update.effective_user
    services = context.services
    if user is None or await services.registrations.get(user.id) is None:
        await refuse_button(update, context)
        return
    if len(await services.people.links.links_of(user.id)) >= MAX_LINKS:
        await answer_query(update, context.t("family-too-many", max=MAX_LINKS), alert=True)
        return
    await answer_query(update)
    # Relatives hear of moves from here on: the place now is the one they start from.
    reg = await services.registrations.get(user.id)
    if reg is not None:
        place = f"{reg.country}|{reg.city}" if reg.active else "home"
        await services.people.repo.set_shared_place(user.id, place, services.clock.now())
    code = await services.people.invite(user.id)
    flags = views.share_flags(await services.people.repo.details(user.id))
    link = codes.invite_link(context.bot.username, code)
    text = context.t(
        "family-invite",
        link=link,
        shared=views.shared_text(context.t, flags),
        days=context.settings.family_invite_days,
    )
    await reply(update, text)


async def open_invite(update: Update, context: HotlineContext) -> None:
    """/start fam_<code>: who invites, what they share, and whether to agree."""
    user = update.effective_user
    code = codes.code_of((context.args or [""])[0])
    if user is None or code is None:
        await reply(update, context.t("family-code-unknown"))
        return
    services = context.services
    status, owner = await services.people.links.invite_owner(
        codes.code_hash(code), services.clock.now()
    )
    if status != "linked":
        await reply(update, context.t(f"family-code-{status}"))
        return
    if owner == user.id:
        await reply(update, context.t("family-code-self"))
        return
    flags = views.share_flags(await services.people.repo.details(owner))
    text = context.t(
        "family-accept-ask",
        name=await _name_of(context, owner),
        shared=views.shared_text(context.t, flags),
    )
    await reply(update, text, reply_markup=views.accept_markup(context.t, code))


async def accept(update: Update, context: HotlineContext) -> None:
    """pl:y:<code>: the relative agrees; the invitation is used up."""
    user = update.effective_user
    code = codes.code_of(codes.PREFIX + (callback_arg(update, views.ACCEPT) or ""))
    if user is None or code is None:
        await refuse_button(update, context)
        return
    services = context.services
    name = " ".join(user.first_name.split())[:MAX_RELATIVE_NAME] or "—"
    status, link = await services.people.links.accept(
        codes.code_hash(code), user.id, name, context.lang, services.clock.now()
    )
    await answer_query(update)
    await _drop_buttons(update)
    if link is None or status not in ("linked", "already"):
        await reply(update, context.t(f"family-code-{status}"))
        return
    flags = views.share_flags(await services.people.repo.details(link.user_id))
    citizen = await _name_of(context, link.user_id)
    await reply(
        update,
        context.t("family-linked", name=citizen, shared=views.shared_text(context.t, flags)),
    )
    if status == "linked":
        await _tell(context, link.user_id, "family-joined", name=name)


async def decline(update: Update, context: HotlineContext) -> None:
    """pl:n: not now; nothing is stored and the invitation stays unused."""
    await answer_query(update)
    await _drop_buttons(update)
    await reply(update, context.t("family-declined"))


async def unlink(update: Update, context: HotlineContext) -> None:
    """pl:end:<id>: the citizen revokes a relative, or a relative leaves."""
    raw = callback_arg(update, views.UNLINK) or ""
    user = update.effective_user
    if not raw.isdigit() or user is None:
        await refuse_button(update, context)
        return
    link = await context.services.people.links.unlink(int(raw), user.id)
    if link is None:
        # Not theirs, or already ended: nothing changes and nothing is said about it.
        await refuse_button(update, context)
        return
    await answer_query(update)
    if link.user_id == user.id:
        await reply(update, context.t("family-revoked", name=link.relative_name))
        await _tell(context, link.relative_id, "family-ended")
    else:
        await reply(update, context.t("family-left"))
        await _tell(context, link.user_id, "family-relative-left", name=link.relative_name)


async def _drop_buttons(update: Update) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        # The invitation's buttons are spent; the answer is what counts if this fails.
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(None)


async def _tell(context: HotlineContext, user_id: int, key: str, **args: object) -> bool:
    """A message to one chat in its own language; False if it cannot be delivered."""
    services = context.services
    lang = await services.citizens.lang_of(user_id) or DEFAULT_LANG
    text = services.catalog.format(lang, key, args)
    try:
        await context.bot.send_message(user_id, text)
    except TelegramError as exc:
        log.info("family message not delivered: %s", type(exc).__name__)
        return False
    return True


# ---- what relatives receive (called by the features where it happens) --------------------------


async def _relatives(context: HotlineContext, user_id: int, share: str) -> list[int]:
    details = await context.services.people.repo.details(user_id)
    if not views.share_flags(details)[share]:
        return []
    return [link.relative_id for link in await context.services.people.links.links_of(user_id)]


async def safety_answered(context: HotlineContext, user_id: int, answer: str) -> int:
    """The citizen answered a safety check ("safe" or "help"): relatives who receive it."""
    told = 0
    name = await _name_of(context, user_id)
    for relative in await _relatives(context, user_id, "safety"):
        told += await _tell(context, relative, f"family-event-{answer}", name=name)
    return told


async def place_changed(context: HotlineContext, user_id: int) -> int:
    """After a registration is saved or closed: relatives hear of a new country or city."""
    services = context.services
    relatives = await _relatives(context, user_id, "place")
    if not relatives:
        # Nobody to tell: keep no copy of the place (the link's creation records the first).
        return 0
    reg = await services.registrations.get(user_id)
    details: Details = await services.people.repo.details(user_id)
    if reg is None:
        return 0
    place = f"{reg.country}|{reg.city}" if reg.active else "home"
    if place == details.shared_place:
        return 0
    await services.people.repo.set_shared_place(user_id, place, services.clock.now())
    if details.shared_place is None and reg.active:
        # The first place known is the registration itself, not a move.
        return 0
    told = 0
    for relative in relatives:
        lang = await services.citizens.lang_of(relative) or DEFAULT_LANG
        if reg.active:
            where = f"{reg.city}, {countries.label(reg.country, lang)}"
            told += await _tell(
                context, relative, "family-event-place", name=reg.full_name, place=where
            )
        else:
            told += await _tell(context, relative, "family-event-home", name=reg.full_name)
    return told


async def boarded(context: HotlineContext, user_id: int, flight: str) -> int:
    """Evacuation boarding (issue 17 calls this when a citizen boards): relatives who receive
    it are told, with the flight or bus as staff named it."""
    told = 0
    name = await _name_of(context, user_id)
    for relative in await _relatives(context, user_id, "boarding"):
        told += await _tell(context, relative, "family-event-boarded", name=name, flight=flight)
    return told
