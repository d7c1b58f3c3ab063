#!/usr/bin/env bash
# scan_bench.sh [KEYS [COUNT [RUNS]]] — a whole KV_SCAN against one KV_KEYS
# (issue 16's target: scanning 1,000,000 keys 1,000 at a time costs less
# than twice one KV_KEYS).  Starts `ndb serve` on a free loopback port
# (build/ndb, or $NDB), runs build/bench_scan against it, then stops the
# server.  Prints a Markdown table of medians and the ratio.  PIN says
# where the two run: unset, where the kernel puts them; PIN=same, both on
# core 0 (a wake-up is a cheap switch on one core); PIN=split, the server
# on core 0 and the client on core 1 (every round trip wakes the other
# core: on the 2-core VM that costs tens of microseconds, which a scan of
# 1,000 round trips mostly measures).  Bounded: every answer within 60 s,
# the whole run within a few minutes for a million keys.
set -euo pipefail
. "$(dirname "$0")/common.bash"
cd "$(dirname "$0")/../.."
NDB=${NDB:-build/ndb}
BENCH=${BENCH:-build/bench_scan}
[ -x "$NDB" ] && [ -x "$BENCH" ] || { echo "scan_bench.sh: build first ($NDB, $BENCH)" >&2; exit 1; }
log=$(mktemp)
on_server=() on_client=()
case ${PIN:-} in
"") ;;
same) on_server=(taskset -c 0) on_client=(taskset -c 0) ;;
split) on_server=(taskset -c 0) on_client=(taskset -c 1) ;;
*) echo "scan_bench.sh: PIN must be same or split" >&2; exit 2 ;;
esac
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
echo "ndb $("$NDB" --version | cut -d' ' -f2), $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores, PIN=${PIN:-none}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"${on_client[@]}" "$BENCH" "ws://127.0.0.1:$port/" "$pid" "${1:-1000000}" "${2:-1000}" "${3:-5}"
