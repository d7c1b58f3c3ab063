#!/usr/bin/env bats
# tests/bench/bench_rtt: the one-request-at-a-time client that compare.sh
# points at ndb (WebSocket) and at Redis (RESP) alike.  Tiny runs against
# this machine's ndb only: the output line, the key it stores, and its
# failures (exit 1 with one line; exit 2 for bad usage).

load helpers

setup_file() {
    export BENCH_RTT=${BENCH_RTT:-$(dirname "$NDB")/bench_rtt}
    start_server
}

teardown_file() { stop_server; }

@test "bench_rtt ws get: one line of percentiles, the key stored with its value" {
    [ -x "$BENCH_RTT" ]
    run "$BENCH_RTT" ws "$NDB_PORT" 200
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^bench_rtt:\ ws\ get,\ 200\ requests:\ p50\ [0-9]+\.[0-9]\ us,\ p90\ [0-9]+\.[0-9]\ us,\ p99\ [0-9]+\.[0-9]\ us$ ]]
    run "$NDB" --url "$NDB_URL" get bench_rtt:key
    [ "$status" -eq 0 ]
    [ "$output" = '"0123456789abcdef"' ]
}

@test "bench_rtt ws set: every reply checked" {
    run "$BENCH_RTT" ws "$NDB_PORT" 50 set
    [ "$status" -eq 0 ]
    [[ "$output" == "bench_rtt: ws set, 50 requests: p50 "* ]]
}

@test "bench_rtt ws get rearm: waits through epoll, the same checks, named in its line" {
    run "$BENCH_RTT" ws "$NDB_PORT" 200 get rearm
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^bench_rtt:\ ws\ get\ rearm,\ 200\ requests:\ p50\ [0-9]+\.[0-9]\ us,\ p90\ [0-9]+\.[0-9]\ us,\ p99\ [0-9]+\.[0-9]\ us$ ]]
    run "$BENCH_RTT" ws "$NDB_PORT" 50 set block
    [ "$status" -eq 0 ]
    [[ "$output" == "bench_rtt: ws set, 50 requests: p50 "* ]]
}

@test "bench_rtt rearm: a server killed mid-run is exit 1 with one line" {
    local url=$NDB_URL port=$NDB_PORT pid=$NDB_PID log=$NDB_LOG
    start_server
    local victim=$NDB_PID
    timeout 20 "$BENCH_RTT" ws "$NDB_PORT" 10000000 get rearm >"$BATS_TEST_TMPDIR/out" 2>&1 &
    local rtt=$!
    sleep 0.5
    kill -9 "$victim"
    local st=0
    wait "$rtt" || st=$?
    NDB_URL=$url NDB_PORT=$port NDB_PID=$pid NDB_LOG=$log
    [ "$st" -eq 1 ]
    run cat "$BATS_TEST_TMPDIR/out"
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" =~ ^bench_rtt:\ the\ server\ stopped\ answering(:\ .+)?$ ]]
}

@test "bench_rtt resp against ndb: refused (403), exit 1, one line" {
    run "$BENCH_RTT" resp "$NDB_PORT" 10
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [ "$output" = "bench_rtt: the key was not stored: HTTP/1.0 403 Forbidden" ]
}

@test "bench_rtt: nothing listening is exit 1" {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    run "$BENCH_RTT" ws "$port" 10
    [ "$status" -eq 1 ]
    [ "$output" = "bench_rtt: cannot connect to 127.0.0.1: Connection refused" ]
}

@test "bench_rtt: bad usage is exit 2" {
    run "$BENCH_RTT" ws "$NDB_PORT" 0
    [ "$status" -eq 2 ]
    [ "$output" = "bench_rtt: PORT must be 1-65535 and REQUESTS 1-10000000" ]
    run "$BENCH_RTT" http "$NDB_PORT" 10
    [ "$status" -eq 2 ]
    [ "$output" = "usage: bench_rtt ws|resp PORT REQUESTS [get|set] [block|rearm]" ]
    run "$BENCH_RTT" ws "$NDB_PORT" 10 del
    [ "$status" -eq 2 ]
    run "$BENCH_RTT" ws "$NDB_PORT" 10 get spin
    [ "$status" -eq 2 ]
    [ "$output" = "usage: bench_rtt ws|resp PORT REQUESTS [get|set] [block|rearm]" ]
    run "$BENCH_RTT" ws "$NDB_PORT" 10 get rearm extra
    [ "$status" -eq 2 ]
}

@test "cpu_per_request.sh: --rearm goes with --same-client, exit 2" {
    run "$BATS_TEST_DIRNAME/../bench/cpu_per_request.sh" --rearm
    [ "$status" -eq 2 ]
    [ "$output" = "cpu_per_request.sh: --rearm goes with --same-client" ]
    run "$BATS_TEST_DIRNAME/../bench/cpu_per_request.sh" --same-client --rearm
    [ "$status" -eq 2 ]
    [ "$output" = "cpu_per_request.sh: --same-client goes with --vs-redis --conns 1 --pipeline 1" ]
}
