#!/usr/bin/env bash
# Micro-benchmarks of the consent crate (issue 14): the decision for one
# child, and hashing and verifying the access trace's chain. Runs
# `cargo bench -p consent` (criterion, no plots) and prints each figure
# beside its budget. Usage, from anywhere in a clone:
#
#   bench/micro.sh            # both benches
#   bench/micro.sh decide     # one bench target: decide, trace or log
#
# Criterion times wall-clock: on a shared machine the figures rise with the
# load average, which is printed with them. trace_cpu/verify_1m_entries is
# the same verification in the thread's CPU time, which the load does not
# inflate. Results also land in target/criterion.
set -euo pipefail

cd "$(dirname "$0")/.."
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(decide trace log)
args=()
for b in "${benches[@]}"; do args+=(--bench "$b"); done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo bench -p consent "${args[@]}" 2>&1 | tee "$log"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Criterion prints `name time: [low estimate high]`, the name on the line
# before when it is long.
echo
echo "benchmark | estimate (95% interval) | budget"
echo "--- | --- | ---"
awk '
  function budget(name) {
    if (name ~ /^decide\//) return "< 5 µs per child"
    if (name ~ /verify_1m/) return "< 5 s"
    return "-"
  }
  /time:/ {
    line = $0
    name = prev
    sub(/^[ \t]+/, "", line)
    if (line !~ /^time:/) { name = $1; sub(/^[^ ]+[ \t]+/, "", line) }
    sub(/^time:[ \t]+\[/, "", line); sub(/\]$/, "", line)
    n = split(line, v, " ")
    printf "%s | %s %s (%s %s – %s %s) | %s\n", name, v[3], v[4], v[1], v[2], v[5], v[6], budget(name)
  }
  { if ($0 !~ /^[ \t]/ && NF > 0) prev = $1 }
' "$log"
