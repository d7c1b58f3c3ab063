#!/usr/bin/env bats
# The native client's sessions: `ndb session new|end|exists|info|save|load`,
# key commands inside a session with --session and $NDB_SESSION, and the
# exit statuses of missing sessions.

load client_helpers

setup_file() {
    export SNAPDIR="$BATS_FILE_TMPDIR/snap"
    mkdir -p "$SNAPDIR"
    start_server --persist-path "$SNAPDIR"
}
teardown_file() { stop_server; }
setup() {
    "$NDB" session end --all >/dev/null
    "$NDB" clear --yes >/dev/null
}

@test "session new prints a token; the session starts empty and never expires" {
    run --separate-stderr "$NDB" session new
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[1-9][0-9]*$ ]]
    local t=$output
    run --separate-stderr "$NDB" session info "$t"
    ok_out "{\"expires\":false,\"keyCnt\":0,\"shared\":false,\"tkn\":$t}"
}

@test "session new --ttl with flags" {
    local t
    t=$("$NDB" session new --ttl 60 --delete --extend-on-get)
    run --separate-stderr "$NDB" session info "$t"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^\{\"expires\":true,\"expiry\":\{\"deleteSession\":true,\"duration\":60,\"extendOnGet\":true,\"extendOnSetAdd\":false,\"remaining\":(59|60)\},\"keyCnt\":0,\"shared\":false,\"tkn\":$t\}$ ]]
    t=$("$NDB" session new --ttl=30 --extend-on-set)
    run --separate-stderr "$NDB" session info "$t"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^\{\"expires\":true,\"expiry\":\{\"deleteSession\":false,\"duration\":30,\"extendOnGet\":false,\"extendOnSetAdd\":true,\"remaining\":(29|30)\},\"keyCnt\":0,\"shared\":false,\"tkn\":$t\}$ ]]
}

@test "session new: bad options" {
    run --separate-stderr "$NDB" session new --delete
    exit_is 2 ""
    err_has "ndb session new: --delete, --extend-on-get and --extend-on-set need a --ttl above 0"
    # with --ttl 0 (never expires) they would be dropped: refused as session expire does
    local f
    for f in --delete --extend-on-get --extend-on-set; do
        run --separate-stderr "$NDB" session new --ttl 0 "$f"
        exit_is 2 ""
        err_has "ndb session new: --delete, --extend-on-get and --extend-on-set need a --ttl above 0"
    done
    run --separate-stderr "$NDB" session new --ttl abc
    exit_is 2 ""
    run --separate-stderr "$NDB" session new --ttl -5
    exit_is 2 ""
    run --separate-stderr "$NDB" session new extra
    exit_is 2 ""
    run --separate-stderr "$NDB" session new --ttl 999999999999
    exit_is 3 ""
    [ "$stderr" = "ndb: ValueSize (42): --ttl 999999999999 refused by the server: 'duration' exceeds 315360000 seconds (10 years)" ]
}

@test "--session: key commands work on the session's keys, not the top level" {
    local t
    t=$("$NDB" session new)
    "$NDB" set top 1
    run --separate-stderr "$NDB" --session "$t" set username bob age 26
    exit_is 0 ""
    run --separate-stderr "$NDB" --session "$t" get username
    ok_out '"bob"'
    run --separate-stderr "$NDB" get --session "$t" username age
    ok_out '{"username":"bob","age":26}'
    run --separate-stderr "$NDB" --session "$t" keys
    ok_out '"age"
"username"'
    run --separate-stderr "$NDB" --session "$t" count
    ok_out '2'
    run --separate-stderr "$NDB" --session "$t" contains age top
    exit_is 1 '"age"'
    run --separate-stderr "$NDB" --session "$t" add age 1 city Paris
    exit_is 0
    run --separate-stderr "$NDB" --session "$t" get age city
    ok_out '{"age":26,"city":"Paris"}'
    run --separate-stderr "$NDB" --session "$t" rm city
    exit_is 0
    run --separate-stderr "$NDB" --session "$t" get city
    exit_is 1 ""
    run --separate-stderr "$NDB" --session "$t" clear-set only 1
    ok_out '2'
    run --separate-stderr "$NDB" --session "$t" clear
    ok_out '1'
    run --separate-stderr "$NDB" keys
    ok_out '"top"'
}

@test "--session with stdin forms" {
    local t
    t=$("$NDB" session new)
    printf '{"a":1,"b":[2]}' | "$NDB" --session "$t" set -
    printf 'text' | "$NDB" --session "$t" set c -
    run --separate-stderr "$NDB" --session "$t" get a b c
    ok_out '{"a":1,"b":[2],"c":"text"}'
}

@test "NDB_SESSION works like --session; --session overrides it" {
    local t u
    t=$("$NDB" session new)
    u=$("$NDB" session new)
    NDB_SESSION=$t "$NDB" set who t
    "$NDB" --session "$u" set who u
    NDB_SESSION=$t run --separate-stderr "$NDB" get who
    ok_out '"t"'
    NDB_SESSION=$t run --separate-stderr "$NDB" --session "$u" get who
    ok_out '"u"'
    NDB_SESSION= run --separate-stderr "$NDB" get who
    exit_is 1
}

@test "a missing (or expired) session in a key command is not found: exit 1, as session end" {
    run --separate-stderr "$NDB" --session 12345 get a
    exit_is 1 ""
    [ "$stderr" = "ndb: session 12345 does not exist" ]
    NDB_SESSION=12345 run --separate-stderr "$NDB" set a 1
    exit_is 1 ""
    [ "$stderr" = "ndb: session 12345 does not exist" ]
    run --separate-stderr "$NDB" session end 12345
    exit_is 1 ""
    [ "$stderr" = "ndb: session 12345 does not exist" ]
    local t
    t=$("$NDB" session new --ttl 1 --delete)
    "$NDB" session end "$t"
    run --separate-stderr "$NDB" --session "$t" keys
    exit_is 1 ""
    [ "$stderr" = "ndb: session $t does not exist" ]
}

@test "--help of every command with a session form lists exit 1 for a missing session, which is what it exits" {
    local c args
    for c in "get a" "set a 1" "add a 1" "rm a" "keys" "count" "contains a" "clear" "clear-set a 1" "incr a"; do
        read -ra args <<<"$c"
        run --separate-stderr "$NDB" --session 12345 "${args[@]}"
        exit_is 1 ""
        [ "$stderr" = "ndb: session 12345 does not exist" ]
        run --separate-stderr "$NDB" "${args[0]}" --help
        [ "$status" -eq 0 ]
        [[ "$output" == *"the session (--session TKN or NDB_SESSION) does not exist"* ]] || {
            echo "${args[0]} --help lacks exit 1 for a missing session"; return 1; }
        [[ "$output" != *"SessionNotExist"* ]]
        [[ "$output" == *"  3  the server answered an error status (name and number on stderr,
     e.g. 'ndb: RoleDenied (45): ...')"* ]]
    done
    run --separate-stderr "$NDB" session watch --count 1 12345
    exit_is 1 ""
    [ "$stderr" = "ndb: session 12345 does not exist" ] # as session end, info, expire say it
    run --separate-stderr "$NDB" session watch --help
    [[ "$output" == *"  1  some TKN names no session"* ]]
}

@test "tokens: full 64-bit range kept exactly; malformed tokens are usage errors" {
    run --separate-stderr "$NDB" --session 18446744073709551615 get a
    exit_is 1 ""
    err_has "session 18446744073709551615 does not exist"
    run --separate-stderr "$NDB" --session 18446744073709551616 get a
    exit_is 2 ""
    err_has "invalid session token"
    run --separate-stderr "$NDB" --session -1 get a
    exit_is 2 ""
    run --separate-stderr "$NDB" --session 1.0 get a
    exit_is 2 ""
    run --separate-stderr "$NDB" --session '' get a
    exit_is 2 ""
    NDB_SESSION=abc run --separate-stderr "$NDB" get a
    exit_is 2 ""
    err_has "NDB_SESSION"
    run --separate-stderr "$NDB" session info 99999999999999999999
    exit_is 2 ""
    run --separate-stderr "$NDB" session exists 18446744073709551615
    exit_is 1 ""
}

@test "commands without a session form refuse --session and a set NDB_SESSION" {
    run --separate-stderr "$NDB" --session 5 find '$'
    exit_is 2 ""
    err_has "--session does not apply"
    run --separate-stderr "$NDB" update --session 5 k '$' 1
    exit_is 2 ""
    run --separate-stderr "$NDB" append --session 5 k 1
    exit_is 2 ""
    run --separate-stderr "$NDB" save --session 5 x
    exit_is 2 ""
    NDB_SESSION=5 run --separate-stderr "$NDB" find '$'
    exit_is 2 ""
    err_has "NDB_SESSION is set"
    NDB_SESSION=5 run --separate-stderr "$NDB" load x
    exit_is 2 ""
}

@test "info and session commands ignore NDB_SESSION, refuse --session" {
    NDB_SESSION=5 run --separate-stderr "$NDB" session info
    ok_out '{"totalKeys":0,"totalSessions":0}'
    run --separate-stderr "$NDB" --session 5 session info
    exit_is 2 ""
    run --separate-stderr "$NDB" session info --session 5
    exit_is 2 ""
    NDB_SESSION=5 run --separate-stderr "$NDB" info
    exit_is 0
}

@test "session exists: prints the tokens that exist, exit 0 only if all do" {
    local t u
    t=$("$NDB" session new)
    u=$("$NDB" session new)
    run --separate-stderr "$NDB" session exists "$t" "$u"
    ok_out "$t
$u"
    run --separate-stderr "$NDB" session exists "$t" 7 "$t"
    exit_is 1 "$t
$t"
    [ -z "$stderr" ]
    run --separate-stderr "$NDB" session exists
    exit_is 2 ""
    run --separate-stderr "$NDB" session exists x
    exit_is 2 ""
}

@test "session info: one session, all sessions, a missing one" {
    local t
    t=$("$NDB" session new)
    "$NDB" --session "$t" set a 1 b 2
    "$NDB" session new >/dev/null
    run --separate-stderr "$NDB" session info
    ok_out '{"totalKeys":2,"totalSessions":2}'
    run --separate-stderr "$NDB" session info "$t"
    ok_out "{\"expires\":false,\"keyCnt\":2,\"shared\":false,\"tkn\":$t}"
    run --separate-stderr "$NDB" session info 42
    exit_is 1 ""
    err_has "session 42 does not exist"
    run --separate-stderr "$NDB" session info 1 2
    exit_is 2 ""
}

@test "session end: a token given twice is ended once, not called missing the second time" {
    local t u
    t=$("$NDB" session new)
    run --separate-stderr "$NDB" session end "$t" "$t"
    exit_is 0 ""
    [ -z "$stderr" ]
    run --separate-stderr "$NDB" session exists "$t"
    exit_is 1 ""
    t=$("$NDB" session new)
    u=$("$NDB" session new)
    run --separate-stderr "$NDB" session end "$t" 77 "$u" "$t" 077
    exit_is 1 ""
    [ "$stderr" = "ndb: session 77 does not exist" ]
    run --separate-stderr "$NDB" session exists "$t" "$u"
    exit_is 1 ""
}

@test "session end: tokens, a missing one (exit 1), --all prints the count" {
    local t u v
    t=$("$NDB" session new)
    u=$("$NDB" session new)
    v=$("$NDB" session new)
    run --separate-stderr "$NDB" session end "$t"
    exit_is 0 ""
    [ -z "$stderr" ]
    run --separate-stderr "$NDB" session end "$t" "$u"
    exit_is 1 ""
    err_has "session $t does not exist"
    run --separate-stderr "$NDB" session exists "$u"
    exit_is 1
    run --separate-stderr "$NDB" session end --all
    ok_out '1'
    run --separate-stderr "$NDB" session end --all
    ok_out '0'
    run --separate-stderr "$NDB" session end
    exit_is 2 ""
    run --separate-stderr "$NDB" session end --all "$v"
    exit_is 2 ""
}

@test "session save and load" {
    local t u
    t=$("$NDB" session new)
    u=$("$NDB" session new)
    "$NDB" --session "$t" set a 1 b 2
    "$NDB" --session "$u" set c 3
    run --separate-stderr "$NDB" session save web "$t"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^\{\"duration\":[0-9]+,\"name\":\"web\"\}$ ]]
    "$NDB" session end --all >/dev/null
    run --separate-stderr "$NDB" session load web
    ok_out '{"keys":2,"name":"web","sessions":1}'
    run --separate-stderr "$NDB" --session "$t" get a b
    ok_out '{"a":1,"b":2}'
    run --separate-stderr "$NDB" session exists "$u"
    exit_is 1
    run --separate-stderr "$NDB" session save all
    exit_is 0
    run --separate-stderr "$NDB" session load nosuchset
    exit_is 3 ""
    err_has "LoadError (142)"
    run --separate-stderr "$NDB" session save web bad-token
    exit_is 2 ""
    run --separate-stderr "$NDB" session save
    exit_is 2 ""
}

@test "session save with a token of no session saves nothing: exit 1, one line per token" {
    local t
    t=$("$NDB" session new)
    "$NDB" --session "$t" set a 1
    run --separate-stderr "$NDB" session save keep "$t"
    [ "$status" -eq 0 ]
    # a mistyped token: no new snapshot, which would hide the one above
    run --separate-stderr "$NDB" session save keep 12345
    exit_is 1 ""
    [ "$stderr" = "ndb: session 12345 does not exist; nothing was saved" ]
    run --separate-stderr "$NDB" session save keep 5 "$t" 6 "$t" 5 05
    exit_is 1 ""
    [ "$stderr" = $'ndb: session 5 does not exist; nothing was saved\nndb: session 6 does not exist; nothing was saved' ]
    [ "$(ls "$SNAPDIR/keep" | wc -l)" -eq 1 ]
    "$NDB" session end --all >/dev/null
    run --separate-stderr "$NDB" session load keep
    ok_out '{"keys":1,"name":"keep","sessions":1}'
    # a token listed twice is fine
    run --separate-stderr "$NDB" session save keep2 "$t" "$t"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
}

@test "session: no subcommand, unknown subcommand, help" {
    run --separate-stderr "$NDB" session
    exit_is 2 ""
    err_has "usage: ndb session COMMAND"
    run --separate-stderr "$NDB" session --help
    exit_is 0
    [[ "$output" == *"new "*"end TKN... | --all"* ]]
    [[ "$output" == *$'\n'"A session's keys are read and written by the key commands with --session TKN"$'\n'"(or \$NDB_SESSION): ndb set --session TKN user bob; ndb get --session TKN user." ]]
    run --separate-stderr "$NDB" session nwe
    exit_is 2 ""
    err_has "did you mean 'new'?"
    run --separate-stderr "$NDB" new
    exit_is 2 ""
    err_has "did you mean 'session new'?"
    run --separate-stderr "$NDB" session new --help
    exit_is 0
    [[ "$output" == "usage: ndb session new [OPTIONS]"* ]]
    [[ "$output" == *"--extend-on-set"* ]]
}
