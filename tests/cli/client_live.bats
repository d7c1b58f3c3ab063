#!/usr/bin/env bats
# client_live.bats — the command-line side of issue 17: set/add --ttl,
# expire, ttl, persist, incr, cas, watch, session watch, session expire,
# unwatch, and `watch` in the REPL (driven through tmux: events show between
# prompts and the line being typed survives).  Exact output, exit status
# and message of each, including bad input.

load client_helpers
bats_require_minimum_version 1.5.0

setup_file() { start_server --session-check-ms 20; }
teardown_file() { stop_server; }

# A test that needs other options (OWN_SERVER=1) starts a server of its
# own beside the file's; teardown stops it.
teardown() {
    if [ -n "${OWN_SERVER:-}" ]; then stop_server; fi
}

setup() {
    "$NDB" clear >/dev/null
    "$NDB" session end --all >/dev/null
}

# wait_file FILE TEXT: until FILE contains TEXT (bounded: 5 s).
wait_file() {
    local i
    for ((i = 0; i < 100; i++)); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "$1 lacks $2: $(cat "$1" 2>/dev/null)" >&2
    return 1
}

# Run CMD until its change shows up in FILE, a watch's output (a watch just
# started may not be in place for the first change).  After each run it
# waits up to 2 s for the event before running CMD again: on a loaded
# machine an event that is only late must not be caused twice, or a watch
# with --count would stop early.
until_watched() { # until_watched FILE PATTERN CMD...
    local file=$1 pattern=$2 i j
    shift 2
    for i in $(seq 20); do
        "$@" >/dev/null
        for j in $(seq 40); do
            grep -q -- "$pattern" "$file" && return 0
            sleep 0.05
        done
    done
    return 1
}

@test "set --ttl, ttl, expire, persist" {
    run --separate-stderr "$NDB" set --ttl 30 otp:42 123456
    ok_out ''
    run --separate-stderr "$NDB" ttl otp:42
    [ "$status" -eq 0 ] && [[ $output =~ ^(30|29\.[0-9]{1,3})$ ]]
    run --separate-stderr "$NDB" set plain 1
    run --separate-stderr "$NDB" ttl plain
    ok_out 'null'
    run --separate-stderr "$NDB" ttl plain nope
    exit_is 1 '{"plain":null}'
    err_has 'ndb: key "nope" does not exist'
    run --separate-stderr "$NDB" expire plain 0.5
    ok_out ''
    run --separate-stderr "$NDB" expire nope 5
    exit_is 1 ''
    err_has 'ndb: key "nope" does not exist'
    run --separate-stderr "$NDB" persist plain otp:42
    ok_out ''
    run --separate-stderr "$NDB" ttl plain otp:42
    ok_out '{"plain":null,"otp:42":null}'
    run --separate-stderr "$NDB" persist nope
    exit_is 1 ''
    # add --ttl: only new keys get it
    run --separate-stderr "$NDB" add --ttl 100 plain 2 fresh 3
    run --separate-stderr "$NDB" ttl plain
    ok_out 'null'
    run --separate-stderr "$NDB" ttl fresh
    [[ $output =~ ^(100|99\.[0-9]{1,3})$ ]]
}

@test "expiry: bad input is a one-line message and a nonzero exit" {
    # --ttl is checked by the server's rule before anything is sent: a usage
    # error that names the option
    local rule='it must be more than 0 and at most 315360000 seconds (10 years), with at most 3 decimals, e.g. 30 or 0.5'
    run --separate-stderr "$NDB" set --ttl soon a 1
    exit_is 2 ''
    err_has "ndb set: invalid --ttl 'soon': $rule"
    local t
    for t in 0 -1 0.0001 315360000.001 1e10 1000.0004 86400.0001; do
        run --separate-stderr "$NDB" set --ttl "$t" a 1
        exit_is 2 ''
        err_has "ndb set: invalid --ttl '$t': $rule"
    done
    run --separate-stderr "$NDB" add --ttl 0 a 1
    exit_is 2 ''
    err_has "ndb add: invalid --ttl '0': $rule"
    run --separate-stderr "$NDB" cas --ttl 0 a null 1
    exit_is 2 ''
    err_has "ndb cas: invalid --ttl '0': $rule"
    run --separate-stderr "$NDB" expire a 0
    exit_is 2 ''
    err_has "ndb expire: invalid SECONDS '0': $rule"
    run --separate-stderr "$NDB" count
    ok_out 0 # nothing was stored
    run --separate-stderr "$NDB" --session 1 set --ttl 5 a 1
    exit_is 2 ''
    err_has '--ttl applies to top-level keys only'
    run --separate-stderr "$NDB" expire a
    exit_is 2 ''
    err_has 'missing argument'
    run --separate-stderr "$NDB" expire a -1
    exit_is 2 ''
    err_has "ndb expire: invalid SECONDS '-1': $rule"
    run --separate-stderr "$NDB" --session 1 ttl a
    exit_is 2 ''
    err_has "--session does not apply to 'ttl'"
}

@test "incr: counters, in a session too; bad input" {
    run --separate-stderr "$NDB" incr hits
    ok_out '1'
    run --separate-stderr "$NDB" incr hits 41
    ok_out '42'
    run --separate-stderr "$NDB" incr score -2.5
    ok_out '-2.5'
    # an integral double sum prints with .0: it stays a double (ndb incr --help)
    run --separate-stderr "$NDB" incr score 3.5
    ok_out '1.0'
    run --separate-stderr "$NDB" incr score -1
    ok_out '0.0'
    run --separate-stderr "$NDB" help incr
    [[ $(tr '\n' ' ' <<<"$output") == *"the sum is a double, printed as 1.0 when it is integral (0.5 + 0.5), so that it stays one."* ]]
    local t
    t=$("$NDB" session new)
    run --separate-stderr "$NDB" --session "$t" incr views 3
    ok_out '3'
    run --separate-stderr "$NDB" --session "$t" get views
    ok_out '3'
    run --separate-stderr "$NDB" incr hits x
    exit_is 2 ''
    err_has "ndb incr: invalid increment 'x' (expected a number)"
    "$NDB" set name Bob
    run --separate-stderr "$NDB" incr name
    exit_is 3 ''
    err_has 'ndb: ValueTypeInvalid (41): the value of key "name" is not a number'
    run --separate-stderr "$NDB" --session 1 incr hits
    exit_is 1 ''
    err_has 'session 1 does not exist'
}

@test "incr: integers are signed 64 bits; one outside them is refused even beside a fraction, as the help says" {
    # the help said "exact to 64 bits" and that a fraction on either side
    # makes the sum a double: 18446744073709551615, which set stores
    # exactly, is refused with 42 whatever it is added to
    "$NDB" set max 9223372036854775807 u64 18446744073709551615
    run --separate-stderr "$NDB" incr max
    exit_is 3 ''
    [ "$stderr" = 'ndb: ValueSize (42): the sum of key "max" would overflow' ]
    run --separate-stderr "$NDB" incr max 0.5
    ok_out '9.223372036854776e+18'
    run --separate-stderr "$NDB" incr u64 0.5
    exit_is 3 ''
    [ "$stderr" = 'ndb: ValueSize (42): the value of key "u64" is outside the 64-bit integer range' ]
    run --separate-stderr "$NDB" incr other 18446744073709551615
    exit_is 3 ''
    [ "$stderr" = 'ndb: ValueSize (42): the increment of key "other" is outside the 64-bit integer range' ]
    run --separate-stderr "$NDB" help incr
    [[ $(tr '\n' ' ' <<<"$output") == *"Integers stay exact in signed 64 bits, -9223372036854775808 to 9223372036854775807: a sum beyond them is refused (status 42), and so is an integer value or N outside them (18446744073709551615), even beside a fraction."* ]]
}

# count KEY: README's counter for a time window of 1 s, as a script runs it
count() {
    "$NDB" add --ttl 1 "$1" 0 || return
    local n
    n=$("$NDB" incr "$1") || return
    if [ "$n" = 1 ]; then "$NDB" expire "$1" 1 || return; fi
    echo "$n"
}

@test "README's counter for a time window: it counts, keeps its deadline, and expires even if a client dies half-way" {
    run count req:a
    ok_out '1'
    run count req:a
    ok_out '2'
    local t
    t=$("$NDB" ttl req:a)
    [[ "$t" =~ ^0\.[0-9]+$ ]] # incr kept the window's deadline, a second add did not move it
    # a client that dies after add: the 0 it left expires with its window
    "$NDB" add --ttl 1 req:b 0
    sleep 1.3
    run --separate-stderr "$NDB" get req:a req:b
    exit_is 1 '{}'
    run count req:a # a new window
    ok_out '1'
    # the window ended between add and incr: incr starts a counter without a
    # deadline (what the other order leaves when its client dies), which
    # the expire on 1 mends
    "$NDB" add --ttl 0.05 req:c 0
    sleep 0.3
    run --separate-stderr "$NDB" incr req:c
    ok_out '1'
    run --separate-stderr "$NDB" ttl req:c
    ok_out 'null'
    "$NDB" expire req:c 1
    t=$("$NDB" ttl req:c)
    [[ "$t" =~ ^(0\.[0-9]+|1)$ ]]
}

@test "cas: exit 0 when swapped, 1 when the comparison fails; lock with a lease" {
    run --separate-stderr "$NDB" cas --ttl 30 lock null me
    ok_out ''
    run --separate-stderr "$NDB" cas lock null you
    exit_is 1 ''
    err_has 'ndb: key "lock" does not hold the expected value; nothing changed'
    run --separate-stderr "$NDB" ttl lock
    [[ $output =~ ^(30|29\.[0-9]{1,3})$ ]]
    run --separate-stderr "$NDB" cas lock '"me"' '{"owner":"you"}'
    ok_out ''
    run --separate-stderr "$NDB" ttl lock
    ok_out 'null'
    run --separate-stderr "$NDB" cas lock '{ "owner" : "you" }'
    ok_out ''
    run --separate-stderr "$NDB" get lock
    exit_is 1 ''
    run --separate-stderr "$NDB" cas --ttl 5 lock null
    exit_is 2 ''
    err_has '--ttl needs a VALUE to store'
    run --separate-stderr "$NDB" cas lock
    exit_is 2 ''
}

@test "cas -s: EXPECT null still means the key does not exist; the string null is '\"null\"' without -s" {
    # -s makes EXPECT a string too, and 'null' became the string "null": a
    # lock taken with a string value (a host name that looks like JSON,
    # '123') could never be taken
    run --separate-stderr "$NDB" cas -s --ttl 30 lock null 123
    ok_out ''
    run --separate-stderr "$NDB" get lock
    ok_out '"123"'
    run --separate-stderr "$NDB" cas -s lock null 456
    exit_is 1 ''
    err_has 'ndb: key "lock" does not hold the expected value; nothing changed'
    run --separate-stderr "$NDB" cas -s lock 123 null
    ok_out ''
    run --separate-stderr "$NDB" get lock
    ok_out '"null"'
    run --separate-stderr "$NDB" cas -s lock null x
    exit_is 1 ''
    run --separate-stderr "$NDB" cas lock '"null"' x
    ok_out ''
    run --separate-stderr "$NDB" get lock
    ok_out '"x"'
}

@test "cas: '-' reads EXPECT or VALUE from standard input, once" {
    "$NDB" rm lk >/dev/null || true
    run --separate-stderr bash -c 'echo web-1 | "$1" cas --ttl 30 lk null -' _ "$NDB"
    ok_out ''
    run --separate-stderr "$NDB" get lk
    ok_out '"web-1"'
    run --separate-stderr bash -c 'echo web-1 | "$1" cas lk - web-2' _ "$NDB"
    ok_out ''
    run --separate-stderr "$NDB" get lk
    ok_out '"web-2"'
    run --separate-stderr bash -c 'echo "{" | "$1" cas --json lk "\"web-2\"" -' _ "$NDB"
    exit_is 2 ''
    err_has 'ndb cas: standard input is not valid JSON'
    run --separate-stderr bash -c 'echo x | "$1" cas lk - -' _ "$NDB"
    exit_is 2 ''
    err_has "ndb cas: standard input ('-') can be read only once"
    run --separate-stderr "$NDB" cas lk web-2 '"-"'
    ok_out ''
    run --separate-stderr "$NDB" get lk
    ok_out '"-"'
}

@test "session expire" {
    local t
    t=$("$NDB" session new)
    run --separate-stderr "$NDB" session expire --ttl 600 --delete "$t"
    ok_out ''
    run --separate-stderr "$NDB" session info "$t"
    [[ $output == '{"expires":true,"expiry":{"deleteSession":true,"duration":600,'* ]]
    run --separate-stderr "$NDB" session expire --ttl 0 "$t"
    ok_out ''
    run --separate-stderr "$NDB" session info "$t"
    ok_out '{"expires":false,"keyCnt":0,"shared":false,"tkn":'"$t"'}'
    run --separate-stderr "$NDB" session expire --ttl 5 1
    exit_is 1 ''
    err_has 'ndb: session 1 does not exist'
    run --separate-stderr "$NDB" session expire "$t"
    exit_is 2 ''
    err_has 'missing --ttl SECONDS'
    run --separate-stderr "$NDB" session expire --ttl 0 --delete "$t"
    exit_is 2 ''
    # named the protocol's 'duration', which the user never typed, where
    # session new names --ttl
    run --separate-stderr "$NDB" session expire --ttl 315360001 "$t"
    exit_is 3 ''
    [ "$stderr" = "ndb: ValueSize (42): --ttl 315360001 refused by the server: 'duration' exceeds 315360000 seconds (10 years)" ]
    run --separate-stderr "$NDB" session new --ttl 315360001
    exit_is 3 ''
    [ "$stderr" = "ndb: ValueSize (42): --ttl 315360001 refused by the server: 'duration' exceeds 315360000 seconds (10 years)" ]
}

@test "a full server's 42 (maxMemory) on session new --ttl or session expire is not blamed on --ttl" {
    OWN_SERVER=1
    start_server --max-memory 4096
    local u i
    u=$("$NDB" session new)
    for ((i = 0; i < 200; i++)); do printf '{"SH_SET":{"tkn":%s,"keys":{"k%s":1}}}\n' "$u" "$i"; done |
        "$NDB" send >/dev/null || true
    run --separate-stderr "$NDB" session new --ttl 60
    exit_is 3 ''
    [ "$stderr" = "ndb: ValueSize (42): maxMemory exceeded" ]
    run --separate-stderr "$NDB" session expire --ttl 60 "$u"
    exit_is 3 ''
    [ "$stderr" = "ndb: ValueSize (42): maxMemory exceeded" ]
}

@test "watch --count prints one JSON event per line, for changes by others" {
    local out="$BATS_TEST_TMPDIR/watch.out"
    "$NDB" watch --prefix job: --values --count 3 >"$out" 2>&1 &
    local w=$!
    # the watch is in place once a change shows up
    until_watched "$out" job:0 "$NDB" set job:0 x
    "$NDB" set --ttl 0.05 job:1 '{"n":1}'
    wait "$w"
    run cat "$out"
    [ "${lines[0]}" = '{"id":1,"key":"job:0","op":"set","value":"x"}' ]
    [ "${lines[${#lines[@]} - 2]}" = '{"id":1,"key":"job:1","op":"set","value":{"n":1}}' ]
    [ "${lines[${#lines[@]} - 1]}" = '{"id":1,"key":"job:1","op":"expire"}' ]
}

@test "watch on a terminal: a key's C1 control as \u009B, which the terminal would obey as CSI; to a pipe as it came" {
    local out="$BATS_TEST_TMPDIR/watch.out" w
    tty_script "$NDB" watch --prefix c --count 1 >"$out" &
    w=$!
    until_watched "$out" c0 "$NDB" send '{"KV_SET":{"keys":{"c0\u009b":1}}}'
    wait "$w"
    [ "$(grep '"op"' "$out" | tr -d '\r')" = '{"id":1,"key":"c0\u009B","op":"set"}' ]
    "$NDB" watch --prefix c --count 1 >"$out" 2>/dev/null &
    w=$!
    until_watched "$out" c0 "$NDB" send '{"KV_SET":{"keys":{"c0\u009b":2}}}'
    wait "$w"
    [ "$(cat "$out")" = $'{"id":1,"key":"c0\xc2\x9b","op":"set"}' ]
}

@test "watch in a pipeline: while read -r ev" {
    local out="$BATS_TEST_TMPDIR/keys.out"
    ("$NDB" watch --count 2 a b | while read -r ev; do jq -r .op <<<"$ev"; done >"$out") &
    local w=$!
    until_watched "$out" . "$NDB" set a 1
    "$NDB" rm b a
    wait "$w"
    run cat "$out"
    [ "${lines[0]}" = set ]
    [ "${lines[1]}" = set ] || [ "${lines[1]}" = rmv ]
}

@test "watch: a reader that leaves while events come ends it with exit 0" {
    # head -1 takes the first event and leaves; the next event's write
    # fails with EPIPE, which is the watch's normal end (help: "0 ... or
    # the output was closed"), not exit 2 — `set -o pipefail` relies on it.
    local out="$BATS_TEST_TMPDIR/head.out" rc="$BATS_TEST_TMPDIR/head.rc"
    (timeout 60 "$NDB" watch --prefix job: | head -n 1 >"$out"; echo "${PIPESTATUS[*]}" >"$rc") &
    local w=$! i
    until_watched "$out" job: "$NDB" set job:0 x
    for i in $(seq 100); do
        [ -s "$rc" ] && break
        "$NDB" set "job:$i" x
        sleep 0.05
    done
    wait "$w"
    run cat "$out" "$rc"
    [ "${lines[0]}" = '{"id":1,"key":"job:0","op":"set"}' ]
    [ "${lines[1]}" = '0 0' ]
}

@test "session watch: ends when its reader is done, though no event follows" {
    # As with grep -q in the recipe of 'ndb help session watch': the reader
    # stops at the session's end, after which no event of it ever comes, so
    # the watch must see that its reader left without writing.
    local t out="$BATS_TEST_TMPDIR/sw.out" rc="$BATS_TEST_TMPDIR/sw.rc"
    t=$("$NDB" session new)
    (timeout 60 "$NDB" session watch "$t" |
        while read -r ev; do
            echo "$ev" >>"$out"
            [[ $ev != *'"op":"end"'* ]] || break
        done
        echo "${PIPESTATUS[*]}" >"$rc") &
    local w=$!
    until_watched "$out" '"k"' "$NDB" --session "$t" set k 1
    "$NDB" session end "$t"
    wait "$w"
    run cat "$rc"
    ok_out '0 0'
}

@test "session watch: a session load is load for the session and for each of its keys, as the help and ndb(1) say" {
    # the help listed no key 'load', ndb(1) no 'clear': a script matching
    # on the documented ops missed them
    OWN_SERVER=1
    local data="$BATS_TEST_TMPDIR/data" out="$BATS_TEST_TMPDIR/swl.out" t
    mkdir -p "$data"
    start_server --persist-path "$data"
    t=$("$NDB" session new)
    "$NDB" --session "$t" set k 1
    "$NDB" session save s "$t" >/dev/null
    "$NDB" session end "$t"
    "$NDB" session watch --all --count 3 >"$out" &
    local w=$!
    # the watch is in place once a new session shows (a load of sessions
    # that exist already would show nothing)
    until_watched "$out" '"new"' "$NDB" session new
    "$NDB" session load s >/dev/null
    wait "$w"
    run tail -n 2 "$out"
    ok_out "$(printf '%s\n' '{"id":1,"op":"load","tkn":'"$t"'}' '{"id":1,"key":"k","op":"load","tkn":'"$t"'}')"
    run "$NDB" help session watch
    [[ "$output" == *'or load for each key a session load brings in'* ]]
    run man -l "$BATS_TEST_DIRNAME/../../man/ndb.1"
    [[ "$(tr -s ' \n' '  ' <<<"$output")" == *'clear (its keys removed), or a key change inside the session (set, rmv, update, or load for each key a session load brings in; with key)'* ]]
}

@test "session watch: one session, or all" {
    local t out="$BATS_TEST_TMPDIR/sw.out"
    t=$("$NDB" session new)
    "$NDB" session watch --count 2 "$t" >"$out" &
    local w=$!
    until_watched "$out" '"k"' "$NDB" --session "$t" set k 1
    "$NDB" session end "$t"
    wait "$w"
    run tail -n 1 "$out"
    ok_out '{"id":1,"op":"end","tkn":'"$t"'}'
    # in the words of every other command, not as a server error
    run --separate-stderr "$NDB" session watch 1
    exit_is 1 ''
    [ "$stderr" = 'ndb: session 1 does not exist' ]
    run --separate-stderr "$NDB" session watch "$("$NDB" session new)" 2
    exit_is 1 ''
    [ "$stderr" = 'ndb: session 2 does not exist' ]
    run --separate-stderr "$NDB" session watch
    exit_is 2 ''
    err_has 'nothing to watch: give TKN... or --all'
    run --separate-stderr "$NDB" session watch --all 5
    exit_is 2 ''
    run --separate-stderr "$NDB" watch
    exit_is 2 ''
    err_has "nothing to watch: give KEY... or --prefix P ('' for every key)"
    run --separate-stderr "$NDB" watch --prefix a b
    exit_is 2 ''
    run --separate-stderr "$NDB" watch --count 0 a
    exit_is 2 ''
    err_has "invalid count '0'"
    # worded as keys and scan word it
    run --separate-stderr "$NDB" watch --prefix $'\xff'
    exit_is 2 ''
    err_has 'ndb watch: --prefix is not valid UTF-8'
}

@test "send --events N: events that do not come in time are named as such, not as a missing answer" {
    # every request was answered; it said "ndb: no answer from URL: timed
    # out after 1 s", sending the reader after a lost request
    run --separate-stderr "$NDB" send --timeout 1 --events 2 '{"KV_WATCH":{"keys":["ev"]}}' '{"KV_SET":{"keys":{"ev":1}}}'
    exit_is 2 "$(printf '%s\n' '{"KV_WATCH_RSP":{"id":1,"st":1}}' '{"KV_SET_RSP":{"st":1}}' '{"KV_EVENT":{"id":1,"key":"ev","op":"set"}}')"
    [ "$stderr" = "ndb: 1 of 2 events (--events) came from $NDB_URL: timed out after 1 s waiting for the next" ]
    run --separate-stderr "$NDB" send --help
    [[ "$output" == *"when an answer or --events's next event does not come in time"* ]]
}

@test "send with a silent standard input answers the server's pings and prints events as they come" {
    # it blocked in read(): the server's keep-alive pings went unanswered and
    # it hung up at idleTimeoutSec ("lost connection ... before all answers
    # arrived"), and an event waited for the next line of input
    OWN_SERVER=1
    start_server --idle-timeout 2
    local out="$BATS_TEST_TMPDIR/send.out" seen="$BATS_TEST_TMPDIR/seen"
    producer() {
        echo '{"KV_WATCH":{"keys":["ev"]}}'
        wait_file "$out" KV_WATCH_RSP && "$NDB" set ev 1
        if wait_file "$out" KV_EVENT; then echo yes >"$seen"; fi
        sleep 4 # twice the idle timeout, with no traffic
        echo '{"KV_COUNT":{}}'
    }
    run --separate-stderr timeout 20 bash -c '"$0" send >"$1"' "$NDB" "$out" < <(producer)
    exit_is 0 ''
    [ -z "$stderr" ]
    [ "$(cat "$seen")" = yes ]
    [ "$(cat "$out")" = "$(printf '%s\n' '{"KV_WATCH_RSP":{"id":1,"st":1}}' '{"KV_EVENT":{"id":1,"key":"ev","op":"set"}}' '{"KV_COUNT_RSP":{"cnt":1,"st":1}}')" ]
}

@test "send waiting for standard input says at once when the server goes away, exit 2" {
    OWN_SERVER=1
    start_server
    local out="$BATS_TEST_TMPDIR/send.out"
    timeout 20 "$NDB" send >"$out" 2>"$out.err" < <(echo '{"KV_COUNT":{}}'; sleep 10) &
    local pid=$!
    wait_file "$out" KV_COUNT_RSP
    stop_server
    local t0=$SECONDS rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 2 ]
    [ $((SECONDS - t0)) -lt 5 ] # not at the next line of input, 10 s later
    [ "$(cat "$out.err")" = "ndb: lost connection to $NDB_URL while waiting for requests on standard input: connection closed by server (1000: server shutting down)" ]
}

@test "send waiting for standard input ends quietly when the reader of its output has gone (| head -1)" {
    # it noticed only at its next write, after the next line of input (here
    # 10 s later), as ndb watch did before it checked
    local t0=$SECONDS
    run bash -c '"$0" send < <(exec 2>/dev/null; echo "{\"KV_COUNT\":{}}"; sleep 10) | head -1; echo "send exit ${PIPESTATUS[0]}"' "$NDB"
    [ "$status" -eq 0 ]
    [ "$output" = $'{"KV_COUNT_RSP":{"cnt":0,"st":1}}\nsend exit 0' ]
    [ $((SECONDS - t0)) -lt 5 ]
}

@test "send with its standard input closed says so, exit 2, and sends nothing of its own socket" {
    # the connection's socket became descriptor 0: send read the server's
    # frames back as requests, and the server closed it (1007 invalid UTF-8)
    run --separate-stderr timeout 10 bash -c '"$0" send <&-' "$NDB"
    exit_is 2 ''
    [ "$stderr" = 'ndb: cannot read standard input: Bad file descriptor' ]
    run --separate-stderr timeout 10 bash -c '"$0" send "{\"KV_COUNT\":{}}" - <&-' "$NDB"
    exit_is 2 ''
    # requests given as arguments alone do not read it
    run --separate-stderr timeout 10 bash -c '"$0" send "{\"KV_COUNT\":{}}" <&-' "$NDB"
    ok_out '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
}

@test "unwatch outside the REPL names no watch (its connection is new)" {
    run --separate-stderr "$NDB" unwatch 1
    exit_is 1 ''
    err_has 'ndb: no watch 1 on this connection'
    run --separate-stderr "$NDB" unwatch x
    exit_is 2 ''
}

@test "unwatch runs in a session: the REPL stops the session watch it started there; NDB_SESSION set is no obstacle" {
    # it was refused as a command of top-level keys ("works on top-level
    # keys only ... leave the session with 'use' first"), after the REPL had
    # just said "'unwatch 1' stops it"; a watch id names no key
    run --separate-stderr timeout 10 "$NDB" repl <<<$'session new\nsession watch --all\nunwatch 1\nsession new\nunwatch 1'
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" =~ ^[0-9]+$ && "${lines[1]}" =~ ^[0-9]+$ ]]
    [ "${#lines[@]}" -eq 2 ] # the second session's "new" event never came: the watch had stopped
    # a script has no prompts: "events appear between prompts" was said here
    [ "$stderr" = "$(printf '%s\n' "watching (id 1); its events are printed as they come; 'unwatch 1' stops it" \
        'ndb: no watch 1 on this connection' 'ndb repl: stopped at line 5')" ]
    NDB_SESSION=1 run --separate-stderr "$NDB" unwatch 1
    exit_is 1 ''
    err_has 'ndb: no watch 1 on this connection'
    run --separate-stderr "$NDB" unwatch --session 1 1
    exit_is 2 ''
    err_has "ndb unwatch: --session does not apply to 'unwatch'"
}

# ------------------------------------------------------------ the REPL

tm() { TMUX= tmux -L "ndb-live-$$" "$@"; }
screen() { tm capture-pane -p -J -t live | sed 's/[[:space:]]*$//'; }
wait_screen() {
    local i
    for ((i = 0; i < 100; i++)); do
        [[ "$(screen)" == *"$1"* ]] && return 0
        sleep 0.05
    done
    printf 'screen lacks: %s\n--- screen ---\n%s\n' "$1" "$(screen)" >&2
    return 1
}

@test "REPL: watch shows events between prompts without garbling the line being typed" {
    command -v tmux >/dev/null || skip "tmux is not installed"
    local run="$BATS_TEST_TMPDIR/repl.sh"
    printf '#!/bin/bash\nexport HOME=%q XDG_STATE_HOME=%q NDB_URL=%q TERM=xterm LC_ALL=C.UTF-8\n%q repl\nexec sleep 600\n' \
        "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR" "$NDB_URL" "$NDB" >"$run"
    chmod +x "$run"
    tm new-session -d -s live -x 120 -y 30 "$run"
    local prompt="${NDB_URL#ws://}"
    prompt="${prompt%/}>"
    wait_screen "$prompt"
    tm send-keys -t live 'watch --prefix job:' Enter
    wait_screen "watching (id 1); events appear between prompts; 'unwatch 1' stops it"
    tm send-keys -t live 'get job'
    "$NDB" set job:9 42
    wait_screen '{"id":1,"key":"job:9","op":"set"}'
    # the event is above the prompt, and the half-typed line is intact
    [ "$(screen | grep -v '^$' | tail -n 1)" = "$prompt get job" ]
    tm send-keys -t live ':9' Enter
    wait_screen "$(printf '%s get job:9\n42' "$prompt")"
    tm send-keys -t live 'unwatch 1' Enter
    "$NDB" set job:10 7
    # had the watch survived, its event would show before this answer
    tm send-keys -t live 'get job:10' Enter
    wait_screen "$(printf '%s get job:10\n7' "$prompt")"
    ! screen | grep -q '"job:10"'
    tm kill-server
}

# ------------------------------------------------------------ a REPL script fed by a pipe

# start_script_repl: `ndb repl` reading a fifo (fd 8 writes its lines; bats keeps 3), its
# output in $BATS_TEST_TMPDIR/out and err; SCRIPT_PID is the REPL.
start_script_repl() {
    local fifo=$BATS_TEST_TMPDIR/in
    mkfifo "$fifo"
    timeout 60 "$NDB" repl <"$fifo" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
    SCRIPT_PID=$!
    exec 8>"$fifo"
}

# end_script_repl: end its input and take its exit status into $status.
end_script_repl() {
    exec 8>&-
    status=0
    wait "$SCRIPT_PID" || status=$?
}

@test "a REPL script outlives a server restart between its lines: the next line reconnects and renews the watch" {
    OWN_SERVER=1
    start_server
    local port=$NDB_PORT
    start_script_repl
    echo 'watch job' >&8
    wait_file "$BATS_TEST_TMPDIR/err" "watching (id 1)"
    stop_server
    start_server --port "$port" 8>&- # the server holds no end of the script's pipe
    [ "$NDB_PORT" = "$port" ]
    # the line after the restart failed: "lost connection ... before the
    # answer arrived: connection closed by server (1000: server shutting
    # down)", exit 2 — the close frame was there, unread, when it was sent
    # (a server killed with no close frame was noticed, and reconnected to)
    printf 'set job 1\nget job\n' >&8
    end_script_repl
    [ "$status" -eq 0 ]
    [ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(printf '%s\n' '{"id":1,"key":"job","op":"set"}' 1)" ]
    grep -qF "ndb: lost connection to $NDB_URL (connection closed by server (1000: server shutting down))" \
        "$BATS_TEST_TMPDIR/err"
}

@test "a REPL script waiting for its next line keeps its connection alive and prints its watch's events as they come" {
    OWN_SERVER=1
    start_server --idle-timeout 2 # ping after ~1 s of silence, hang up at 2 s
    start_script_repl
    echo 'watch job' >&8
    wait_file "$BATS_TEST_TMPDIR/err" "watching (id 1)"
    "$NDB" set job 7
    # shown while the script waits, not only when its next line comes
    wait_file "$BATS_TEST_TMPDIR/out" '{"id":1,"key":"job","op":"set"}'
    sleep 3 # past the idle timeout: a script that answered no ping was dropped
    echo 'get job' >&8
    end_script_repl
    [ "$status" -eq 0 ]
    [ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(printf '%s\n' '{"id":1,"key":"job","op":"set"}' 7)" ]
    ! grep -q 'lost connection' "$BATS_TEST_TMPDIR/err"
}

@test "a REPL watch --count counts only its own events: the other watches' are shown and do not end it" {
    OWN_SERVER=1
    start_server
    start_script_repl
    echo 'watch a' >&8
    wait_file "$BATS_TEST_TMPDIR/err" "watching (id 1)"
    echo 'watch --count 1 b' >&8
    "$NDB" set a 100
    # b is set until its watch (id 2, registered some time after the line
    # was written) has its one event; a's event used to be counted as it,
    # which ended the watch before b changed
    local i
    for i in $(seq 1 100); do
        "$NDB" set b "$i"
        grep -q '"id":2' "$BATS_TEST_TMPDIR/out" && break
        sleep 0.1
    done
    echo 'get b' >&8
    end_script_repl
    [ "$status" -eq 0 ]
    [ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(printf '%s\n' '{"id":1,"key":"a","op":"set"}' '{"id":2,"key":"b","op":"set"}' "$i")" ]
}
