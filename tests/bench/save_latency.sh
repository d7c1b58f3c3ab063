#!/usr/bin/env bash
# save_latency.sh — how long other clients wait while a snapshot is taken
# (issue 15): KV_GET latency of a probe connection (1 connection, 1 request
# in flight) while KV_SAVE of 1,000,000 keys runs back to back.
#
# Starts `ndb serve` on a free loopback port with a persist path, loads
# KEYS keys of 16-byte values, then runs `ndb bench --op get -c 1 -P 1` for
# SECONDS while a loop asks for KV_SAVE again as soon as the previous one
# answered, and prints the probe's percentiles and the saves' durations;
# then the same probe with no save running, for comparison.
#
# usage: tests/bench/save_latency.sh [KEYS] [SECONDS]   (defaults 1000000, 10)
# Environment: NDB (default build/ndb); SERVER_CORE, CLIENT_CORE to pin with
# taskset (default: servers on core 0, clients on core 1 when there are 2 cores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.bash"
case "${1:-}" in
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
NDB=${NDB:-$root/build/ndb}
bench_need_ndb "$NDB"
keys=${1:-1000000}
secs=${2:-10}
[[ $keys =~ ^[1-9][0-9]{0,8}$ ]] || { echo "save_latency.sh: KEYS must be a whole number from 1 to 999999999, not '$keys'" >&2; exit 2; }
[[ $secs =~ ^[1-9][0-9]{0,3}$ ]] || { echo "save_latency.sh: SECONDS must be a whole number from 1 to 9999, not '$secs'" >&2; exit 2; }
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
on_server=() on_client=()
if [ "$(nproc)" -ge 2 ]; then
    on_server=(taskset -c "${SERVER_CORE:-0}")
    on_client=(taskset -c "${CLIENT_CORE:-1}")
fi
mkdir "$work/data"
keep=()
help=$("$NDB" serve --help) # (not piped into grep -q: with pipefail its early exit would fail the pipe)
[[ $help == *--keep-snapshots* ]] && keep=(--keep-snapshots 1) # (older builds keep every save)
"${on_server[@]}" "$NDB" serve --port 0 --persist-path "$work/data" "${keep[@]}" 2>"$work/log" &
pid=$!
NDB_URL=$(bench_listen_url "$work/log" "$pid")
export NDB_URL
"${on_client[@]}" "$NDB" bench --op set --preload --keys "$keys" -d 16 -c 4 -n 0 -q >/dev/null
echo "loaded $("$NDB" send '{"KV_COUNT":{}}') into $NDB_URL"

probe() { # probe LABEL: one probe run, its percentiles
    "${on_client[@]}" "$NDB" bench --op get --keys "$keys" -c 1 -P 1 --duration "$secs" --csv -q --force |
        awk -F, -v l="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
            NR == 2 { printf "%-28s %8d requests  p50 %7.1f µs  p99 %8.1f µs  p99.9 %8.1f µs  max %8.1f µs\n",
                      l, $c["requests"], $c["p50_us"], $c["p99_us"], $c["p999_us"], $c["max_us"] }'
}

# saves back to back for the length of the probe
( end=$(($(date +%s) + secs + 1))
  while [ "$(date +%s)" -lt "$end" ]; do
      "${on_client[@]}" "$NDB" send --timeout 60 '{"KV_SAVE":{"name":"big"}}' >>"$work/saves"
  done ) &
saver=$!
sleep 0.2
probe "KV_GET during KV_SAVEs:"
wait "$saver"
n=$(wc -l <"$work/saves")
durs=$(grep -o '"duration":[0-9]*' "$work/saves" | cut -d: -f2 | sort -n | tr '\n' ' ')
echo "KV_SAVEs answered: $n ($(grep -c '"st":121' "$work/saves") with 121), durations ms: $durs"
echo "snapshot size: $(du -sh "$work/data/big" | cut -f1) ($(ls "$work/data/big" | wc -l) snapshot directories)"
probe "KV_GET with no save:"
