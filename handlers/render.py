"""Texts built from several messages: the registration card."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.i18n import Markup, Translator
from bot.reference import countries


def country_label(t: Translator, code: str | None) -> str:
    """Flag and name of a country in the user's language."""
    return countries.label(code, t.lang)


def registration_card(t: Translator, data: Mapping[str, Any]) -> Markup:
    """The registration as the citizen sees it before confirming and in 'My registration'."""
    note = data.get("note")
    card = t(
        "reg-card",
        country=country_label(t, data.get("country")),
        city=data.get("city") or "—",
        status=t(f"status-{data['status']}") if data.get("status") else "—",
        party=data.get("party_size") or 1,
        children=data.get("children") or 0,
        name=data.get("full_name") or "—",
        phone=data.get("phone") or "—",
        needs=t(f"needs-{data['needs']}") if data.get("needs") else "—",
        note=note if note else Markup(t("reg-card-no-note")),
    )
    if data.get("vulnerable"):
        card += "\n" + t("reg-card-vulnerable")
    return Markup(card)


def local_time(moment: datetime, tz: Any) -> str:
    """A stored time in the ministry's zone, day and minute."""
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")
