#!/usr/bin/env bash
# Access-trace appends per second (issue 15): the group-commit writer with
# the verifiable log integrating, on one and on two hub instances over one
# PostgreSQL database, at several numbers of concurrent writers; and how
# long after the last append a signed checkpoint held it. Builds the
# release binary, makes a fresh seeded database (the command refuses any
# other) and drops it on exit. Usage:
#
#   bench/appends.sh                 # 100,000 entries per run
#   bench/appends.sh --entries 20000
#
# PostgreSQL: $BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432).
# Prints one line per run; the figures go in BENCHMARKS.md by hand.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
ENTRIES=100000
while [ $# -gt 0 ]; do
  case $1 in
    --entries) ENTRIES=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

cd "$ROOT"
cargo build --release --locked -q -p api --bin tellonce
BIN=$ROOT/target/release/tellonce
DB=tellonce_appends_$$
URL=$PG/$DB
psql "$PG/postgres" -qc "CREATE DATABASE $DB"
trap 'psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT

export TELLONCE_DEV=true
TELLONCE_TRACE_SIGNING_KEY=$("$BIN" trace keygen --origin bench.tellonce/trace | grep '^PRIVATE')
export TELLONCE_TRACE_SIGNING_KEY
"$BIN" --database-url "$URL" migrate > /dev/null
"$BIN" --database-url "$URL" seed --children 100 > /dev/null

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for instances in 1 2; do
  for writers in 16 64 256; do
    "$BIN" --database-url "$URL" bench-appends \
      --entries "$ENTRIES" --writers "$writers" --instances "$instances"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" --database-url "$URL" trace verify | tail -2
