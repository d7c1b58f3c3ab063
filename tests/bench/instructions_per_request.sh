#!/usr/bin/env bash
# instructions_per_request.sh — the server's instructions per request,
# counted by valgrind's callgrind: exact and repeatable whatever else the
# machine is doing (unlike time), so a change to the request path can be
# judged by one run before and one after.
#
# Two runs of the same server under callgrind answer N1 and N2 requests
# from `ndb bench` (same connections, pipeline, operation and key space,
# keys preloaded); (Ir2 - Ir1) / (N2 - N1) is the marginal cost of one
# request, start-up and preload cancelled out.
#
# usage: tests/bench/instructions_per_request.sh [--op get|set|sh_get|sh_set]
#            [-c CONNS] [-P PIPELINE] [-n REQUESTS] [-d VALUE_SIZE] [--keys K]
#            [--serve 'EXTRA SERVE OPTIONS']
# Environment: NDB (default build/ndb) — the server measured; BENCH (default
# $NDB) — the ndb whose `bench` drives it, so an older server can be
# measured with today's client.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.bash"
NDB=${NDB:-$here/../../build/ndb}
BENCH=${BENCH:-$NDB}
op=get conns=4 pipe=32 n=100000 vsize=16 keys=10000 serve=""
while [ $# -gt 0 ]; do
    case "$1" in
    --op) op=$2; shift ;;
    -c) conns=$2; shift ;;
    -P) pipe=$2; shift ;;
    -n) n=$2; shift ;;
    -d) vsize=$2; shift ;;
    --keys) keys=$2; shift ;;
    --serve) serve=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "instructions_per_request.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
command -v valgrind >/dev/null || { echo "instructions_per_request.sh: valgrind is needed" >&2; exit 1; }
bench_need_ndb "$NDB"
bench_need_ndb "$BENCH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run COUNT: Ir of a server that answers the preload and COUNT requests
run() {
    local count=$1 log=$work/serve.log out=$work/cg.out pid port url
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --callgrind-out-file="$out" "$NDB" serve --port 0 $serve 2>"$log" &
    pid=$!
    url=$(bench_listen_url "$log" "$pid" 60) || { kill -KILL "$pid" 2>/dev/null; exit 1; }
    port=$(sed 's#.*:\([0-9]*\)/$#\1#' <<<"$url")
    # (this runs in $(...): its exit ends the script through the assignment)
    if ! "$BENCH" bench --url ":$port" --op "$op" -c "$conns" -P "$pipe" -n "$count" -d "$vsize" --keys "$keys" \
        --preload --force -q >/dev/null; then
        echo "instructions_per_request.sh: the benchmark failed (above); no result" >&2
        kill -KILL "$pid" 2>/dev/null || true
        exit 1
    fi
    kill -TERM "$pid"
    wait "$pid" || true
    sed -n 's/^summary: *//p; s/^totals: *//p' "$out" | head -n 1
}
ir1=$(run "$n")
ir2=$(run $((2 * n)))
awk -v a="$ir1" -v b="$ir2" -v n="$n" -v op="$op" -v c="$conns" -v p="$pipe" -v d="$vsize" 'BEGIN {
    printf "%s, %d conns x pipeline %d, %d-byte values: %.0f instructions per request\n", op, c, p, d, (b - a) / n }'
