#!/usr/bin/env bats
# `ndb serve`: options, config files, start-up failures (one clear line,
# exit 1, nothing listening) and shutdown on signals.

load helpers

teardown() { stop_server; }

config() { # config FILE JSON: write a config file
    printf '%s\n' "$2" >"$1"
}

@test "serve --help prints usage and exits 0" {
    run "$NDB" serve --help
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "usage: ndb serve [options]" ]]
    [[ "$output" == *"--max-payload BYTES"* ]]
    run "$NDB" serve -h
    [ "$status" -eq 0 ]
}

@test "defaults: 127.0.0.1, one line saying where it listens" {
    start_server
    run cat "$NDB_LOG"
    [[ "${lines[0]}" =~ ^ndb:\ info:\ listening\ on\ ws://127\.0\.0\.1:[0-9]+/\ \(persistence\ disabled,\ maxPayload\ 1048576\ bytes\)$ ]]
    [[ "$NDB_URL" =~ ^ws://127\.0\.0\.1:[0-9]+/$ ]]
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" == *'"persistEnabled":false'* ]]
}

@test "a config file in the PROTOCOL.md format works unchanged; options override it" {
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    config "$f" '{
  "version": 5,            // required, must be 5
  "core": 0,
  "ip": "127.0.0.1",
  "port": 1,               /* overridden below */
  "maxPayload": 1024,
  "persist": { "enabled": false, "path": "./data" }
}'
    start_server --config "$f"
    grep -q 'maxPayload 1024 bytes' "$NDB_LOG"
    stop_server
    start_server --config="$f" --max-payload 2048
    grep -q 'maxPayload 2048 bytes' "$NDB_LOG"
}

@test "--persist-path enables persistence" {
    start_server --persist-path "$BATS_TEST_TMPDIR"
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" == *'"persistEnabled":true'* ]]
}

@test "invalid configs: one line naming the problem and the field, exit 1" {
    local f="$BATS_TEST_TMPDIR/bad.json"
    config "$f" '{"version":4,"ip":"127.0.0.1","port":1,"maxPayload":100,"persist":{"enabled":false,"path":""}}'
    run "$NDB" serve --port 0 --config "$f"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "ndb serve: config $f: Config version must be 5 (field 'version')" ]]

    config "$f" '{"version":5,"ip":"127.0.0.1","port":"1","maxPayload":100,"persist":{"enabled":false,"path":""}}'
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [[ "$output" == *"port and maxPayload must be unsigned integers"* ]]

    config "$f" '{"version":5,"ip":"127.0.0.1","port":1}'
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [[ "$output" == *"'maxPayload'"* ]]

    config "$f" '{"version":5, oops}'
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [[ "$output" == *"Config file not valid JSON"* ]]

    run "$NDB" serve --config "$BATS_TEST_TMPDIR/missing.json"
    [ "$status" -eq 1 ]
    [[ "$output" == "ndb serve: cannot read config file $BATS_TEST_TMPDIR/missing.json: No such file or directory" ]]
}

@test "persistence enabled with a missing directory fails at start-up" {
    run "$NDB" serve --port 0 --persist-path "$BATS_TEST_TMPDIR/nope"
    [ "$status" -eq 1 ]
    [[ "$output" == "ndb serve: persist path is not a directory or does not exist: $BATS_TEST_TMPDIR/nope (field 'persist.path')" ]]
}

@test "bad options are usage errors with exit 1" {
    run "$NDB" serve --port 70000
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == "ndb serve: --port: '70000' is not a port number (0-65535)" ]]
    run "$NDB" serve --max-payload 10
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == *"--max-payload"* ]]
    run "$NDB" serve --ip localhost
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == *"--ip: 'localhost'"* ]]
    run "$NDB" serve --log-level loud
    [ "$status" -eq 1 ]
    run "$NDB" serve --bogus
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == "ndb serve: unknown option '--bogus'" ]]
    run "$NDB" serve stray
    [ "$status" -eq 1 ]
    run "$NDB" serve --config a --config b
    [ "$status" -eq 1 ]
}

@test "a port already in use: clear message, exit 1" {
    start_server
    run "$NDB" serve --port "$NDB_PORT"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: cannot listen on 127.0.0.1 port $NDB_PORT: Address already in use" ]
}

@test "SIGTERM and SIGINT: connections get a going-away close, exit 0 within a second" {
    start_server
    probe --timeout 5 close-on-shutdown --ready-file "$BATS_TEST_TMPDIR/ready" >"$BATS_TEST_TMPDIR/probe.out" &
    local probe_pid=$!
    local i
    for i in $(seq 1 100); do [ -e "$BATS_TEST_TMPDIR/ready" ] && break; sleep 0.05; done
    kill -TERM "$NDB_PID"
    for i in $(seq 1 20); do kill -0 "$NDB_PID" 2>/dev/null || break; sleep 0.05; done
    ! kill -0 "$NDB_PID" 2>/dev/null
    wait "$NDB_PID"
    local rc=$?
    NDB_PID=
    [ "$rc" -eq 0 ]
    wait "$probe_pid"
    [ "$(cat "$BATS_TEST_TMPDIR/probe.out")" = "closed 1001" ]

    start_server
    kill -INT "$NDB_PID"
    wait "$NDB_PID"
    rc=$?
    NDB_PID=
    [ "$rc" -eq 0 ]
}

@test "ndb with no command, unknown command, --version" {
    run "$NDB"
    [ "$status" -eq 2 ]
    run "$NDB" frobnicate
    [ "$status" -eq 2 ]
    [[ "${lines[0]}" == "ndb: unknown command 'frobnicate'" ]]
    run "$NDB" --version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^ndb\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}
