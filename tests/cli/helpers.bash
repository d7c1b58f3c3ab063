# helpers.bash — shared setup for the bats tests: a real `ndb serve` on a
# free loopback port, and small assertion helpers.
#
# $NDB is the binary under test (CMake passes it; defaults to build/ndb).
# Each test file calls start_server in setup_file (one server per file keeps
# the suite fast) or in setup (when a test needs a fresh server), and
# stop_server in the matching teardown.

: "${NDB:=$BATS_TEST_DIRNAME/../../build/ndb}"
WSPROBE="$BATS_TEST_DIRNAME/wsprobe.py"

# What `ndb passwd --iterations 10000000` printed for the password "slow-pw":
# a user whose every check takes seconds (the login queue, the handshake's
# check budget, logins held at shutdown).  Written out here because every
# test that computed it first spent one such check on it, 12 s under ASan.
# The tests that log in as that user with "slow-pw" check it still holds.
SLOW_PW_HASH='$pbkdf2-sha256$i=10000000$NOuMeOvLZ4T1ylNc9MuyEg$D6IQz7AmwFPu4FeG9yIx6TjZDru1j3ge3D7orsyW04I'

# start_server [serve options...]
# Starts the server on port 0 (the kernel picks a free port), waits for the
# "listening on" line and exports NDB_URL (ws:// or, with TLS, wss://),
# NDB_PORT and NDB_PID.  Its stderr goes to a new file NDB_LOG, or to the
# existing file $NDB_SERVE_LOG when that is set (a test that needs the
# file before the server starts).
start_server() {
    NDB_LOG=${NDB_SERVE_LOG:-$(mktemp "${BATS_FILE_TMPDIR:-/tmp}/ndb-log.XXXXXX")}
    "$NDB" serve --port 0 "$@" 2>"$NDB_LOG" &
    NDB_PID=$!
    local i
    for i in $(seq 1 400); do # 20 s: an ASan server, among four test streams on two cores
        if grep -q 'listening on wss\?://' "$NDB_LOG"; then
            NDB_URL=$(grep -o 'wss\?://[^ ]*' "$NDB_LOG" | head -n 1)
            NDB_PORT=${NDB_URL##*:}
            NDB_PORT=${NDB_PORT%/}
            export NDB_URL NDB_PORT NDB_PID NDB_LOG
            return 0
        fi
        if ! kill -0 "$NDB_PID" 2>/dev/null; then
            cat "$NDB_LOG" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "server did not start" >&2
    cat "$NDB_LOG" >&2
    return 1
}

# start_faulty ARGS...: start_server under the fault shim
# (tests/durability/fault_shim.c); a fault is on while
# $BATS_TEST_TMPDIR/fault exists, for files whose path contains
# NDB_FAULT_PATH, and NDB_CLOCK_STEP_FILE steps the wall clock (an ASan
# build needs its runtime first: the shim's order check is turned off)
start_faulty() {
    [ -f "$NDB_FAULT_SHIM" ] || skip "no fault shim at $NDB_FAULT_SHIM"
    LD_PRELOAD="$NDB_FAULT_SHIM" NDB_FAULT_FILE="$BATS_TEST_TMPDIR/fault" \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" start_server "$@"
}

# wait_log TEXT: wait (at most 20 s) until the server's log has a line with TEXT
wait_log() {
    local i
    for i in $(seq 1 400); do
        grep -qF -- "$1" "$NDB_LOG" && return 0
        sleep 0.05
    done
    echo "not in the log: $1" >&2
    cat "$NDB_LOG" >&2
    return 1
}

# bounded_lines_add_up N LEVEL LINE_RE VERB NOUN_RE: a kind of log line
# bounded in rate (src/common/log_rate.h: a burst of 50, then 10 a second,
# the rest summed up by "VERB K more NOUNs without a line each (beyond 10
# such lines a second)").  Wait (up to 30 s) until the log's lines matching
# LINE_RE, plus the K of its summary lines at LEVEL (NOUN_RE matches their
# noun and what follows it), make N; they must make exactly N, and some
# must have been summed up.
bounded_lines_add_up() {
    local lines summed i
    for i in $(seq 1 300); do
        lines=$(grep -c "$3" "$NDB_LOG" || true)
        summed=$(sed -n "s/^ndb: $2: $4 \\([0-9]*\\) more $5 without a line each (beyond 10 such lines a second)\$/\\1/p" "$NDB_LOG" |
            awk '{ n += $1 } END { print n + 0 }')
        [ $((lines + summed)) -ge "$1" ] && break
        sleep 0.1
    done
    echo "lines $lines, summed $summed"
    [ $((lines + summed)) -eq "$1" ]
    [ "$summed" -gt 0 ]
}

# stop_server: SIGTERM, then wait (bounded) for a clean exit.
stop_server() {
    [ -n "${NDB_PID:-}" ] || return 0
    kill -TERM "$NDB_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
        kill -0 "$NDB_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$NDB_PID" 2>/dev/null || true
    wait "$NDB_PID" 2>/dev/null || true
    NDB_PID=
}

# req REQUEST EXPECTED: send one raw request, compare the exact response.
# It waits up to 60 s (ndb send's default is 5): a request that works a
# while (a JSONPath search up to its step limit) takes seconds under ASan
# on a loaded machine.  Tests of responsiveness give their own --timeout.
req() {
    run "$NDB" send --timeout 60 "$1"
    if [ "$status" -ne 0 ] || [ "$output" != "$2" ]; then
        printf 'request : %s\nexpected: %s\ngot     : %s (exit %s)\n' "$1" "$2" "$output" "$status" >&2
        return 1
    fi
}

# probe ARGS...: run the raw WebSocket probe against the test server.
probe() {
    python3 "$WSPROBE" --url "$NDB_URL" "$@"
}

# reader_gone COMMAND...: run COMMAND with its standard output a pipe whose
# reader has already closed it (as `| head -1` once it has its line), so
# that its first write fails at once, not when a race decides; prints
# "exit N", or "signal N" when a signal killed it.  Standard input and
# error are the caller's.
reader_gone() {
    python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
rc = subprocess.call(sys.argv[1:], stdout=w)  # SIGPIPE as the shell leaves it
print("signal %d" % -rc if rc < 0 else "exit %d" % rc)' "$@"
}

# handshake_busy TEXT: is TEXT a handshake's 503 "too many password checks;
# retry later", the answer when the server's budget for password checks in
# handshakes is spent (docs/protocol.md), which a client meets by waiting
# and trying again.  On a loaded machine (ASan, test streams side by side)
# a test's second or third check in a row may get it.
handshake_busy() { [[ $1 == '503 Service Unavailable'*'too many password checks; retry later' ]]; }

# raw_commands: the subcommands that parse their own options (serve, send,
# bench, ...: raw_subcommands in src/main.c), one per line.
raw_commands() { sed -nE 's/^ *\{"([a-z]+)", cmd_[a-z_]+,.*/\1/p' "$BATS_TEST_DIRNAME/../../src/main.c"; }

# raw_options CMD: the options that `ndb CMD --help` lists (both forms of
# "-c, --conns"), one per line: a line that starts with an option, perhaps
# a metavariable, then two blanks or its end (not a wrapped line of text
# such as "--no-auth accepts that risk").
raw_options() {
    "$NDB" "$1" --help | sed -nE 's/^ +(-([A-Za-z0-9]), )?--([A-Za-z0-9][-A-Za-z0-9]*)( [^ ]+)?(  .*)?$/\2 --\3/p' |
        tr ' ' '\n' | sed '/^$/d; s/^\([A-Za-z0-9]\)$/-\1/'
}
