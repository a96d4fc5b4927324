"""FAQ: topics -> questions -> answer, free-text questions, country-specific answers."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import HotlineContext
from bot.faq.directory import render_contacts, render_polling
from bot.faq.matcher import Entry, Match
from bot.i18n import Markup
from bot.reference import countries
from handlers import faq_report, keyboards
from handlers.common import PRIVATE, answer_query, callback_arg, refuse_button, reply

Button = InlineKeyboardButton
# Room for the question and markup under Telegram's 4096 characters.
MAX_BODY = 3800


def _topics_markup(context: HotlineContext) -> InlineKeyboardMarkup:
    lang = context.lang
    rows = [
        [Button(topic.title.get(lang) or topic.title["ru"], callback_data=f"ft:{topic.id}")]
        for topic in context.services.faq.topics
    ]
    rows.append([Button(context.t("btn-menu"), callback_data="m:menu")])
    return InlineKeyboardMarkup(rows)


def _questions_markup(
    context: HotlineContext, entries: list[Entry], back: str
) -> InlineKeyboardMarkup:
    lang = context.lang
    rows = [
        [Button(e.question.get(lang) or e.question["ru"], callback_data=f"fe:{e.id}")]
        for e in entries
    ]
    rows.append([Button(context.t("btn-back"), callback_data=back)])
    return InlineKeyboardMarkup(rows)


async def show_topics(update: Update, context: HotlineContext) -> None:
    """/faq and the menu button: the list of topics."""
    await answer_query(update)
    await reply(update, context.t("faq-title"), reply_markup=_topics_markup(context))


async def show_topic(update: Update, context: HotlineContext) -> None:
    """ft:<topic>: the questions of one topic."""
    topic_id = callback_arg(update, "ft:") or ""
    topic = next((t for t in context.services.faq.topics if t.id == topic_id), None)
    if topic is None:
        await refuse_button(update, context)
        return
    await answer_query(update)
    entries = context.services.faq.in_topic(topic.id)
    title = topic.title.get(context.lang) or topic.title["ru"]
    markup = _questions_markup(context, entries, "fm")
    await reply(update, context.t("faq-topic", topic=title), reply_markup=markup)


async def _registered_country(update: Update, context: HotlineContext) -> str | None:
    user = update.effective_user
    if user is None:
        return None
    reg = await context.services.registrations.get(user.id)
    return reg.country if reg else None


async def send_answer(
    update: Update, context: HotlineContext, entry: Entry, country: str | None = None
) -> None:
    """The answer, with the citizen's country filled in, and "Did this help?"."""
    lang = context.lang
    if entry.country and country is None:
        country = await _registered_country(update, context)
        if country is None:
            await _ask_country(update, context, entry)
            return
    text = entry.answer.get(lang) or entry.answer["ru"]
    extra: list[str] = []
    if entry.country and country is not None:
        info = context.services.directory.get(country)
        found = countries.get(country)
        name = found.name(lang) if found else country
        blocks: tuple[tuple[str, str], ...] = (
            ("{contacts}", render_contacts(context.t, info, name)),
            ("{polling}", render_polling(context.t, info, name)),
        )
        for placeholder, block in blocks:
            if placeholder in text and len(text) + len(block) < MAX_BODY:
                text = text.replace(placeholder, block)
            elif placeholder in text:
                # A long directory entry goes in its own message rather than past the limit.
                text = text.replace(placeholder, "")
                extra.append(block)
    question = entry.question.get(lang) or entry.question["ru"]
    body = context.t("faq-answer", question=question, answer=Markup(text))
    for block in extra:
        await reply(update, block)
    markup = InlineKeyboardMarkup(
        [
            [
                Button(context.t("btn-helpful-yes"), callback_data=f"fh:y:{entry.id}"),
                Button(context.t("btn-helpful-no"), callback_data=f"fh:n:{entry.id}"),
            ],
            [
                Button(context.t("btn-back"), callback_data=f"ft:{entry.topic}"),
                Button(context.t("btn-menu"), callback_data="m:menu"),
            ],
        ]
    )
    await reply(update, body, reply_markup=markup)


async def _ask_country(update: Update, context: HotlineContext, entry: Entry) -> None:
    buttons = [
        Button(
            f"{countries.flag(code)} {c.name(context.lang)}", callback_data=f"fc:{entry.id}:{code}"
        )
        for code in countries.REGION
        if (c := countries.get(code)) is not None
    ]
    markup = InlineKeyboardMarkup(keyboards.rows(buttons, 2))
    await reply(update, context.t("faq-choose-country"), reply_markup=markup)


async def show_entry(update: Update, context: HotlineContext) -> None:
    """fe:<entry>: one answer."""
    entry = context.services.faq.entry(callback_arg(update, "fe:") or "")
    if entry is None:
        await refuse_button(update, context)
        return
    await answer_query(update)
    await send_answer(update, context, entry)


async def show_entry_for_country(update: Update, context: HotlineContext) -> None:
    """fc:<entry>:<country>: a country-specific answer for a chosen country."""
    entry_id, _, code = (callback_arg(update, "fc:") or "").rpartition(":")
    entry = context.services.faq.entry(entry_id)
    if entry is None or countries.get(code) is None:
        await refuse_button(update, context)
        return
    await answer_query(update)
    await send_answer(update, context, entry, country=code)


async def helpful(update: Update, context: HotlineContext) -> None:
    """fh:y|n:<entry>: thanks, or an offer to write to the hotline."""
    value = callback_arg(update, "fh:") or ""
    verdict, _, entry_id = value.partition(":")
    if verdict not in ("y", "n") or context.services.faq.entry(entry_id) is None:
        await refuse_button(update, context)
        return
    await answer_query(update)
    await faq_report.record_verdict(update, context, entry_id, verdict == "y")
    if verdict == "y":
        await reply(
            update, context.t("faq-thanks"), reply_markup=keyboards.back_to_menu(context.t)
        )
        return
    markup = InlineKeyboardMarkup(
        [
            [Button(context.t("btn-hotline"), callback_data="m:hot")],
            [Button(context.t("btn-faq"), callback_data="fm")],
        ]
    )
    await reply(update, context.t("faq-not-helped"), reply_markup=markup)


async def answer_free_text(update: Update, context: HotlineContext, text: str) -> None:
    """A question typed outside any flow: answer, offer the closest three, or the hotline."""
    decision, matches = context.services.matcher.decide(text)
    if decision == "answer":
        await send_answer(update, context, matches[0].entry)
        return
    # Not confident: the admins' /faq_report shows what the FAQ does not answer.
    await faq_report.record_question(update, context, text)
    if decision == "choose":
        await reply(update, context.t("faq-unsure"), reply_markup=_choices(context, matches))
        return
    markup = InlineKeyboardMarkup(
        [
            [Button(context.t("btn-hotline"), callback_data="m:hot")],
            [Button(context.t("btn-faq"), callback_data="fm")],
        ]
    )
    await reply(update, context.t("faq-no-match"), reply_markup=markup)


def _choices(context: HotlineContext, matches: list[Match]) -> InlineKeyboardMarkup:
    lang = context.lang
    rows = [
        [
            Button(
                m.entry.question.get(lang) or m.entry.question["ru"],
                callback_data=f"fe:{m.entry.id}",
            )
        ]
        for m in matches
    ]
    rows.append([Button(context.t("btn-hotline"), callback_data="m:hot")])
    return InlineKeyboardMarkup(rows)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """FAQ handlers."""
    app.add_handler(CommandHandler("faq", show_topics, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(show_topics, pattern=r"^fm$"))
    app.add_handler(CallbackQueryHandler(show_topic, pattern=r"^ft:"))
    app.add_handler(CallbackQueryHandler(show_entry, pattern=r"^fe:"))
    app.add_handler(CallbackQueryHandler(show_entry_for_country, pattern=r"^fc:"))
    app.add_handler(CallbackQueryHandler(helpful, pattern=r"^fh:"))
