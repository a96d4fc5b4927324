"""Smoke test of compose.yaml (TEST TOOLING, run by scripts/compose-smoke.sh).

Starts the project's fake Bot API (tests/support/fakebot) on the host, writes a local .env
(DOMAIN=localhost, so Caddy uses its internal CA) that points both replicas at it, runs
`docker compose up -d --build` and checks, over the real HTTPS path through Caddy:

  * both replicas are healthy and share PostgreSQL (two rows in `replicas`);
  * the fake got setWebhook with https://localhost/telegram and the secret;
  * a wrong secret is refused; a citizen's /start posted with the secret is answered
    (the fake records a sendMessage to that chat) and its inbox row is 'done';
  * bot1's /metrics, read from inside the compose network, shows hotline_ metrics;
  * after `docker kill` of bot1, more citizens' updates are still answered by bot2.

Then `docker compose down -v` (unless --keep) and the .env it wrote is removed. Exit 0 when
every check passed. Telegram is never contacted: the bots talk only to the fake.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fakebot import TEST_TOKEN, FakeBotApi  # noqa: E402

ENV = ROOT / ".env"
MARK = "# written by scripts/compose_smoke.py (local smoke test; safe to delete)"
STAFF_CHAT = -1001234567890
ADMIN = 900001
COMPOSE = [
    "docker", "compose", "--project-directory", str(ROOT), "-f", str(ROOT / "compose.yaml"),
    "-f", str(ROOT / "scripts" / "offline-images" / "compose.smoke.yaml"),
]  # fmt: skip

failures: list[str] = []


def log(text: str) -> None:
    print(f"[smoke {time.strftime('%H:%M:%S')}] {text}", flush=True)


def check(ok: bool, what: str) -> bool:
    log(("PASS " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
    return ok


def run(*args: str, check_rc: bool = True) -> str:
    """A command's stdout (blocking: call through asyncio.to_thread)."""
    res = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if check_rc and res.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} -> {res.returncode}\n{res.stdout}\n{res.stderr}")
    return res.stdout


async def sh(*args: str, check_rc: bool = True) -> str:
    return await asyncio.to_thread(run, *args, check_rc=check_rc)


async def compose(*args: str, check_rc: bool = True) -> str:
    return await sh(*COMPOSE, *args, check_rc=check_rc)


async def sql(query: str) -> list[list[str]]:
    out = await compose(
        "exec",
        "-T",
        "postgres",
        "psql",
        "-U",
        "hotline",
        "-d",
        "hotline",
        "-AtF",
        "|",
        "-c",
        query,
    )
    return [line.split("|") for line in out.splitlines() if line]


async def start_fake(port: int) -> tuple[FakeBotApi, web.AppRunner]:
    """The fake Bot API on 0.0.0.0:port, so the containers reach it through the host."""
    fake = FakeBotApi(TEST_TOKEN)
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app.router.add_route("*", "/bot{token}/{method}", fake._handle)
    app.router.add_route("GET", "/file/bot{token}/{path:.*}", fake._file)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()  # noqa: S104 - containers call in
    fake.port = port
    fake.group(STAFF_CHAT, "Консульская горячая линия")
    return fake, runner


def write_env(port: int, secret: str) -> None:
    if ENV.exists() and MARK not in ENV.read_text():
        raise SystemExit(f"{ENV} exists and is not the smoke test's: move it away first")
    ENV.write_text(
        "\n".join(
            [
                MARK,
                f"BOT_TOKEN={TEST_TOKEN}",
                f"ADMIN_IDS={ADMIN}",
                f"STAFF_CHAT_ID={STAFF_CHAT}",
                "DOMAIN=localhost",
                f"POSTGRES_PASSWORD={secrets.token_urlsafe(24)}",
                f"WEBHOOK_SECRET={secret}",
                # The containers reach the host's fake through the gateway of their network.
                f"BOT_API_BASE_URL=http://host.docker.internal:{port}/bot",
                f"BOT_API_FILE_URL=http://host.docker.internal:{port}/file/bot",
                "WORKING_HOURS=",
                "",
            ]
        )
    )


async def wait_for(probe: Any, within: float, what: str, step: float = 1.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value or time.monotonic() > deadline:
            if not value:
                log(f"timed out after {within:.0f}s waiting for {what}")
            return value
        await asyncio.sleep(step)


async def health(service: str) -> str:
    cid = (await compose("ps", "-q", service)).strip()
    if not cid:
        return "absent"
    out = await sh("docker", "inspect", "-f", "{{.State.Status}} {{json .State.Health}}", cid)
    status, _, raw = out.strip().partition(" ")
    detail = json.loads(raw) if raw and raw != "null" else None
    return str(detail["Status"]) if detail else status


def start_update(update_id: int, user_id: int, name: str) -> dict[str, Any]:
    who = {"id": user_id, "is_bot": False, "first_name": name, "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1, "date": int(time.time()), "text": "/start",
            "chat": {"id": user_id, "type": "private", "first_name": name},
            "from": who,
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }  # fmt: skip


async def post(
    http: aiohttp.ClientSession, tls: ssl.SSLContext | bool, update: dict[str, Any], secret: str
) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with http.post(
        "https://localhost/telegram", json=update, headers=headers, ssl=tls,
        timeout=aiohttp.ClientTimeout(total=30),
    ) as res:  # fmt: skip
        return res.status


async def deliver(
    http: aiohttp.ClientSession, tls: ssl.SSLContext | bool, update: dict[str, Any], secret: str
) -> list[int]:
    """POST as Telegram does: again (after a pause) until answered 200, at most 5 times."""
    statuses: list[int] = []
    for _ in range(5):
        try:
            statuses.append(await post(http, tls, update, secret))
        except (aiohttp.ClientError, TimeoutError) as exc:
            log(f"  POST {update['update_id']}: {type(exc).__name__}: {exc}")
            statuses.append(0)
        if statuses[-1] == 200:
            break
        await asyncio.sleep(2)
    return statuses


async def answered(fake: FakeBotApi, chat_id: int, within: float = 20) -> bool:
    async def probe() -> bool:
        return any(e.method == "sendMessage" for e in fake.chat_events(chat_id))

    return bool(await wait_for(probe, within, f"a sendMessage to {chat_id}", 0.2))


async def inbox_states(ids: list[int]) -> dict[int, str]:
    rows = await sql(
        f"SELECT update_id, state FROM inbox WHERE update_id IN ({','.join(map(str, ids))})"  # noqa: S608
    )
    return {int(r[0]): r[1] for r in rows}


async def smoke(fake: FakeBotApi, secret: str) -> None:
    log("docker compose up -d --build")
    await compose("up", "-d", "--build")

    # The image's HEALTHCHECK first runs 60 s after start (interval 60 s).
    async def both_healthy() -> bool:
        states = [await health("bot1"), await health("bot2")]
        log(f"  health bot1={states[0]} bot2={states[1]}")
        return states == ["healthy", "healthy"]

    check(bool(await wait_for(both_healthy, 200, "healthy replicas", 10)), "both replicas healthy")
    rows = await sql("SELECT name FROM replicas ORDER BY name")
    check([r[0] for r in rows] == ["bot1", "bot2"], f"replicas table has bot1 and bot2: {rows}")
    check(
        fake.webhook == {"url": "https://localhost/telegram", "secret_token": secret},
        f"setWebhook with the public URL and the secret: {fake.webhook}",
    )
    calls = [c.method for c in fake.calls_of("setWebhook")]
    log(f"  setWebhook calls: {len(calls)}")

    # Caddy's internal CA signed the certificate for localhost: trust that root, nothing else.
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root.crt"
        await compose("cp", "proxy:/data/caddy/pki/authorities/local/root.crt", str(root))
        tls = ssl.create_default_context(cafile=str(root))
    async with aiohttp.ClientSession() as http:
        base = 700_000_000 + int(time.time()) % 1_000_000 * 100
        citizen = 7001
        fake.user(citizen, "Айгерим").chat.started = True
        wrong = await post(http, tls, start_update(base, citizen, "Айгерим"), "wrong")
        check(wrong == 403, f"a wrong secret is refused through Caddy (HTTP {wrong})")
        statuses = await deliver(http, tls, start_update(base + 1, citizen, "Айгерим"), secret)
        check(statuses[-1] == 200, f"/start POSTed over HTTPS through Caddy: {statuses}")
        if check(await answered(fake, citizen), f"the bot answered citizen {citizen}"):
            text = next(e.text for e in fake.chat_events(citizen) if e.method == "sendMessage")
            log(f"  first answer: {text[:70]!r}")

        async def done(ids: list[int]) -> dict[int, str] | None:
            states = await inbox_states(ids)
            return states if states and set(states.values()) == {"done"} else None

        states = await wait_for(lambda: done([base + 1]), 15, "inbox done")
        check(states == {base + 1: "done"}, f"inbox row of that update is done: {states}")

        metrics = await compose(
            "exec", "-T", "bot2", "python", "-c",
            "import urllib.request as u;"
            "print(u.urlopen('http://bot1:9100/metrics', timeout=10).read().decode())",
        )  # fmt: skip
        names = sorted({m.split("{")[0].split(" ")[0] for m in metrics.splitlines()
                        if m.startswith("hotline_")})  # fmt: skip
        check(
            bool(names), f"bot1:9100/metrics from inside the network: {len(names)} hotline_ series"
        )
        log(f"  e.g. {names[:6]}")

        bot1 = (await compose("ps", "-q", "bot1")).strip()
        log(f"docker kill {bot1[:12]} (bot1)")
        await sh("docker", "kill", bot1)
        later = list(range(7101, 7106))
        for n, user in enumerate(later):
            fake.user(user, f"Гражданин{n}").chat.started = True
        results = await asyncio.gather(
            *(deliver(http, tls, start_update(base + 10 + n, u, f"Гражданин{n}"), secret)
              for n, u in enumerate(later))
        )  # fmt: skip
        # A POST that Caddy first sends to the dead replica may come back 502: Caddy retries
        # it on bot2 with an already closed body (caddyserver/caddy#7546, fixed in #7547;
        # Debian's 2.6 stand-in has it). Telegram posts again, as deliver() does.
        check(
            all(r[-1] == 200 for r in results),
            f"after the kill, every POST taken (200) within redeliveries: {results}",
        )
        replies = [await answered(fake, u) for u in later]
        check(all(replies), f"after the kill, every citizen answered: {replies}")
        ids = [base + 10 + n for n in range(len(later))]
        states = await wait_for(lambda: done(ids), 15, "inbox done")
        check(
            bool(states) and len(states or {}) == len(ids), f"their inbox rows are done: {states}"
        )
        rows = await sql(
            "SELECT claimed_by, count(*) FROM inbox"  # noqa: S608 - an int, not input
            f" WHERE update_id >= {base} GROUP BY claimed_by ORDER BY 1"
        )
        log(f"  inbox rows by replica: {rows}")
        log(f"  bot1 after the kill: {await health('bot1')}; bot2: {await health('bot2')}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("FAKE_PORT", "18081")))
    parser.add_argument("--keep", action="store_true", help="leave the stack running")
    args = parser.parse_args()
    secret = secrets.token_urlsafe(32)
    fake, runner = await start_fake(args.port)
    log(f"fake Bot API on 0.0.0.0:{args.port}")
    write_env(args.port, secret)
    try:
        await smoke(fake, secret)
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
        log(f"ERROR {exc}")
    finally:
        if failures:
            log("logs of the stack (last lines):")
            print(await compose("logs", "--no-color", "--tail", "40", check_rc=False))
        if not args.keep:
            log("docker compose down -v")
            await compose("down", "-v", check_rc=False)
            ENV.unlink(missing_ok=True)
        await runner.cleanup()
    log(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
