#!/usr/bin/env bash
# session_memory.sh — memory for sessions, ndb against Redis (issue 18).
#
# The case ndb exists for: N sessions (default 1,000,000), each with a
# one-hour expiry and two small keys, username ("user" + 7 digits) and otp
# (6 digits).  ndb: SH_NEW with {"duration":3600,"deleteSession":true},
# then SH_SET of the two keys (build/bench_sessions_load, pipelined).
# Redis: the same data as N hashes of two fields with EXPIRE 3600 (HSET
# sess:<16 digits> username ... otp ...; EXPIRE ..., through redis-cli
# --pipe), the usual way to keep sessions in Redis; Redis packs such small
# hashes into one listpack.  Both servers start fresh; their RSS (VmRSS of
# /proc/PID/status) is read empty and after loading, and each reports the
# memory it accounts for its data (ndb SV_INFO memoryBytes, Redis INFO
# used_memory).  Prints a Markdown table with the ndb/Redis ratios.
#
# usage: tests/bench/session_memory.sh [N]
# Environment: NDB (default build/ndb), LOADER (default
# build/bench_sessions_load), REDIS_SERVER, REDIS_CLI (default: PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.bash"
NDB=${NDB:-$root/build/ndb}
LOADER=${LOADER:-$root/build/bench_sessions_load}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
n=${1:-1000000}
[[ $n =~ ^[1-9][0-9]{0,7}$ ]] || { echo "session_memory.sh: N must be 1..99999999" >&2; exit 2; }
for t in "$NDB" "$LOADER"; do [ -x "$t" ] || { echo "session_memory.sh: $t is not built" >&2; exit 2; }; done
for t in "$REDIS_SERVER" "$REDIS_CLI"; do
    command -v "$t" >/dev/null || { echo "session_memory.sh: '$t' not found (apt-get install redis-server redis-tools)" >&2; exit 2; }
done

work=$(mktemp -d)
npid="" rpid=""
cleanup() {
    local p
    for p in $npid $rpid; do kill "$p" 2>/dev/null || true; done
    for p in $npid $rpid; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

nport=$(free_port)
"$NDB" serve --ip 127.0.0.1 --port "$nport" 2>"$work/ndb.log" &
npid=$!
rport=$(free_port)
"$REDIS_SERVER" --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --daemonize no --loglevel warning \
    >"$work/redis.log" 2>&1 &
rpid=$!
for _ in $(seq 1 100); do
    grep -q 'listening on ws://' "$work/ndb.log" 2>/dev/null &&
        [ "$("$REDIS_CLI" -h 127.0.0.1 -p "$rport" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
done
grep -q 'listening on ws://' "$work/ndb.log" || { cat "$work/ndb.log" >&2; exit 1; }
n_empty=$(rss_kib "$npid")
r_empty=$(rss_kib "$rpid")

"$LOADER" "ws://127.0.0.1:$nport/" "$n" >/dev/null
awk -v n="$n" 'BEGIN {
    for (i = 0; i < n; i++) {
        k = sprintf("sess:%016d", i); u = sprintf("user%07d", i); o = sprintf("%06d", i % 1000000)
        printf "*6\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n$8\r\nusername\r\n$%d\r\n%s\r\n$3\r\notp\r\n$%d\r\n%s\r\n", length(k), k, length(u), u, length(o), o
        printf "*3\r\n$6\r\nEXPIRE\r\n$%d\r\n%s\r\n$4\r\n3600\r\n", length(k), k
    }
}' | "$REDIS_CLI" -h 127.0.0.1 -p "$rport" --pipe >"$work/pipe.log" 2>&1 || { cat "$work/pipe.log" >&2; exit 1; }
[ "$("$REDIS_CLI" -h 127.0.0.1 -p "$rport" dbsize)" = "$n" ] || { echo "session_memory.sh: Redis did not load $n hashes" >&2; exit 1; }
info=$("$NDB" send --url "ws://127.0.0.1:$nport/" '{"SV_INFO":{}}')
grep -q "\"sessions\":$n," <<<"$info" || { echo "session_memory.sh: ndb does not hold $n sessions: $info" >&2; exit 1; }

n_rss=$(rss_kib "$npid")
r_rss=$(rss_kib "$rpid")
n_used=$(grep -o '"memoryBytes":[0-9]*' <<<"$info" | cut -d: -f2)
r_used=$("$REDIS_CLI" -h 127.0.0.1 -p "$rport" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "$n sessions, each with a one-hour expiry and two keys (username, otp); Redis: $n two-field hashes with EXPIRE"
echo
echo "| | ndb | Redis | ndb/Redis |"
echo "|---|---:|---:|---:|"
echo "| RSS empty, MiB | $(mib "$n_empty") | $(mib "$r_empty") | |"
echo "| RSS loaded, MiB | $(mib "$n_rss") | $(mib "$r_rss") | $(ratio "$n_rss" "$r_rss") |"
echo "| data (memoryBytes / used_memory), MB | $(awk -v b="$n_used" 'BEGIN { printf "%.1f", b / 1e6 }') | $(awk -v b="$r_used" 'BEGIN { printf "%.1f", b / 1e6 }') | $(ratio "$n_used" "$r_used") |"
echo "| RSS per session, bytes | $(awk -v a="$n_rss" -v e="$n_empty" -v n="$n" 'BEGIN { printf "%.0f", (a - e) * 1024 / n }') | $(awk -v a="$r_rss" -v e="$r_empty" -v n="$n" 'BEGIN { printf "%.0f", (a - e) * 1024 / n }') | |"
