#!/usr/bin/env bash
# scan_bench.sh [KEYS [COUNT [RUNS]]] — a whole KV_SCAN against one KV_KEYS
# (issue 16's target: scanning 1,000,000 keys 1,000 at a time costs less
# than twice one KV_KEYS).  Starts `ndb serve` on a free loopback port
# (build/ndb, or $NDB) on one core and runs build/bench_scan on the other
# (taskset, when there are two cores), then stops the server.  Prints a
# Markdown table of medians and the ratio.  Bounded: every answer within
# 60 s, the whole run within a few minutes for a million keys.
set -euo pipefail
cd "$(dirname "$0")/../.."
NDB=${NDB:-build/ndb}
BENCH=${BENCH:-build/bench_scan}
[ -x "$NDB" ] && [ -x "$BENCH" ] || { echo "scan_bench.sh: build first ($NDB, $BENCH)" >&2; exit 1; }
log=$(mktemp)
on_server=() on_client=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    on_server=(taskset -c 0) on_client=(taskset -c 1)
fi
"${on_server[@]}" "$NDB" serve --port 0 --log-level warn 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
# the "listening on" line is info: ask the kernel which port instead
port=
for _ in $(seq 1 100); do
    port=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$pid," 'index($0, p) { n = split($4, a, ":"); print a[n]; exit }')
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "scan_bench.sh: the server did not start" >&2; cat "$log" >&2; exit 1; }
echo "ndb $("$NDB" --version | cut -d' ' -f2), $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"${on_client[@]}" "$BENCH" "ws://127.0.0.1:$port/" "$pid" "${1:-1000000}" "${2:-1000}" "${3:-5}"
