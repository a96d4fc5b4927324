"""/find for staff: the register by name, phone or city, in the staff member's countries; with
an inquiry number (/find #12 ...) each match gets a button that asks that citizen for consent.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import HotlineContext
from bot.i18n import DEFAULT_LANG, Markup, Translator
from bot.people.matching import parse_query
from bot.reference import countries
from bot.staff.roles import Role
from handlers.common import answer_query, callback_arg, refuse_button, reply
from handlers.people import views
from handlers.render import local_time
from handlers.roles import requires
from storage.people import Hit
from storage.people_links import Inquiry

MAX_QUERY = 100


def _line(t: Translator, n: int, hit: Hit, tz: object) -> str:
    who = hit.full_name
    phone = hit.phone
    if hit.member is not None:
        who = Markup(t("find-member", member=hit.member, name=hit.full_name))
        phone = hit.member_phone or hit.phone
    return t(
        "find-line",
        n=str(n),
        who=who,
        country=countries.label(hit.country, t.lang),
        city=hit.city,
        status=t(f"status-{hit.status}"),
        phone=phone,
        updated=local_time(hit.updated_at, tz),
    )


async def _inquiry_arg(
    update: Update, context: HotlineContext, role: Role, args: list[str]
) -> tuple[Inquiry | None, list[str], bool]:
    """'#12' first: the inquiry (checked against the role); (inquiry, the rest, refused)."""
    if not args or not args[0].startswith("#"):
        return None, args, False
    raw = args[0][1:]
    inquiry = await context.services.people.links.inquiry(int(raw)) if raw.isdigit() else None
    if inquiry is None:
        await reply(update, context.t("find-no-inquiry", id=raw[:12]))
        return None, args, True
    if not role.covers(inquiry.country):
        await reply(update, context.t("bc-scope-outside"))
        return None, args, True
    return inquiry, args[1:], False


@requires("staff")
async def find(update: Update, context: HotlineContext, role: Role) -> None:
    """/find [#inquiry] <name, phone or city>: up to ten matches in the role's countries."""
    t = context.t
    inquiry, args, refused = await _inquiry_arg(update, context, role, list(context.args or []))
    if refused:
        return
    text = " ".join(args)[:MAX_QUERY]
    if not text and inquiry is not None:
        # "/find #12": search for the name the relative gave.
        text = inquiry.full_name
    query = parse_query(text)
    if query.empty:
        await reply(update, t("find-usage"))
        return
    services = context.services
    hits, more = await services.people.find(query, role.scope())
    await services.audit.log(
        update.effective_user.id if update.effective_user else None,
        "find",
        {"inquiry": inquiry.id if inquiry else None, "results": len(hits)},
        services.clock.now(),
    )
    if not hits:
        await reply(update, t("find-nothing"))
        return
    tz = context.settings.tz
    lines = [_line(t, n, hit, tz) for n, hit in enumerate(hits, start=1)]
    body = t("find-results", count=len(hits), lines=Markup("\n\n".join(lines)))
    if more:
        body += "\n" + t("find-more")
    markup = None
    if inquiry is not None:
        buttons = [
            [
                views.Button(
                    t("btn-find-ask", count=n),
                    callback_data=f"{views.ASK}{inquiry.id}:{hit.user_id}",
                )
            ]
            for n, hit in enumerate(hits, start=1)
        ]
        markup = InlineKeyboardMarkup(buttons)
        body += "\n\n" + t("find-ask-hint", id=str(inquiry.id))
    await reply(update, body, reply_markup=markup)


@requires("staff")
async def ask(update: Update, context: HotlineContext, role: Role) -> None:
    """pq:a:<inquiry>:<user>: ask this citizen whether we may say they are safe."""
    inquiry_raw, _, user_raw = (callback_arg(update, views.ASK) or "").partition(":")
    staff = update.effective_user
    if not inquiry_raw.isdigit() or not user_raw.isdigit() or staff is None:
        await refuse_button(update, context)
        return
    services = context.services
    inquiry = await services.people.links.inquiry(int(inquiry_raw))
    reg = await services.registrations.get(int(user_raw))
    if inquiry is None or reg is None or not reg.active:
        await refuse_button(update, context)
        return
    if not role.covers(inquiry.country) or not role.covers(reg.country):
        await answer_query(update, context.t("bc-scope-outside"), alert=True)
        return
    if not await services.people.links.ask(
        inquiry.id, reg.user_id, staff.id, services.clock.now()
    ):
        await answer_query(update, context.t("find-asked-before"), alert=True)
        return
    lang = await services.citizens.lang_of(reg.user_id) or DEFAULT_LANG
    ct = services.catalog.translator(lang)
    text = ct("inquiry-consent-ask", filer=inquiry.filer_name, name=inquiry.full_name)
    try:
        await context.bot.send_message(
            reg.user_id, text, reply_markup=views.consent_markup(ct, inquiry.id)
        )
    except TelegramError:
        await answer_query(update, context.t("staff-undelivered"), alert=True)
        return
    await answer_query(update, context.t("find-asked"))
    await reply(update, context.t("find-asked-long", id=str(inquiry.id)))
