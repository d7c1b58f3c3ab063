# common.bash — what the benchmark scripts share; sourced, not run.
#
# Each script starts its own servers on loopback, without users or
# sessions: a client environment meant for another server (NDB_URL,
# NDB_USER, ...) would aim its clients elsewhere or make them log in where
# no user exists, so it is cleared first.
unset NDB_URL NDB_USER NDB_PASSWORD NDB_SESSION NDB_CACERT

# bench_need_ndb PATH: stop at once with a message unless PATH is an
# executable (rather than after a server that never starts, or a raw
# "No such file or directory" half-way).
bench_need_ndb() {
    [ -x "$1" ] && [ ! -d "$1" ] && return 0
    echo "${0##*/}: no ndb binary at '$1': build it first (cmake --build build)" >&2
    exit 2
}

# bench_listen_url LOG PID [SECONDS]: the URL a server started with
# --port 0 (its standard error in LOG) listens on, once it logged it;
# SECONDS (default 10) at most, and at once if the server exits.  Prints it, or says why not and exits 1.
# Call it as `NDB_URL=$(bench_listen_url ...)`: an `export` or `local` in
# front would hide the failure from set -e.
bench_listen_url() {
    local log=$1 pid=$2 url i
    for i in $(seq 1 $((${3:-10} * 20))); do
        url=$(sed -n 's#.*listening on \(wss\{0,1\}://[^ ]*\).*#\1#p' "$log" 2>/dev/null | head -n 1)
        [ -n "$url" ] && { echo "$url"; return 0; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "${0##*/}: the server did not start:" >&2
    cat "$log" >&2
    exit 1
}
