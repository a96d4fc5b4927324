"""An FAQ that learns: "Did this help?" answers and the free-text questions the FAQ could not
answer are stored, for citizens who consented only (the questions stripped of numbers and
names first, and erased with the citizen), and admins read them
with /faq_report [days]: the entries with the most "no", and the unanswered questions grouped
by similarity, with counts, as a message and a CSV file.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import InputFile, Update
from telegram.ext import CommandHandler

from bot.context import AnyApp, HotlineContext
from bot.faq import unmatched
from bot.services import Services
from bot.staff import reports
from bot.staff.roles import Role
from handlers.common import PRIVATE, reply
from handlers.roles import requires

DEFAULT_DAYS = 30
MAX_DAYS = 365
SHOWN_ENTRIES = 10
SHOWN_GROUPS = 15
SHOWN_TEXT = 120


async def _consented(update: Update, context: HotlineContext) -> int | None:
    """The user's id if they consented to the processing of their data; nothing of anyone
    else is kept, not even a question with the names taken out."""
    user = update.effective_user
    if user is None:
        return None
    citizen = await context.services.citizens.get(user.id)
    return user.id if citizen is not None and citizen.consent_at is not None else None


async def record_question(update: Update, context: HotlineContext, text: str) -> None:
    """A free-text question without a confident answer: stored without personal data."""
    user_id = await _consented(update, context)
    if user_id is None:
        return
    services = context.services
    cleaned = unmatched.scrub(text, unmatched.known_word(services.matcher.idf.__contains__))
    if cleaned:
        await services.faq_log.question(
            user_id, context.lang, cleaned, unmatched.key_of(cleaned), services.clock.now()
        )


async def record_verdict(
    update: Update, context: HotlineContext, entry_id: str, helped: bool
) -> None:
    """A citizen's "Did this help?" on an entry (checked to exist by the caller)."""
    user_id = await _consented(update, context)
    if user_id is not None:
        services = context.services
        await services.faq_log.verdict(entry_id, user_id, helped, services.clock.now())


def _days(args: list[str]) -> int | None:
    if not args:
        return DEFAULT_DAYS
    if len(args) == 1 and args[0].isdigit() and 1 <= int(args[0]) <= MAX_DAYS:
        return int(args[0])
    return None


async def report_groups(
    services: Services, days: int
) -> tuple[list[tuple[str, int, int]], list[unmatched.Group]]:
    """(entry id, no, yes) most "no" first, and the groups of unanswered questions."""
    since = services.clock.now() - timedelta(days=days)
    verdicts = await services.faq_log.verdicts(since, SHOWN_ENTRIES)
    keys = await services.faq_log.question_keys(since)
    groups = unmatched.group([(k.key, k.count, k.sample) for k in keys])
    return [(v.entry_id, v.not_helped, v.helped) for v in verdicts], groups


@requires("admin")
async def faq_report(update: Update, context: HotlineContext, role: Role) -> None:
    """/faq_report [days]: what the FAQ fails, over the last days (admins)."""
    t = context.t
    days = _days(context.args or [])
    if days is None:
        await reply(update, t("faqr-usage", max=MAX_DAYS))
        return
    entries, groups = await report_groups(context.services, days)
    if not entries and not groups:
        await reply(update, t("faqr-empty", days=days))
        return
    faq = context.services.faq
    entry_lines = []
    for entry_id, no, yes in entries:
        entry = faq.entry(entry_id)
        question = (entry.question.get(context.lang) or entry.question["ru"]) if entry else None
        entry_lines.append(
            t("faqr-entry", entry=entry_id, question=question or t("faqr-entry-gone"),
              no=no, yes=yes)
        )  # fmt: skip
    group_lines = [
        t("faqr-group", count=g.count, text=g.sample[:SHOWN_TEXT], variants=g.variants)
        for g in groups[:SHOWN_GROUPS]
    ]
    text = t(
        "faqr-report",
        days=days,
        entries="\n".join(entry_lines) or t("faqr-none"),
        groups="\n".join(group_lines) or t("faqr-none"),
        total=sum(g.count for g in groups),
        kinds=len(groups),
    )
    await reply(update, text)
    if not groups:
        return
    header = [t("faqr-col-count"), t("faqr-col-question"), t("faqr-col-variants")]
    rows = [(g.count, " | ".join(g.examples), g.variants) for g in groups]
    data = await asyncio.to_thread(reports.csv_bytes, header, rows)
    stamp = context.services.clock.now().astimezone(context.settings.tz).strftime("%Y%m%d")
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(
            InputFile(data, filename=f"faq-questions-{stamp}.csv"),
            caption=t("faqr-file", kinds=len(groups)),
        )


def register(app: AnyApp) -> None:
    """/faq_report; `requires` refuses everyone but admins with "not available"."""
    app.add_handler(CommandHandler("faq_report", faq_report, filters=PRIVATE))
