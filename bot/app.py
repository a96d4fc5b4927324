"""The one place that builds the application, and the loop that serves it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.clock import Clock
from bot.context import BotData, HotlineContext, one_replica
from bot.errors import on_error
from bot.faq import content
from bot.faq.content import CONTENT_NAME
from bot.i18n import Catalog
from bot.runtime import metrics
from bot.runtime.inbox import ClaimingInbox
from bot.runtime.limiter import HotlineRateLimiter
from bot.runtime.persistence import SqlitePersistence
from bot.runtime.polling import PollWatch
from bot.runtime.processing import ChatThrottle, PerChatUpdateProcessor
from bot.runtime.transport import AiohttpRequest
from bot.runtime.webhook import WebhookServer
from bot.services import Services
from bot.settings import Settings
from handlers import on_startup, register_all
from handlers.people import stay as people_stay

log = logging.getLogger(__name__)

HotlineApp = Application[Any, HotlineContext, dict[str, Any], dict[str, Any], BotData, Any]


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    catalog: Catalog | None = None,
    clock: Clock | None = None,
) -> HotlineApp:
    """Build the bot: builder, defaults, limiter, persistence, handlers, lifecycle hooks."""
    # Opt in to PTB's timedelta time periods now: the int form is deprecated since 22.2 and
    # warns inside RetryAfter itself, i.e. on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # The delivery engine sends notices with do_api_request on purpose (it needs only the
    # message id; building a Message per copy was its largest cost), and the inbox polls
    # with it (it needs the raw updates: one PTB cannot parse must not fail the batch),
    # which PTB warns about.
    warnings.filterwarnings(
        "ignore",
        message=r"Please use 'Bot\.(send\w+|getUpdates)' instead of 'Bot\.do_api_request",
        category=PTBUserWarning,
    )
    services = Services.create(settings, catalog, clock)
    builder = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .context_types(ContextTypes(context=HotlineContext, bot_data=BotData))
        .rate_limiter(
            HotlineRateLimiter(
                overall_max_rate=settings.reply_max_rate,
                group_max_rate=settings.group_max_per_minute,
                max_retries=3,
                broadcast_rate=settings.broadcast_rate,
                paid_rate=settings.paid_broadcast_rate,
            )
        )
        .concurrent_updates(
            PerChatUpdateProcessor(
                settings.max_concurrent_updates,
                ChatThrottle(settings.chat_burst, settings.chat_per_minute),
            )
        )
        .persistence(
            SqlitePersistence(
                services.db, services.bot_state, settings.persistence_interval, bot_data=BotData
            )
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        # The inbox polls (bot.runtime.inbox): PTB's Updater confirms updates when it fetches
        # them, before any handler ran.
        .updater(None)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(PollWatch(request))
    else:
        # Many citizens at once: a pool wide enough for the concurrent updates.
        builder = builder.request(
            AiohttpRequest(connection_pool_size=settings.connection_pool_size, pool_timeout=30)
        ).get_updates_request(
            PollWatch(
                AiohttpRequest(connection_pool_size=1, read_timeout=settings.poll_timeout + 10)
            )
        )
    app: HotlineApp = builder.build()
    app.bot_data.services = services
    register_all(app)
    app.add_error_handler(on_error)
    _wire_runtime(app, services)
    return app


def _wire_runtime(app: HotlineApp, services: Services) -> None:
    """Hand the PTB plumbing its ports: where flood waits are stored, what to commit when."""
    limiter = app.bot.rate_limiter
    persistence = app.persistence
    processor = app.update_processor
    if not isinstance(limiter, HotlineRateLimiter) or not isinstance(
        persistence, SqlitePersistence
    ):
        raise RuntimeError("the application lacks the hotline's limiter or persistence")
    repo = services.bot_state

    async def store_flood_wait(until: float) -> None:
        await repo.extend_flood_wait(datetime.fromtimestamp(until, UTC))

    limiter.on_pause = store_flood_wait
    # A user's data is committed before anything goes to their chat, and each update's
    # changes (conversation states too) as soon as its handlers are done.
    persistence.attach(app.user_data)
    limiter.before_send = persistence.commit_user
    if isinstance(processor, PerChatUpdateProcessor):
        processor.after_update = app.update_persistence
        # Then the inbox records the update done (handled, or dropped by the throttle).
        processor.finished = services.inbox.finished
        if isinstance(services.inbox, ClaimingInbox):
            # Beside other replicas a chat's state is read again before each update.
            services.inbox.bot_state = services.bot_state
            processor.before_update = services.inbox.refresh
    # Registration's go() records the step in the draft before asking it (handlers and
    # their persisted keys are not to be changed by the plumbing; this only reads them).
    persistence.track_steps("registration", "draft", "_state")


async def _wait_out_flood(app: HotlineApp, stop: asyncio.Event) -> bool:
    """Sleep through a flood wait a previous process was told; False if stopped meanwhile.

    Telegram's wait belongs to the token: a process started after a crash inside it must
    not send, and neither PTB's getMe in initialize() nor polling may start before its end.
    """
    services = _services(app)
    await services.db.open()
    until = await services.bot_state.flood_wait_until()
    left = until.timestamp() - time.time() if until is not None else 0.0
    if left <= 0:
        return True
    limiter = app.bot.rate_limiter
    if isinstance(limiter, HotlineRateLimiter):
        limiter.resume_pause(left)
    log.warning("Telegram's flood wait runs %.1f s more; the bot starts after it", left)
    settings = services.settings
    deadline = time.monotonic() + left
    while (left := deadline - time.monotonic()) > 0 and not stop.is_set():
        # Alive, only waiting: `health` must not have the container restarted for it.
        _touch(settings.heartbeat_path)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=min(left, settings.heartbeat_seconds))
    return not stop.is_set()


def _services(app: HotlineApp) -> Services:
    services = app.bot_data.services
    if services is None:
        raise RuntimeError("services are not wired")
    return services


async def _post_init(app: HotlineApp) -> None:
    services = _services(app)
    await services.db.open()
    await load_content(services)
    services.roles.load(await services.staff.all())
    await on_startup(app)
    _touch(services.settings.heartbeat_path)
    if app.job_queue is not None:
        interval = services.settings.heartbeat_seconds
        app.job_queue.run_repeating(
            _heartbeat, interval=interval, first=interval, name="heartbeat"
        )
        # Started as a job: tasks of a running application are tracked and awaited on stop.
        # Beside other replicas it waits until they have seen it and halved their budget.
        join = 0.0
        if services.settings.database_url is not None:
            roster = services.roster
            if isinstance(app.bot.rate_limiter, HotlineRateLimiter):
                roster.limiter = app.bot.rate_limiter
            # Its claims are freed at start-up: the name must not be another live replica's.
            await roster.take_name()
            await roster.beat()
            every = roster.beat_seconds
            app.job_queue.run_repeating(_beat, interval=every, first=every, name="replica")
            app.job_queue.run_repeating(_sync, interval=30, first=30, name="notices-sync")
            join = roster.join_seconds
        app.job_queue.run_once(_start_delivery, when=join, name="delivery-start")
        minutes = services.settings.fresh_check_minutes
        fresh = one_replica("freshness", minutes * 60, _freshness)
        app.job_queue.run_repeating(fresh, interval=minutes * 60, first=60, name="freshness")
        check = services.settings.evacuation_check_seconds
        evacuation = one_replica("evacuation", check, _evacuation)
        app.job_queue.run_repeating(evacuation, interval=check, first=1, name="evacuation")
        cards = services.settings.progress_seconds
        refresh = one_replica("evacuation-cards", cards, _cards)
        app.job_queue.run_repeating(refresh, interval=cards, first=cards, name="evacuation-cards")
        # End of stay (issue 18), on the freshness pings' rhythm. Every replica runs it: it
        # also builds this replica's /find index; what it sends is guarded by its rows.
        app.job_queue.run_repeating(
            people_stay.tick, interval=minutes * 60, first=90, name="people-stay"
        )

        if services.settings.metrics_port:
            every = services.settings.metrics_sample_seconds
            app.job_queue.run_repeating(_sample, interval=every, first=0, name="metrics")
    me = app.bot.bot
    log.info("bot @%s started; database schema v%s", me.username, await services.db.user_version())


async def load_content(services: Services) -> None:
    """Use the admins' last upload if there is one; the shipped seed otherwise."""
    stored = await services.content_repo.get(CONTENT_NAME)
    if stored is None:
        return
    document, problems = content.load(stored.body, stored=True)
    if document is None or problems:
        # Validated before it was stored; a broken row means a manual edit of the database.
        log.error("stored FAQ content is invalid (%s problems); using the seed", len(problems))
        return
    services.content.replace(document)


async def _start_delivery(context: HotlineContext) -> None:
    """Hand the engine the bot and job queue; resume unfinished notices, re-arm scheduled ones."""
    await context.services.notices.start(context.application)


async def _freshness(context: HotlineContext) -> None:
    """Ask citizens with stale registrations, in their daytime, whether they are still there."""
    await context.services.notices.freshness_tick()


async def _evacuation(context: HotlineContext) -> None:
    """Offer deadlines, departures that left, passport retention; refill free seats."""
    await context.services.evacuation.tick()


async def _cards(context: HotlineContext) -> None:
    """Keep the departures' cards current, like a notice's progress message."""
    await context.services.evacuation.refresh(context.bot)


async def _sample(context: HotlineContext) -> None:
    """Read the queue depths for the metrics (a scrape never waits on the database)."""
    d = await context.services.health.depths(context.services.clock.now())
    metrics.set_depths(d.outbox_pending, d.outbox_due, d.inbox_pending, d.tickets_waiting)


async def _beat(context: HotlineContext) -> None:
    """This replica is alive; share the send budget among the live ones."""
    await context.services.roster.beat()


async def _sync(context: HotlineContext) -> None:
    """Arm scheduled notices another replica created."""
    await context.services.notices.engine.sync()


async def _heartbeat(context: HotlineContext) -> None:
    """Touch the heartbeat file from the event loop: a hung loop stops touching it."""
    _touch(context.settings.heartbeat_path)


def _touch(path: Path) -> None:
    try:
        # With DATABASE_URL nothing else creates DATABASE_PATH's folder, where it lives.
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError as exc:
        log.warning("cannot write heartbeat file: %s", exc.strerror)


async def _post_shutdown(app: HotlineApp) -> None:
    await _services(app).db.close()


async def _start_webhook(app: HotlineApp, inbox: ClaimingInbox) -> WebhookServer:
    """Store what Telegram posts (the replicas' inbox hands it on), and say where to post."""
    services = _services(app)
    settings = services.settings
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    server = WebhookServer(
        app.bot, services.inbox_repo, secret, settings.webhook_path, services.clock.now,
        inbox.wake,
    )  # fmt: skip
    await server.start(settings.webhook_listen, settings.webhook_port)
    # Every replica says the same; Telegram keeps one URL (the load balancer's).
    await app.bot.set_webhook(
        settings.webhook_url or "", secret_token=secret, allowed_updates=Update.ALL_TYPES,
        max_connections=40,
    )  # fmt: skip
    return server


async def serve(app: HotlineApp, stop: asyncio.Event) -> None:
    """Serve until `stop` is set, then shut down cleanly (persistence flushed, db closed).

    Polling by default; webhook mode when WEBHOOK_URL is set. The CLI and the end-to-end
    tests both run the bot through this function.
    """
    services = _services(app)
    settings = services.settings
    if not await _wait_out_flood(app, stop):
        await services.db.close()
        return
    receiver: WebhookServer | None = None
    metrics.configure(settings.replica_name)
    exporter = None
    if settings.metrics_port:
        exporter = metrics.MetricsServer(settings.metrics_address, settings.metrics_port)
        await exporter.start()
    try:
        await app.initialize()
    except BaseException:
        # Bad token, unreachable server: close the HTTP sessions opened so far.
        await app.bot.shutdown()
        if exporter is not None:
            await exporter.stop()
        raise
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        # Polling: unfinished updates of the last run first, then getUpdates (PollWatch logs
        # an outage once). Webhook mode: claims from the inbox the receivers fill.
        if isinstance(services.inbox, ClaimingInbox):
            # Listening (and the webhook set) before the inbox says it runs: what arrives
            # before the first claim waits in the table.
            receiver = await _start_webhook(app, services.inbox)
        await services.inbox.start(app)
        await stop.wait()
    finally:
        # No new updates: what was stored and not handled stays in the inbox.
        if receiver is not None:
            await receiver.stop()
        await services.inbox.stop_polling()
        if settings.database_url is not None and services.db.is_open:
            await services.roster.leave()
        # The engines' loops never end by themselves; what is pending stays queued.
        await services.relay.stop()
        await services.notices.stop()
        processor = app.update_processor
        if isinstance(processor, PerChatUpdateProcessor):
            # Updates still waiting for their turn are the next start's (stored in the inbox).
            processor.close()
        if app.running:
            await app.stop()
        # The updates handled during the stop are recorded done.
        await services.inbox.close()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        if exporter is not None:
            await exporter.stop()
