"""A typed CallbackContext: services, the user's language and translator as properties."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import DEFAULT_LANG, Translator
from bot.services import Services
from bot.settings import Settings
from storage.models import Lang

# An application whose type arguments do not matter where it is handed around (handlers'
# register functions, roles' filters): the one spelling of it.
AnyApp = Application[Any, Any, Any, Any, Any, Any]


class BotData:
    """Application-wide data; PTB creates it, build_application() fills `services`."""

    __slots__ = ("services",)

    def __init__(self) -> None:
        self.services: Services | None = None


class HotlineContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], BotData]):
    """Context passed to every handler of the hotline."""

    def __init__(
        self,
        application: AnyApp,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        # Set once per update by the language hook (handlers.common), read by `t`.
        self.lang: Lang = DEFAULT_LANG

    @property
    def services(self) -> Services:
        """Settings, database and repositories."""
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are not wired; build the app with build_application")
        return services

    @property
    def settings(self) -> Settings:
        """The running configuration."""
        return self.services.settings

    @property
    def t(self) -> Translator:
        """Translator in the current user's language."""
        return self.services.catalog.translator(self.lang)


# A job of the JobQueue, as the hotline arms them.
Job = Callable[[HotlineContext], Coroutine[Any, Any, None]]


def one_replica(name: str, every: float, job: Job) -> Job:
    """`job` (armed every `every` seconds), run by one replica at a time when several share
    the database (the lease `job:<name>`, Roster.leads): two replicas asking the same
    freshness question or refilling the same seats would each do it, and Telegram sends are
    not idempotent. Alone, it always runs."""

    async def leased(context: HotlineContext) -> None:
        if await context.services.roster.leads(name, every):
            await job(context)

    return leased
