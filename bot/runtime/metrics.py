"""Prometheus metrics of this replica (prometheus-client), served on METRICS_PORT.

Counters are bumped where the work happens (update processing, the Bot API transport);
the depths (outbox, inbox, tickets waiting) are read from the database every
METRICS_SAMPLE_SECONDS by `sample`, so a scrape never waits on the database. Every series
carries `replica` (REPLICA_NAME): Telegram's caps are per token, so an operator sums them.
"""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.runtime.limiter import SENDING

log = logging.getLogger(__name__)

UPDATES = Counter(
    "hotline_updates_total", "Updates handled (all handlers of one update).", ["replica"]
)
UPDATE_SECONDS = Histogram(
    "hotline_update_seconds",
    "Time to handle one update, chat lock included.",
    ["replica"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SENDS = Counter(
    "hotline_sends_total",
    "Messages sent or edited through the Bot API, by outcome (ok, rate_limited, client_error,"
    " server_error, network).",
    ["replica", "outcome"],
)
RATE_LIMITED = Counter(
    "hotline_rate_limited_total",
    "Bot API answers 429 Too Many Requests (any method).",
    ["replica"],
)
OUTBOX_PENDING = Gauge(
    "hotline_outbox_pending", "Outbox rows not yet sent (due or scheduled).", ["replica"]
)
OUTBOX_DUE = Gauge("hotline_outbox_due", "Outbox rows due now and not yet sent.", ["replica"])
INBOX_PENDING = Gauge(
    "hotline_inbox_pending", "Updates committed to the inbox and not yet handled.", ["replica"]
)
TICKETS_WAITING = Gauge(
    "hotline_tickets_waiting", "Open hotline tickets whose citizen wrote last.", ["replica"]
)

# Set by configure(); a process serves one replica.
_replica = "bot"


def configure(replica: str) -> None:
    """Name this process's series."""
    # One process serves one replica: the name is set once, at start-up.
    global _replica
    _replica = replica


def observe_update(seconds: float) -> None:
    """One update handled in `seconds`."""
    UPDATES.labels(_replica).inc()
    UPDATE_SECONDS.labels(_replica).observe(seconds)


def _outcome(status: int | None) -> str:
    if status is None:
        return "network"
    if status == 200:
        return "ok"
    if status == 429:
        return "rate_limited"
    return "client_error" if status < 500 else "server_error"


def observe_request(url: str, status: int | None) -> None:
    """One Bot API call answered with `status` (None: no answer); sends counted by outcome."""
    if status == 429:
        RATE_LIMITED.labels(_replica).inc()
    method = url.rsplit("/", 1)[-1]
    if method in SENDING:
        SENDS.labels(_replica, _outcome(status)).inc()


def set_depths(outbox_pending: int, outbox_due: int, inbox: int, tickets: int) -> None:
    """The depths read by the sampler."""
    OUTBOX_PENDING.labels(_replica).set(outbox_pending)
    OUTBOX_DUE.labels(_replica).set(outbox_due)
    INBOX_PENDING.labels(_replica).set(inbox)
    TICKETS_WAITING.labels(_replica).set(tickets)


async def _metrics(_: web.Request) -> web.Response:
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _health(_: web.Request) -> web.Response:
    return web.Response(text="ok")


class MetricsServer:
    """GET /metrics (Prometheus text format) and /healthz on its own address and port."""

    def __init__(self, address: str, port: int) -> None:
        self.address, self.port = address, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen (port 0 in settings means no server at all; the caller checks)."""
        app = web.Application()
        app.router.add_get("/metrics", _metrics)
        app.router.add_get("/healthz", _health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.address, self.port).start()
        log.info("metrics on http://%s:%s/metrics", self.address, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
