#!/usr/bin/env bash
# A private, throwaway PostgreSQL 15 cluster for tests and the demo.
#   scripts/pg.sh start   initdb (if needed) and start; prints nothing on success
#   scripts/pg.sh stop    stop and delete the cluster
#   scripts/pg.sh url     print the libpq connection URI
#   scripts/pg.sh restart restart the server (fault drills)
#   scripts/pg.sh running exit 0 when the cluster is up
# The cluster lives in a temporary directory named after this checkout and listens on a unix
# socket only. postgres refuses to run as root, so as root it runs as the 'postgres' user.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
root=$(cd "$(dirname "$0")/.." && pwd)
tag=$(printf '%s' "$root" | cksum | cut -d' ' -f1)
dir=${USAGE_ETL_PG_DIR:-/tmp/usage-etl-pg-$tag}
data="$dir/data"
port=${USAGE_ETL_PG_PORT:-5432}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url() { echo "postgresql:///postgres?host=$dir&port=$port&user=postgres"; }

start() {
    [ -x "$PG_BIN/initdb" ] || { echo "pg.sh: no PostgreSQL server binaries in $PG_BIN (make deps installs postgresql-15)" >&2; exit 1; }
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --shell /usr/sbin/nologin postgres; chown postgres "$dir"; }
    if [ ! -f "$data/PG_VERSION" ]; then
        as_owner "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then return 0; fi
    as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB" \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
}

stop() {
    if [ -f "$data/PG_VERSION" ]; then
        as_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

restart() { as_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w restart -l "$dir/server.log" >/dev/null; }

running() { [ -f "$data/PG_VERSION" ] && as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    restart) restart ;;
    url) url ;;
    running) running ;;
    *) echo "usage: $0 start|stop|restart|url|running" >&2; exit 2 ;;
esac
