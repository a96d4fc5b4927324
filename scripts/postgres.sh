#!/usr/bin/env bash
# A throw-away local PostgreSQL for the test suite and the benches: `start` installs the
# server from Debian's packages when it is missing (apt-get; needs root), creates a cluster
# in its own folder on its own port, and prints the DATABASE_URL; `stop` shuts it down and
# removes the folder. It never touches a system cluster (/var/lib/postgresql).
#
#   eval "$(scripts/postgres.sh start)"   # exports TEST_DATABASE_URL
#   scripts/postgres.sh stop
set -euo pipefail
PGROOT="${PGROOT:-/tmp/hotline-pg}"
PGPORT="${PGPORT:-54329}"
DB=hotline_test

bin_dir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$found" ] && echo "$found"
}

as_pg() {
    # initdb and postgres refuse to run as root: the cluster belongs to the postgres user.
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    if [ -z "$(bin_dir)" ]; then
        echo "installing PostgreSQL (apt-get) ..." >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends postgresql >&2
    fi
    local bin; bin=$(bin_dir)
    if [ -f "$PGROOT/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$PGROOT/data" status >/dev/null 2>&1; then
        echo "export TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:$PGPORT/$DB"
        return
    fi
    rm -rf "$PGROOT"
    mkdir -p "$PGROOT"
    chown postgres "$PGROOT" 2>/dev/null || true
    as_pg "$bin/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    # A test server: durability off (fsync, synchronous_commit) keeps the suite's many small
    # transactions fast; nothing here outlives the run. Production settings are compose.yaml's.
    as_pg "$bin/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
        -o "-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB" \
        start >/dev/null
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$DB"
    echo "export TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:$PGPORT/$DB"
}

stop() {
    local bin; bin=$(bin_dir || true)
    if [ -n "$bin" ] && [ -f "$PGROOT/data/postmaster.pid" ]; then
        as_pg "$bin/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$PGROOT"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
