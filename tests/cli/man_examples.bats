#!/usr/bin/env bats
# man_examples.bats — the EXAMPLES of ndb-serve(1) and ndb-bench(1) run as
# written (issue 19: no example in the man pages that a test does not run;
# ndb(1) and ndb-repl(1) are run by docs.bats).
#
# Their examples start servers and load them, so they are not run through
# the transcript runner of docs.bats: every command line of an EXAMPLES
# block is listed below with what it must do, and the test fails when the
# pages hold a command line this file does not know (a new example) or
# when one listed here is gone.  Servers get `--port 0` appended (the
# kernel picks a free port) and are stopped once they listen; bench runs
# against a test server on 127.0.0.1 ($NDB_URL).

bats_require_minimum_version 1.5.0
load helpers

MAN=$BATS_TEST_DIRNAME/../../man

# example_lines PAGE: the command lines ("$ " removed, "\e" continuations
# joined) of the literal blocks of PAGE's EXAMPLES section, one per line.
example_lines() {
    awk '
        /^\.Sh / { on = ($2 == "EXAMPLES"); next }
        on && /^\.Bd -literal/ { lit = 1; next }
        on && /^\.Ed/ { lit = 0; next }
        on && lit {
            line = $0
            if (cont != "") { sub(/^ +/, "", line); line = cont " " line; cont = "" }
            else if (line !~ /^\$ /) next
            else line = substr(line, 3)
            if (line ~ /\\e$/) { cont = substr(line, 1, length(line) - 2); sub(/ +$/, "", cont); next }
            sub(/ +#.*$/, "", line)
            print line
        }' "$1"
}

# serve_once ARGS...: `ndb serve ARGS --port 0` must start and listen,
# then stop cleanly on SIGTERM.
serve_once() {
    start_server "$@"
    grep -q 'listening on wss\?://' "$NDB_LOG"
    local pid=$NDB_PID
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    NDB_PID=
    [ "$rc" -eq 0 ] || { cat "$NDB_LOG" >&2; return 1; }
}

setup() {
    cd "$BATS_TEST_TMPDIR"
}

teardown() { stop_server; }

@test "ndb-serve(1): every example runs as written" {
    command -v openssl >/dev/null || skip "the openssl command is not installed"
    run example_lines "$MAN/ndb-serve.1"
    [ "$status" -eq 0 ]
    local expected=(
        'ndb passwd --name app --role write'
        'cat ndb.jsonc'
        'mkdir -p data'
        'ndb serve --config ndb.jsonc --ip 0.0.0.0 --persist-path data --tls-cert cert.pem --tls-key key.pem'
        'ndb serve --allow-origin https://app.example.com'
        'ndb serve --persist-path data --load-name users --max-memory 2G'
        'ndb serve --persist-path data --journal always'
        'ndb serve --persist-path data --save "3600 1 60 10000"'
    )
    [ "$output" = "$(printf '%s\n' "${expected[@]}")" ]

    # ndb passwd: one line of JSON, the user entry to paste ("asks twice" on
    # a terminal; from a pipe it reads the first line)
    local entry
    entry=$(printf 'correct horse\n' | "$NDB" passwd --name app --role write)
    [[ "$entry" =~ ^\{\"name\":\"app\",\"password\":\"\$pbkdf2-sha256\$i=600000\$[^\"]+\",\"role\":\"write\"\}$ ]]
    # cat ndb.jsonc: the page's file, with the real hash where it shows "..."
    local hash
    hash=$(sed 's/.*"password":"\([^"]*\)".*/\1/' <<<"$entry")
    sed -n '/^\$ cat ndb.jsonc$/,/^\$ mkdir/p' "$MAN/ndb-serve.1" | sed '1d;$d' |
        sed "s|\\\$pbkdf2-sha256\\\$i=600000\\\$\\.\\.\\.|$hash|" >ndb.jsonc
    grep -qF "\"password\": \"$hash\"" ndb.jsonc
    mkdir -p data
    # a certificate for the TLS example
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem \
        -days 2 -subj /CN=localhost 2>/dev/null
    serve_once --config ndb.jsonc --ip 0.0.0.0 --persist-path data --tls-cert cert.pem --tls-key key.pem
    grep -q 'listening on wss://0.0.0.0:' "$NDB_LOG"
    serve_once --allow-origin https://app.example.com
    # --load-name users needs a dataset users: saved by a server first
    start_server --persist-path data
    "$NDB" set u:1 '{"name":"Bob"}'
    "$NDB" save users >/dev/null
    stop_server
    serve_once --persist-path data --load-name users --max-memory 2G
    grep -q "info: loaded 'users' from data (snapshot [0-9]*): 1 key, 0 sessions" "$NDB_LOG"
    serve_once --persist-path data --journal always
    serve_once --persist-path data --save "3600 1 60 10000"
}

@test "ndb-bench(1): every example runs as written, in order, on one server" {
    # a run that writes refuses a server that holds keys (exit 2) and the
    # keys of a run stay: the page empties the server between the runs
    # itself, so a reader who pastes the examples in order gets no refusal
    run example_lines "$MAN/ndb-bench.1"
    [ "$status" -eq 0 ]
    local expected=(
        'ndb bench --preload'
        'ndb clear --yes'
        'ndb bench --op mixed --set-ratio 0.2 -d 1024 --preload --json'
        'ndb clear --yes'
        'ndb bench --op set -c 4 -P 32 --duration 5'
    )
    [ "$output" = "$(printf '%s\n' "${expected[@]}")" ]
    start_server # bench finds it through $NDB_URL
    run "$NDB" bench --preload
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "ndb bench: get on $NDB_URL: 50 connections, pipeline 1, 100000 keys, 16-character values, preloaded" ]
    [[ "$output" == *"requests    100000 in "* ]]
    run "$NDB" clear --yes
    [ "$status" -eq 0 ] && [ "$output" = 100000 ]
    run --separate-stderr "$NDB" bench --op mixed --set-ratio 0.2 -d 1024 --preload --json
    [ "$status" -eq 0 ]
    [ "$(jq -r '.op, .conns, .pipeline, .value_size, .set_ratio, .preload, .requests, .gets + .sets' <<<"$output" |
        tr '\n' ' ')" = "mixed 50 1 1024 0.2 true 100000 100000 " ]
    run "$NDB" clear --yes
    [ "$status" -eq 0 ] && [ "$output" = 100000 ]
    run "$NDB" bench --op set -c 4 -P 32 --duration 5
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "ndb bench: set on $NDB_URL: 4 connections, pipeline 32, 100000 keys, 16-character values" ]
}

@test "tests/bench/README.md: its Running block runs the examples of ndb-bench(1), in their order" {
    # the block is not run here (it builds and starts a server on 1987): its
    # build/ndb lines other than serve must be the page's, which the test
    # above runs
    local got
    got=$(awk '/^## Running/ { on = 1 } on && /^```sh$/ { inb = 1; next } inb && /^```$/ { exit } inb' \
        "$BATS_TEST_DIRNAME/../bench/README.md" | sed -n 's|^build/\(ndb [^#]*[^ #]\) *\(#.*\)\{0,1\}$|\1|p' | grep -v '^ndb serve')
    [ "$got" = "$(example_lines "$MAN/ndb-bench.1")" ] || { printf 'README:\n%s\npage:\n%s\n' "$got" "$(example_lines "$MAN/ndb-bench.1")" >&2; return 1; }
}
