"""FAQ: topics -> questions -> answer, free-text questions, country-specific answers.

The screens replace each other in one message (render.show) and say where typed text goes:
to the FAQ, or to staff while a hotline chat is open.
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import HotlineContext
from bot.faq.directory import render_contacts, render_polling
from bot.faq.matcher import Entry, Match
from bot.i18n import Markup
from bot.reference import countries
from bot.reference.telegram_text import MAX_TEXT, visible_len
from handlers import emergency, faq_report, hotline, keyboards
from handlers.common import PRIVATE, answer_query, callback_arg, refuse_button, reply
from handlers.render import show

Button = InlineKeyboardButton


def _topics_markup(context: HotlineContext, in_chat: bool) -> InlineKeyboardMarkup:
    lang = context.lang
    rows = [
        [Button(topic.title.get(lang) or topic.title["ru"], callback_data=f"ft:{topic.id}")]
        for topic in context.services.faq.topics
    ]
    if in_chat:
        rows.append(keyboards.end_chat_row(context.t))
    rows.append([Button(context.t("btn-menu"), callback_data="m:menu")])
    return InlineKeyboardMarkup(rows)


def _questions_markup(
    context: HotlineContext, entries: list[Entry], back: str, in_chat: bool = False
) -> InlineKeyboardMarkup:
    lang = context.lang
    rows = [
        [Button(e.question.get(lang) or e.question["ru"], callback_data=f"fe:{e.id}")]
        for e in entries
    ]
    if in_chat:
        rows.append(keyboards.end_chat_row(context.t))
    rows.append([Button(context.t("btn-back"), callback_data=back)])
    return InlineKeyboardMarkup(rows)


async def _typing(update: Update, context: HotlineContext) -> tuple[str, bool]:
    """Where typed text goes now, as a line for the screen, and whether a chat is open."""
    in_chat = await hotline.is_active(update, context)
    return context.t("faq-typing-chat" if in_chat else "faq-typing-faq"), in_chat


async def show_topics(update: Update, context: HotlineContext) -> None:
    """/faq and the menu button: the list of topics."""
    await answer_query(update)
    typing, in_chat = await _typing(update, context)
    text = f"{context.t('faq-title')}\n\n{typing}"
    await show(update, text, _topics_markup(context, in_chat))


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
    typing, in_chat = await _typing(update, context)
    markup = _questions_markup(context, entries, "fm", in_chat)
    await show(update, f"{context.t('faq-topic', topic=title)}\n\n{typing}", markup)


async def _registered_country(update: Update, context: HotlineContext) -> str | None:
    user = update.effective_user
    if user is None:
        return None
    reg = await context.services.registrations.get(user.id)
    return reg.country if reg else None


async def send_answer(
    update: Update, context: HotlineContext, entry: Entry, country: str | None = None
) -> None:
    """The answer, with the citizen's country filled in, and "Did this help?".

    From a button it replaces that screen; a typed question gets it as a new message.
    """
    lang = context.lang
    if entry.country and country is None:
        country = await _registered_country(update, context)
        if country is None:
            await _ask_country(update, context, entry)
            return
    text = entry.answer.get(lang) or entry.answer["ru"]
    question = entry.question.get(lang) or entry.question["ru"]
    # What is left of Telegram's 4,096 units once the question is in.
    room = MAX_TEXT - visible_len(context.t("faq-answer", question=question, answer=""))
    extra: list[str] = []
    if entry.country and country is not None:
        info = context.services.directory.get(country)
        found = countries.get(country)
        name = found.name(lang) if found else country
        lines = emergency.block(context, country)
        contacts = render_contacts(context.t, info, name)
        blocks: tuple[tuple[str, str], ...] = (
            # The numbers to call come first: the ministry's 24/7 line is always known.
            ("{contacts}", f"{lines}\n\n{contacts}" if lines else contacts),
            ("{polling}", render_polling(context.t, info, name)),
        )
        for placeholder, block in blocks:
            if placeholder in text and visible_len(text) + visible_len(block) <= room:
                text = text.replace(placeholder, block)
            elif placeholder in text:
                # A long directory entry goes in its own message rather than past the limit.
                text = text.replace(placeholder, "")
                extra.append(block)
    body = context.t("faq-answer", question=question, answer=Markup(text))
    for block in extra:
        await reply(update, block)
    markup = InlineKeyboardMarkup(
        [
            [
                Button(context.t("btn-helpful-yes"), callback_data=f"fh:y:{entry.id}"),
                Button(context.t("btn-helpful-no"), callback_data=f"fh:n:{entry.id}"),
            ],
            _back_row(context, entry),
        ]
    )
    if extra:
        await reply(update, body, reply_markup=markup)
    else:
        await show(update, body, markup)


def _back_row(context: HotlineContext, entry: Entry) -> list[Button]:
    return [
        Button(context.t("btn-back"), callback_data=f"ft:{entry.topic}"),
        Button(context.t("btn-menu"), callback_data="m:menu"),
    ]


async def _ask_country(update: Update, context: HotlineContext, entry: Entry) -> None:
    buttons = [
        Button(countries.label(code, context.lang), callback_data=f"fc:{entry.id}:{code}")
        for code in countries.REGION
        if countries.get(code) is not None
    ]
    markup = InlineKeyboardMarkup([*keyboards.rows(buttons, 2), _back_row(context, entry)])
    await show(update, context.t("faq-choose-country"), markup)


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
    """fh:y|n:<entry>: the answer stays; under it the topic's other questions, or the hotline.

    "Helped" puts the next question of the same topic one tap away instead of three.
    """
    value = callback_arg(update, "fh:") or ""
    verdict, _, entry_id = value.partition(":")
    entry = context.services.faq.entry(entry_id)
    if verdict not in ("y", "n") or entry is None:
        await refuse_button(update, context)
        return
    query = update.callback_query
    message = query.message if query else None
    # "Did this help?" is kept per entry for /faq_report (after consent only).
    await faq_report.record_verdict(update, context, entry_id, verdict == "y")
    if verdict == "y":
        await answer_query(update, context.t("faq-thanks"))
        others = [e for e in context.services.faq.in_topic(entry.topic) if e.id != entry.id]
        lang = context.lang
        rows = [
            [Button(e.question.get(lang) or e.question["ru"], callback_data=f"fe:{e.id}")]
            for e in others
        ]
        markup = InlineKeyboardMarkup([*rows, _back_row(context, entry)])
        if isinstance(message, Message):
            with contextlib.suppress(TelegramError):
                await message.edit_reply_markup(markup)
                return
        await reply(update, context.t("faq-thanks"), reply_markup=markup)
        return
    await answer_query(update)
    if isinstance(message, Message):
        # The answer stays readable; only its "did it help" buttons are done.
        with contextlib.suppress(TelegramError):
            await message.edit_reply_markup(InlineKeyboardMarkup([_back_row(context, entry)]))
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
