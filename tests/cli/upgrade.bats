#!/usr/bin/env bats
# Upgrading: today's server on a persist path and a config that release
# d278ef9 wrote (tests/fixtures/upgrade-d278ef9, README.md there says how).
# Everything must come back exactly — keys with their exact text and
# TTLs, sessions with every expiry flag and their keys, the user snapshots
# (no checksums file, modes 0644/0755) — and today's files go next to the
# old ones without disturbing them.

load helpers
load upgrade_helpers
bats_require_minimum_version 1.5.0

FIX="$BATS_TEST_DIRNAME/../fixtures/upgrade-d278ef9"

setup() {
    P="$BATS_TEST_TMPDIR/data"
    cp -r "$FIX/data" "$P"
    # as that release left them under umask 022 (git keeps no directory modes)
    find "$P" -type d -exec chmod 0755 {} +
    find "$P" -type f -exec chmod 0644 {} +
    read_fixture "$FIX"
}
teardown() { stop_server; }

# sessions_as_written: SH_INFO of every session make.sh left alive, with
# the remaining seconds checked and then left out
sessions_as_written() {
    local n info rem
    local -A want=(
        [1]='{"expires":false,"keyCnt":3,"shared":false,"tkn":T}'
        [3]='{"expires":true,"expiry":{"deleteSession":true,"duration":315360000,"extendOnGet":false,"extendOnSetAdd":false,"remaining":R},"keyCnt":2,"shared":false,"tkn":T}'
        [4]='{"expires":true,"expiry":{"deleteSession":false,"duration":315360000,"extendOnGet":true,"extendOnSetAdd":false,"remaining":R},"keyCnt":2,"shared":false,"tkn":T}'
        [5]='{"expires":true,"expiry":{"deleteSession":false,"duration":315360000,"extendOnGet":false,"extendOnSetAdd":true,"remaining":R},"keyCnt":2,"shared":false,"tkn":T}'
        [6]='{"expires":true,"expiry":{"deleteSession":true,"duration":315360000,"extendOnGet":true,"extendOnSetAdd":true,"remaining":R},"keyCnt":2,"shared":false,"tkn":T}'
    )
    for n in 1 3 4 5 6; do
        info=$("$NDB" -c session info "$(tkn $n)")
        rem=$(grep -o '"remaining":[0-9]*' <<<"$info" | cut -d: -f2)
        [ -z "$rem" ] || deadline_ok "$rem"
        info=${info/\"remaining\":$rem/\"remaining\":R}
        [ "$info" = "${want[$n]/T/$(tkn $n)}" ] || { echo "session $n: $info" >&2; return 1; }
        [ "$("$NDB" -c --session "$(tkn $n)" get sk n)" = "{\"sk\":\"v$(tkn $n)\",\"n\":[1,2.0]}" ]
    done
    [ "$("$NDB" --session "$(tkn 1)" get added)" = '"after the snapshot"' ]
}

# keys_as_written: every top-level key, value text and TTL
keys_as_written() {
    run -0 "$NDB" -c keys
    [ "$output" = "$(printf '%s\n' '"num"' '"plain"' '"ключ/ü ☃"' '"ttl10y"' '"ttlms"' '"counter"' '"u"' '"churn"' '"after"' '"ttlj"')" ]
    req '{"KV_GET":{"keys":["plain","num","ключ/ü ☃","ttl10y","ttlms","counter","u","churn","after","ttlj","empty","ttl1s"]}}' \
        '{"KV_GET_RSP":{"keys":{"plain":"hello","num":{"a":1.50,"e":1E+2,"neg":-0.0,"big":12345678901234567890123},"ключ/ü ☃":["x",null,true,{"":""}],"ttl10y":"long","ttlms":"ms","counter":42,"u":3,"churn":"done","after":{"in":"journal"},"ttlj":"j"},"st":1}}'
    local k t
    for k in ttl10y counter ttlj; do
        t=$("$NDB" ttl "$k")
        deadline_ok "$t"
    done
    run -1 "$NDB" contains empty ttl1s # removed in the journal; expired
    [ -z "$output" ]
    # set with ttl 315359999.5: half a second before the others
    t=$("$NDB" ttl ttlms)
    [[ "$t" =~ \.[0-9]+$ ]]
    deadline_ok "$(awk -v t="$t" 'BEGIN { printf "%.3f", t + 0.5 }')"
    run -0 "$NDB" ttl plain u
    [ "$output" = '{"plain":null,"u":null}' ]
}

@test "ndb journal check reads the persist path of release d278ef9" {
    run -0 "$NDB" journal check --persist-path "$P"
    [ "$output" = "automatic snapshot 2: 10 keys, 8 sessions
journal: 1 file, 167 records, 19622 bytes
ok: a start-up recovers 10 keys and 6 sessions
expired while no server ran: 0 keys and 1 session (a start-up removes the keys, and ends the sessions or, if kept, empties them)" ]
}

@test "a start-up recovers the keys, values, TTLs, sessions and flags release d278ef9 stored" {
    start_server --persist-path "$P" --journal everysec
    grep -q 'recovered 10 keys and 6 sessions in [0-9]* ms from automatic snapshot 2 (10 keys, 8 sessions, [0-9]* ms) and 1 journal file (167 records, 19622 bytes, [0-9]* ms)' "$NDB_LOG"
    keys_as_written
    sessions_as_written
    # ended in the journal, and deleted on expiry while no server ran
    run -1 "$NDB" session exists "$(tkn 2)" "$(tkn 7)"
    [ -z "$output" ]
    # expired while no server ran, kept (no deleteSession): emptied
    run -0 "$NDB" -c session info "$(tkn 8)"
    [[ "$output" == *'"duration":1,'*'"keyCnt":0,'* ]]
}

@test "the user snapshots of release d278ef9 load: no checksums file, modes 0644 and 0755" {
    [ ! -e "$P/users/1796521785244999476/checksums" ]
    start_server --persist-path "$P"
    run -0 "$NDB" -c load users
    [[ "$output" =~ ^\{\"duration\":[0-9]+,\"keys\":8,\"name\":\"users\",\"sessions\":0\}$ ]]
    # the newest of the two kept: u was 3 when it was saved
    [ "$("$NDB" -c get u num)" = '{"u":3,"num":{"a":1.50,"e":1E+2,"neg":-0.0,"big":12345678901234567890123}}' ]
    run -0 "$NDB" -c load other
    [[ "$output" == *'"keys":8,"name":"other"'* ]]
    "$NDB" session end --all
    run -0 "$NDB" -c session load web
    [ "$output" = '{"keys":16,"name":"web","sessions":8}' ]
    [ "$("$NDB" -c --session "$(tkn 6)" get sk)" = "\"v$(tkn 6)\"" ]
    run -0 "$NDB" -c session info "$(tkn 5)"
    [[ "$output" == *'"deleteSession":false,"duration":315360000,"extendOnGet":false,"extendOnSetAdd":true,'* ]]
}

@test "the config of release d278ef9 is accepted unchanged, its users log in" {
    start_server --config "$FIX/ndb.jsonc" --persist-path "$P"
    grep -q 'allowedOrigins \["https://app.example.com","http://\[0:0::1\]:8080"\] (and this server.s own), allowedHosts \["db.example.com"\], users 2 (admin: admin, reader: read), protectedMode on' "$NDB_LOG"
    grep -q 'keepSnapshots 2, compactMultiple 2, compactMinBytes 65536' "$NDB_LOG"
    run -3 "$NDB" count
    [[ "$output" == *'(43)'* ]]
    [ "$(NDB_PASSWORD=upgrade-pw "$NDB" --user reader count)" = 10 ]
    NDB_PASSWORD=upgrade-pw "$NDB" --user admin save users
}

@test "today's files go next to release d278ef9's, and a restart recovers both" {
    start_server --persist-path "$P" --journal everysec --keep-snapshots 3
    "$NDB" set new '"by today"'
    "$NDB" save users
    "$NDB" --session "$(tkn 3)" set today 1
    stop_server
    # the old snapshots stay as they were; the new one is the server's only
    [ "$(find "$P/users" -mindepth 1 -maxdepth 1 | wc -l)" = 3 ]
    [ "$(stat -c %a "$P/users/1796521785244999476" "$P/users/1796521785244999476/data/0")" = "755
644" ]
    local mine
    mine=$(ls "$P/users" | grep -v -e '^1796521785244999476$' -e '^1796521785213431632$')
    [ "$(stat -c %a "$P/users/$mine" "$P/users/$mine/data/0")" = "700
600" ]
    [ "$(stat -c %a "$P/@ndb/journal/00000000000000000003.jnl")" = 600 ]
    [ -e "$P/@ndb/journal/00000000000000000002.jnl" ]
    run -0 "$NDB" journal check --persist-path "$P"
    [[ "$output" == *"ok: a start-up recovers 11 keys and 6 sessions"* ]]
    start_server --persist-path "$P" --journal everysec
    [ "$("$NDB" count)" = 11 ]
    req '{"KV_GET":{"keys":["new","plain","churn"]}}' '{"KV_GET_RSP":{"keys":{"new":"by today","plain":"hello","churn":"done"},"st":1}}'
    [ "$("$NDB" --session "$(tkn 3)" get today)" = 1 ]
    run -0 "$NDB" -c load users
    [[ "$output" == *'"keys":11,"name":"users"'* ]]
}

# set_journal_version FILE V: give journal FILE's header format version V,
# with its checksum right — as a later ndb would write it
set_journal_version() { python3 "$BATS_TEST_DIRNAME/journal_edit.py" version "$1" "$2"; }

# refused_as_another_version FILE MESSAGE: journal check, journal repair
# and a start-up on $P each refuse with MESSAGE, status 1, as not damage,
# and leave journal FILE (the path's only one) as it was
refused_as_another_version() {
    local j=$1 msg=$2
    cp "$j" "$BATS_TEST_TMPDIR/saved.jnl"
    run -1 "$NDB" journal check --persist-path "$P"
    [ "$output" = "$msg
not recoverable: this is not journal damage; a repair cannot help" ]
    run -1 "$NDB" journal repair --persist-path "$P"
    [ "$output" = "$msg
cannot repair: this is not journal damage" ]
    cmp "$j" "$BATS_TEST_TMPDIR/saved.jnl"
    [ "$(ls "$P/@ndb/journal")" = 00000000000000000002.jnl ]
    run -1 "$NDB" serve --port 0 --persist-path "$P" --journal everysec
    [ "$output" = "ndb serve: $msg" ]
    cmp "$j" "$BATS_TEST_TMPDIR/saved.jnl"
}

@test "a journal file of a format version this ndb does not read is not damage: check, repair and start-up say so and keep it" {
    # after a downgrade, the newer ndb's journal: a repair that cut it away
    # (as damage at byte 0) would drop every write since the last snapshot
    local j="$P/@ndb/journal/00000000000000000002.jnl"
    set_journal_version "$j" 2
    refused_as_another_version "$j" "journal file $j was written by another version of ndb, in journal format version 2 (this ndb reads version 1): start that version"
}

@test "a journal record of a change kind this ndb does not know is not damage: check, repair and start-up say so and keep it" {
    # A later ndb adds change kinds without a new format version
    # (journal_format.h); after a downgrade, a repair that dropped such a
    # record as damage would drop every record after it too.
    local j="$P/@ndb/journal/00000000000000000002.jnl" at
    at=$(python3 "$BATS_TEST_DIRNAME/journal_edit.py" kind "$j" 3 99)
    refused_as_another_version "$j" "journal file $j was written by another version of ndb, in a record of kind 99 at byte $at (this ndb knows kinds 1 to 9): start that version"
}
