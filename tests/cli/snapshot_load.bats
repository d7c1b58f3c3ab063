#!/usr/bin/env bats
# Loads of snapshots that are not what ndb writes (docs/protocol.md 6.5):
# files that change while they are loaded, entries of data/ that are not
# regular files, values nested deeper than ndb stores, and metadata of an
# unknown kind.  Each refusal is a 142 naming the file, and changes nothing.

load helpers
bats_require_minimum_version 1.5.0

: "${NDB_FAULT_SHIM:=$BATS_TEST_DIRNAME/../../build/libndb_fault_shim.so}"

setup() {
    P="$BATS_TEST_TMPDIR/data"
    mkdir -p "$P"
}
teardown() { stop_server; }

# snapshot NAME TYPE: a complete snapshot of dataset NAME with saveDataType
# TYPE and an empty data/; prints its directory
snapshot() {
    local d="$P/$1/1000000000000000001"
    mkdir -p "$d/md" "$d/data"
    printf '{"complete":1,"name":"%s","saveDataType":%s,"start":1,"status":1,"version":2}' "$1" "$2" >"$d/md/md.json"
    echo "$d"
}

# start_reopening PATH WITH ARGS...: start the server under the fault shim,
# which gives every open of PATH after the first the file WITH instead
start_reopening() {
    [ -f "$NDB_FAULT_SHIM" ] || skip "no fault shim at $NDB_FAULT_SHIM"
    local path=$1 with=$2
    shift 2
    LD_PRELOAD="$NDB_FAULT_SHIM" NDB_REOPEN_PATH="$path" NDB_REOPEN_WITH="$with" \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" start_server "$@"
}

@test "a data file that changes after it was checked: the load stores the bytes it checked, never part of them" {
    local d
    d=$(snapshot race 0)
    printf '{"keys":{"first":1}}' >"$d/data/0"
    printf '{"keys":{"second":2}}' >"$d/data/1"
    printf 'garbage' >"$BATS_TEST_TMPDIR/garbage"
    start_reopening "$d/data/1" "$BATS_TEST_TMPDIR/garbage" --persist-path "$P"
    run "$NDB" send '{"KV_LOAD":{"name":"race"}}' '{"KV_KEYS":{}}'
    [[ "${lines[0]}" == '{"KV_LOAD_RSP":{"duration":'*',"keys":2,"name":"race","sessions":0,"st":141}}' ]]
    [ "${lines[1]}" = '{"KV_KEYS_RSP":{"keys":["first","second"],"st":1}}' ]
    # and the next load reads the file again: now garbage, refused whole
    run "$NDB" send '{"KV_CLEAR":{}}' '{"KV_LOAD":{"name":"race"}}' '{"KV_COUNT":{}}'
    [ "${lines[1]}" = "{\"KV_LOAD_RSP\":{\"m\":\"data file $d/data/1 is not valid JSON (at byte 0)\",\"name\":\"race\",\"st\":142}}" ]
    [ "${lines[2]}" = '{"KV_COUNT_RSP":{"cnt":0,"st":1}}' ]
}
