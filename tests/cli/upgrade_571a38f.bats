#!/usr/bin/env bats
# Upgrading from release 571a38f: today's server on the persist paths and
# the config that release wrote (tests/fixtures/upgrade-571a38f, README.md
# there says how) — journal always with a save schedule, TLS and three
# roles, user snapshots with their checksums files, counters, and a path
# whose server was killed in the middle of a burst of writes.  What
# release d278ef9 wrote is upgrade.bats'.

load helpers
load upgrade_helpers
bats_require_minimum_version 1.5.0

FIX="$BATS_TEST_DIRNAME/../fixtures/upgrade-571a38f"

setup() { enter_fixture "$FIX"; }
teardown() { stop_server; }

@test "ndb journal check reads the persist paths of release 571a38f, the one killed mid-write too" {
    check_fixture_journals "journal: 1 file, 1961 records, 35588 bytes"
}

@test "release 571a38f's config is accepted unchanged, and a start-up recovers every key, TTL, counter, session and flag it stored" {
    start_server --config ndb.jsonc
    [[ "$NDB_URL" == wss://127.0.0.1:* ]]
    grep -q 'recovered 13 keys and 6 sessions in [0-9]* ms from automatic snapshot 3 (13 keys, 6 sessions, [0-9]* ms) and 1 journal file (0 records, 40 bytes, [0-9]* ms)' "$NDB_LOG"
    grep -q 'journal always, save "3600 1 60 100", keepSnapshots 2, compactMultiple 2, compactMinBytes 65536' "$NDB_LOG"
    grep -q 'users 3 (admin: admin, writer: write, reader: read), protectedMode on' "$NDB_LOG"
    run -0 "$NDB" -c keys
    [ "$(tr '\n' ' ' <<<"$output")" = '"big" "f" "huge" "neg" "plain" "ключ ☃" "ttl10y" "ci" "cd" "cbig" "u" "churn" "after" ' ]
    # counters as that release wrote them: 0.5 + 0.5 is 1, and stays 1
    req '{"KV_GET":{"keys":["big","f","huge","neg","plain","ключ ☃","ttl10y","ci","cd","cbig","u","churn","after","e","ttl1s"]}}' \
        '{"KV_GET_RSP":{"keys":{"big":123456789012345678901234567890,"f":1.0,"huge":1e400,"neg":-0.0,"plain":"hello","ключ ☃":["x",null,true,{"":""}],"ttl10y":{"x":1.10},"ci":42,"cd":1,"cbig":9007199254740994,"u":3,"churn":"done","after":{"in":"journal"}},"st":1}}'
    deadline_ok "$("$NDB" ttl ttl10y)"
    deadline_ok "$("$NDB" ttl ci)"
    [ "$("$NDB" -c ttl f cd)" = '{"f":null,"cd":null}' ]
    local n info rem
    local -A want=(
        [1]='{"expires":false,"keyCnt":4,"shared":false,"tkn":T}'
        [3]='{"expires":true,"expiry":{"deleteSession":true,"duration":315360000,"extendOnGet":false,"extendOnSetAdd":false,"remaining":R},"keyCnt":3,"shared":false,"tkn":T}'
        [4]='{"expires":true,"expiry":{"deleteSession":false,"duration":315360000,"extendOnGet":true,"extendOnSetAdd":false,"remaining":R},"keyCnt":3,"shared":false,"tkn":T}'
        [5]='{"expires":true,"expiry":{"deleteSession":false,"duration":315360000,"extendOnGet":false,"extendOnSetAdd":true,"remaining":R},"keyCnt":3,"shared":false,"tkn":T}'
        [6]='{"expires":true,"expiry":{"deleteSession":true,"duration":315360000,"extendOnGet":true,"extendOnSetAdd":true,"remaining":R},"keyCnt":3,"shared":false,"tkn":T}'
    )
    for n in 1 3 4 5 6; do
        info=$("$NDB" -c session info "$(tkn $n)")
        rem=$(grep -o '"remaining":[0-9]*' <<<"$info" | cut -d: -f2)
        [ -z "$rem" ] || deadline_ok "$rem"
        info=${info/\"remaining\":$rem/\"remaining\":R}
        [ "$info" = "${want[$n]/T/$(tkn $n)}" ] || { echo "session $n: $info" >&2; return 1; }
        [ "$("$NDB" -c --session "$(tkn $n)" get sk n sc)" = "{\"sk\":\"v$(tkn $n)\",\"n\":[1,2.0,1e400],\"sc\":1}" ]
    done
    [ "$("$NDB" --session "$(tkn 1)" get added)" = '"after the snapshot"' ]
    # ended; deleted on expiry while no server ran; expired and kept: emptied
    run -1 "$NDB" session exists "$(tkn 2)" "$(tkn 7)"
    run -0 "$NDB" -c session info "$(tkn 8)"
    [[ "$output" == *'"duration":1,'*'"keyCnt":0,'* ]]
    # its users log in with their roles
    [ "$(NDB_USER=writer "$NDB" set w 1)" = "" ]
    run -3 env NDB_USER=reader "$NDB" set w 2
    [[ "$output" == *'RoleDenied (45)'* ]]
    run -3 env NDB_PASSWORD=wrong "$NDB" count
    [[ "$output" == *'AuthFailed (44)'* ]]
}

@test "release 571a38f's user snapshots load, their checksums files checked" {
    start_server --config ndb.jsonc
    "$NDB" clear --yes
    run -0 "$NDB" -c load users
    [[ "$output" =~ ^\{\"duration\":[0-9]+,\"keys\":12,\"name\":\"users\",\"sessions\":0\}$ ]]
    [ "$("$NDB" -c get u cd huge)" = '{"u":3,"cd":1,"huge":1e400}' ]
    run -0 "$NDB" -c load other
    [[ "$output" == *'"keys":12,"name":"other"'* ]]
    "$NDB" session end --all
    run -0 "$NDB" -c session load web
    [ "$output" = '{"keys":24,"name":"web","sessions":8}' ]
    [ "$("$NDB" -c --session "$(tkn 6)" get sk sc)" = "{\"sk\":\"v$(tkn 6)\",\"sc\":1}" ]
    run -0 "$NDB" -c session info "$(tkn 5)"
    [[ "$output" == *'"deleteSession":false,"duration":315360000,"extendOnGet":false,"extendOnSetAdd":true,'* ]]
    # the checksums that release wrote are read: a changed data file is refused
    local newest
    newest=$(ls data/users | sort | tail -n 1)
    [ -s "data/users/$newest/checksums" ]
    sed -i 's/"u":3/"u":4/' "data/users/$newest/data/0"
    run -3 "$NDB" load users
    [[ "$output" == "ndb: LoadError (142): data file ./data/users/$newest/data/0 is damaged: "*" bytes with CRC-32C "*", but ./data/users/$newest/checksums says "* ]]
}

@test "a persist path whose release 571a38f server was killed mid-write recovers what that release recovers" {
    unset NDB_USER NDB_PASSWORD # a server without users
    start_server --persist-path crash --journal everysec
    run -0 "$NDB" -c get $("$NDB" -c keys | tr -d '"')
    [ "$output" = "$(cat "$FIX/crash.expected")" ]
}

@test "today's files go next to release 571a38f's under journal always: compaction, saves and a restart keep both" {
    start_server --config ndb.jsonc
    "$NDB" set new '"by today"'
    "$NDB" incr cd 0.5
    "$NDB" save users
    "$NDB" --session "$(tkn 3)" set today 1
    # past compactMinBytes: a compaction, whose retention removes the old journal files
    local reqs=() i
    for i in $(seq 1 1500); do reqs+=("{\"KV_SET\":{\"keys\":{\"churn\":\"$i-0123456789012345678901234567890123456789\"}}}"); done
    "$NDB" send --timeout 60 "${reqs[@]}" >/dev/null
    local t
    for t in $(seq 1 600); do # the compaction runs in its own process
        grep -q 'automatic snapshot ./data/@ndb/snapshots/[0-9]* written in [0-9]* ms ([0-9]* bytes; compaction)' "$NDB_LOG" && break
        sleep 0.05
    done
    [ "$t" -lt 600 ]
    "$NDB" set churn '"today"'
    stop_server
    [ "$(find data/users -mindepth 1 -maxdepth 1 | wc -l)" = 2 ] # keepSnapshots 2: one old, one new
    run -0 "$NDB" journal check --config ndb.jsonc
    [[ "$output" == *"ok: a start-up recovers 14 keys and 6 sessions"* ]]
    start_server --config ndb.jsonc
    req '{"KV_GET":{"keys":["new","cd","plain","churn","huge"]}}' \
        '{"KV_GET_RSP":{"keys":{"new":"by today","cd":1.5,"plain":"hello","churn":"today","huge":1e400},"st":1}}'
    [ "$("$NDB" --session "$(tkn 3)" get today)" = 1 ]
    deadline_ok "$("$NDB" ttl ttl10y)"
    run -0 "$NDB" -c load users
    [[ "$output" == *'"keys":14,"name":"users"'* ]]
}
