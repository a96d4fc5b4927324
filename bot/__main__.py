"""Command line: python -m bot [run|migrate|health|backup PATH|purge|faq ask|faq urgent]."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from bot.logs import setup_logging
from bot.runtime.replicas import NameTaken
from bot.settings import Settings
from storage.audit import AuditLog
from storage.bans import BanRepo
from storage.citizens import CitizenRepo
from storage.db import Database, DatabaseError

log = logging.getLogger("bot")
EXIT_CONFIG = 2


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line for the operator."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Consular hotline Telegram bot. Settings come from the environment "
        "or .env (see README).",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (long polling; webhook mode with WEBHOOK_URL)")
    sub.add_parser("migrate", help="create or upgrade the database schema and exit")
    sub.add_parser("health", help="exit 0 if a running bot wrote its heartbeat recently")
    backup = sub.add_parser("backup", help="copy the live database to PATH (online backup)")
    backup.add_argument("path", type=Path)
    purge = sub.add_parser(
        "purge", help="erase citizens whose registration is closed or untouched for N days"
    )
    purge.add_argument("--inactive-days", type=int, default=PURGE_DEFAULT_DAYS, metavar="N",
                       help=f"days without an update (default {PURGE_DEFAULT_DAYS})")  # fmt: skip
    purge.add_argument("--dry-run", action="store_true", help="count, erase nothing")
    faq = sub.add_parser("faq", help="FAQ tools for staff")
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)
    ask = faq_sub.add_parser("ask", help="print the best FAQ entries for a question, with scores")
    ask.add_argument("question")
    ask.add_argument("--lang", choices=("ru", "kk"), default="ru")
    urgent = faq_sub.add_parser(
        "urgent", help="whether a text has urgency words (locales/urgency.yaml), and which"
    )
    urgent.add_argument("text")
    return parser


def load_settings() -> Settings:
    """Build settings; turn validation errors into one readable line."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper() or "settings"
        # Never echo the input: it may be the token.
        raise ConfigError(f"{field}: {first['msg'].removeprefix('Value error, ')}") from None


async def _migrate(settings: Settings) -> None:
    db = Database(settings.database_target, pool_size=2)
    await db.open()
    try:
        print(f"database {settings.database_name} at schema v{await db.user_version()}")  # noqa: T201
    finally:
        await db.close()


# Half a year: long after any evacuation, short enough not to keep data "just in case".
PURGE_DEFAULT_DAYS = 180


async def _purge(settings: Settings, days: int, dry_run: bool) -> None:
    if days < 1:
        raise ConfigError("--inactive-days must be at least 1")
    # Imported here: it loads python-telegram-bot, which the other commands do without.
    from bot.hotline import BanList

    db = Database(settings.database_target, pool_size=2)
    await db.open()
    try:
        repo = CitizenRepo(db)
        now = datetime.now(UTC)
        users = await repo.inactive(now - timedelta(days=days))
        if not dry_run:
            # Bans still stored by Telegram id become keyed hashes first: erasure keeps those.
            await BanList(BanRepo(db), settings.ban_key).prepare()
            for user_id in users:
                await repo.erase(user_id, checkpoint=False)
            await AuditLog(db).log(None, "purge", {"days": days, "citizens": len(users)}, now)
            # Once for the whole run: erased rows must not stay in the -wal file.
            await db.checkpoint()
    finally:
        await db.close()
    verb = "would erase" if dry_run else "erased"
    print(f"{verb} {len(users)} citizens inactive for {days}+ days")  # noqa: T201


async def _backup(settings: Settings, target: Path) -> None:
    if settings.database_url is None and not settings.database_path.exists():
        raise ConfigError(f"DATABASE_PATH: {settings.database_path} does not exist")
    db = Database(settings.database_target, pool_size=2)
    await db.open()
    try:
        await db.backup(target)
    except OSError as exc:
        raise ConfigError(f"backup: cannot write {target}: {exc.strerror}") from None
    finally:
        await db.close()
    print(f"backup written to {target}")  # noqa: T201


async def _faq_ask(settings: Settings, question: str, lang: str) -> int:
    """Show how the bot would answer a free-text question, with the live content."""
    from bot.app import load_content
    from bot.services import Services

    services = Services.create(settings)
    if settings.database_url is not None or settings.database_path.exists():
        await services.db.open()
        try:
            await load_content(services)
        finally:
            await services.db.close()
    matcher = services.matcher
    decision, _ = matcher.decide(question)
    print(f"decision: {decision}")  # noqa: T201
    for match in matcher.search(question):
        entry = match.entry
        print(f"{match.score:6.3f}  {entry.id:30}  {entry.question[lang]}")  # noqa: T201
    return 0


def _faq_urgent(text: str) -> int:
    """Show whether a message would mark a ticket urgent, and by which entry of the list."""
    from bot.faq.urgency import UrgencyError, load

    try:
        words = load()
    except UrgencyError as exc:
        raise ConfigError(f"urgency words: {exc}") from None
    found = words.match(text)
    if found is None:
        print("not urgent")  # noqa: T201
    else:
        print(f"urgent: {found[0]} ({found[1]})")  # noqa: T201
    return 0


def _health(settings: Settings) -> int:
    """Healthy when the heartbeat is younger than three intervals."""
    try:
        age = time.time() - settings.heartbeat_path.stat().st_mtime
    except OSError:
        print("unhealthy: no heartbeat yet", file=sys.stderr)  # noqa: T201
        return 1
    if age > 3 * settings.heartbeat_seconds:
        print(f"unhealthy: last heartbeat {age:.0f} s ago", file=sys.stderr)  # noqa: T201
        return 1
    print(f"healthy: last heartbeat {age:.0f} s ago")  # noqa: T201
    return 0


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (Linux images): a faster event loop for the same code."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _run(settings: Settings) -> None:
    # Imported here so `migrate` and `backup` do not load python-telegram-bot.
    from bot.app import build_application, serve
    from bot.faq.urgency import UrgencyError

    try:
        settings.token()
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    # Fail fast on an unusable database path, before talking to Telegram.
    probe = Database(settings.database_target, pool_size=2)
    await probe.open()
    await probe.close()
    try:
        app = build_application(settings)
    except UrgencyError as exc:
        # An admin's edit of locales/urgency.yaml: one line saying where.
        raise ConfigError(f"urgency words: {exc}") from None
    # Everything loaded so far (about 100,000 objects) lives as long as the process. Left
    # to the collector, every full collection walks it all: 50 ms here, a stall of the
    # event loop that bench/broadcast.py saw as a gap of 50 to 80 paid-rate sends.
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(app, stop)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        setup_logging(settings.log_level)
        if command == "migrate":
            asyncio.run(_migrate(settings))
        elif command == "faq" and args.faq_command == "urgent":
            return _faq_urgent(args.text)
        elif command == "faq":
            return asyncio.run(_faq_ask(settings, args.question, args.lang))
        elif command == "health":
            return _health(settings)
        elif command == "backup":
            asyncio.run(_backup(settings, args.path))
        elif command == "purge":
            asyncio.run(_purge(settings, args.inactive_days, args.dry_run))
        else:
            with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                runner.run(_run(settings))
    except (ConfigError, DatabaseError, NameTaken) as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
