#!/usr/bin/env bats
# The native client's save and load of top-level keys (KV_SAVE, KV_LOAD).

load client_helpers

setup_file() {
    export SNAPDIR="$BATS_FILE_TMPDIR/snap"
    mkdir -p "$SNAPDIR"
    start_server --persist-path "$SNAPDIR"
}
teardown_file() { stop_server; }

# A test that needs a server of its own keeps the file's in FILE_PID and
# FILE_URL; teardown stops its own and brings the file's back, whatever
# the outcome.
own_server() {
    FILE_PID=$NDB_PID FILE_URL=$NDB_URL FILE_PORT=$NDB_PORT
    start_server "$@"
}
teardown() {
    if [ -n "${FILE_PID:-}" ]; then
        stop_server
        NDB_PID=$FILE_PID NDB_URL=$FILE_URL NDB_PORT=$FILE_PORT
        export NDB_URL NDB_PORT NDB_PID
        FILE_PID=
    fi
}

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

@test "a server's message that quotes a key shows its C1 controls as \\xhh: load of a key over maxKeyLength" {
    # the CLI turned C0 controls of a message into spaces but passed U+009B
    # (CSI to a terminal taking 8-bit controls) through: the server quotes
    # the key as JSON does, C0 controls only
    "$NDB" clear --yes >/dev/null
    "$NDB" send '{"KV_SET":{"keys":{"ab\u009b2J\u001b[1m":1}}}' >/dev/null
    "$NDB" save c1keys >/dev/null
    own_server --persist-path "$SNAPDIR" --max-key-length 2
    run --separate-stderr "$NDB" load c1keys
    exit_is 3 ""
    [ "$stderr" = 'ndb: ValueSize (42): key "ab\xc2\x9b2J\u001B[1m" is longer than 2 bytes (limits.maxKeyLength)' ]
}
