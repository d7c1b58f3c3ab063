#!/usr/bin/env bash
# tests/stress/run.sh SECONDS [CONNECTIONS]
#
# Start `ndb serve` on a free loopback port, run the soak/model test
# (ndb_stress) against it for SECONDS with CONNECTIONS connections (default
# 50), stop the server with SIGTERM and check it exited 0.  Exit status 1
# on any mismatch, error or unclean server exit.
#
#   BUILD=dir     where ndb and ndb_stress are (default: build/)
#   VALGRIND=1    run the server under valgrind (memcheck, full leak check):
#                 any invalid access or leak fails the run, in the server
#                 and in the snapshot processes it forks
#   DURABLE=1     the server journals (everysec) and takes an automatic
#                 snapshot every second with changes (forked children), in
#                 a scratch persist path: the durability code's life cycle
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:?usage: run.sh SECONDS [CONNECTIONS]}
conns=${2:-50}
build=${BUILD:-$root/build}
tmp=$(mktemp -d)
log=$tmp/server.log
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

launcher=()
if [ "${VALGRIND:-0}" = 1 ]; then
    launcher=(valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
              --errors-for-leak-kinds=definite,indirect,possible --log-file="$tmp/valgrind.%p.log")
fi
server_args=(--port 0 --log-level info)
if [ "${DURABLE:-0}" = 1 ]; then
    mkdir "$tmp/data"
    server_args+=(--persist-path "$tmp/data" --journal everysec --save "1 1")
fi
"${launcher[@]}" "$build/ndb" serve "${server_args[@]}" 2>"$log" &
pid=$!
pid_server=$pid
url=
for _ in $(seq 1 600); do   # up to 60 s: valgrind starts slowly
    url=$(grep -o 'ws://[^ ]*' "$log" | head -n 1 || true)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "server did not start" >&2; cat "$log" >&2; exit 1; }

# valgrind_clean LOG: no error in the log of the server or of one of its
# snapshot processes (forks that end with _exit holding the parent's heap:
# reachable, so not an error).  A snapshot process that was still writing
# when the server stopped is killed by it (the server logs "interrupted
# the snapshot process (pid N) to shut down"): its log ends without a
# summary and must show no error up to there.
valgrind_clean() {
    local v=$1 child=${1##*/valgrind.}
    child=${child%.log}
    if [ "$child" != "$pid_server" ] && ! grep -q 'ERROR SUMMARY' "$v" &&
        grep -q "interrupted the snapshot process (pid $child) to shut down" "$log"; then
        ! grep -qE '^==[0-9]+== +(Invalid|Conditional|Use of uninitialised|Syscall param|Mismatched|Source and destination)' "$v"
        return
    fi
    grep -q 'ERROR SUMMARY: 0 errors' "$v"
}

rc=0
timeout $((secs + 120)) "$build/ndb_stress" --url "$url" -c "$conns" -t "$secs" || rc=1

kill -TERM "$pid"
src=0
for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid" || src=$?
pid=
shopt -s nullglob
vlogs=("$tmp"/valgrind.*.log)
if [ "$src" -ne 0 ]; then
    echo "server exited with status $src" >&2
    [ "${#vlogs[@]}" -gt 0 ] && cat "${vlogs[@]}" >&2
    rc=1
elif [ "${#vlogs[@]}" -gt 0 ]; then
    # the server's log and one per snapshot process: each must be clean
    for v in "${vlogs[@]}"; do
        if ! valgrind_clean "$v"; then
            echo "valgrind found errors in ${v##*/}:" >&2
            cat "$v" >&2
            rc=1
        fi
    done
    echo "valgrind: ${#vlogs[@]} process(es) checked (the server and its snapshot processes)"
    grep -hE 'ERROR SUMMARY|definitely lost' "${vlogs[@]}" | sed 's/^==[0-9]*== *//' | sort | uniq -c || true
fi
exit "$rc"
