#!/usr/bin/env bats
# Upgrading from the 0.1.0 package (commit babb500): today's server on the
# persist paths and the config that release wrote
# (tests/fixtures/upgrade-0.1.0, README.md there says how), compared with
# what the 0.1.0 server itself answered on them (data.expected,
# crash.expected); and the way back, as far as it can be checked without
# the old binary: every config member added since 0.1.0 is one README's
# "Going back" tells to remove.

load helpers
load upgrade_helpers
bats_require_minimum_version 1.5.0

FIX="$BATS_TEST_DIRNAME/../fixtures/upgrade-0.1.0"

setup() { enter_fixture "$FIX"; }
teardown() { stop_server; }

@test "ndb journal check reads the persist paths of 0.1.0, the one killed mid-write too" {
    check_fixture_journals "journal: 1 file, 2441 records, 44581 bytes"
}

@test "0.1.0's config is accepted unchanged, and every key, TTL, session and user comes back as 0.1.0 answered them" {
    start_server --config ndb.jsonc
    grep -q 'recovered 13 keys and 6 sessions in [0-9]* ms from automatic snapshot 3' "$NDB_LOG"
    grep -q 'users 3 (admin: admin, writer: write, reader: read), protectedMode on' "$NDB_LOG"
    run -0 fixture_dump
    [ "$output" = "$(cat "$FIX/data.expected")" ]
    deadline_ok "$("$NDB" ttl ttl10y)"
    deadline_ok "$("$NDB" ttl ci)"
    [ "$(NDB_USER=writer "$NDB" set w 1)" = "" ]
    run -3 env NDB_USER=reader "$NDB" set w 2
    [[ "$output" == *'RoleDenied (45)'* ]]
}

@test "0.1.0's user snapshots load, their checksums files checked" {
    start_server --config ndb.jsonc
    "$NDB" clear --yes
    run -0 "$NDB" -c load users
    [[ "$output" =~ ^\{\"duration\":[0-9]+,\"keys\":12,\"name\":\"users\",\"sessions\":0\}$ ]]
    [ "$("$NDB" -c get u cd huge)" = '{"u":3,"cd":1.0,"huge":1e400}' ]
    "$NDB" session end --all
    run -0 "$NDB" -c session load web
    [ "$output" = '{"keys":24,"name":"web","sessions":8}' ]
}

@test "a persist path whose 0.1.0 server was killed mid-write recovers what 0.1.0 recovers, and today's writes on it survive kill -9" {
    unset NDB_USER NDB_PASSWORD
    # journal always: the writes below are on disk once answered
    start_server --persist-path crash --journal always
    run -0 "$NDB" -c get $("$NDB" -c keys | tr -d '"')
    [ "$output" = "$(cat "$FIX/crash.expected")" ]
    "$NDB" set today 1.0 n '"by 0.2.0"'
    kill -9 "$NDB_PID"
    wait "$NDB_PID" || true
    NDB_PID=
    start_server --persist-path crash --journal everysec
    [ "$("$NDB" -c get today n f)" = '{"today":1.0,"n":"by 0.2.0","f":1.0}' ]
}

@test "every config member added since 0.1.0 is one README's 'Going back' names, with its option" {
    local going member option missing=
    going=$(sed -n '/^- \*\*Going back\.\*\*/,/^- \*\*/p' "$BATS_TEST_DIRNAME/../../README.md")
    [ -n "$going" ]
    while read -r member option; do
        grep -qxF "$member" "$FIX/members" && continue
        [[ "$going" == *"\`$member\`"* && "$going" == *"\`--$option\`"* ]] || missing+=" $member"
    done < <(sed -nE 's/^SETTING\([A-Z_]+, *[A-Z]+, *"([^"]+)", *"([^"]+)".*/\1 \2/p' \
        "$BATS_TEST_DIRNAME/../../src/server/settings.def")
    [ -z "$missing" ] || { echo "not in README's Going back:$missing" >&2; return 1; }
}
