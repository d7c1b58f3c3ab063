#!/usr/bin/env bats
# The client commands built on the server's scans: `ndb scan` (streaming key
# names), `ndb keys --prefix` (KV_SCAN at the top level), `ndb session list`
# (SH_SCAN).

load client_helpers

setup_file() { start_server; }
teardown_file() { stop_server; }
setup() {
    "$NDB" clear --yes >/dev/null
    "$NDB" send '{"SH_END_ALL":{}}' >/dev/null
}

@test "scan prints every key name, one per line, in insertion order; --prefix, -r and -0" {
    run --separate-stderr "$NDB" scan
    ok_out ''
    "$NDB" set job:2 b other c job:1 a
    "$NDB" set 'job:new
line' x
    run --separate-stderr "$NDB" scan
    ok_out '"job:1"
"job:2"
"other"
"job:new\nline"'
    run --separate-stderr "$NDB" scan --prefix job: -r
    ok_out 'job:1
job:2
job:new
line'
    "$NDB" scan -0 --prefix job: | od -An -c | tr -d ' \n' >"$BATS_TEST_TMPDIR/od"
    [ "$(cat "$BATS_TEST_TMPDIR/od")" = 'job:1\0job:2\0job:new\nline\0' ]
}

@test "scan streams many pages: every key once, and keys --prefix gathers the pages" {
    local i
    for i in $(seq 1 2500); do printf '{"KV_SET":{"keys":{"k%d":%d}}}\n' "$i" "$i"; done | "$NDB" send >/dev/null
    "$NDB" set other 1
    run --separate-stderr "$NDB" scan -r
    [ "$status" -eq 0 ]
    [ "$(wc -l <<<"$output")" -eq 2501 ]
    [ "$(head -n 1 <<<"$output")" = k1 ] && [ "$(tail -n 1 <<<"$output")" = other ]
    [ -z "$(sort <<<"$output" | uniq -d)" ]
    run --separate-stderr "$NDB" keys -r --prefix k24
    ok_out "$(printf 'k24\n'; seq -f 'k24%g' 0 9; seq -f 'k24%02g' 0 99)"
}

@test "scan: no session form, no arguments, and a server that cannot be reached" {
    run --separate-stderr "$NDB" --session 1 scan
    exit_is 2 ''
    err_has "--session does not apply to 'scan'"
    run --separate-stderr "$NDB" scan extra
    exit_is 2 ''
    run --separate-stderr "$NDB" scan --url ws://127.0.0.1:1/ --timeout 2
    exit_is 2 ''
    err_has 'cannot connect to ws://127.0.0.1:1/'
    # a prefix that is not UTF-8 is a usage error, before the server closes the connection (1007)
    run --separate-stderr "$NDB" scan --prefix $'\xff\xfe'
    exit_is 2 ''
    err_has 'ndb scan: --prefix is not valid UTF-8'
    run --separate-stderr "$NDB" keys --prefix $'\xff'
    exit_is 2 ''
    err_has 'ndb keys: --prefix is not valid UTF-8'
}

@test "keys --prefix inside a session filters the session's keys" {
    local t
    t=$("$NDB" session new)
    "$NDB" --session "$t" set user:1 a other b user:2 c
    run --separate-stderr "$NDB" --session "$t" keys --prefix user:
    ok_out '"user:1"
"user:2"'
}

@test "session list prints every session with its SH_INFO members, one per line" {
    run --separate-stderr "$NDB" session list
    ok_out ''
    local a b
    a=$("$NDB" session new --ttl 600 --delete)
    b=$("$NDB" session new)
    "$NDB" --session "$b" set x 1
    run --separate-stderr "$NDB" session list
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^\{\"expires\":true,\"expiry\":\{\"deleteSession\":true,\"duration\":600,\"extendOnGet\":false,\"extendOnSetAdd\":false,\"remaining\":(599|600)\},\"keyCnt\":0,\"shared\":false,\"tkn\":$a\}$'\n'\{\"expires\":false,\"keyCnt\":1,\"shared\":false,\"tkn\":$b\}$ ]]
    run --separate-stderr "$NDB" session list extra
    exit_is 2 ''
}
