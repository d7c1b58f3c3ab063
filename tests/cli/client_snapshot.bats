#!/usr/bin/env bats
# The native client's save and load of top-level keys (KV_SAVE, KV_LOAD).

load client_helpers

setup_file() {
    export SNAPDIR="$BATS_FILE_TMPDIR/snap"
    mkdir -p "$SNAPDIR"
    start_server --persist-path "$SNAPDIR"
}
teardown_file() { stop_server; }

@test "save prints the report; load brings the keys back exactly" {
    "$NDB" clear --yes >/dev/null
    "$NDB" set a 1 b 0.10 c '{"x":[18446744073709551616]}'
    run --separate-stderr "$NDB" save users
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^\{\"duration\":[0-9]+,\"name\":\"users\"\}$ ]]
    "$NDB" clear --yes >/dev/null
    run --separate-stderr "$NDB" load users
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^\{\"duration\":[0-9]+,\"keys\":3,\"name\":\"users\",\"sessions\":0\}$ ]]
    run --separate-stderr "$NDB" get a b c
    ok_out '{"a":1,"b":0.10,"c":{"x":[18446744073709551616]}}'
}

@test "load of a missing dataset: LoadError, exit 3" {
    run --separate-stderr "$NDB" load nosuch
    exit_is 3 ""
    err_has "LoadError (142)"
}

@test "save/load with a bad name: 'invalid dataset name' and the rule, exit 3; usage errors exit 2" {
    run --separate-stderr "$NDB" save '../x'
    exit_is 3 ""
    [ "$stderr" = "ndb: ValueSize (42): invalid dataset name \"../x\": dataset names must match [A-Za-z0-9_.-]{1,200} and not be '.' or '..'" ]
    run --separate-stderr "$NDB" load ..
    exit_is 3 ""
    err_has 'ndb: ValueSize (42): invalid dataset name "..": dataset names must match'
    run --separate-stderr "$NDB" session save 'a b'
    exit_is 3 ""
    err_has 'ndb: ValueSize (42): invalid dataset name "a b": dataset names must match'
    run --separate-stderr "$NDB" session load 'a/b'
    exit_is 3 ""
    err_has 'ndb: ValueSize (42): invalid dataset name "a/b"'
    run --separate-stderr "$NDB" save
    exit_is 2 ""
    run --separate-stderr "$NDB" load a b
    exit_is 2 ""
}

@test "save while persistence is disabled: CommandDisabled (14), exit 3" {
    local url=$NDB_URL pid=$NDB_PID log=$NDB_LOG
    start_server
    run --separate-stderr "$NDB" save x
    exit_is 3 ""
    err_has "CommandDisabled (14)"
    run --separate-stderr "$NDB" session save x
    exit_is 3 ""
    err_has "CommandDisabled (14)"
    stop_server
    NDB_URL=$url NDB_PID=$pid NDB_LOG=$log
    export NDB_URL NDB_PID NDB_LOG
}
