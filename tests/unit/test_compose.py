"""compose.yaml: PostgreSQL, two webhook replicas and the TLS proxy in front of both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_two_replicas_share_postgres_behind_the_proxy() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "bot1", "bot2", "proxy"}
    names = set()
    for name in ("bot1", "bot2"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://hotline:")
        assert env["DATABASE_URL"].endswith("@postgres:5432/hotline")
        assert env["WEBHOOK_URL"].endswith("/telegram")
        names.add(services[name]["hostname"])
        # Every variable is one the bot knows.
        assert {k.lower() for k in env} <= set(Settings.model_fields)
    assert names == {"bot1", "bot2"}
    caddyfile = compose["configs"]["caddyfile"]["content"]
    # Telegram's path goes to both replicas inside its own handle block; a bare `respond`
    # beside `reverse_proxy` would run first (Caddy's directive order) and answer 404.
    assert "handle /telegram {" in caddyfile
    assert "reverse_proxy bot1:8080 bot2:8080" in caddyfile
    assert caddyfile.index("handle /telegram") < caddyfile.index("respond 404")
    assert services["proxy"]["ports"] == ["80:80", "443:443"]
