#!/usr/bin/env bash
# Measure save and load of 1,000,000 keys and of 100,000 sessions x 10 keys:
# wall time of each command (from its response) and the server's peak RSS.
# Prints each command's response (its "duration" in ms) and the RSS after it;
# the snapshot's size on disk.
# Usage: tests/bench/persist_bench.sh [NDB_BINARY]   (default build/ndb;
# loopback only, bounded: every request has a timeout)
set -euo pipefail
case "${1:-}" in
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
-*) echo "persist_bench.sh: unknown option '$1' (usage: persist_bench.sh [NDB_BINARY])" >&2; exit 2 ;;
esac
. "$(dirname "$0")/common.bash"
NDB=${1:-build/ndb}
bench_need_ndb "$NDB"
dir=$(mktemp -d)   # the persist path
work=$(mktemp -d)  # request files
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir" "$work"' EXIT

start() {
    "$NDB" serve --port 0 --persist-path "$dir" "$@" 2>"$work/log" &
    pid=$!
    NDB_URL=$(bench_listen_url "$work/log" "$pid")
    export NDB_URL
}
rss() { awk '/VmHWM/ {print $2 " kB peak RSS"}' "/proc/$pid/status"; }

start
python3 - "$work/keys" "$work/sessions" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for r in range(1000):
        f.write('{"KV_SET":{"keys":{%s}}}\n' % ",".join('"key:%07d":"value-%09d"' % (r*1000+i, r*1000+i) for i in range(1000)))
PY
time "$NDB" send --timeout 60 <"$work/keys" >/dev/null
echo "1,000,000 keys loaded: $(rss)"
"$NDB" send --timeout 120 '{"KV_SAVE":{"name":"keys"}}'
echo "after KV_SAVE: $(rss); snapshot size $(du -sh "$dir/keys" | cut -f1)"
kill "$pid"; wait "$pid" || true
start
"$NDB" send --timeout 120 '{"KV_LOAD":{"name":"keys"}}'
echo "after KV_LOAD into a fresh server: $(rss)"
kill "$pid"; wait "$pid" || true

start
python3 - <<'PY' >"$work/new"
for _ in range(100000): print('{"SH_NEW":{}}')
PY
"$NDB" send --timeout 60 <"$work/new" | grep -o '"tkn":[0-9]*' | cut -d: -f2 >"$work/tokens"
python3 - "$work/tokens" >"$work/shset" <<'PY'
import sys
for t in open(sys.argv[1]):
    t = t.strip()
    print('{"SH_SET":{"tkn":%s,"keys":{%s}}}' % (t, ",".join('"k%d":"value-%d"' % (i, i) for i in range(10))))
PY
"$NDB" send --timeout 60 <"$work/shset" >/dev/null
echo "100,000 sessions x 10 keys: $(rss)"
"$NDB" send --timeout 120 '{"SH_SAVE":{"name":"sessions"}}'
echo "after SH_SAVE: $(rss)"
kill "$pid"; wait "$pid" || true
start
/usr/bin/time -f "%e s wall (SH_LOAD command round trip)" "$NDB" send --timeout 120 '{"SH_LOAD":{"name":"sessions"}}'
echo "after SH_LOAD into a fresh server: $(rss)"
