#!/usr/bin/env bats
# Server addresses as the client takes them (--url, $NDB_URL): full ws://
# URLs, the shorthands HOST:PORT, :PORT and HOST, and bad addresses refused
# with exit status 2 and one line naming what is wrong, before anything is
# sent.  (Every form in detail: tests/unit/test_url.c.)

load client_helpers

setup_file() { start_server; }
teardown_file() { stop_server; }

setup() { "$NDB" send '{"KV_CLEAR_SET":{"keys":{"a":1,"b":2}}}' >/dev/null; }

@test "shorthands reach the server: :PORT, HOST:PORT, IPv4:PORT, in --url and NDB_URL" {
    run --separate-stderr "$NDB" --url ":$NDB_PORT" count
    ok_out 2
    run --separate-stderr "$NDB" --url "localhost:$NDB_PORT" get a
    ok_out 1
    NDB_URL="127.0.0.1:$NDB_PORT" run --separate-stderr "$NDB" count
    ok_out 2
    run --separate-stderr "$NDB" send --url ":$NDB_PORT" '{"KV_COUNT":{}}'
    ok_out '{"KV_COUNT_RSP":{"cnt":2,"st":1}}'
    # a path and query after a shorthand are sent (the server accepts any)
    run --separate-stderr "$NDB" --url "127.0.0.1:$NDB_PORT/some/path?x=1" count
    ok_out 2
    # the scheme is matched without regard to case
    run --separate-stderr "$NDB" --url "WS://127.0.0.1:$NDB_PORT/" count
    ok_out 2
}

@test "connection messages name the URL a shorthand stands for" {
    run --separate-stderr "$NDB" --url :1 get a
    exit_is 2 ""
    [ "$stderr" = "ndb: cannot connect to ws://127.0.0.1:1/: Connection refused" ]
    run --separate-stderr "$NDB" send --url 127.0.0.1:1 '{"KV_COUNT":{}}'
    exit_is 2 ""
    [ "$stderr" = "ndb: cannot connect to ws://127.0.0.1:1/: Connection refused" ]
}

@test "bad addresses: exit 2, one line saying what is wrong" {
    local url want
    while IFS='|' read -r url want; do
        run --separate-stderr "$NDB" --url "$url" count
        if [ "$status" -ne 2 ] || [ -n "$output" ] || [ "$stderr" != "ndb: invalid URL '$url': $want" ]; then
            printf 'url %s: exit %s, stdout %s\nstderr: %s\nwant:   %s\n' "$url" "$status" "$output" "$stderr" \
                "ndb: invalid URL '$url': $want" >&2
            return 1
        fi
    done <<'EOF'
http://127.0.0.1:1987/|unsupported scheme 'http://' (use ws:// or wss://)
://127.0.0.1|missing scheme before '://' (use ws:// or wss://)
ws://|empty host
ws://:1987/|empty host
ws://[]:1987/|empty host
ws://127.0.0.1:0/|invalid port '0' (must be 1..65535)
127.0.0.1:65536|invalid port '65536' (must be 1..65535)
localhost:http|invalid port 'http' (must be 1..65535)
ws://127.0.0.1:/|missing port number after ':'
ws://[::1:1987/|unclosed '[' in the host
ws://[::1]x/|unexpected text after ']': 'x'
ws://[::g]/|invalid IPv6 address '::g'
::1|an IPv6 address must be written in brackets, e.g. [::1]
ws://me@127.0.0.1/|user names in URLs are not supported
ws://a,b/|invalid character ',' in the host
ws://hé/|invalid character 'é' in the host
ws://日本.jp/|invalid character '日' in the host
ws://db😀/|invalid character '😀' in the host
EOF
    # an empty value is a mistake, never "use the default" (another server)
    run --separate-stderr env NDB_URL="ws://127.0.0.1:1/" "$NDB" --url '' count
    [ "$status" -eq 2 ] && [ "${stderr%%$'\n'*}" = "ndb count: --url is empty" ]
    run --separate-stderr "$NDB" -H '' -p 1 count
    [ "$status" -eq 2 ] && [ "${stderr%%$'\n'*}" = "ndb count: -H/--host is empty" ]
    run --separate-stderr "$NDB" send --url= '{"KV_COUNT":{}}'
    [ "$status" -eq 2 ] && [ "${stderr%%$'\n'*}" = "ndb send: --url is empty" ]
}

@test "a password in a refused URL is shown as *** in the message, from --url or NDB_URL, in every command" {
    # the URL is quoted in the message, and a CI log or a terminal
    # recording kept the password given in NDB_URL or --url
    local c first
    for c in count 'get a' 'send {"KV_COUNT":{}}' repl bench; do
        # shellcheck disable=SC2086
        run --separate-stderr env NDB_URL='ws://app:s3cret@127.0.0.1:1/' "$NDB" $c </dev/null
        first=${c%% *}
        [ "$status" -eq 2 ] && [ "${stderr_lines[0]}" = "ndb $first: invalid URL 'ws://app:***@127.0.0.1:1/' (NDB_URL): user names in URLs are not supported" ] ||
            { echo "$c: exit $status: $stderr" >&2; return 1; }
    done
    run --separate-stderr "$NDB" --url 'ws://app:s3cret@127.0.0.1:1/' count
    [ "$status" -eq 2 ] && [ "$stderr" = "ndb: invalid URL 'ws://app:***@127.0.0.1:1/': user names in URLs are not supported" ]
    run --separate-stderr "$NDB" bench --url 'http://app:s3cret@h/'
    [ "$status" -eq 2 ] && [ "${stderr_lines[0]}" = "ndb bench: invalid --url 'http://app:***@h/': unsupported scheme 'http://' (use ws:// or wss://)" ]
    run --separate-stderr "$NDB" repl --url 'ws://app:s3cret@h/' </dev/null
    [ "$status" -eq 2 ] && [ "${stderr_lines[0]}" = "ndb repl: invalid URL 'ws://app:***@h/': user names in URLs are not supported" ]
}

@test "a bad NDB_URL is named as NDB_URL by every command, as by repl and bench; help still works" {
    local c first
    for c in count 'get a' 'session new' scan 'send {"KV_COUNT":{}}' repl bench; do
        # (word splitting of $c is wanted: a command and its arguments)
        # shellcheck disable=SC2086
        run --separate-stderr env NDB_URL=http://127.0.0.1:1987/ "$NDB" $c </dev/null
        first=${c%% *}
        [ "$status" -eq 2 ] && [ -z "$output" ] || { echo "$c: exit $status, stdout $output" >&2; return 1; }
        [ "${stderr_lines[0]}" = "ndb ${first/session/session new}: invalid URL 'http://127.0.0.1:1987/' (NDB_URL): unsupported scheme 'http://' (use ws:// or wss://)" ] ||
            { echo "$c: $stderr" >&2; return 1; }
        [ "${stderr_lines[1]}" = "Try 'ndb ${first/session/session new} --help' for more information." ]
    done
    # nothing to connect to: no complaint
    run --separate-stderr env NDB_URL=http://x "$NDB" help get
    [ "$status" -eq 0 ] && [ -z "$stderr" ] && [[ "$output" == "usage: ndb get "* ]]
    # an option given wins over NDB_URL, bad or not
    run --separate-stderr env NDB_URL=http://x "$NDB" --url ":$NDB_PORT" count
    ok_out 2
    run --separate-stderr env NDB_URL=http://x "$NDB" -p "$NDB_PORT" count
    ok_out 2
}
