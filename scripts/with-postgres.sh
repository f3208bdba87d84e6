#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster, then remove the cluster.
#
#   scripts/with-postgres.sh COMMAND [ARG...]
#
# The cluster lives in a fresh temp directory, listens on 127.0.0.1 at a free port (its unix
# socket is in the temp directory too), trusts loopback connections and is stopped and deleted on
# exit, Ctrl-C or TERM. It never touches any other PostgreSQL server. The command sees
#
#   USAGE_TRACKER_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/usage_tracker_test
#
# As root the server runs as the `postgres` OS user (PostgreSQL refuses to run as root).
# PG_BIN overrides the directory of initdb/pg_ctl (default: newest /usr/lib/postgresql/*/bin).
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
    echo "with-postgres: no PostgreSQL server binaries (install the Debian package postgresql)" >&2
    exit 1
fi

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/usage-tracker-pg.XXXXXX")
PG_DATA="$PG_TMP/data"
PG_LOG="$PG_TMP/postgres.log"

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -f "$PG_DATA/postmaster.pid" ]]; then
        if ! as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1; then
            # Only ever the server this script started: the pid from its own data directory.
            kill -QUIT "$(head -n 1 "$PG_DATA/postmaster.pid")" 2>/dev/null || true
            sleep 1
        fi
    fi
    rm -rf "$PG_TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ $(id -u) -eq 0 ]] && chown postgres: "$PG_TMP"
as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; exit 1; }

started=""
for _ in 1 2 3 4 5; do
    PG_PORT=$(free_port)
    if as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 -o "\
-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_TMP \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null; then
        started=yes
        break
    fi
done
if [[ -z "$started" ]]; then
    echo "with-postgres: the server did not start; its log:" >&2
    cat "$PG_LOG" >&2 || true
    exit 1
fi

"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres usage_tracker_test
export USAGE_TRACKER_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/usage_tracker_test"
echo "with-postgres: temporary PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')" \
    "at 127.0.0.1:$PG_PORT (data in $PG_DATA)"

"$@"
