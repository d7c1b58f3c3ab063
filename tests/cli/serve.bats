#!/usr/bin/env bats
# `ndb serve`: options, config files, start-up failures (one clear line,
# exit 1, nothing listening) and shutdown on signals.

load helpers

teardown() { stop_server; }

config() { # config FILE JSON: write a config file
    printf '%s\n' "$2" >"$1"
}

# config_refused JSON MESSAGE: ndb serve refuses the config file $f holding
# JSON with exit 1 and the one line "ndb serve: config $f: MESSAGE"
config_refused() {
    config "$f" "$1"
    run "$NDB" serve --port 0 --config "$f"
    [ "$status" -eq 1 ] || return 1
    [ "$output" = "ndb serve: config $f: $2" ] || { echo "$output" >&2; return 1; }
}

@test "serve --help prints usage and exits 0" {
    run "$NDB" serve --help
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "usage: ndb serve [options]" ]]
    [[ "$output" == *"--max-payload SIZE"* ]]
    # every exit 1 at shutdown is named, the journal's last sync failing too
    [[ "$output" == *"shutdown fails, or if the journal's last sync at shutdown fails (changes"$'\n'"since the journal broke are lost, or acknowledged ones not yet synced may not"$'\n'"be on disk)."* ]]
    # nothing is reloaded: an operator must know a change takes a restart
    [[ "$output" == *"The config file and the TLS files are read"$'\n'"once, at start-up: a change takes a restart."* ]]
    [[ "$output" == *"On SIGINT, SIGTERM or SIGHUP (there is no reload) the server"$'\n'"closes every connection (close code 1000) and exits 0."* ]]
    # a size like the other sizes: with a K or M suffix, within 64 .. 64M
    run "$NDB" serve --max-payload 65M --port 0
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "ndb serve: --max-payload: '65M' must be a size (bytes, or with a K/M/G/T suffix) from 64 to 67108864" ]
    run "$NDB" serve -h
    [ "$status" -eq 0 ]
}

@test "serve --help: the groups of the settings table, wrapped at 80 columns" {
    run "$NDB" serve --help
    [ "$status" -eq 0 ]
    [ -z "$(awk 'length > 80' <<<"$output")" ]
    [ "$(grep -E '^[a-z].*:$' <<<"$output")" = 'server:
persistence (config object "persist"):
sessions (config object "sessions"):
limits (config object "limits"):
security (config object "security"):
tls (config object "tls"):' ]
    grep -qx '  --port N                  port to listen on; 0 picks a free port (0..65535,' <<<"$output"
    grep -qx '  --persist                 allow snapshots (ndb save), under the persist path' <<<"$output"
    grep -qx '  --no-persist              the opposite of --persist' <<<"$output"
    grep -qx '  --output-stall-timeout S  close such a client, with code 1008, when its output' <<<"$output"
    grep -qx '                            (0..1024T, default 0)' <<<"$output"
    grep -qx '  -h, --help                show this help and exit' <<<"$output"
    # the timer removes expired keys too (watchers hear "expire" then): it
    # said "expired sessions" only
    grep -qx '  --session-check-ms MS     how often expired sessions and keys are removed' <<<"$output"
    [ "$output" = "$("$NDB" help serve)" ]
}

@test "defaults: 127.0.0.1, one line saying where it listens" {
    start_server
    run cat "$NDB_LOG"
    [[ "${lines[0]}" =~ ^ndb:\ info:\ listening\ on\ ws://127\.0\.0\.1:[0-9]+/\ \(persistence\ disabled,\ maxPayload\ 1048576\ bytes\)$ ]]
    [[ "$NDB_URL" =~ ^ws://127\.0\.0\.1:[0-9]+/$ ]]
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" == *'"persistEnabled":false'* ]]
}

@test "a config file in the docs/protocol.md format works unchanged; options override it" {
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    config "$f" '{
  "version": 5,            // required, must be 5
  "core": 0,
  "ip": "127.0.0.1",
  "port": 1,               /* overridden below */
  "maxPayload": 1024,
  "persist": { "enabled": false, "path": "./data" }
}'
    start_server --config "$f"
    grep -q 'maxPayload 1024 bytes' "$NDB_LOG"
    stop_server
    start_server --config="$f" --max-payload 2048
    grep -q 'maxPayload 2048 bytes' "$NDB_LOG"
}

# use_free_port: pick a free loopback port into $port and point NDB_URL at
# it, for a server started without start_server (its stderr elsewhere
# than a log file, so "listening on" cannot be waited for)
use_free_port() {
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export NDB_URL="ws://127.0.0.1:$port/"
}

# wait_answering: wait (at most 20 s) until the server at NDB_URL answers;
# fails at once if NDB_PID has ended
wait_answering() {
    local i
    for i in $(seq 1 400); do
        "$NDB" count >/dev/null 2>&1 && return 0
        kill -0 "$NDB_PID" || return 1
        sleep 0.05
    done
    return 1
}

@test "started with standard input, output and error closed, ndb serve opens them on /dev/null and serves" {
    # An init script's >&- : the server exited 2 ("cannot write the output",
    # or nothing at all), and a file it opened could have taken the number
    # of standard error, its log lines going into the journal.
    local d="$BATS_TEST_TMPDIR/d" port
    mkdir "$d"
    use_free_port
    "$NDB" serve --port "$port" --persist-path "$d" --journal always <&- >&- 2>&- &
    NDB_PID=$!
    wait_answering
    "$NDB" set k '"v"'
    [ "$("$NDB" get k)" = '"v"' ]
    [ "$(readlink "/proc/$NDB_PID/fd/0" "/proc/$NDB_PID/fd/1" "/proc/$NDB_PID/fd/2")" = "/dev/null
/dev/null
/dev/null" ]
    stop_server
    run "$NDB" journal check --persist-path "$d"
    [ "$status" -eq 0 ]
    [[ "$output" == *"ok: a start-up recovers 1 key and 0 sessions"* ]]
    # a global option before `serve` (-p) is checked by a child process
    # listing serve's options through a pipe, which took descriptors 0 and 1
    "$NDB" -p "$port" serve <&- >&- 2>"$BATS_TEST_TMPDIR/serve.log" &
    NDB_PID=$!
    wait_answering
    [ "$("$NDB" count)" = 0 ]
    grep -q "^ndb: info: listening on ws://127.0.0.1:$port/" "$BATS_TEST_TMPDIR/serve.log"
}

@test "--persist-path enables persistence" {
    start_server --persist-path "$BATS_TEST_TMPDIR"
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" == *'"persistEnabled":true'* ]]
}

@test "invalid configs: one line naming the problem and the field, exit 1" {
    local f="$BATS_TEST_TMPDIR/bad.json"
    config "$f" '{"version":4,"ip":"127.0.0.1","port":1,"maxPayload":100,"persist":{"enabled":false,"path":""}}'
    run "$NDB" serve --port 0 --config "$f"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "ndb serve: config $f: 'version' must be 5" ]]

    config "$f" '{"version":5,"ip":"127.0.0.1","port":"1","maxPayload":100,"persist":{"enabled":false,"path":""}}'
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $f: 'port' must be an integer from 1 to 65535 (a string here: write the number without quotes)" ]

    config "$f" '{"version":5,"ip":"127.0.0.1","port":1,"maxPayload":63}'
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $f: 'maxPayload' must be a number of bytes from 64 to 67108864" ]

    config "$f" '{"version":5, oops}'
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $f: Config file not valid JSON at line 1, column 15 (byte 14): unexpected 'o'" ]

    # a UTF-8 byte-order mark (as Windows editors write) is skipped; UTF-16 is named
    printf '\xef\xbb\xbf{"port": 1, "maxPayload": 63}' >"$f"
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $f: 'maxPayload' must be a number of bytes from 64 to 67108864" ]
    printf '{"port": 1}' | iconv -t UTF-16 >"$f"
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $f: Config file not valid JSON at line 1, column 1 (byte 0): the file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8" ]

    # a member in the wrong object: its place is named
    config "$f" '{"cert": "c.pem"}'
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $f: unknown member 'cert' (did you mean 'tls.cert'?)" ]

    # a trailing comma says where (line and column) and why
    config "$f" $'{\n  "port": 1988,\n  "limits": {\n    "maxDepth": 5,\n  }\n}'
    run "$NDB" serve --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $f: Config file not valid JSON at line 5, column 3 (byte 53): unexpected '}' after a comma (JSON allows no trailing comma)" ]

    run "$NDB" serve --config "$BATS_TEST_TMPDIR/missing.json"
    [ "$status" -eq 1 ]
    [[ "$output" == "ndb serve: cannot read config file $BATS_TEST_TMPDIR/missing.json: No such file or directory" ]]
    run "$NDB" serve --config=
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: the config file's name is empty" ]
    # past the parser's depth the bracket is valid JSON: the depth is named
    python3 -c "print('{\"a\": /* [ */ \"[\", \"limits\":' + '[' * 5000 + ']' * 5000 + '}')" >"$BATS_TEST_TMPDIR/deep.jsonc"
    run "$NDB" serve --config "$BATS_TEST_TMPDIR/deep.jsonc"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $BATS_TEST_TMPDIR/deep.jsonc: Config file not valid JSON at line 1, column 1052 (byte 1051): arrays and objects nested deeper than 1024 levels" ]
}

@test "persistence enabled with a missing directory fails at start-up, naming what was written" {
    run "$NDB" serve --port 0 --persist-path "$BATS_TEST_TMPDIR/nope"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: persist path is not a directory or does not exist: $BATS_TEST_TMPDIR/nope (option '--persist-path')" ]
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    config "$f" "{\"persist\":{\"enabled\":true,\"path\":\"$BATS_TEST_TMPDIR/nope\"}}"
    run "$NDB" serve --port 0 --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: persist path is not a directory or does not exist: $BATS_TEST_TMPDIR/nope (field 'persist.path')" ]
    # enabled in the file, the path from the command line: the option is named
    run "$NDB" serve --port 0 --config "$f" --persist-path "$BATS_TEST_TMPDIR/nope2"
    [ "$output" = "ndb serve: persist path is not a directory or does not exist: $BATS_TEST_TMPDIR/nope2 (option '--persist-path')" ]
    config "$f" '{"persist":{"enabled":true,"path":""}}'
    run "$NDB" serve --port 0 --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: persist enabled but path is empty (field 'persist.path')" ]
    # nobody wrote it: the default is named as such (it named a config field
    # to a user who had no config file)
    cd "$BATS_TEST_TMPDIR"
    run "$NDB" serve --port 0 --persist
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: persist path is not a directory or does not exist: ./data (the default of option '--persist-path' and field 'persist.path')" ]
}

@test "bad options are usage errors with exit 1" {
    run "$NDB" serve --port 70000
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == "ndb serve: --port: '70000' must be an integer from 0 to 65535" ]]
    run "$NDB" serve --max-payload 10
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == *"--max-payload"* ]]
    run "$NDB" serve --ip localhost
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == *"--ip: 'localhost'"* ]]
    run "$NDB" serve --log-level loud
    [ "$status" -eq 1 ]
    run "$NDB" serve --bogus
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == "ndb serve: unknown option '--bogus'" ]]
    run "$NDB" serve stray
    [ "$status" -eq 1 ]
    run "$NDB" serve --config a --config b
    [ "$status" -eq 1 ]
}

@test "a port already in use: clear message, exit 1" {
    start_server
    run "$NDB" serve --port "$NDB_PORT"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: cannot listen on 127.0.0.1 port $NDB_PORT: Address already in use" ]
}

@test "SIGTERM and SIGINT: connections get a close with code 1000 (the protocol's 1.6), exit 0 within a second" {
    start_server
    probe --timeout 5 close-on-shutdown --ready-file "$BATS_TEST_TMPDIR/ready" >"$BATS_TEST_TMPDIR/probe.out" &
    local probe_pid=$!
    local i
    for i in $(seq 1 100); do [ -e "$BATS_TEST_TMPDIR/ready" ] && break; sleep 0.05; done
    kill -TERM "$NDB_PID"
    for i in $(seq 1 20); do kill -0 "$NDB_PID" 2>/dev/null || break; sleep 0.05; done
    ! kill -0 "$NDB_PID" 2>/dev/null
    wait "$NDB_PID"
    local rc=$?
    NDB_PID=
    [ "$rc" -eq 0 ]
    wait "$probe_pid"
    [ "$(cat "$BATS_TEST_TMPDIR/probe.out")" = "closed 1000" ]

    start_server
    kill -INT "$NDB_PID"
    wait "$NDB_PID"
    rc=$?
    NDB_PID=
    [ "$rc" -eq 0 ]
}

@test "ndb with no command, unknown command, --version" {
    run "$NDB"
    [ "$status" -eq 2 ]
    run "$NDB" frobnicate
    [ "$status" -eq 2 ]
    [[ "${lines[0]}" == "ndb: unknown command 'frobnicate'" ]]
    run "$NDB" --version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^ndb\ [0-9]+\.[0-9]+\.[0-9]+(\ \(commit\ [0-9a-f]{7,}(\+changes)?\))?$ ]]
}

# log_settings: the lines of the server's log after "listening on".
log_settings() {
    sed -n '/listening on ws:/,$p' "$NDB_LOG" | tail -n +2
}

@test "a log reader that stops reading never stalls the server: the lines it cannot take are dropped, then counted" {
    # stderr a pipe nobody reads (a stalled `| logger`, a terminal paused
    # with Ctrl-S): one client's flood of admin commands, each logged, filled
    # it, and the server blocked in write(2), answering no one, deaf to SIGTERM
    local fifo="$BATS_TEST_TMPDIR/log.fifo" port rd
    mkfifo "$fifo"
    exec {rd}<>"$fifo" # a reader that holds the pipe open and never reads
    use_free_port
    "$NDB" serve --port "$port" 2>"$fifo" &
    NDB_PID=$!
    wait_answering
    # 3,000 lines of about 45 bytes: twice what the 64 KiB pipe holds
    yes '{"KV_CLEAR":{}}' | head -n 3000 | timeout 60 "$NDB" send --timeout 30 >"$BATS_TEST_TMPDIR/answers"
    [ "$(sort "$BATS_TEST_TMPDIR/answers" | uniq -c | sed 's/^ *//')" = '3000 {"KV_CLEAR_RSP":{"cnt":0,"st":1}}' ]
    [ "$("$NDB" --timeout 10 count)" = 0 ]
    # what the pipe held, read now: whole lines, then a count of the dropped ones
    timeout 2 cat <&"$rd" >"$BATS_TEST_TMPDIR/log1" || [ $? = 124 ] # all there is, then it waits
    "$NDB" clear >/dev/null
    timeout 10 head -n 2 <&"$rd" >"$BATS_TEST_TMPDIR/log2"
    grep -q '^ndb: info: listening on ' "$BATS_TEST_TMPDIR/log1"
    grep -Eq '^ndb: warn: [0-9]+ log lines dropped: standard error was not being read$' "$BATS_TEST_TMPDIR/log2"
    grep -Eq '^ndb: info: client [0-9]+ \(127\.0\.0\.1\): KV_CLEAR$' "$BATS_TEST_TMPDIR/log2"
    kill -TERM "$NDB_PID"
    timeout 20 tail --pid="$NDB_PID" -f /dev/null # it ends, reader or not
    exec {rd}<&-
}

@test "start-up log: what is in force, one line per group of settings" {
    start_server
    [ "$(log_settings)" = "ndb: info: server: logLevel info, console true, coreDumps false
ndb: info: persistence: enabled false, path ./data, journal off, save none, keepSnapshots 3, compactMultiple 2, compactMinBytes 67108864
ndb: info: sessions: checkIntervalMs 1000, tokenBits 53
ndb: info: limits: maxConnections 10000, maxPendingConnections 0 (half of maxConnections), maxOutputBytes 67108864, maxTotalOutputBytes 0 (none), handshakeTimeoutSec 10, idleTimeoutSec 180, requestTimeoutSec 60, loginTimeoutSec 60, maxDepth 1024, maxKeyLength 65536, maxKeysPerRequest 1000000, maxMemory 0 (none), outputHighWater 1048576, outputStallTimeoutSec 60, maxWatches 64, maxWatchKeys 100000, maxTotalWatchBytes 268435456, watchOutputBytes 1048576
ndb: info: security: allowedOrigins [] (and this server's own), allowedHosts [], users none, protectedMode on
ndb: info: tls: off (plain ws://)" ]
}

@test "every member is optional: {\"port\":1} alone is a config; precedence defaults < file < options" {
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    config "$f" '{"port":1}'
    start_server --config "$f" # the --port 0 of start_server wins over the file's 1
    [[ "$(head -n 1 "$NDB_LOG")" =~ ^ndb:\ info:\ listening\ on\ ws://127\.0\.0\.1:[0-9]+/\ \(persistence\ disabled,\ maxPayload\ 1048576\ bytes\)$ ]]
    [ "$NDB_PORT" -ne 1 ]
    stop_server
    config "$f" '{"logLevel":"info","persist":{"path":"/srv/x"},"sessions":{"tokenBits":64},
                  "limits":{"maxMemory":1000,"maxDepth":9}}'
    start_server --max-depth 7 --config "$f" --output-high-water 2M --token-bits 53
    [ "$(log_settings)" = "ndb: info: server: config $f, logLevel info, console true, coreDumps false
ndb: info: persistence: enabled false, path /srv/x, journal off, save none, keepSnapshots 3, compactMultiple 2, compactMinBytes 67108864
ndb: info: sessions: checkIntervalMs 1000, tokenBits 53
ndb: info: limits: maxConnections 10000, maxPendingConnections 0 (half of maxConnections), maxOutputBytes 67108864, maxTotalOutputBytes 0 (none), handshakeTimeoutSec 10, idleTimeoutSec 180, requestTimeoutSec 60, loginTimeoutSec 60, maxDepth 7, maxKeyLength 65536, maxKeysPerRequest 1000000, maxMemory 1000, outputHighWater 2097152, outputStallTimeoutSec 60, maxWatches 64, maxWatchKeys 100000, maxTotalWatchBytes 268435456, watchOutputBytes 1048576
ndb: info: security: allowedOrigins [] (and this server's own), allowedHosts [], users none, protectedMode on
ndb: info: tls: off (plain ws://)" ]
}

@test "config file: unknown members and wrongly typed values name the member, exit 1" {
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    config_refused '{"securty":{}}' "unknown member 'securty' (did you mean 'security'?)"
    config_refused '{"limits":{"maxMemroy":1}}' "unknown member 'limits.maxMemroy' (did you mean 'limits.maxMemory'?)"
    config_refused '{"persist":{"enable":true}}' "unknown member 'persist.enable' (did you mean 'persist.enabled'?)"
    config_refused '{"limits":{"maxMemory":"1G"}}' "'limits.maxMemory' must be a number of bytes from 0 to 1125899906842624 (a string here: write the number of bytes without quotes and without a K/M/G/T suffix)"
    config_refused '{"limits":5}' "'limits' must be an object"
    config_refused '{"persist":{"enabled":"yes"}}' "'persist.enabled' must be true or false (a string here: write true or false without quotes)"
    config_refused '{"ip":"localhost"}' "'ip' must be an IPv4 or IPv6 address literal"
    config_refused '{"logLevel":"loud"}' "'logLevel' must be one of \"error\", \"warn\", \"info\", \"debug\""
    config_refused '{"sessions":{"tokenBits":32}}' "'sessions.tokenBits' must be 53 or 64"
    config_refused '{"sessions":{"checkIntervalMs":0}}' "'sessions.checkIntervalMs' must be a number of milliseconds from 1 to 1000"
    config_refused '{"limits":{"maxTotalWatchBytes":"1G"}}' "'limits.maxTotalWatchBytes' must be a number of bytes from 0 to 1125899906842624 (a string here: write the number of bytes without quotes and without a K/M/G/T suffix)"
    config_refused '{"limits":{"maxPendingConnections":-1}}' "'limits.maxPendingConnections' must be an integer from 0 to 1000000"
    config_refused '{"coreDumps":"yes"}' "'coreDumps' must be true or false (a string here: write true or false without quotes)"
    config_refused '{"persist":{"path":5}}' "'persist.path' must be a directory name of at most 4095 bytes (a number here: a string is written in quotes)"
    # a member given twice, at any depth: jq and editors show the last, the parser kept the first
    config_refused '{"security":{"users":[]},"security":{}}' "'security' is given twice (JSON tools disagree on which one counts: keep one)"
    config_refused '{"security":{"users":[{"name":"v","role":"admin","password":"x","role":"read"}]}}' \
        "'security.users[0].role' is given twice (JSON tools disagree on which one counts: keep one)"
    config_refused '{"tls":{"ca":""},"tls":{"cert":"c.pem","key":"k.pem"}}' "'tls' is given twice (JSON tools disagree on which one counts: keep one)"
    config_refused '{"port":1987,"port":1988}' "'port' is given twice (JSON tools disagree on which one counts: keep one)"
}

@test "a config member spelt as its option, or an option spelt as its member, is pointed to the right name" {
    # loginTimeout (from --login-timeout) is three edits from loginTimeoutSec,
    # too far for the closest-spelling hint: such files got no suggestion
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    config_refused '{"limits":{"loginTimeout":5}}' "unknown member 'limits.loginTimeout' (did you mean 'limits.loginTimeoutSec'?)"
    config_refused '{"limits":{"max-output":65536}}' "unknown member 'limits.max-output' (did you mean 'limits.maxOutputBytes'?)"
    config_refused '{"sessionCheckMs":5}' "unknown member 'sessionCheckMs' (did you mean 'sessions.checkIntervalMs'?)"
    config_refused '{"security":{"allowOrigin":["*"]}}' "unknown member 'security.allowOrigin' (did you mean 'security.allowedOrigins'?)"
    config_refused '{"noAuth":true}' "unknown member 'noAuth' (did you mean 'security.protectedMode', with the opposite value?)"
    config_refused '{"loadName":"x"}' "unknown member 'loadName' (--load-name is a command-line option only)"
    bad() { # bad OPTION MESSAGE
        run "$NDB" serve --port 0 "$1" 5
        [ "$status" -eq 1 ] || return 1
        [ "$output" = "ndb serve: unknown option '$1'$2"$'\n'"Try 'ndb serve --help' for more information." ] ||
            { echo "$output" >&2; return 1; }
    }
    bad --loginTimeoutSec "; did you mean '--login-timeout'?"
    bad --check-interval-ms "; did you mean '--session-check-ms'?"
    bad --protected-mode "; did you mean '--auth' or '--no-auth'?"
    bad --no-protected-mode "; did you mean '--auth' or '--no-auth'?"
    bad --noProtectedMode "; did you mean '--auth' or '--no-auth'?"
    bad --users ": security.users is set in the config file only (--config FILE)"
    bad --version ""
    # one dash: the word itself is named (it was the word before: '5', or 'serve')
    bad -port "; did you mean '--port'?"
    bad -persist "; did you mean '--persist'?"
    bad -x ""
    run "$NDB" serve -port 5
    [ "${lines[0]}" = "ndb serve: unknown option '-port'; did you mean '--port'?" ]
}

@test "config file: core is accepted; the obsolete sessionsEnabled is ignored with a warning" {
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    config "$f" '{"version":5,"core":3,"sessionsEnabled":true}'
    start_server --config "$f"
    [ "$(head -n 1 "$NDB_LOG")" = "ndb: warn: config $f: 'sessionsEnabled' is obsolete and ignored (sessions are always enabled)" ]
    run "$NDB" send '{"SH_NEW":{}}'
    [[ "$output" == '{"SH_NEW_RSP":{"st":1,"tkn":'* ]]
    stop_server
    # at log level error a server that runs well writes nothing: the
    # warning came while the file was read, before the level was set
    config "$f" '{"version":5,"sessionsEnabled":true,"logLevel":"error"}'
    run timeout 1 "$NDB" serve --config "$f" --port 0
    [ "$status" -eq 124 ] && [ "$output" = "" ]
    config "$f" '{"version":5,"sessionsEnabled":true}'
    run timeout 1 "$NDB" serve --config "$f" --port 0 --log-level error
    [ "$status" -eq 124 ] && [ "$output" = "" ]
}

@test "bad option values: one line naming the option, a hint, exit 1" {
    check() { # check MESSAGE OPTION...
        local want=$1
        shift
        run "$NDB" serve --port 0 "$@"
        [ "$status" -eq 1 ] || return 1
        [ "$output" = "ndb serve: $want
Try 'ndb serve --help' for more information." ] || { echo "$output" >&2; return 1; }
    }
    check "--max-memory: '12Q' must be a size (bytes, or with a K/M/G/T suffix) from 0 to 1125899906842624" --max-memory 12Q
    check "--max-output: '1K' must be a size (bytes, or with a K/M/G/T suffix) from 65536 to 1099511627776" --max-output 1K
    check "--max-total-watch: '2000T' must be a size (bytes, or with a K/M/G/T suffix) from 0 to 1125899906842624" --max-total-watch 2000T
    check "--max-total-watch: '-1' must be a size (bytes, or with a K/M/G/T suffix) from 0 to 1125899906842624" --max-total-watch -1
    check "option '--core-dumps=yes' does not take a value" --core-dumps=yes
    check "--max-connections: '0' must be an integer from 1 to 1000000" --max-connections 0
    check "--idle-timeout: '1' must be a number of seconds from 2 to 86400" --idle-timeout=1
    check "--log-level: 'loud' must be one of error, warn, info, debug" --log-level loud
    check "--ip: 'localhost' must be an IPv4 or IPv6 address literal" --ip localhost
    check "--token-bits: '32' must be 53 or 64" --token-bits 32
    check "--load-name: '../x' must be a dataset name (dataset names must match [A-Za-z0-9_.-]{1,200} and not be '.' or '..')" --load-name ../x
    check "--loadPath: '$BATS_TEST_TMPDIR/nodir' must be an existing directory" --loadPath="$BATS_TEST_TMPDIR/nodir"
    check "--config given twice" --config a --config=b
    check "option '--persist=yes' does not take a value" --persist=yes
    check "option '--max-depth' needs a value" --max-depth
    check "unknown option '--max-memroy'; did you mean '--max-memory'?" --max-memroy 1G
    check "unknown option '--bogus'" --bogus
    check "unexpected argument 'stray'" stray
}

@test "--persist and --no-persist; --persist-path enables persistence" {
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    config "$f" "{\"persist\":{\"enabled\":true,\"path\":\"$BATS_TEST_TMPDIR\"}}"
    start_server --config "$f" --no-persist
    grep -q '(persistence disabled, ' "$NDB_LOG"
    req '{"KV_SAVE":{"name":"x"}}' '{"KV_SAVE_RSP":{"m":"","st":14}}'
    stop_server
    start_server --no-persist --persist-path "$BATS_TEST_TMPDIR" # the last one counts
    grep -q '(persistence enabled, ' "$NDB_LOG"
    stop_server
    cd "$BATS_TEST_TMPDIR"
    mkdir data
    start_server --persist # the default ./data
    grep -qx 'ndb: info: persistence: enabled true, path ./data, journal off, save none, keepSnapshots 3, compactMultiple 2, compactMinBytes 67108864' "$NDB_LOG"
    run "$NDB" send '{"KV_SAVE":{"name":"x"}}'
    [[ "$output" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"x\",\"st\":121\}\}$ ]]
    [ -d data/x ]
}

@test "--no-persist also turns off the config file's journal and save schedule (the packaged config journals)" {
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    config "$f" "{\"persist\":{\"enabled\":true,\"path\":\"$BATS_TEST_TMPDIR\",\"journal\":\"everysec\",\"save\":\"60 1\"}}"
    start_server --config "$f" --no-persist
    grep -q '(persistence disabled, ' "$NDB_LOG"
    grep -qx "ndb: info: persistence: enabled false, path $BATS_TEST_TMPDIR, journal off, save none, keepSnapshots 3, compactMultiple 2, compactMinBytes 67108864" "$NDB_LOG"
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    [ ! -e "$BATS_TEST_TMPDIR/@ndb" ] # nothing journaled
    # the same settings on the command line contradict --no-persist: still an error
    run "$NDB" serve --port 0 --config "$f" --no-persist --journal always
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: option '--journal' needs persistence, which --no-persist turns off: give one of them, not both" ]
    run "$NDB" serve --port 0 --persist-path "$BATS_TEST_TMPDIR" --save '60 1' --no-persist
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: option '--save' needs persistence, which --no-persist turns off: give one of them, not both" ]
    # a later --persist-path turns persistence, and the file's journal, back on
    start_server --config "$f" --no-persist --persist-path "$BATS_TEST_TMPDIR"
    grep -qx "ndb: info: persistence: enabled true, path $BATS_TEST_TMPDIR, journal everysec, save \"60 1\", keepSnapshots 3, compactMultiple 2, compactMinBytes 67108864" "$NDB_LOG"
}

@test "--load-name needs --load-path or a persist path (no silent ./data)" {
    cd "$BATS_TEST_TMPDIR"
    mkdir -p data/ds
    run "$NDB" serve --port 0 --load-name ds
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: --load-name needs --load-path or a persist path (--persist-path, or persist.path in the config file)" ]
    # with a path from any of the three, it loads (here: finds no snapshot)
    local want="dataset 'ds' has no complete snapshot"
    run "$NDB" serve --port 0 --load-name ds --load-path data
    [ "$output" = "ndb serve: cannot load 'ds' from data: $want" ]
    run "$NDB" serve --port 0 --load-name ds --persist-path "$BATS_TEST_TMPDIR/data"
    [ "$output" = "ndb serve: cannot load 'ds' from $BATS_TEST_TMPDIR/data: $want" ]
    config c.json '{"persist":{"enabled":false,"path":"data"}}'
    run "$NDB" serve --port 0 --load-name ds --config c.json
    [ "$output" = "ndb serve: cannot load 'ds' from data: $want" ]
}

@test "with JOURNAL_STREAM naming its stderr (systemd's journal) every line starts with its priority; not when stderr is elsewhere" {
    cd "$BATS_TEST_TMPDIR"
    local f="$BATS_TEST_TMPDIR/journal.log" js
    : >"$f"
    js=$(stat -c %d:%i "$f")
    export JOURNAL_STREAM=$js
    # a start-up error: both lines are errors (<3>)
    local st=0
    "$NDB" serve --port 0 --max-payload 10 2>>"$f" || st=$?
    [ "$st" -eq 1 ]
    [ "$(cat "$f")" = "<3>ndb serve: --max-payload: '10' must be a size (bytes, or with a K/M/G/T suffix) from 64 to 67108864
<3>Try 'ndb serve --help' for more information." ]
    config c.json '{"version": 4}'
    : >"$f"
    "$NDB" serve --port 0 --config c.json 2>>"$f" || st=$?
    [ "$(cat "$f")" = "<3>ndb serve: config c.json: 'version' must be 5" ]
    # a server's lines: info <6>, a warning <4>
    : >"$f"
    export NDB_SERVE_LOG=$f
    start_server --allow-origin '*'
    unset NDB_SERVE_LOG
    stop_server
    grep -qx '<6>ndb: info: listening on ws://127.0.0.1:[0-9]*/ (persistence disabled, maxPayload 1048576 bytes)' "$NDB_LOG"
    grep -qx "<4>ndb: warn: --allow-origin '\*': pages of every web site the users of this machine open may connect, read and change data" "$NDB_LOG"
    grep -qx '<6>ndb: info: stopped' "$NDB_LOG"
    [ "$(grep -cv '^<[3467]>ndb: ' "$NDB_LOG")" -eq 0 ]
    # stderr is not the journal's stream: no prefix
    run "$NDB" serve --port 0 --config c.json
    [ "$output" = "ndb serve: config c.json: 'version' must be 5" ]
    # a JOURNAL_STREAM that is not DEVICE:INODE names no stream, not even this one: no prefix
    local bad
    for bad in "$js:1" "${js/:/,}" "x$js" ""; do
        : >"$f"
        JOURNAL_STREAM=$bad "$NDB" serve --port 0 --config c.json 2>>"$f" || true
        [ "$(cat "$f")" = "ndb serve: config c.json: 'version' must be 5" ] || { echo "JOURNAL_STREAM=$bad" >&2; return 1; }
    done
}

@test "with NOTIFY_SOCKET (systemd's Type=notify) the server says READY=1 once it accepts clients, STOPPING=1 on SIGTERM; WATCHDOG=1 with WATCHDOG_USEC, at least once an hour" {
    run python3 - "$NDB" "$BATS_TEST_TMPDIR" <<'PY'
import os, re, socket, subprocess, sys, time
ndb, tmp = sys.argv[1], sys.argv[2]
path, abstract = tmp + "/notify.sock", "@ndb-test-notify-%d" % os.getpid()
# the socket, and the watchdog systemd asks for: WatchdogSec=200ms
# (WATCHDOG_USEC), for this process or (WATCHDOG_PID 1) another one; an
# interval that is not a positive number of microseconds asks for nothing
runs = [(path, {}), (abstract, {}), (path, {"WATCHDOG_USEC": "200000"}),
        (path, {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"}),
        (path, {"WATCHDOG_USEC": "soon"}), (path, {"WATCHDOG_USEC": "0"}),
        (path, {"WATCHDOG_USEC": "1"}),
        # the largest interval (systemd's "infinity"): half of it overflowed
        # the loop's timer, which then fired on every turn (pings without
        # end, a core spent, SIGTERM never acted on)
        (path, {"WATCHDOG_USEC": "18446744073709551615"})]
socks = {}
for name, extra in runs:
    if name not in socks:
        socks[name] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        socks[name].bind(name if name[0] == "/" else "\0" + name[1:])
        socks[name].settimeout(20)
    s = socks[name]
    log = open(tmp + "/serve.log", "w+")
    p = subprocess.Popen([ndb, "serve", "--port", "0"], env=dict(os.environ, NOTIFY_SOCKET=name, **extra), stderr=log)
    pings = 0
    def state():  # the next message that is not a watchdog ping, counting those
        global pings
        while True:
            m = s.recv(100).decode()
            if m != "WATCHDOG=1":
                return m
            pings += 1
            if pings > 10000:  # none of these intervals sends that many
                return "pings without end"
    try:
        print(state())
        log.seek(0)
        port = re.search(r"listening on ws://127\.0\.0\.1:(\d+)/", log.read()).group(1)
        if extra == {"WATCHDOG_USEC": "200000"}:
            while pings < 3:  # WATCHDOG=1 every 100 ms; the wait is bounded by the timeout
                s.recv(100)
                pings += 1
        if extra == {"WATCHDOG_USEC": "1"}:
            # a ping every 1 ms (no faster), and a receiver that reads none
            # for a while (its queue holds net.unix.max_dgram_qlen messages,
            # 10 by default): the server drops pings rather than wait for
            # room, and serves on.  STOPPING=1 may be dropped as well, with
            # the queue full: only the exit status is checked below.
            time.sleep(1.5)
        # ready means ready: a client is served at once
        print(subprocess.run([ndb, "-p", port, "count"], capture_output=True, text=True, timeout=60).stdout.strip())
        # the watchdog line is written right after READY=1, before any request is served
        log.seek(0)
        print([l for l in log.read().splitlines() if "watchdog" in l])
        p.terminate()
        if extra != {"WATCHDOG_USEC": "1"}:
            print(state())
        print("exit", p.wait(timeout=20))
    finally:
        if p.poll() is None:
            p.kill()
PY
    [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
    local plain="READY=1
0
[]
STOPPING=1
exit 0"
    [ "$output" = "$plain
$plain
READY=1
0
['ndb: info: systemd watchdog: WATCHDOG=1 every 100 ms (WatchdogSec 200 ms)']
STOPPING=1
exit 0
$plain
$plain
$plain
READY=1
0
['ndb: warn: systemd watchdog: WatchdogSec 1 us is too short to keep: WATCHDOG=1 every 1 ms, the most often this server sends it, and systemd stops it at the first ping that is late; set WatchdogSec well above the longest command (seconds)']
exit 0
READY=1
0
['ndb: info: systemd watchdog: WATCHDOG=1 every 3600000 ms (WatchdogSec 18446744073709551 ms)']
STOPPING=1
exit 0" ]
}

# core_limit PID: the soft "Max core file size" of /proc/PID/limits
core_limit() { awk '/^Max core file size/ { print $5 }' "/proc/$1/limits"; }

@test "core dumps are off (soft RLIMIT_CORE 0, not dumpable) in the server and the clients; --core-dumps turns them back on" {
    # a crash must not write the data, the TLS key or passwords to a core
    # file, even for a shell whose limit allows one
    ulimit -S -c "$(ulimit -H -c)"
    [ "$(ulimit -c)" != 0 ] || skip "this shell's hard core limit is 0"
    local found
    found=$(ulimit -c)
    cd "$BATS_TEST_TMPDIR"
    start_server
    [ "$(core_limit "$NDB_PID")" = 0 ]
    grep -q '^ndb: info: server: logLevel info, console true, coreDumps false$' "$NDB_LOG"
    # not dumpable: its /proc files are root's (seen by a runner not root)
    [ "$(id -u)" = 0 ] || [ "$(stat -c %u "/proc/$NDB_PID")" = 0 ]
    # a crash by a signal whose default action dumps core: no core file
    # (checked where the kernel would write one into the working directory)
    kill -ABRT "$NDB_PID"
    wait "$NDB_PID" || true
    NDB_PID=
    if [[ "$(cat /proc/sys/kernel/core_pattern)" == core* ]]; then
        [ -z "$(ls "$BATS_TEST_TMPDIR" | grep '^core')" ]
    fi
    # the opt-out: the limit the server was started with (ASan lowers it
    # itself unless told not to)
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0"
    start_server --core-dumps
    [ "$(core_limit "$NDB_PID")" = "$found" ]
    grep -q '^ndb: info: server: logLevel info, console true, coreDumps true$' "$NDB_LOG"
    stop_server
    printf '{"coreDumps": true}\n' >conf.json
    start_server --config conf.json
    [ "$(core_limit "$NDB_PID")" = "$found" ]
    # a client holds a password too (--password-file, SV_AUTH): a watch,
    # which runs until stopped, shows it has no core limit either
    "$NDB" watch --url "$NDB_URL" k >/dev/null 2>&1 &
    local watcher=$! i
    for i in $(seq 1 400); do
        [ "$(core_limit "$watcher" 2>/dev/null)" = 0 ] && break
        sleep 0.05
    done
    kill "$watcher"
    wait "$watcher" || true
    [ "$i" -lt 400 ]
}
