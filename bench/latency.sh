#!/usr/bin/env bash
# One-request-at-a-time latency of the hub on PostgreSQL, by sslmode.
#
# Builds the release binary, creates a fresh PostgreSQL database, runs the
# hub on it with the demo data (`serve --demo --migrate`), and drives a small
# partner read (bench/wrk/latency.lua) with wrk: one connection, one thread,
# so every request waits for the one before and a stall shows as a tail, not
# as lost throughput. Once per sslmode (disable, the driver's default prefer,
# require); prints p50/p90/p99/p99.9/max and req/s for each, and whether the
# hub's connections really used TLS (pg_stat_ssl).
#
#   bench/latency.sh                                # c=1, 10 s per mode
#   CONNECTIONS="1 16 32" bench/latency.sh          # also under load
#   MODES="disable require" DURATION=20s bench/latency.sh
#   TELLONCE_BIN=/path/to/tellonce bench/latency.sh # skip the build (a/b runs)
#
# PG_ADMIN_URL names a database to connect to for CREATE/DROP DATABASE
# (default postgres://postgres@127.0.0.1:5432/test); the bench database is
# dropped on exit. The server must have ssl=on for prefer/require to use TLS:
# the script says so when it is off.
set -euo pipefail

cd "$(dirname "$0")/.."
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
MODES=${MODES:-disable prefer require}
CONNECTIONS=${CONNECTIONS:-1}
DURATION=${DURATION:-10s}
CHILD=7e110000-0000-4000-8000-000000000202 # Amira, from the demo data
PERSONA=senco                             # a school practitioner

if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt)" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi
command -v psql >/dev/null || { echo "psql is needed (postgresql-client)" >&2; exit 1; }

if [ -z "${TELLONCE_BIN:-}" ]; then
    cargo build --release --locked -p api --bin tellonce >&2
    TELLONCE_BIN=target/release/tellonce
fi

# The database URL without its path, and the bench database.
SERVER_URL=${PG_ADMIN_URL%/*}
DB=tellonce_latency_$$
WORK=$(mktemp -d)
HUB_PID=
cleanup() {
    if [ -n "$HUB_PID" ]; then kill "$HUB_PID" 2>/dev/null || true; wait "$HUB_PID" 2>/dev/null || true; fi
    psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $DB" >/dev/null

SSL=$(psql -Atq "$PG_ADMIN_URL" -c 'show ssl')
echo "PostgreSQL: $(psql -Atq "$PG_ADMIN_URL" -c 'show server_version'), ssl=$SSL; hub: $TELLONCE_BIN"
if [ "$SSL" != on ]; then
    echo "note: ssl is off on this server: prefer falls back to plain TCP and require fails;" \
        "TLS cannot be measured here" >&2
fi
printf '%-8s %4s %9s %9s %9s %9s %9s %9s %5s %s\n' \
    sslmode c req/s p50_ms p90_ms p99_ms p99.9_ms max_ms bad "hub connections (tls/plain)"

start_hub() { # $1: database URL
    : >"$WORK/out"
    RUST_LOG=warn "$TELLONCE_BIN" --database-url "$1" --bind 127.0.0.1:0 \
        serve --demo --migrate >"$WORK/out" 2>"$WORK/err" &
    HUB_PID=$!
    TOKEN=
    for _ in $(seq 1 600); do
        TOKEN=$(grep -A1 "^== $PERSONA " "$WORK/out" 2>/dev/null | sed -n 's/^TOKEN=//p' || true)
        [ -n "$TOKEN" ] && break
        kill -0 "$HUB_PID" 2>/dev/null || { cat "$WORK/err" >&2; exit 1; }
        sleep 0.1
    done
    BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/out" | head -1)
    [ -n "$BASE" ] && [ -n "$TOKEN" ] || { echo "no banner" >&2; cat "$WORK/out" "$WORK/err" >&2; exit 1; }
    export TOKEN CHILD
}

stop_hub() {
    kill "$HUB_PID"
    wait "$HUB_PID" 2>/dev/null || true
    HUB_PID=
}

for mode in $MODES; do
    case $mode in
        prefer) url="$SERVER_URL/$DB" ;; # what a URL without sslmode gets
        *) url="$SERVER_URL/$DB?sslmode=$mode" ;;
    esac
    start_hub "$url"
    # Checked before timing: the read answers with the fields, no errors.
    answer=$(curl -s "$BASE/graphql" -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' -H 'X-Purpose-Of-Use: DIRECT_SUPPORT' \
        -d "{\"query\":\"{ child(id: \\\"$CHILD\\\") { identity { givenName familyName dateOfBirth } education { settingName yearGroup } } }\"}")
    case $answer in
        *'"errors"'* | *'"givenName":null'*) echo "the read failed: $answer" >&2; exit 1 ;;
    esac
    case $answer in *'"givenName":"'*) ;; *) echo "unexpected answer: $answer" >&2; exit 1 ;; esac
    case $answer in *'"yearGroup":"'*) ;; *) echo "unexpected answer: $answer" >&2; exit 1 ;; esac
    for c in $CONNECTIONS; do
        wrk -c "$c" -t 1 -d 2s -s bench/wrk/latency.lua "$BASE" >/dev/null # warm the pool
        out=$(wrk -c "$c" -t 1 -d "$DURATION" --latency -s bench/wrk/latency.lua "$BASE")
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        read -r p50 p90 p99 p999 max < <(awk '/^PCT/ {print $2, $3, $4, $5, $6}' <<<"$out")
        bad=$(awk '/^BAD_RESPONSES/ {print $2}' <<<"$out")
        conns=$(psql -Atq "$PG_ADMIN_URL" -c "select coalesce(sum(case when s.ssl then 1 else 0 end),0) || '/' || coalesce(sum(case when s.ssl then 0 else 1 end),0) from pg_stat_activity a join pg_stat_ssl s using (pid) where a.datname = '$DB'")
        ms() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1000}'; }
        printf '%-8s %4s %9s %9s %9s %9s %9s %9s %5s %s\n' "$mode" "$c" "$rps" \
            "$(ms "$p50")" "$(ms "$p90")" "$(ms "$p99")" "$(ms "$p999")" "$(ms "$max")" "$bad" "$conns"
    done
    stop_hub
done
