#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the storage conformance suite.
# Sourced by .ci/run: exports NETSYNTH_TEST_POSTGRES_URL and stops the server on exit.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q postgresql >/dev/null
fi
PG_BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
PG_DATA=$(mktemp -d /tmp/netsynth-pg.XXXXXX)
PG_PORT=${PG_PORT:-$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
RUN_AS=(env)
if [ "$(id -u)" = 0 ]; then  # initdb refuses to run as root
    chown postgres "$PG_DATA"
    RUN_AS=(runuser -u postgres --)
fi
cd /  # the postgres user may not be allowed into the current folder
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
    -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
stop_postgres() { "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; }
trap stop_postgres EXIT
cd - >/dev/null
export NETSYNTH_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
