#!/usr/bin/env bats
# The native client as a whole: help, version, typo suggestions, option
# parsing, terminal versus pipe output, colour and NO_COLOR, info, and the
# failures a script must be able to rely on (unreachable server, silent
# server, usage errors).

load client_helpers

setup_file() { start_server; }
teardown_file() { stop_server; }
teardown() { stop_silent_listener; }

E=$'\e'

@test "--version, help, COMMAND --help, help COMMAND" {
    run --separate-stderr "$NDB" --version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^ndb\ [0-9]+\.[0-9]+\.[0-9]+(\ \(commit\ [0-9a-f]{7,}(\+changes)?\))?$ ]]
    run --separate-stderr "$NDB" help
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: ndb [GLOBAL OPTIONS] COMMAND"* ]]
    for c in get set add rm keys count contains clear clear-set find update append save load info serve send; do
        [[ "$output" == *"  $c "* ]]
    done
    [[ "$output" == *"session new"* ]]
    run --separate-stderr "$NDB" --help
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: ndb [GLOBAL OPTIONS] COMMAND"* ]]
    run --separate-stderr "$NDB" get --help
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: ndb get [OPTIONS] KEY..."* ]]
    [[ "$output" == *"Exit status:"*"1  some KEY does not exist"*"3  the server answered"* ]]
    local direct=$output
    run --separate-stderr "$NDB" help get
    [ "$output" = "$direct" ]
    run --separate-stderr "$NDB" get -h
    [ "$output" = "$direct" ]
    run --separate-stderr "$NDB" help session end
    [[ "$output" == "usage: ndb session end [OPTIONS] TKN... | --all"* ]]
    run --separate-stderr "$NDB" help send
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: ndb send"* ]]
    run --separate-stderr "$NDB" help nosuch
    exit_is 2 ""
}

@test "a command's option before the command name: told to put it after the name, not 'unknown command' or a wrong 'did you mean'" {
    # "ndb -0 keys" said unknown command '-0'; "ndb --null keys" suggested --url
    local a want
    for a in '-0 keys|-0|keys' '-r -0 keys|-0|keys' '--null keys|--null|keys' '--object get a|--object|get' \
             '--all session watch|--all|session watch' '--count 3 watch|--count|watch'; do
        IFS='|' read -r a opt want <<<"$a"
        run --separate-stderr "$NDB" $a
        exit_is 2 ''
        [ "$stderr" = "ndb: $opt is an option of the command, not of ndb itself: put it after the command name ('ndb $want $opt ...')"$'\n'"Try 'ndb --help' for more information." ] ||
            { echo "ndb $a: $stderr" >&2; return 1; }
    done
    run --separate-stderr "$NDB" --null
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb: --null is an option of a command, not of ndb itself: put it after the command name" ]
    # one the command named does not take either
    run --separate-stderr "$NDB" --prefix x get a
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb: unknown option '--prefix': ndb takes it neither before a command nor as an option of 'ndb get'" ]
    # an option no command has is unknown, as before
    run --separate-stderr "$NDB" --bogus keys
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb: unknown option '--bogus'" ]
    run --separate-stderr "$NDB" -5 get a
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb: unknown option '-5'" ]
}

@test "watch and session watch --help: exit status 2 names a lost connection, which ends them; get --help does not" {
    local c
    for c in watch 'session watch'; do
        run --separate-stderr "$NDB" $c --help
        [ "$status" -eq 0 ]
        [[ "$output" == *$'\n  2  usage error, cannot connect, no answer within the timeout, or the\n     connection was lost\n'* ]] ||
            { echo "ndb $c --help: $output" >&2; return 1; }
    done
    run --separate-stderr "$NDB" get --help
    [[ "$output" == *$'\n  2  usage error, cannot connect, or no answer within the timeout\n'* ]]
}

@test "--version's commit: cmake/build_commit.cmake names a checkout's commit, +changes for a changed tree, none outside git" {
    local script="$BATS_TEST_DIRNAME/../../cmake/build_commit.cmake" repo="$BATS_TEST_TMPDIR/repo" out="$BATS_TEST_TMPDIR/c.h"
    mkdir -p "$repo/sub" "$BATS_TEST_TMPDIR/plain"
    git -C "$repo" init -q
    echo one >"$repo/f"
    git -C "$repo" add f
    git -C "$repo" -c user.name=t -c user.email=t@example.com commit -q -m one
    local head
    head=$(git -C "$repo" rev-parse --short=7 HEAD)
    cmake -DSRC="$repo" -DOUT="$out" -P "$script"
    [ "$(tail -n 1 "$out")" = "#define NDB_BUILD_COMMIT \"$head\"" ]
    # unchanged text: the file is not written again (nothing recompiles)
    touch -d '2001-01-01' "$out"
    cmake -DSRC="$repo" -DOUT="$out" -P "$script"
    [ "$(stat -c %Y "$out")" = "$(date -d 2001-01-01 +%s)" ]
    echo two >"$repo/f"
    cmake -DSRC="$repo" -DOUT="$out" -P "$script"
    [ "$(tail -n 1 "$out")" = "#define NDB_BUILD_COMMIT \"$head+changes\"" ]
    # a source tree inside someone else's checkout, and one outside any
    cmake -DSRC="$repo/sub" -DOUT="$out" -P "$script"
    [ "$(tail -n 1 "$out")" = '#define NDB_BUILD_COMMIT ""' ]
    cmake -DSRC="$BATS_TEST_TMPDIR/plain" -DOUT="$out" -P "$script"
    [ "$(tail -n 1 "$out")" = '#define NDB_BUILD_COMMIT ""' ]
}

@test "help and --version that cannot be written (a full disk): exit 2 (serve 1), said once, as for ndb help" {
    # `ndb get --help` and `ndb help get` print the same text: they failed
    # differently (0 and silence for the first)
    local a
    for a in --version --help -h 'get --help' 'session --help' 'session new --help' 'help' 'help get' \
             'send --help' 'repl --help' 'bench --help' 'passwd --help' 'journal --help' 'help send'; do
        run --separate-stderr bash -c "\"\$NDB\" $a >/dev/full"
        [ "$status" -eq 2 ] || { echo "ndb $a: exit $status" >&2; return 1; }
        [ "$stderr" = "ndb: cannot write the output: No space left on device" ] || { echo "ndb $a: $stderr" >&2; return 1; }
    done
    for a in 'serve --help' 'help serve'; do
        run --separate-stderr bash -c "\"\$NDB\" $a >/dev/full"
        [ "$status" -eq 1 ] || { echo "ndb $a: exit $status" >&2; return 1; }
        [ "$stderr" = "ndb: cannot write the output: No space left on device" ] || { echo "ndb $a: $stderr" >&2; return 1; }
    done
    # written whole: still 0
    run --separate-stderr bash -c '"$NDB" --help >/dev/null && "$NDB" serve --help >/dev/null && "$NDB" --version >/dev/null'
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
}

@test "help, --version, passwd and journal whose reader has gone end quietly with their own status, not by SIGPIPE" {
    # they connect to no server, and only a connection (libwebsockets) had
    # SIGPIPE ignored: `ndb --help | head -1` exited 141 when head had left
    # first, a failure under `set -o pipefail`
    local a
    for a in --version --help 'help get' 'get --help' 'help --commands' 'serve --help' 'send --help' \
             'passwd --help' 'journal --help'; do
        # shellcheck disable=SC2086
        run --separate-stderr reader_gone "$NDB" $a
        [ "$output" = "exit 0" ] && [ -z "$stderr" ] || { echo "ndb $a: $output, $stderr" >&2; return 1; }
    done
    run --separate-stderr reader_gone "$NDB" passwd --iterations 100000 <<<secret
    [ "$output" = "exit 0" ]
    [ -z "$stderr" ]
}

@test "passwd whose hash cannot be written (a full disk): exit 2 and the reason, as every command, not 1 (no password)" {
    local a
    for a in '' '--name app'; do # the hash, and a whole user entry
        # shellcheck disable=SC2016,SC2086
        run --separate-stderr bash -c 'printf "secret\n" | "$NDB" passwd --iterations 100000 $0 >/dev/full' "$a"
        exit_is 2 ''
        [ "$stderr" = "ndb: cannot write the output: No space left on device" ]
    done
}

@test "help with a word too many is a usage error for a subcommand and --commands too, as for a command" {
    local a
    for a in 'help get extra' 'help session new extra' 'help --commands extra' 'help values extra'; do
        # shellcheck disable=SC2086
        run --separate-stderr "$NDB" $a
        [ "$status" -eq 2 ] && [ -z "$output" ] || { echo "ndb $a: exit $status" >&2; return 1; }
        [ "$stderr" = $'ndb help: too many arguments\nTry \'ndb help --help\' for more information.' ] ||
            { echo "ndb $a: $stderr" >&2; return 1; }
    done
    run --separate-stderr "$NDB" help session new
    [ "$status" -eq 0 ] && [[ "$output" == "usage: ndb session new "* ]]
}

@test "every command's --help names its options and exit statuses" {
    local c
    for c in get set add rm keys count contains clear clear-set find update append save load info \
        "session new" "session end" "session exists" "session info" "session save" "session load"; do
        run --separate-stderr "$NDB" $c --help
        [ "$status" -eq 0 ]
        [[ "$output" == "usage: ndb $c "* ]]
        [[ "$output" == *"--url URL"*"--timeout SECONDS"*"Exit status:"*"  2  "* ]]
    done
    run --separate-stderr "$NDB" set --help
    [[ "$output" == *"-s, --string"*"--json"* ]]
    run --separate-stderr "$NDB" find --help
    [[ "$output" == *"--keys K,..."*"--key KEY"*"--paths"*"--kv"* ]]
    run --separate-stderr "$NDB" append --help
    [[ "$output" == *"--name ARRAY"* ]]
}

@test "help --commands and help --options (for completion scripts)" {
    run --separate-stderr "$NDB" help --commands
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\nget\n'* ]]
    [[ "$output" == *$'\nsession new\n'* ]]
    [[ "$output" == "serve"* ]]
    run --separate-stderr "$NDB" help --options find
    [[ "$output" == *"--paths"* ]]
    [[ "$output" != *"--session"* ]]
    run --separate-stderr "$NDB" help --options get
    [[ "$output" == *"--session"* ]]
    run --separate-stderr "$NDB" help --options session new
    [[ "$output" == *"--ttl"* ]]
}

@test "help --options of serve, send, bench, repl, passwd and journal lists the options each accepts" {
    run --separate-stderr "$NDB" help --options journal
    ok_out $'--config\n--persist-path\n-h\n--help'
    run --separate-stderr "$NDB" help --options passwd
    ok_out $'--iterations\n--name\n--role\n-h\n--help'
    run --separate-stderr "$NDB" help --options send
    ok_out $'--url\n-H\n--host\n-p\n--port\n--timeout\n--events\n--user\n--password-file\n--cacert\n--client-cert\n--client-key\n--insecure\n-h\n--help'
    local c o
    for c in serve bench repl; do
        run --separate-stderr "$NDB" help --options "$c"
        [ "$status" -eq 0 ] && [ -z "$stderr" ]
        # each name once (a wrapped line of help text is not an option)
        [ "$output" = "$(printf '%s\n' "$output" | awk '!seen[$0]++')" ]
        [ "${#lines[@]}" -gt 10 ]
    done
    run "$NDB" help --options serve
    [[ "$output" == *$'\n--max-connections\n'*$'\n--auth\n--no-auth\n'*$'\n--tls-ca' ]]
    run "$NDB" help --options bench
    [[ "$output" == *$'\n-c\n--conns\n-P\n--pipeline\n'*$'\n--csv\n--json\n'* ]]
    run "$NDB" help --options repl
    [[ "$output" == *$'\n--session\n-r\n--raw\n'*$'\n--continue-on-error\n-h\n--help' ]]
}

@test "no command: the overview on stderr, exit 2" {
    run --separate-stderr "$NDB"
    exit_is 2 ""
    err_has "usage: ndb"
}

@test "unknown commands suggest the closest one, exit 2" {
    run --separate-stderr "$NDB" gte a
    exit_is 2 ""
    err_has "ndb: unknown command 'gte'; did you mean 'get'?"
    run --separate-stderr "$NDB" conut
    err_has "did you mean 'count'?"
    run --separate-stderr "$NDB" clearset
    err_has "did you mean 'clear-set'?"
    run --separate-stderr "$NDB" serv
    err_has "did you mean 'serve'?"
    # upper case, as other databases' shells spell commands
    run --separate-stderr "$NDB" GET a
    exit_is 2 ""
    [ "$stderr" = "ndb: unknown command 'GET'; did you mean 'get'?"$'\n'"Try 'ndb help'." ]
    run --separate-stderr "$NDB" session NEW
    err_has "ndb: unknown command 'session NEW'; did you mean 'new'?"
    run --separate-stderr "$NDB" frobnicate
    exit_is 2 ""
    [[ "$stderr" == "ndb: unknown command 'frobnicate'"$'\n'* ]]
    run --separate-stderr "$NDB" --ttl 5 get a
    exit_is 2 ""
}

@test "unknown commands and options are quoted with their control characters as \\xhh" {
    # as typed they would reach the terminal showing the message: ESC ] 0 ;
    # retitles the window, ESC [ recolours; a VALUE's excerpt escapes them too
    run --separate-stderr "$NDB" "$E]0;owned"$'\a'
    exit_is 2 ""
    [ "$stderr" = "ndb: unknown command '\\x1b]0;owned\\x07'"$'\n'"Try 'ndb help'." ]
    run --separate-stderr "$NDB" session "bo"$'\x01'"gus"
    exit_is 2 ""
    [ "$stderr" = "ndb: unknown command 'session bo\\x01gus'"$'\n'"Try 'ndb session --help'." ]
    run --separate-stderr "$NDB" help "$E[2J"
    exit_is 2 ""
    [ "$stderr" = "ndb: unknown command '\\x1b[2J'" ]
    run --separate-stderr "$NDB" get "--$E[31mred"
    exit_is 2 ""
    [ "$stderr" = "ndb get: unknown option '--\\x1b[31mred'"$'\n'"Try 'ndb get --help' for more information." ]
    run --separate-stderr "$NDB" get "-$E"
    exit_is 2 ""
    [ "$stderr" = "ndb get: unknown option '-\\x1b'"$'\n'"Try 'ndb get --help' for more information." ]
    # a value quoted in any usage error, and the commands that parse their own options
    run --separate-stderr "$NDB" get --session "$E[1m" a
    exit_is 2 ""
    err_has "ndb get: invalid session token '\\x1b[1m' (expected"
    # an invalid URL (--url, NDB_URL), its password hidden as before
    run --separate-stderr "$NDB" --url "ws://me:pw@127.0.0.1:1/$E[1m" get a
    exit_is 2 ""
    [ "$stderr" = "ndb: invalid URL 'ws://me:***@127.0.0.1:1/\\x1b[1m': user names in URLs are not supported" ]
    local bad="ws://127.0.0.1:1/$E]0;x"
    run --separate-stderr env NDB_URL="$bad" "$NDB" get a
    exit_is 2 ""
    err_has "ndb get: invalid URL 'ws://127.0.0.1:1/\\x1b]0;x' (NDB_URL): invalid character in the path"
    for cmd in serve send bench passwd journal repl; do
        run --separate-stderr "$NDB" "$cmd" "--x$E[1m"
        exit_is "$([ "$cmd" = serve ] && echo 1 || echo 2)" "" # serve's start-up errors exit 1
        [ "$stderr" = "ndb $cmd: unknown option '--x\\x1b[1m'"$'\n'"Try 'ndb $cmd --help' for more information." ]
    done
}

@test "usage errors show C1 controls and bytes that are not UTF-8 as \\xhh, and UTF-8 text as it is" {
    # U+009B is CSI to a terminal that takes 8-bit controls, a lone byte
    # 0x9b the same to a Latin-1 one; é, CJK and emoji must stay readable
    run --separate-stderr "$NDB" $'\xc2\x9b31mred'
    exit_is 2 ""
    [ "$stderr" = "ndb: unknown command '\\xc2\\x9b31mred'"$'\n'"Try 'ndb help'." ]
    run --separate-stderr "$NDB" $'\x9b31m\xc3'
    exit_is 2 ""
    [ "$stderr" = "ndb: unknown command '\\x9b31m\\xc3'"$'\n'"Try 'ndb help'." ]
    run --separate-stderr "$NDB" get "--été-中文-😀"
    exit_is 2 ""
    [ "$stderr" = "ndb get: unknown option '--été-中文-😀'"$'\n'"Try 'ndb get --help' for more information." ]
    run --separate-stderr "$NDB" --url $'ws://127.0.0.1:1/\xc2\x85é x' get a
    exit_is 2 ""
    [ "$stderr" = "ndb: invalid URL 'ws://127.0.0.1:1/\\xc2\\x85é x': invalid character in the path (spaces and control characters must be %-encoded)" ]
}

@test "other errors quoting what was typed (a file, a user, the URL) show its control characters as \\xhh too" {
    run --separate-stderr "$NDB" --url ws://127.0.0.1:1/ get --user u --password-file "p$E[31m" a
    [ "$status" -ne 0 ] && [ -z "$output" ]
    [ "$stderr" = "ndb: cannot read password file p\\x1b[31m: No such file or directory" ]
    run --separate-stderr "$NDB" --url ws://127.0.0.1:1/ get --user "u$E]0;x"$'\a' a </dev/null
    [ "$status" -ne 0 ] && [ -z "$output" ]
    [ "$stderr" = "ndb: cannot log in as 'u\\x1b]0;x\\x07': a user name is 1 to 64 bytes without control characters or ':'" ]
    run --separate-stderr "$NDB" --url "wss://127.0.0.1:1/" get --cacert "c$E[31m" a
    [ "$status" -ne 0 ] && [ -z "$output" ]
    [ "$stderr" = "ndb: cannot read --cacert c\\x1b[31m: No such file or directory" ]
    # a URL is refused whole if its path holds a C1 control (it is shown in
    # every connection message, the REPL's banner too); UTF-8 text in it stays
    run --separate-stderr "$NDB" --url $'ws://127.0.0.1:1/\xc2\x9b31m' get a
    exit_is 2 ""
    [ "$stderr" = "ndb: invalid URL 'ws://127.0.0.1:1/\\xc2\\x9b31m': invalid character in the path (spaces and control characters must be %-encoded)" ]
    run --separate-stderr "$NDB" --url 'ws://127.0.0.1:1/été' get a
    [ "$status" -ne 0 ] && [ -z "$output" ]
    [ "$stderr" = "ndb: cannot connect to ws://127.0.0.1:1/été: Connection refused" ]
    # ndb serve's start-up errors
    run --separate-stderr "$NDB" serve --port 0 --config "c$E[31m.json"
    exit_is 1 ""
    [ "$stderr" = "ndb serve: cannot read config file c\\x1b[31m.json: No such file or directory" ]
    run --separate-stderr "$NDB" serve --port 0 --tls-cert "c$E[31m" --tls-key "k$E[31m"
    exit_is 1 ""
    [ "$stderr" = "ndb serve: --tls-cert c\\x1b[31m: cannot read it: No such file or directory" ]
    run --separate-stderr "$NDB" journal check --persist-path "/nonexistent$E[31m"
    exit_is 2 ""
    [ "$stderr" = "ndb journal: no journal or automatic snapshot in /nonexistent\\x1b[31m (/nonexistent\\x1b[31m/@ndb does not exist)" ]
    mkdir -p "$BATS_TEST_TMPDIR/d$E[31m"
    run --separate-stderr "$NDB" serve --port 0 --load-name x --load-path "$BATS_TEST_TMPDIR/d$E[31m"
    exit_is 1 ""
    [ "$stderr" = "ndb serve: cannot load 'x' from $BATS_TEST_TMPDIR/d\\x1b[31m: dataset 'x' does not exist in $BATS_TEST_TMPDIR/d\\x1b[31m" ]
}

@test "'session set' and other key commands under 'session' point to --session, exit 2" {
    run --separate-stderr "$NDB" session set 12 user bob
    exit_is 2 ""
    [ "$stderr" = "ndb: unknown command 'session set'; a session's keys use the key commands: 'ndb set --session TKN ...' (or NDB_SESSION)"$'\n'"Try 'ndb session --help'." ]
    run --separate-stderr "$NDB" session get
    exit_is 2 ""
    err_has "'ndb get --session TKN ...' (or NDB_SESSION)"
    run --separate-stderr "$NDB" help session keys
    exit_is 2 ""
    [ "$stderr" = "ndb: unknown command 'session keys'; a session's keys use the key commands: 'ndb keys --session TKN ...' (or NDB_SESSION)" ]
    # a command that takes no --session (top-level keys only) gets no such hint
    run --separate-stderr "$NDB" session update
    exit_is 2 ""
    [ "$stderr" = "ndb: unknown command 'session update'"$'\n'"Try 'ndb session --help'." ]
    run --separate-stderr "$NDB" session neww
    [ "$stderr" = "ndb: unknown command 'session neww'; did you mean 'new'?"$'\n'"Try 'ndb session --help'." ]
}

@test "unknown options suggest the closest one, exit 2" {
    run --separate-stderr "$NDB" session new --tll 5
    exit_is 2 ""
    err_has "unknown option '--tll'; did you mean '--ttl'?"
    run --separate-stderr "$NDB" get -x a
    exit_is 2 ""
    err_has "unknown option '-x'"
    run --separate-stderr "$NDB" get --timeout
    exit_is 2 ""
    err_has "needs a value"
    run --separate-stderr "$NDB" get --timeout abc a
    exit_is 2 ""
    err_has "invalid timeout"
    run --separate-stderr "$NDB" get --raw=yes a
    exit_is 2 ""
    run --separate-stderr "$NDB" get --pretty --compact a
    exit_is 2 ""
}

@test "a --timeout too large names the limit, the same in every command that takes one" {
    # it said only "(expected seconds, e.g. 5 or 0.5)" for 9999999: the
    # limit was nowhere, in the message or the docs
    local c
    for c in count send repl; do
        run --separate-stderr "$NDB" $c --timeout 9999999 </dev/null
        exit_is 2 ""
        [ "${stderr_lines[0]}" = "ndb $c: invalid timeout '9999999' (expected seconds, 0 to 2147483, e.g. 5 or 0.5; 0: no limit)" ]
    done
    run --separate-stderr "$NDB" --timeout 2147483 count
    ok_out 0
}

@test "--timeout and bench's numbers are plain decimals: hexadecimal, blanks, inf and nan are refused as strtod alone took them" {
    local c t
    for t in 0x1 ' 5' inf nan 1. .5 1e 5x; do
        for c in count send repl; do
            run --separate-stderr "$NDB" $c --timeout "$t" </dev/null
            exit_is 2 ""
            [ "${stderr_lines[0]}" = "ndb $c: invalid timeout '$t' (expected seconds, 0 to 2147483, e.g. 5 or 0.5; 0: no limit)" ] ||
                { echo "$c --timeout '$t': ${stderr_lines[0]}" >&2; return 1; }
        done
        run --separate-stderr "$NDB" bench --set-ratio "$t" -n 1
        exit_is 2 ""
    done
    for t in 5 0.5 1e1 2E-1 0; do
        run --separate-stderr "$NDB" --timeout "$t" count
        ok_out 0
    done
}

@test "ndb --help states the colour rule and the exit-1 cases as the README and ndb(1) do" {
    # it said "unless NO_COLOR is set" (TERM=dumb turns colour off too) and
    # left out an update that replaced nothing from exit status 1
    run --separate-stderr "$NDB" --help
    [[ "$output" == *"pretty JSON in colour (NO_COLOR or TERM=dumb turns"$'\n'"colour off)"* ]]
    [[ "$output" == *"(contains, session exists, find, an update that replaced nothing)"* ]]
    run --separate-stderr "$NDB" help get
    [[ "$output" == *"(NO_COLOR or TERM=dumb turns colour off)"* ]]
    # what they say is what happens
    "$NDB" set c 1
    TERM=dumb on_tty "$NDB" get c
    [ "$output" = 1 ]
    run --separate-stderr "$NDB" update c '$.x' 2
    exit_is 1 0
}

@test "--version after a command says where it goes, instead of suggesting --session" {
    run --separate-stderr "$NDB" get --version
    exit_is 2 ""
    [ "$stderr" = $'ndb get: --version comes before any command: \'ndb --version\'\nTry \'ndb get --help\' for more information.' ]
    run --separate-stderr "$NDB" session new --version
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb session new: --version comes before any command: 'ndb --version'" ]
    run --separate-stderr "$NDB" -p 1 --version
    [ "$status" -eq 0 ] && [[ "$output" == "ndb "[0-9]* ]]
}

@test "no command takes an abbreviated long option: the client's, serve, bench and journal refuse them alike" {
    run --separate-stderr "$NDB" get --obj a
    exit_is 2 ""
    [ "$stderr" = "ndb get: unknown option '--obj'
Try 'ndb get --help' for more information." ]
    # (timeout: a serve that took the prefix would run on; not a time limit)
    run --separate-stderr timeout 10 "$NDB" serve --max-conn 5 --port 0
    exit_is 1 ""
    [ "$stderr" = "ndb serve: unknown option '--max-conn'
Try 'ndb serve --help' for more information." ]
    run --separate-stderr timeout 10 "$NDB" serve --max-conn=5 --port 0
    exit_is 1 ""
    [ "$stderr" = "ndb serve: unknown option '--max-conn=5'
Try 'ndb serve --help' for more information." ]
    run --separate-stderr timeout 10 "$NDB" serve --port 0 --log-lev debug
    exit_is 1 ""
    [ "$stderr" = "ndb serve: unknown option '--log-lev'; did you mean '--log-level'?
Try 'ndb serve --help' for more information." ]
    run --separate-stderr "$NDB" bench --req 1
    exit_is 2 ""
    [ "$stderr" = "ndb bench: unknown option '--req'
Try 'ndb bench --help' for more information." ]
    run --separate-stderr "$NDB" bench -n 1 --js
    exit_is 2 ""
    [ "$stderr" = "ndb bench: unknown option '--js'
Try 'ndb bench --help' for more information." ]
    run --separate-stderr "$NDB" journal --pers "$BATS_TEST_TMPDIR" check
    exit_is 2 ""
    [ "$stderr" = "ndb journal: unknown option '--pers'
Try 'ndb journal --help' for more information." ]
    # whole names still work, with the value in the next word or after '='
    run --separate-stderr "$NDB" bench --requests=1 --conns 1 --json --url "$NDB_URL"
    [ "$status" -eq 0 ]
    [[ "$output" == "{"*'"requests":1'* ]]
}

@test "bench: --csv and --json exclude each other, exit 2, as --pretty and --compact do" {
    run --separate-stderr "$NDB" bench --csv --json -n 1 --url "$NDB_URL"
    exit_is 2 ""
    [ "$stderr" = "ndb bench: --csv and --json exclude each other
Try 'ndb bench --help' for more information." ]
    run --separate-stderr "$NDB" bench --json -n 1 --url "$NDB_URL" --csv
    exit_is 2 ""
    err_has "ndb bench: --csv and --json exclude each other"
    # one of them twice is still that one
    run --separate-stderr "$NDB" bench --json --json -n 1 -c 1 --url "$NDB_URL"
    [ "$status" -eq 0 ]
    [[ "$output" == "{"*'"requests":1'* ]]
}

@test "global options before the command name" {
    "$NDB" set a '"x"'
    run --separate-stderr "$NDB" --url "$NDB_URL" --timeout 2 -r get a
    ok_out 'x'
    run --separate-stderr "$NDB" -r --compact get a
    ok_out 'x'
    run --separate-stderr "$NDB" -r --url "$NDB_URL" send '{"KV_COUNT":{}}'
    exit_is 2 ""
    err_has "ndb send: -r (--raw) does not apply to 'send'"
}

@test "pipe: compact JSON, one document per line" {
    "$NDB" set o '{"x": [1, "s", null, true], "e": {}}'
    run --separate-stderr "$NDB" get o
    ok_out '{"x":[1,"s",null,true],"e":{}}'
    run --separate-stderr "$NDB" --pretty get o
    ok_out '{
  "x": [
    1,
    "s",
    null,
    true
  ],
  "e": {}
}'
}

@test "terminal: pretty JSON in colour" {
    "$NDB" set o '{"x": [1, "s", null, true], "e": {}, "n": 0.10}'
    TERM=xterm on_tty "$NDB" get o
    ok_out "{
  $E[1;34m\"x\"$E[0m: [
    $E[36m1$E[0m,
    $E[32m\"s\"$E[0m,
    $E[90mnull$E[0m,
    $E[33mtrue$E[0m
  ],
  $E[1;34m\"e\"$E[0m: {},
  $E[1;34m\"n\"$E[0m: $E[36m0.10$E[0m
}"
}

@test "terminal with NO_COLOR (or TERM=dumb): pretty, no colour" {
    "$NDB" set o '{"x": [1, "s"], "n": 0.10}'
    NO_COLOR=1 TERM=xterm on_tty "$NDB" get o
    ok_out '{
  "x": [
    1,
    "s"
  ],
  "n": 0.10
}'
    TERM=dumb on_tty "$NDB" get o
    [[ "$output" != *$E* ]]
    NO_COLOR= TERM=xterm on_tty "$NDB" get o
    [[ "$output" == *$E* ]]
}

@test "terminal: --compact and -r" {
    "$NDB" set o '{"x": [1]}' s '"a b"'
    TERM=xterm on_tty "$NDB" --compact get o
    ok_out '{"x":[1]}'
    TERM=xterm on_tty "$NDB" get -r s
    ok_out 'a b'
    TERM=xterm on_tty "$NDB" get s
    ok_out "$E[32m\"a b\"$E[0m"
}

@test "terminal: keys and contains print one JSON array; pipe: one per line" {
    "$NDB" clear --yes >/dev/null
    "$NDB" set a 1 b 2
    NO_COLOR=1 on_tty "$NDB" keys
    ok_out '[
  "a",
  "b"
]'
    NO_COLOR=1 on_tty "$NDB" contains a b
    ok_out '[
  "a",
  "b"
]'
    NO_COLOR=1 on_tty "$NDB" keys -r
    ok_out 'a
b'
    run --separate-stderr "$NDB" keys
    ok_out '"a"
"b"'
}

@test "terminal: session exists prints an array of tokens" {
    local t
    t=$("$NDB" session new)
    NO_COLOR=1 on_tty "$NDB" session exists "$t"
    ok_out "[
  $t
]"
    "$NDB" session end "$t"
}

@test "info prints the server's report without st" {
    run --separate-stderr "$NDB" info
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^\{.*\"persistEnabled\":false,.*\"serverVersion\":\"[0-9]+\.[0-9]+\.[0-9]+\" ]]
    [[ "$output" != *'"st":'* ]]
    run --separate-stderr "$NDB" info extra
    exit_is 2 ""
}

@test "unreachable server: exit 2 with the reason, quickly" {
    run --separate-stderr "$NDB" --url ws://127.0.0.1:1/ get a
    exit_is 2 ""
    err_has "cannot connect to ws://127.0.0.1:1/: Connection refused"
    NDB_URL=ws://127.0.0.1:1/ run --separate-stderr "$NDB" set a 1
    exit_is 2 ""
    run --separate-stderr "$NDB" --url http://127.0.0.1:1/ get a
    exit_is 2 ""
    err_has "invalid URL"
}

@test "a server that accepts but never answers: timeout, exit 2, within about --timeout" {
    start_silent_listener 8
    local t0 t1
    t0=$(date +%s%N)
    run --separate-stderr "$NDB" --url "ws://127.0.0.1:$SILENT_PORT/" --timeout 1 get a
    t1=$(date +%s%N)
    exit_is 2 ""
    err_has "timed out after 1 s"
    [ $(((t1 - t0) / 1000000)) -ge 900 ]
    [ $(((t1 - t0) / 1000000)) -lt 4500 ] # under the 5 s default: --timeout was obeyed
    t0=$(date +%s%N)
    NDB_URL="ws://127.0.0.1:$SILENT_PORT/" run --separate-stderr "$NDB" session new --timeout 0.3
    t1=$(date +%s%N)
    exit_is 2 ""
    [ $(((t1 - t0) / 1000000)) -lt 4500 ]
    # send says it in the same unit (it said "after 300 ms")
    run --separate-stderr "$NDB" send --url "ws://127.0.0.1:$SILENT_PORT/" --timeout 0.3 '{"KV_COUNT":{}}'
    exit_is 2 ""
    [ "$stderr" = "ndb: cannot connect to ws://127.0.0.1:$SILENT_PORT/: timed out after 0.3 s" ]
}

@test "a server that completes the handshake but never answers: timeout, exit 2" {
    start_silent_listener 8 ws
    local t0 t1
    t0=$(date +%s%N)
    run --separate-stderr "$NDB" --url "ws://127.0.0.1:$SILENT_PORT/" --timeout 1 get a
    t1=$(date +%s%N)
    exit_is 2 ""
    err_has "no answer from ws://127.0.0.1:$SILENT_PORT/: timed out after 1 s"
    [ $(((t1 - t0) / 1000000)) -ge 900 ]
    [ $(((t1 - t0) / 1000000)) -lt 4500 ] # under the 5 s default: --timeout was obeyed
}

@test "the answer to another command is not taken for the answer: exit 2, quoted" {
    # a peer that answers every request with a count: info printed {"cnt":0}
    # and count printed 0 for a bool test, all with exit 0
    local rsp='{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
    ndb_against "$rsp" info
    exit_is 2 ""
    [ "$stderr" = "ndb: the server's answer is to another request: $rsp" ]
    ndb_against "$rsp" contains a
    exit_is 2 ""
    [ "$stderr" = "ndb: the server's answer is to another request: $rsp" ]
    # the answer it asked for is taken, and so is ERR
    ndb_against "$rsp" count
    exit_is 0 "0"
    ndb_against '{"ERR":{"m":"","st":3}}' count
    exit_is 3 ""
    [ "$stderr" = "ndb: JsonInvalid (3): the server could not parse the request" ]
}

@test "an answer that is not ndb's is quoted cut between characters, its control characters as \\xhh" {
    # whatever answers at the URL may not be ndb: its first 200 bytes went
    # to the terminal as they were, an escape sequence (here one that sets
    # the window title) obeyed, and the cut left half an é
    local esc=$'\e]0;owned\a' e150 e95 e75
    e150=$(python3 -c 'print("é" * 150, end="")')
    e95=$(python3 -c 'print("é" * 95, end="")') # 200 bytes with the 9 before, less half an é
    e75=$(python3 -c 'print("é" * 75, end="")') # 160 bytes, the same way
    ndb_against "$esc$e150" get a
    exit_is 2 ""
    [ "$stderr" = "ndb: the server's answer is not understood: \\x1b]0;owned\\x07$e95..." ]
    # so is the answer to a login, at most 160 bytes (it ended in \xc3,
    # the first byte of an é)
    start_silent_listener 8 ws "$esc$e150"
    run --separate-stderr env NDB_PASSWORD=pw "$NDB" --url "ws://127.0.0.1:$SILENT_PORT/" --user u get a
    exit_is 2 ""
    [ "$stderr" = "ndb: the server's answer to the login is not understood: \\x1b]0;owned\\x07$e75..." ]
    # each control character takes 4 bytes (\xhh): 130 of them and then é
    # overflowed the message's buffer, cut inside an é (\xc3) with no "...";
    # the quote is now cut to fit, between characters
    local c130 e12
    c130=$(printf '\\x01%.0s' $(seq 130))
    e12=$(python3 -c 'print("é" * 12, end="")')
    stop_silent_listener
    start_silent_listener 8 ws "$(python3 -c 'print("\x01" * 130 + "é" * 30, end="")')"
    run --separate-stderr env NDB_PASSWORD=pw "$NDB" --url "ws://127.0.0.1:$SILENT_PORT/" --user u get a
    exit_is 2 ""
    [ "$stderr" = "ndb: the server's answer to the login is not understood: $c130$e12..." ]
}

@test "a foreign server's message text is quoted in every message that shows it: watch, a refused save, a REPL event" {
    # whatever answers at the URL may not be ndb: these three printed its
    # text as it came, an escape sequence (here one that sets the window
    # title) obeyed by the terminal.  Now as every server message: control
    # characters as spaces (C1 ones as \xhh); an event that is not JSON is
    # quoted as `ndb watch` quotes it
    ndb_against '{"KV_WATCH_RSP":{"m":"\u001b]0;owned\u0007 no\u009b","st":100}}' watch a
    exit_is 1 ""
    [ "$stderr" = 'ndb:  ]0;owned  no\xc2\x9b' ]
    ndb_against '{"KV_SAVE_RSP":{"m":"dataset names \u001b]0;owned\u0007!","st":42}}' save x
    exit_is 3 ""
    [ "$stderr" = 'ndb: ValueSize (42): invalid dataset name "x": dataset names  ]0;owned !' ]
    start_silent_listener 8 ws $'{"KV_EVENT":\e]0;owned\a}'
    run --separate-stderr bash -c 'printf "get a\n" | "$1" --url "ws://127.0.0.1:$2/" --timeout 1 repl' _ "$NDB" "$SILENT_PORT"
    exit_is 2 ""
    [ "${stderr%%$'\n'*}" = 'ndb: the server'"'"'s event is not understood: {"KV_EVENT":\x1b]0;owned\x07}' ]
}

@test "a server's close reason is quoted as its messages are: UTF-8 as it is, controls and other bytes as \\xhh, not each byte as '?'" {
    # each byte outside printable ASCII was shown as '?': "1008: caf??" for
    # "café", and \xhh nowhere, unlike every other text a server sends
    # (ndb's own reasons are ASCII; a server that is not ndb may send any)
    start_silent_listener 8 close $'caf\xc3\xa9 \e]0;owned\a \xff'
    run --separate-stderr "$NDB" --url "ws://127.0.0.1:$SILENT_PORT/" get a
    exit_is 2 ""
    [ "$stderr" = "ndb: lost connection to ws://127.0.0.1:$SILENT_PORT/ before the answer arrived: connection closed by server (1008: café \\x1b]0;owned\\x07 \\xff)" ]
    stop_silent_listener
    # ndb bench's own connection shows it the same way; a close frame that
    # came in one read with the handshake response waited unseen in its
    # buffer (epoll does not announce it) until --timeout or a reset
    start_silent_listener 8 close $'caf\xc3\xa9 \e]0;owned\a \xff'
    run --separate-stderr "$NDB" bench --url "ws://127.0.0.1:$SILENT_PORT/" -c 1 -n 1 -q
    exit_is 1 ""
    [ "$stderr" = "ndb bench: connection 1 to ws://127.0.0.1:$SILENT_PORT/: connection closed by server (1008: café \\x1b]0;owned\\x07 \\xff)" ]
}

@test "a foreign server's answer to the login is quoted: its refusal's message (ndb send, the REPL's reconnection) and the role" {
    # ndb send printed "cannot log in as 'u': AuthFailed (44): " and the
    # server's m as it came, an escape sequence obeyed by the terminal; the
    # REPL did when reconnecting, and its banner showed the role so
    start_silent_listener 8 ws '{"SV_AUTH_RSP":{"m":"bad \u001b]0;owned\u0007 pw\u009b","st":44}}'
    run --separate-stderr env NDB_PASSWORD=pw "$NDB" --url "ws://127.0.0.1:$SILENT_PORT/" --user u send '{"KV_COUNT":{}}'
    exit_is 2 ""
    [ "$stderr" = "ndb: cannot log in as 'u': AuthFailed (44): bad  ]0;owned  pw\\xc2\\x9b" ]
}

@test "a request larger than the server accepts: exit 2, said plainly" {
    local url=$NDB_URL pid=$NDB_PID log=$NDB_LOG big
    start_server --max-payload 100
    run --separate-stderr "$NDB" set k "$(head -c 200 /dev/zero | tr '\0' x)"
    local set_status=$status set_err=$stderr
    # ndb send said only that the connection was lost (it pipelines: which
    # request was too large is not known, but what to do about it is)
    big='{"KV_SET":{"keys":{"k":"'$(head -c 200 /dev/zero | tr '\0' x)'"}}}'
    run --separate-stderr "$NDB" send "$big"
    local small_url=$NDB_URL
    stop_server
    NDB_URL=$url NDB_PID=$pid NDB_LOG=$log
    export NDB_URL NDB_PID NDB_LOG
    [ "$set_status" -eq 2 ]
    [ "$set_err" = "ndb: the request (228 bytes) is larger than the server accepts: connection closed by server (1009: message over maxPayload); the server's --max-payload option (maxPayload in its config file) raises the limit" ]
    exit_is 2 ""
    [ "$stderr" = "ndb: lost connection to $small_url before all answers arrived: connection closed by server (1009: message over maxPayload); a request was larger than the server accepts: the server's --max-payload option (maxPayload in its config file) raises the limit" ]
}

@test "set -euo pipefail scripts: statuses are usable directly" {
    run bash -c "set -euo pipefail
        export NDB_URL='$NDB_URL' NDB='$NDB'
        \"\$NDB\" clear >/dev/null
        \"\$NDB\" set user:1 '{\"name\":\"Bob\"}'
        if \"\$NDB\" contains user:2 >/dev/null; then echo wrong; fi
        name=\$(\"\$NDB\" get user:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"name\"])')
        echo \"name=\$name\"
        \"\$NDB\" get user:2 2>/dev/null || echo \"missing=\$?\"
        \"\$NDB\" keys | while read -r k; do echo \"key \$k\"; done"
    ok_out 'name=Bob
missing=1
key "user:1"'
}

@test "output to a closed pipe does not print an error" {
    "$NDB" clear --yes >/dev/null
    "$NDB" set a 1 b 2 c 3
    run --separate-stderr bash -c "'$NDB' keys | head -n 1"
    ok_out '"a"'
    [ -z "$stderr" ]
}

@test "-H HOST and -p PORT build ws://HOST:PORT/; global options before send are accepted" {
    "$NDB" clear --yes >/dev/null
    "$NDB" set a 1
    NDB_URL= run --separate-stderr "$NDB" -p "$NDB_PORT" get a
    ok_out '1'
    NDB_URL= run --separate-stderr "$NDB" get a -H 127.0.0.1 -p "$NDB_PORT"
    ok_out '1'
    NDB_URL= run --separate-stderr "$NDB" -H localhost --port "$NDB_PORT" count
    ok_out '1'
    NDB_URL= run --separate-stderr "$NDB" -H ::1 -p 1 count --timeout 2
    exit_is 2 ""
    err_has "ws://[::1]:1/"
    run --separate-stderr "$NDB" --url "$NDB_URL" -p 1 count
    exit_is 2 ""
    err_has "ndb count: give --url or -H/-p, not both"
    run --separate-stderr "$NDB" -p 65536 count
    exit_is 2 ""
    err_has "invalid port '65536' (expected 1..65535)"
    # send: global options before it, as for every other command
    NDB_URL= run --separate-stderr "$NDB" --url "$NDB_URL" send '{"KV_COUNT":{}}'
    ok_out '{"KV_COUNT_RSP":{"cnt":1,"st":1}}'
    NDB_URL= run --separate-stderr "$NDB" --timeout 3 -p "$NDB_PORT" send '{"KV_COUNT":{}}'
    ok_out '{"KV_COUNT_RSP":{"cnt":1,"st":1}}'
    NDB_URL= run --separate-stderr "$NDB" send -p "$NDB_PORT" '{"KV_COUNT":{}}'
    ok_out '{"KV_COUNT_RSP":{"cnt":1,"st":1}}'
    run --separate-stderr "$NDB" --session 5 send '{"KV_COUNT":{}}'
    exit_is 2 ""
    err_has "ndb send: --session does not apply to 'send'"
}

@test "a global option that send, serve, bench or journal does not take is said not to apply to it" {
    run --separate-stderr "$NDB" --session 5 send '{"KV_COUNT":{}}'
    exit_is 2 ""
    [ "$stderr" = "ndb send: --session does not apply to 'send'
Try 'ndb send --help' for more information." ]
    run --separate-stderr "$NDB" -r send '{"KV_COUNT":{}}'
    exit_is 2 ""
    [ "$stderr" = "ndb send: -r (--raw) does not apply to 'send'
Try 'ndb send --help' for more information." ]
    # a short option is spelled out: before bench, -c is --compact, not bench's --conns
    run --separate-stderr "$NDB" -c bench -n 1
    exit_is 2 ""
    [ "$stderr" = "ndb bench: -c (--compact) does not apply to 'bench'
Try 'ndb bench --help' for more information." ]
    run --separate-stderr "$NDB" --session=5 bench -n 1
    exit_is 2 ""
    [ "$stderr" = "ndb bench: --session does not apply to 'bench'
Try 'ndb bench --help' for more information." ]
    run --separate-stderr timeout 10 "$NDB" --session 5 serve --port 0
    exit_is 1 ""
    [ "$stderr" = "ndb serve: --session does not apply to 'serve'
Try 'ndb serve --help' for more information." ]
    run --separate-stderr "$NDB" --pretty journal --persist-path "$BATS_TEST_TMPDIR" check
    exit_is 2 ""
    [ "$stderr" = "ndb journal: --pretty does not apply to 'journal'
Try 'ndb journal --help' for more information." ]
    # the ones they take still pass through, also with the value attached
    # or several short ones in one word
    run --separate-stderr "$NDB" --url "$NDB_URL" --timeout 5 send '{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
    [[ "$output" == '{"KV_COUNT_RSP":{"cnt":'* ]]
    NDB_URL= run --separate-stderr "$NDB" "-p$NDB_PORT" send '{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
    [[ "$output" == '{"KV_COUNT_RSP":{"cnt":'* ]]
    NDB_URL= run --separate-stderr "$NDB" -H127.0.0.1 "-p$NDB_PORT" bench -n 10 -c 1 --json
    [ "$status" -eq 0 ]
    [[ "$output" == '{'*'"requests":10'* ]]
    NDB_URL= run --separate-stderr "$NDB" -rc -p "$NDB_PORT" repl <<<'count'
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+$ ]]
}

@test "help texts: no phrase split over lines, no sentence said twice" {
    local c
    while IFS= read -r c; do
        run --separate-stderr "$NDB" $c --help
        [[ "$output" != *$'(no colour\non a terminal)'* && "$output" != *$'(no colour on a\nterminal)'* ]] || { echo "ndb $c --help splits NO_COLOR's phrase" >&2; return 1; }
        [[ "$output" != *$'(login and\nTLS)'* ]] || { echo "ndb $c --help splits the login phrase" >&2; return 1; }
        # the summary (line 3) is not the description again
        [ "$(grep -cxF -- "${lines[1]}" <<<"$output")" = 1 ] || { echo "ndb $c --help repeats its summary" >&2; return 1; }
    done < <("$NDB" help --commands | grep -vx -e serve -e send -e bench -e repl)
    run --separate-stderr "$NDB" get --help
    [[ "$output" == *$'NDB_SESSION (session token),\nNDB_USER, NDB_PASSWORD, NDB_CACERT, NDB_CLIENT_CERT, NDB_CLIENT_KEY\n(login and TLS), NO_COLOR (no colour on a terminal).'* ]]
}

@test "terminal: each colour reset comes before its line's end, the last item's too" {
    "$NDB" clear --yes >/dev/null
    "$NDB" set a '["x", 1]'
    TERM=xterm on_tty "$NDB" get a
    [ "$output" = $'[\n  \e[32m"x"\e[0m,\n  \e[36m1\e[0m\n]' ]
}

@test "help never asks for a password, even with NDB_USER set (it connects to nothing)" {
    NDB_USER=alice NDB_PASSWORD= run --separate-stderr "$NDB" help </dev/null
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    NDB_USER=alice NDB_PASSWORD= run --separate-stderr "$NDB" help --commands </dev/null
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [[ "$output" == *$'\nget\n'* ]]
    # a command that connects still needs one, and says so (setsid: no
    # terminal to ask on, even when the tests run in one)
    run --separate-stderr env -u NDB_PASSWORD NDB_USER=alice setsid -w "$NDB" --url ws://127.0.0.1:1/ count </dev/null
    [ "$status" -eq 2 ]
    [ "$stderr" = "ndb: no password for user 'alice': no terminal to ask for the password on (set NDB_PASSWORD, or give --password-file FILE)" ]
    # set, but empty (a secret file read into it came out empty): it counts
    # as unset, and the hint no longer says to set what is set
    run --separate-stderr env NDB_PASSWORD= NDB_USER=alice setsid -w "$NDB" --url ws://127.0.0.1:1/ count </dev/null
    [ "$status" -eq 2 ]
    [ "$stderr" = "ndb: no password for user 'alice': no terminal to ask for the password on (NDB_PASSWORD is empty: set it to the password, or give --password-file FILE)" ]
}
