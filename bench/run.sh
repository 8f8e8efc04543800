#!/usr/bin/env bash
# The benchmark (issue 14): tellonce on SQLite and PostgreSQL, the peer
# (PostGraphile over PostgreSQL row-level security), pgbench -S, and the
# ratios; writes BENCHMARKS.md. One command from a fresh clone:
#
#   bench/run.sh            # 20 s per run
#   bench/run.sh --quick    # 5 s per run
#   bench/run.sh --full     # also 1,000,000 children ÷ 10,000, and IG
#                           # search over 10,000,000 trace entries
#   bench/run.sh --big-trace-only   # only IG search over 10,000,000
#                           # entries (c = 1, 4, 16, 32); writes nothing
#
# Options: --duration SECS, --children N, --no-write (do not touch
# BENCHMARKS.md). PostgreSQL: $BENCH_PG_URL (default
# postgres://postgres@127.0.0.1:5432, a role that may create databases and
# roles). Everything listens on 127.0.0.1; every server, database and role the
# script makes is removed on exit. Work files go to bench/.work (ignored).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
WORK=$BENCH/.work
PG=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
DURATION=20
WARMUP=30
CHILDREN=10000
FULL=0
WRITE=1
MODE=default
COMMAND="bench/run.sh $*"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) DURATION=5; WARMUP=15; MODE=quick ;;
    --full) FULL=1 ;;
    --duration) DURATION=$2; shift ;;
    --children) CHILDREN=$2; shift ;;
    --no-write) WRITE=0 ;;
    --big-trace-only) MODE=big-trace-only; WRITE=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

mkdir -p "$WORK"
LOG=$WORK/run.log
RESULTS=$WORK/results.tsv
NOTES=$WORK/notes.txt
: > "$LOG"
: > "$RESULTS"
: > "$NOTES"
log() { echo "[bench $(date -u +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }
note() { echo "$*" >> "$NOTES"; log "NOTE: $*"; }
die() { log "ABORT: $*"; exit 1; }

# ---- cleanup: every process, database and role this run made -----------
PIDS=()
DBS=()
ROLES=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  for db in "${DBS[@]}"; do
    psql "$PG/postgres" -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
  done
  for role in "${ROLES[@]}"; do
    psql "$PG/postgres" -qAtc "DROP ROLE IF EXISTS \"$role\"" >/dev/null 2>&1
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local pid=$1 keep=() p
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# ---- tools --------------------------------------------------------------
apt_install() {
  local pkg=$1
  log "installing $pkg (apt)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y "$pkg" >>"$LOG" 2>&1
  else sudo apt-get install -y "$pkg" >>"$LOG" 2>&1; fi
}
command -v wrk >/dev/null || apt_install wrk
command -v jq >/dev/null || apt_install jq
command -v curl >/dev/null || apt_install curl
command -v psql >/dev/null || apt_install postgresql-client
command -v pgbench >/dev/null || apt_install postgresql-client
command -v node >/dev/null || apt_install nodejs
command -v npm >/dev/null || apt_install npm
psql "$PG/postgres" -qAtc 'SELECT 1' >/dev/null || die "PostgreSQL is not reachable at $PG"

if [ -n "${BENCH_BIN:-}" ]; then
  # Only for working on this script: figures come from the release build.
  BIN=$BENCH_BIN
  log "using $BIN (BENCH_BIN): not building"
else
  log "building the release binary"
  (cd "$ROOT" && nice cargo build --release --locked -p api --bin tellonce) >>"$LOG" 2>&1 \
    || die "cargo build failed (see $LOG)"
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/tellonce
fi
GIT_COMMIT=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)

PEER_DIR=$WORK/peer
if [ ! -x "$PEER_DIR/node_modules/.bin/postgraphile" ] \
   || ! cmp -s "$BENCH/peer/package-lock.json" "$PEER_DIR/package-lock.json"; then
  log "installing PostGraphile (npm ci, pinned by bench/peer/package-lock.json)"
  mkdir -p "$PEER_DIR"
  cp "$BENCH/peer/package.json" "$BENCH/peer/package-lock.json" "$PEER_DIR/"
  (cd "$PEER_DIR" && npm ci --no-audit --no-fund) >>"$LOG" 2>&1 || die "npm ci failed (see $LOG)"
fi
POSTGRAPHILE_VERSION=$(jq -r '.packages["node_modules/postgraphile"].version' "$BENCH/peer/package-lock.json")

# Made for this run, never written to the repository.
SECRET=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n')
export TELLONCE_JWT_SECRET=$SECRET TELLONCE_DEV=true
# The seed signs its tokens for this issuer and audience; the hub checks them.
export TELLONCE_JWT_ISSUER=tellonce-bench TELLONCE_JWT_AUDIENCE=tellonce-bench
# The hub integrates the verifiable log as in production, with a key made
# for this run.
TELLONCE_TRACE_SIGNING_KEY=$("$BIN" trace keygen --origin bench.tellonce/trace | grep '^PRIVATE')
export TELLONCE_TRACE_SIGNING_KEY

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

wait_ready() { # URL PID
  local i
  for i in $(seq 1 300); do
    kill -0 "$2" 2>/dev/null || return 1
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

HAS_SEED=0
if "$BIN" seed --help >/dev/null 2>&1; then HAS_SEED=1; fi

# ---- the hub ------------------------------------------------------------
HUB_PID=
HUB_URL=
start_hub() { # DATABASE_URL NAME [serve flags...]
  local url=$1 name=$2; shift 2
  local port; port=$(free_port)
  DATABASE_URL=$url TELLONCE_BIND=127.0.0.1:$port TELLONCE_INTROSPECTION=false \
    nohup "$BIN" serve "$@" >"$WORK/hub-$name.log" 2>&1 &
  HUB_PID=$!
  PIDS+=("$HUB_PID")
  HUB_URL=http://127.0.0.1:$port
  wait_ready "$HUB_URL/readyz" "$HUB_PID" || { tail -20 "$WORK/hub-$name.log" >&2; die "the hub ($name) did not become ready"; }
  log "hub $name ready at $HUB_URL (pid $HUB_PID)"
}
stop_hub() { if [ -n "$HUB_PID" ]; then stop_pid "$HUB_PID"; fi; HUB_PID=; }

rss_mb() { # PID: peak resident set (VmHWM) in MB
  awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "-"
}

# ---- token files --------------------------------------------------------
# pairs-*.tsv: "token<TAB>child<TAB>person" per line, read by bench/wrk/*.lua.
make_pairs() { # TOKENS_JSON DIR
  local t=$1 d=$2
  # The small read (identity and education): partners whose sampled
  # children have a current grant covering EDUCATION. The full read: every
  # partner (what a kind may not see answers with its denial code).
  jq -r '.partners[] | select(.scope == "EDUCATION") | .token as $t | .children[] | [$t, ., "-"] | @tsv' "$t" > "$d/pairs-small.tsv"
  jq -r '.partners[] | .token as $t | .children[] | [$t, ., "-"] | @tsv' "$t" > "$d/pairs-partner.tsv"
  jq -r '.families[] | [.token, .child_id, .person_id] | @tsv' "$t" > "$d/pairs-family.tsv"
  jq -r '.children as $c | .ig[] | .token as $t | $c[] | [$t, ., "-"] | @tsv' "$t" > "$d/pairs-ig.tsv"
  jq -r '.partners[] | select(.scope == "EDUCATION") | .agency_id as $a | .children[] | [$a, .] | @tsv' "$t" > "$d/agency-children.tsv"
  for f in small partner family ig; do
    [ -s "$d/pairs-$f.tsv" ] || die "no $f tokens in $t"
  done
}

# Without `tellonce seed` (before the seed command is merged): the demo's
# personas and children, with the pairs a probe shows readable.
demo_tokens() { # DIR -> tokens.json
  local d=$1 out=$1/tokens.json persona token me children='[]' partners='[]' families='[]' ig='[]'
  for persona in parent jayden-parent young-person; do
    token=$("$BIN" token --persona "$persona" --minutes 480)
    me=$(gql "$token" '' '{"query":"{ me { personId children { id } } }"}')
    families=$(jq -c --argjson m "$me" --arg t "$token" \
      '. + [$m.data.me as $me | $me.children[] | {person_id: $me.personId, child_id: .id, token: $t}]' <<<"$families")
    children=$(jq -c --argjson m "$me" '(. + [$m.data.me.children[].id]) | unique' <<<"$children")
  done
  for persona in senco camhs slt ot ep social-worker yot health; do
    token=$("$BIN" token --persona "$persona" --minutes 480)
    me=$(gql "$token" DIRECT_SUPPORT '{"query":"{ me { agencyId agencyKind } }"}')
    local readable='[]' c
    for c in $(jq -r '.[]' <<<"$children"); do
      if gql "$token" DIRECT_SUPPORT "$(small_body "$c")" | jq -e '(.errors == null) and (.data.child != null)' >/dev/null; then
        readable=$(jq -c --arg c "$c" '. + [$c]' <<<"$readable")
      fi
    done
    if [ "$readable" = '[]' ]; then continue; fi
    partners=$(jq -c --argjson m "$me" --arg t "$token" --argjson r "$readable" \
      '. + [{kind: $m.data.me.agencyKind, scope: "EDUCATION", agency_id: $m.data.me.agencyId, role: "practitioner", token: $t, children: $r}]' <<<"$partners")
  done
  token=$("$BIN" token --persona ig-auditor --minutes 480)
  ig=$(jq -nc --arg t "$token" '[{role: "ig_auditor", token: $t}]')
  jq -n --argjson c "$children" --argjson p "$partners" --argjson f "$families" --argjson i "$ig" \
    '{children: $c, partners: $p, families: $f, ig: $i}' > "$out"
}

gql() { # TOKEN PURPOSE BODY [URL]
  local url=${4:-$HUB_URL/graphql}
  if [ -n "$2" ]; then
    curl -sS -X POST "$url" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
      -H "X-Purpose-Of-Use: $2" -d "$3"
  else
    curl -sS -X POST "$url" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$3"
  fi
}
small_body() {
  jq -nc --arg id "$1" '{query: "query($id: ID!) { child(id: $id) { identity { givenName familyName dateOfBirth } education { settingName yearGroup } } }", variables: {id: $id}}'
}

# ---- the check pass: every shape once per token kind, before timing ------
# Runs each wrk shape for one request per connection through the same Lua
# (so the check is the timed code path) and aborts on any failure.
check_shape() { # NAME SCRIPT PAIRS URL
  local name=$1 script=$2 pairs=$3 url=$4 out
  out=$(BENCH_WRK=$BENCH/wrk BENCH_PAIRS=$pairs wrk -t1 -c1 -d1s --timeout 10s -s "$BENCH/wrk/$script" "$url/graphql" 2>&1) \
    || die "check $name: wrk failed: $out"
  local line; line=$(grep '^RESULT' <<<"$out") || die "check $name: no result: $out"
  local failures requests
  failures=$(sed -E 's/.*failures=([0-9]+).*/\1/' <<<"$line")
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  [ "$requests" -gt 0 ] || die "check $name: no request answered"
  [ "$failures" = 0 ] || die "check $name: $failures of $requests responses failed (status or errors): $line"
  log "check $name: $requests requests, none failed"
}

check_hub_shapes() { # DIR
  local d=$1 t body
  # One request per token kind with curl, showing the body if it fails.
  t=$(head -1 "$d/pairs-small.tsv")
  body=$(gql "$(cut -f1 <<<"$t")" DIRECT_SUPPORT "$(small_body "$(cut -f2 <<<"$t")")")
  jq -e '.errors == null and .data.child.identity.givenName != null' >/dev/null <<<"$body" \
    || die "check small read: $body"
  t=$(head -1 "$d/pairs-ig.tsv")
  body=$(gql "$(cut -f1 <<<"$t")" '' "$(jq -nc --arg c "$(cut -f2 <<<"$t")" '{query: "query($c: ID!) { accessTrace(filter: {childId: $c}, first: 5) { edges { node { seq } } } }", variables: {c: $c}}')")
  jq -e '.errors == null' >/dev/null <<<"$body" || die "check IG search: $body"
  check_shape small small.lua "$d/pairs-small.tsv" "$HUB_URL"
  check_shape full full.lua "$d/pairs-partner.tsv" "$HUB_URL"
  check_shape consent consent.lua "$d/pairs-family.tsv" "$HUB_URL"
  check_shape ig ig.lua "$d/pairs-ig.tsv" "$HUB_URL"
}

# ---- warm-up: untimed load before a new hub's first timed run -------------
# A hub just started has an empty facts cache: its first seconds read each
# child's facts from the database, which would make whichever run comes
# first (trace off, a TLS mode) look slower than it is.
warm_up() { # NAME PAIRS URL [SCRIPT]
  local script=${4:-small.lua}
  BENCH_WRK=$BENCH/wrk BENCH_PAIRS=$2 nice -n 5 wrk -t2 -c16 -d"${WARMUP}s" --timeout 10s \
    -s "$BENCH/wrk/$script" "$3/graphql" >/dev/null 2>&1 || die "warm-up $1: wrk failed"
  log "warm-up $1: ${WARMUP} s of $script, untimed"
}

# ---- timed runs ----------------------------------------------------------
# Appends: backend shape concurrency server round rps p50 p99 failures expected rss
run_wrk() { # BACKEND SHAPE SCRIPT PAIRS C SERVER ROUND URL PID
  local backend=$1 shape=$2 script=$3 pairs=$4 c=$5 server=$6 round=$7 url=$8 pid=$9 out line
  out=$(BENCH_WRK=$BENCH/wrk BENCH_PAIRS=$pairs nice -n 5 wrk -t"$(( c < 2 ? c : 2 ))" -c"$c" -d"${DURATION}s" --timeout 10s \
    --latency -s "$BENCH/wrk/$script" "$url/graphql" 2>&1) || die "wrk failed: $out"
  line=$(grep '^RESULT' <<<"$out") || die "wrk: no result: $out"
  echo "$out" >> "$LOG"
  local get; get() { sed -E "s/.*[ ]$1=([^ ]+).*/\1/" <<<" $line"; }
  local rps p50 p99
  rps=$(get rps) p50=$(get p50_ms) p99=$(get p99_ms)
  if [ "$(get requests)" = 0 ]; then
    # Nothing answered within the run: no figure, rather than a zero.
    rps=- p50=- p99=-
    note "$backend $server $shape c=$c round $round: no request completed in ${DURATION} s"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$shape" "$c" "$server" "$round" \
    "$rps" "$p50" "$p99" "$(( $(get failures) + $(get socket_errors) ))" \
    "$(get expected_errors)" "$(rss_mb "$pid")" >> "$RESULTS"
  log "$backend $server $shape c=$c round $round: $(get rps) req/s, p50 $(get p50_ms) ms, p99 $(get p99_ms) ms, failures $(get failures), socket errors $(get socket_errors), expected errors $(get expected_errors), RSS $(rss_mb "$pid") MB"
}

# ---- the peer ------------------------------------------------------------
PEER_PID=
PEER_URL=
setup_peer() { # DB_NAME DIR
  local db=$1 d=$2 role=tellonce_peer_reader_$$
  ROLES+=("$role")
  psql "$PG/$db" -q -v role="$role" -f "$BENCH/peer/peer.sql" >>"$LOG" 2>&1 || die "peer.sql failed (see $LOG)"
  PEER_JWT_SECRET=$SECRET PEER_ROLE=$role node "$BENCH/peer/mint.js" < "$d/agency-children.tsv" > "$d/pairs-peer.tsv"
  local port; port=$(free_port)
  nohup "$PEER_DIR/node_modules/.bin/postgraphile" --connection "$PG/$db" --schema peer \
    --host 127.0.0.1 --port "$port" --jwt-secret "$SECRET" --disable-query-log \
    --disable-graphiql \
    >"$WORK/peer.log" 2>&1 &
  PEER_PID=$!
  PIDS+=("$PEER_PID")
  PEER_URL=http://127.0.0.1:$port
  local i body
  for i in $(seq 1 150); do
    body=$(curl -sS -X POST "$PEER_URL/graphql" -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' 2>/dev/null) && break
    kill -0 "$PEER_PID" 2>/dev/null || { tail -20 "$WORK/peer.log" >&2; die "PostGraphile exited"; }
    sleep 0.2
  done
  # The peer answers the small read for an agency's child, and hides it
  # from a token of no agency.
  local t c
  t=$(head -1 "$d/pairs-peer.tsv" | cut -f1); c=$(head -1 "$d/pairs-peer.tsv" | cut -f2)
  body=$(gql "$t" '' "$(jq -nc --arg id "$c" '{query: "query($id: UUID!) { childById(id: $id) { givenName familyName dateOfBirth settingName yearGroup } }", variables: {id: $id}}')" "$PEER_URL/graphql")
  jq -e '.errors == null and .data.childById.givenName != null' >/dev/null <<<"$body" || die "check peer read: $body"
  log "peer (PostGraphile $POSTGRAPHILE_VERSION) ready at $PEER_URL"
  check_shape peer peer.lua "$d/pairs-peer.tsv" "$PEER_URL"
}

# ---- one backend ---------------------------------------------------------
seed_db() { # DATABASE_URL DIR N [seed flags...] -> DIR/tokens.json, sets SEEDED
  local url=$1 d=$2 n=$3; shift 3
  DATABASE_URL=$url "$BIN" migrate >>"$LOG" 2>&1 || die "migrate failed (see $LOG)"
  if [ "$HAS_SEED" = 1 ]; then
    log "seeding $n children $*"
    local started=$SECONDS
    DATABASE_URL=$url "$BIN" seed --children "$n" --seed 1 "$@" --tokens "$d/tokens.json" >>"$LOG" 2>&1 \
      || die "seed failed (see $LOG)"
    log "seeded $n children $* in $((SECONDS - started)) s"
    note "seed of $n children $* into $(basename "$url" | cut -d'?' -f1): $((SECONDS - started)) s"
    # The seeded history into the verifiable log before any hub starts,
    # so that no run measures the hub catching up with it.
    started=$SECONDS
    DATABASE_URL=$url "$BIN" trace integrate >>"$LOG" 2>&1 || die "trace integrate failed (see $LOG)"
    note "the seeded trace integrated into the verifiable log in $((SECONDS - started)) s"
    SEEDED=seed
  else
    SEEDED=demo
  fi
}

bench_backend() { # BACKEND DATABASE_URL [PG_DB_NAME]
  local backend=$1 url=$2 db=${3:-} d=$WORK/$1 c
  mkdir -p "$d"
  seed_db "$url" "$d" "$CHILDREN"
  if [ "$SEEDED" = seed ]; then
    start_hub "$url" "$backend"
  else
    note "$backend: \`tellonce seed\` is not in this build: measured on the demo data (4 children), not $CHILDREN children."
    start_hub "$url" "$backend" --demo
    demo_tokens "$d"
  fi
  make_pairs "$d/tokens.json" "$d"
  check_hub_shapes "$d"
  warm_up "$backend" "$d/pairs-small.tsv" "$HUB_URL"
  if [ -n "$db" ]; then setup_peer "$db" "$d"; fi
  # Small read: three alternating rounds, hub then peer (PostgreSQL).
  local round
  for round in 1 2 3; do
    for c in 16 32; do
      run_wrk "$backend" small small.lua "$d/pairs-small.tsv" "$c" tellonce "$round" "$HUB_URL" "$HUB_PID"
      if [ -n "$db" ]; then
        run_wrk "$backend" small peer.lua "$d/pairs-peer.tsv" "$c" postgraphile "$round" "$PEER_URL" "$PEER_PID"
      fi
    done
  done
  if [ -n "$db" ]; then stop_pid "$PEER_PID"; PEER_PID=; fi
  for c in 16 32; do
    run_wrk "$backend" full full.lua "$d/pairs-partner.tsv" "$c" tellonce 1 "$HUB_URL" "$HUB_PID"
  done
  for c in 16 32; do
    run_wrk "$backend" ig ig.lua "$d/pairs-ig.tsv" "$c" tellonce 1 "$HUB_URL" "$HUB_PID"
  done
  for c in 16 32; do
    run_wrk "$backend" consent consent.lua "$d/pairs-family.tsv" "$c" tellonce 1 "$HUB_URL" "$HUB_PID"
  done
  stop_hub
  # Trace off: the same small read with the trace writer discarding.
  if [ "$SEEDED" = seed ]; then
    start_hub "$url" "$backend-untraced" --bench-untraced
    grep -q 'bench-untraced' "$WORK/hub-$backend-untraced.log" || die "the untraced hub printed no warning"
    check_shape small-untraced small.lua "$d/pairs-small.tsv" "$HUB_URL"
    warm_up "$backend-untraced" "$d/pairs-small.tsv" "$HUB_URL"
    for c in 16 32; do
      run_wrk "$backend" small small.lua "$d/pairs-small.tsv" "$c" tellonce-untraced 1 "$HUB_URL" "$HUB_PID"
    done
    stop_hub
  else
    note "$backend: trace-off not measured: \`serve --bench-untraced\` needs a database made by \`tellonce seed\`."
  fi
  # TLS to PostgreSQL: the small read with sslmode=disable and =require.
  if [ -n "$db" ]; then
    local mode
    for mode in disable require; do
      if [ "$SEEDED" = seed ]; then start_hub "$url?sslmode=$mode" "$backend-$mode"
      else start_hub "$url?sslmode=$mode" "$backend-$mode" --demo; fi
      check_shape "small-$mode" small.lua "$d/pairs-small.tsv" "$HUB_URL"
      warm_up "$backend-$mode" "$d/pairs-small.tsv" "$HUB_URL"
      for c in 16 32; do
        run_wrk "$backend" small small.lua "$d/pairs-small.tsv" "$c" "tellonce-ssl-$mode" 1 "$HUB_URL" "$HUB_PID"
      done
      stop_hub
    done
  fi
}

bench_pgbench() {
  local db=pgbench_$$ c out tps lat
  DBS+=("$db")
  psql "$PG/postgres" -qAtc "CREATE DATABASE \"$db\"" >/dev/null
  pgbench -i -s 10 -q "$PG/$db" >>"$LOG" 2>&1 || die "pgbench -i failed"
  for c in 16 32; do
    out=$(nice -n 5 pgbench -S -c "$c" -j 2 -T "$DURATION" "$PG/$db" 2>&1) || die "pgbench failed: $out"
    echo "$out" >> "$LOG"
    tps=$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p' <<<"$out")
    lat=$(sed -nE 's/^latency average = ([0-9.]+) ms/\1/p' <<<"$out")
    printf 'postgres\tpgbench-S\t%s\tpgbench\t1\t%s\t%s\t-\t0\t0\t-\n' "$c" "$tps" "$lat" >> "$RESULTS"
    log "pgbench -S c=$c: $tps tps, latency average $lat ms"
  done
}

bench_million() {
  local db=tellonce_bench_1m_$$ d=$WORK/postgres-1m c
  DBS+=("$db")
  mkdir -p "$d"
  psql "$PG/postgres" -qAtc "CREATE DATABASE \"$db\"" >/dev/null
  seed_db "$PG/$db" "$d" 1000000
  start_hub "$PG/$db" postgres-1m
  make_pairs "$d/tokens.json" "$d"
  check_shape small-1m small.lua "$d/pairs-small.tsv" "$HUB_URL"
  warm_up postgres-1m "$d/pairs-small.tsv" "$HUB_URL"
  for c in 16 32; do
    run_wrk postgres-1m small small.lua "$d/pairs-small.tsv" "$c" tellonce 1 "$HUB_URL" "$HUB_PID"
  done
  # The same database over as many distinct children as the 10,000 run
  # read: what the data's size costs, apart from the facts cache's working
  # set (a million children's pairs spread over far more children).
  local k; k=$(cut -f2 "$WORK/postgres/pairs-small.tsv" | sort -u | wc -l)
  awk -F'\t' -v k="$k" '!($2 in seen) { if (n >= k) next; seen[$2] = 1; n++ } { print }' \
    "$d/pairs-small.tsv" > "$d/pairs-small-same.tsv"
  note "1,000,000 children: the small read over $(cut -f2 "$d/pairs-small.tsv" | sort -u | wc -l) distinct children, and again over $k (the 10,000 run's number)"
  warm_up postgres-1m-same "$d/pairs-small-same.tsv" "$HUB_URL"
  for c in 16 32; do
    run_wrk postgres-1m small small.lua "$d/pairs-small-same.tsv" "$c" tellonce-same-working-set 1 "$HUB_URL" "$HUB_PID"
  done
  stop_hub
  psql "$PG/postgres" -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
}

# IG search over a large trace: 10,000 children with 1,000 historic entries
# each (10,000,000 entries, one table), the same search as the ig shape.
bench_big_trace() {
  local db=tellonce_bench_10m_$$ d=$WORK/postgres-10m c
  DBS+=("$db")
  mkdir -p "$d"
  psql "$PG/postgres" -qAtc "CREATE DATABASE \"$db\"" >/dev/null
  seed_db "$PG/$db" "$d" 10000 --trace-per-child 1000
  note "trace entries in $db: $(psql "$PG/$db" -qAtc 'SELECT count(*) FROM access_trace'); table and indexes $(psql "$PG/$db" -qAtc "SELECT pg_size_pretty(pg_total_relation_size('access_trace') + coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'access_trace'::regclass), 0))"), in $(psql "$PG/$db" -qAtc "SELECT count(*) FROM pg_inherits WHERE inhparent = 'access_trace'::regclass") partitions"
  start_hub "$PG/$db" postgres-10m
  make_pairs "$d/tokens.json" "$d"
  check_shape ig-10m ig.lua "$d/pairs-ig.tsv" "$HUB_URL"
  warm_up postgres-10m "$d/pairs-ig.tsv" "$HUB_URL" ig.lua
  for c in 1 4 16 32; do
    run_wrk postgres-10m ig ig.lua "$d/pairs-ig.tsv" "$c" tellonce 1 "$HUB_URL" "$HUB_PID"
  done
  stop_hub
  psql "$PG/postgres" -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
}

# ---- run ------------------------------------------------------------------
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "mode $MODE: $DURATION s per run, $CHILDREN children"

if [ "$MODE" = big-trace-only ]; then
  bench_big_trace
  log "load average before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "backend shape c server round rps p50_ms p99_ms errors expected rss_mb"
  cat "$RESULTS"
  cat "$NOTES"
  exit 0
fi

SQLITE_FILE=$WORK/sqlite/tellonce.db
mkdir -p "$WORK/sqlite"
rm -f "$SQLITE_FILE" "$SQLITE_FILE-wal" "$SQLITE_FILE-shm"
bench_backend sqlite "sqlite://$SQLITE_FILE?mode=rwc"

PGDB=tellonce_bench_$$
DBS+=("$PGDB")
psql "$PG/postgres" -qAtc "CREATE DATABASE \"$PGDB\"" >/dev/null
bench_backend postgres "$PG/$PGDB" "$PGDB"
bench_pgbench

if [ "$FULL" = 1 ]; then
  if [ "$HAS_SEED" = 1 ]; then bench_million; bench_big_trace
  else note "--full: 1,000,000 children and the 10,000,000-entry trace not measured: \`tellonce seed\` is not in this build."; fi
else
  note "1,000,000 ÷ 10,000 and IG search over 10,000,000 entries not measured: run with --full (each seeds another database)."
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ---------------------------------------------------------------
# median FIELD BACKEND SHAPE C SERVER (fields: 6 rps, 7 p50, 8 p99, 9 fail, 10 exp, 11 rss)
median() {
  awk -F'\t' -v f="$1" -v b="$2" -v s="$3" -v c="$4" -v v="$5" \
    '$1 == b && $2 == s && $3 == c && $4 == v && $f != "-" { x[n++] = $f + 0 }
     END { if (n == 0) { print "-"; exit }
           for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
           print x[int(n / 2)] }' "$RESULTS"
}
maxof() { # FIELD BACKEND SERVER
  awk -F'\t' -v f="$1" -v b="$2" -v v="$3" '$1 == b && $4 == v && $f != "-" && $f + 0 > m { m = $f + 0 } END { print (m == "" ? "-" : m) }' "$RESULTS"
}
sumof() { # FIELD BACKEND SHAPE C SERVER
  awk -F'\t' -v f="$1" -v b="$2" -v s="$3" -v c="$4" -v v="$5" '$1 == b && $2 == s && $3 == c && $4 == v { t += $f; n++ } END { print (n ? t : "-") }' "$RESULTS"
}
ratio() { # A B -> A/B with two decimals, or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}
verdict() { # VALUE OP LIMIT
  awk -v v="$1" -v o="$2" -v l="$3" 'BEGIN { if (v == "n/a" || v == "-") { print "not measured"; exit }
    ok = (o == ">=") ? (v + 0 >= l + 0) : (v + 0 <= l + 0); print (ok ? "met" : "not met") }'
}

report() {
  local b s c v
  echo "## Figures"
  echo
  echo "Measured $STARTED by \`$COMMAND\` ($MODE mode: $DURATION s per run, wrk -t2, 127.0.0.1)."
  echo
  echo "- machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory"
  echo "- load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER"
  echo "- git commit $GIT_COMMIT; $("$BIN" --version); PostGraphile $POSTGRAPHILE_VERSION; $(psql "$PG/postgres" -Atc 'SHOW server_version' | sed 's/^/PostgreSQL /')"
  echo "- data: $([ "$HAS_SEED" = 1 ] && echo "\`tellonce seed --children $CHILDREN --seed 1\`" || echo "the demo (\`serve --demo\`): \`tellonce seed\` is not in this build")"
  while read -r line; do echo "- note: $line"; done < "$NOTES"
  echo
  echo "Medians of three rounds for the small read (hub and peer alternating), one run otherwise."
  echo "Errors: non-200 responses, socket errors and bodies with an unexpected error code;"
  echo "\"expected\": responses whose only errors are CONSENT_REQUIRED / NOT_PERMITTED at withheld sections."
  echo "RSS: the server's peak resident set (VmHWM) read after the run."
  echo
  echo "| backend | shape | c | server | req/s | p50 ms | p99 ms | errors | expected | peak RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  cut -f1-4 "$RESULTS" | awk '!seen[$0]++' | while IFS=$'\t' read -r b s c v; do
    echo "| $b | $s | $c | $v | $(median 6 "$b" "$s" "$c" "$v") | $(median 7 "$b" "$s" "$c" "$v") | $(median 8 "$b" "$s" "$c" "$v") | $(sumof 9 "$b" "$s" "$c" "$v") | $(sumof 10 "$b" "$s" "$c" "$v") | $(median 11 "$b" "$s" "$c" "$v") |"
  done
  echo
  echo "pgbench rows: req/s is pgbench's tps (without initial connection time), p50 column its average latency."
  echo
  echo "### Ratios"
  echo
  echo "| ratio | c=16 | c=32 |"
  echo "|---|---|---|"
  local r16 r32
  row() { echo "| $1 | $2 | $3 |"; }
  pair() { # FIELD B1 S1 V1 B2 S2 V2
    echo "$(ratio "$(median "$1" "$2" "$3" 16 "$4")" "$(median "$1" "$5" "$6" 16 "$7")")" \
         "$(ratio "$(median "$1" "$2" "$3" 32 "$4")" "$(median "$1" "$5" "$6" 32 "$7")")"
  }
  read -r r16 r32 <<<"$(pair 6 postgres small tellonce postgres small postgraphile)"; row "tellonce ÷ PostGraphile, req/s (small read, PostgreSQL)" "$r16" "$r32"; PEER_RPS=("$r16" "$r32")
  read -r r16 r32 <<<"$(pair 8 postgres small tellonce postgres small postgraphile)"; row "tellonce ÷ PostGraphile, p99 (small read)" "$r16" "$r32"; PEER_P99=("$r16" "$r32")
  read -r r16 r32 <<<"$(pair 6 postgres small tellonce postgres pgbench-S pgbench)"; row "tellonce ÷ pgbench -S, req/s" "$r16" "$r32"; PGB=("$r16" "$r32")
  read -r r16 r32 <<<"$(pair 6 postgres small tellonce postgres small tellonce-untraced)"; row "trace on ÷ trace off, req/s (PostgreSQL)" "$r16" "$r32"; TOFF=("$r16" "$r32")
  read -r r16 r32 <<<"$(pair 6 sqlite small tellonce sqlite small tellonce-untraced)"; row "trace on ÷ trace off, req/s (SQLite)" "$r16" "$r32"
  read -r r16 r32 <<<"$(pair 6 sqlite small tellonce postgres small tellonce)"; row "SQLite ÷ PostgreSQL, req/s (small read)" "$r16" "$r32"
  read -r r16 r32 <<<"$(pair 6 postgres small tellonce-ssl-require postgres small tellonce-ssl-disable)"; row "sslmode=require ÷ sslmode=disable, req/s" "$r16" "$r32"
  read -r r16 r32 <<<"$(pair 8 postgres small tellonce-ssl-require postgres small tellonce-ssl-disable)"; row "sslmode=require ÷ sslmode=disable, p99" "$r16" "$r32"
  read -r r16 r32 <<<"$(pair 6 postgres-1m small tellonce postgres small tellonce)"; row "1,000,000 ÷ 10,000 children, req/s" "$r16" "$r32"; MIL=("$r16" "$r32")
  read -r r16 r32 <<<"$(pair 6 postgres-1m small tellonce-same-working-set postgres small tellonce)"; row "1,000,000 ÷ 10,000 children, req/s, over the 10,000 run's number of children" "$r16" "$r32"
  echo
  echo "### Budgets (issue 14)"
  echo
  echo "| budget | c=16 | c=32 |"
  echo "|---|---|---|"
  row "small read ≥ 3 × PostGraphile's req/s" "$(verdict "${PEER_RPS[0]}" '>=' 3)" "$(verdict "${PEER_RPS[1]}" '>=' 3)"
  row "small read p99 ≤ ⅓ of PostGraphile's" "$(verdict "${PEER_P99[0]}" '<=' 0.3334)" "$(verdict "${PEER_P99[1]}" '<=' 0.3334)"
  row "hub ÷ pgbench -S ≥ 0.25" "$(verdict "${PGB[0]}" '>=' 0.25)" "$(verdict "${PGB[1]}" '>=' 0.25)"
  row "trace on ÷ trace off ≥ 0.7 (PostgreSQL)" "$(verdict "${TOFF[0]}" '>=' 0.7)" "$(verdict "${TOFF[1]}" '>=' 0.7)"
  row "1M ÷ 10k ≥ 0.9" "$(verdict "${MIL[0]}" '>=' 0.9)" "$(verdict "${MIL[1]}" '>=' 0.9)"
  local ig16 ig32 rss
  ig16=$(median 8 postgres-10m ig 16 tellonce); ig32=$(median 8 postgres-10m ig 32 tellonce)
  row "IG search p99 < 50 ms over 10,000,000 entries (PostgreSQL, --full)" "$(verdict "$ig16" '<=' 50) ($ig16 ms)" "$(verdict "$ig32" '<=' 50) ($ig32 ms)"
  rss=$(awk -F'\t' '$4 ~ /^tellonce/ && $11 != "-" && $11 + 0 > m { m = $11 + 0 } END { print m + 0 }' "$RESULTS")
  row "hub peak RSS < 200 MB (highest of all runs)" "$(verdict "$rss" '<=' 200) ($rss MB)" ""
  echo
  echo "The consent-decision and trace-verification budgets are measured by the criterion benches, not this script."
}

REPORT=$WORK/report.md
report > "$REPORT"
cat "$REPORT"
if [ "$WRITE" = 1 ]; then
  MD=$ROOT/BENCHMARKS.md
  if [ -f "$MD" ] && grep -q '^<!-- figures -->' "$MD"; then
    { sed '/^<!-- figures -->/q' "$MD"; echo; cat "$REPORT"; } > "$MD.tmp" && mv "$MD.tmp" "$MD"
  else
    { echo "# Benchmarks"; echo; echo "<!-- figures -->"; echo; cat "$REPORT"; } > "$MD"
  fi
  log "wrote $MD"
fi
