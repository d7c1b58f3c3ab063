#!/usr/bin/env bats
# `ndb bench`: options, every answer verified, machine-readable output,
# failures (wrong answers, disconnects) end the run with exit status 1 and
# one line saying why; an unreachable server, or a database that holds keys
# when the run would write some (without --force), is exit status 2.  Runs
# are kept tiny: these are functional tests, not measurements.  Every
# server they talk to is on this machine.

load client_helpers

setup_file() {
    if ! "$NDB" bench --help >/dev/null 2>&1; then
        export BENCH_MISSING=1
        return 0
    fi
    start_server
}

teardown_file() { stop_server; }

setup() {
    [ -z "${BENCH_MISSING:-}" ] || skip "ndb bench is not wired into this binary"
    "$NDB" send '{"KV_CLEAR":{}}' >/dev/null # runs that write need an empty database
}

teardown() {
    stop_silent_listener
    if [ -n "${SMALL_PID:-}" ]; then
        NDB_PID=$SMALL_PID stop_server
        SMALL_PID=
    fi
}

# A fake server that completes the WebSocket handshake and then answers
# every KV_SET/SH_SET request with SET_ANSWER and every other request with
# ANSWER; after LIMIT answers (if given) it closes with code 1011.  Its URL
# ends up in FAKE_URL.  It serves one connection and exits on its own
# (bounded by a 20 s socket timeout).
fake_server() { # fake_server ANSWER [SET_ANSWER [LIMIT]]
    local py="$BATS_TEST_TMPDIR/fake.py"
    cat >"$py" <<'EOF'
import base64, hashlib, socket, struct, sys
answer = sys.argv[1].encode()
set_answer = sys.argv[2].encode() if len(sys.argv) > 2 and sys.argv[2] else answer
limit = int(sys.argv[3]) if len(sys.argv) > 3 else -1
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
s.settimeout(20)
print("ws://127.0.0.1:%d/" % s.getsockname()[1], flush=True)
c, _ = s.accept()
c.settimeout(20)
buf = b""
while b"\r\n\r\n" not in buf:
    buf += c.recv(4096)
key = [l.split(b":", 1)[1].strip() for l in buf.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key:")][0]
acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
buf = buf.split(b"\r\n\r\n", 1)[1]

def need(n):
    global buf
    while len(buf) < n:
        d = c.recv(65536)
        if not d:
            sys.exit(0)
        buf += d

sent = 0
while True:
    need(2)
    n, h = buf[1] & 127, 2
    if n == 126:
        need(4)
        n, h = struct.unpack(">H", buf[2:4])[0], 4
    need(h + 4 + n)
    mask = buf[h:h + 4]
    msg = bytes(b ^ mask[i % 4] for i, b in enumerate(buf[h + 4:h + 4 + n]))
    buf = buf[h + 4 + n:]
    if sent == limit:
        c.sendall(b"\x88\x02" + struct.pack(">H", 1011))
        c.close()
        sys.exit(0)
    a = set_answer if msg.startswith((b'{"KV_SET"', b'{"SH_SET"')) else answer
    c.sendall(b"\x81" + bytes([len(a)]) + a)
    sent += 1
EOF
    python3 "$py" "$@" >"$BATS_TEST_TMPDIR/fake.url" 2>/dev/null 3>&- &
    local i
    for i in $(seq 1 100); do
        [ -s "$BATS_TEST_TMPDIR/fake.url" ] && break
        sleep 0.05
    done
    FAKE_URL=$(head -n 1 "$BATS_TEST_TMPDIR/fake.url")
    rm -f "$BATS_TEST_TMPDIR/fake.url"
}

@test "bench --help prints usage and exits 0" {
    run "$NDB" bench --help
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "usage: ndb bench [options]" ]]
    [[ "$output" == *"--pipeline P"* ]]
    [[ "$output" == *"--preload"* ]]
    [[ "$output" == *"--force"* ]]
    [[ "$output" == *"CSV/JSON fields: see ndb-bench(1)."* ]]
    [[ "$output" != *"tests/"* ]] # points only to what is installed
}

@test "usage errors exit 2 with a one-line reason" {
    run "$NDB" bench --conns 0
    [ "$status" -eq 2 ]
    [[ "${lines[0]}" == "ndb bench: --conns must be 1..4096, not '0'" ]]
    run "$NDB" bench --requests 5 --duration 1
    [ "$status" -eq 2 ]
    [[ "$output" == *"not both"* ]]
    run "$NDB" bench --op frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown --op 'frobnicate'"* ]]
    run "$NDB" bench --set-ratio 0.5
    [ "$status" -eq 2 ]
    [[ "$output" == *"--op mixed only"* ]]
    run "$NDB" bench --set-ratio 2 --op mixed
    [ "$status" -eq 2 ]
    run "$NDB" bench --pipeline abc
    [ "$status" -eq 2 ]
    run "$NDB" bench --duration 0
    [ "$status" -eq 2 ]
    # the bounds said are the real ones: 0.0001 is more than 0, and refused
    run "$NDB" bench --duration 0.0001
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: --duration must be a number of seconds from 0.001 to 3600, not '0.0001'" ]
    run "$NDB" bench --timeout 0.0001
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: --timeout must be a number of seconds from 0.001 to 3600, not '0.0001'" ]
    run "$NDB" bench --timeout 0.001 --duration 0.001 --conns 0 # the lower bounds pass
    [ "${lines[0]}" == "ndb bench: --conns must be 1..4096, not '0'" ]
    run "$NDB" bench --requests 0
    [ "$status" -eq 2 ]
    # a value whose request could not fit in the largest maxPayload, and
    # more in flight than a run may hold (it aborted without a word)
    run "$NDB" bench --value-size 67108737
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: --value-size must be 0..67108736 (a request fits in 64 MiB), not '67108737'" ]
    run "$NDB" bench -c 1 -P 64 -d 67108736
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: --conns 1 x --pipeline 64 of 67108736-byte values would keep over 2 GiB in flight: lower one of them" ]
    run "$NDB" bench -c 4096 -P 4096 -d 16 -p 1 # the most connections and pipeline pass with small values
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: cannot connect to ws://127.0.0.1:1/: Connection refused" ]
    run "$NDB" bench extra
    [ "$status" -eq 2 ]
}

@test "schemes other than ws:// and wss:// are refused (exit 2); a host outside 127.0.0.0/8 is not" {
    # wss:// is benchmarked over TLS (tests/cli/tls.bats); its options are checked first
    run "$NDB" bench --url wss://127.0.0.1:1987/ --cacert /nonexistent/ca.pem -n 1
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: cannot read --cacert /nonexistent/ca.pem: No such file or directory" ]
    run "$NDB" bench --url http://127.0.0.1:1987/ -n 1
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: invalid --url 'http://127.0.0.1:1987/': unsupported scheme 'http://' (use ws:// or wss://)" ]
    # a bad $NDB_URL is named as such, not as an --url that was never given
    run env NDB_URL=http://127.0.0.1:1987/ "$NDB" bench -n 1
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: invalid URL 'http://127.0.0.1:1987/' (NDB_URL): unsupported scheme 'http://' (use ws:// or wss://)" ]
    run "$NDB" bench --url 'ws://[::1/' -n 1
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: invalid --url 'ws://[::1/': unclosed '[' in the host" ]
    # 0.0.0.0 is this machine, but not a loopback address: once refused,
    # now benchmarked like any host (given as a shorthand, HOST:PORT)
    run "$NDB" bench --url "0.0.0.0:$NDB_PORT" -c 1 -n 5 -q
    [ "$status" -eq 0 ]
    [ "${lines[0]}" == "ndb bench: get on ws://0.0.0.0:$NDB_PORT/: 1 connection, pipeline 1, 100000 keys, 16-character values" ]
    run "$NDB" bench --url ":$NDB_PORT" -c 1 -n 5 -q
    [ "$status" -eq 0 ]
    [ "${lines[0]}" == "ndb bench: get on ws://127.0.0.1:$NDB_PORT/: 1 connection, pipeline 1, 100000 keys, 16-character values" ]
}

@test "-H HOST and -p PORT name the server, like redis-benchmark and every ndb command" {
    run "$NDB" bench -H 127.0.0.1 -p "$NDB_PORT" -c 1 -n 5 -q
    [ "$status" -eq 0 ]
    [ "${lines[0]}" == "ndb bench: get on ws://127.0.0.1:$NDB_PORT/: 1 connection, pipeline 1, 100000 keys, 16-character values" ]
    # as global options before the command, and the long forms
    run "$NDB" -p "$NDB_PORT" bench --host localhost -c 1 -n 5 -q
    [ "$status" -eq 0 ]
    [ "${lines[0]}" == "ndb bench: get on ws://localhost:$NDB_PORT/: 1 connection, pipeline 1, 100000 keys, 16-character values" ]
    run "$NDB" bench -p 1 -n 1 -c 1
    [ "$status" -eq 2 ]
    [ "$output" == "ndb bench: cannot connect to ws://127.0.0.1:1/: Connection refused" ]
    run "$NDB" bench --url ":$NDB_PORT" -p "$NDB_PORT"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: give --url or -H/-p, not both" ]
    run "$NDB" bench -p 65536
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: invalid port '65536' (expected 1..65535)" ]
    run "$NDB" bench -H 'h/x' -p 1
    [ "$status" -eq 2 ]
    [ "${lines[0]}" == "ndb bench: invalid host 'h/x' (a name or an address, without a scheme or path)" ]
}

@test "no server: exit 2 like every client command, says it cannot connect" {
    run "$NDB" bench --url ws://127.0.0.1:1/ -n 1 -c 1
    [ "$status" -eq 2 ]
    [ "$output" == "ndb bench: cannot connect to ws://127.0.0.1:1/: Connection refused" ]
    run "$NDB" bench --url :1 --op set -n 1 -c 3
    [ "$status" -eq 2 ]
    [ "$output" == "ndb bench: cannot connect to ws://127.0.0.1:1/: Connection refused" ]
}

@test "--timeout bounds connecting: a server that accepts and never answers the handshake" {
    start_silent_listener 30
    local t
    for t in 1 0.5; do # the connection used to wait a fixed 5 s, whatever --timeout said
        run --separate-stderr "$NDB" bench --url "ws://127.0.0.1:$SILENT_PORT/" --timeout "$t" -n 10 -c 1 -q
        exit_is 2 ''
        [ "$stderr" = "ndb bench: cannot connect to ws://127.0.0.1:$SILENT_PORT/: timed out after $t s waiting for the handshake response" ]
    done
    stop_silent_listener
}

# interrupt_bench ARGS...: start ndb bench ARGS, Ctrl-C (SIGINT) it after
# 0.5 s; sets status, output and lines (stderr and stdout) and elapsed
# (whole seconds).  signal_bench SIGNAL ARGS... sends SIGNAL instead.
interrupt_bench() { signal_bench INT "$@"; }

signal_bench() {
    local sig=$1 t0=$SECONDS pid
    shift
    "$NDB" bench "$@" >"$BATS_TEST_TMPDIR/int.out" 2>&1 &
    pid=$!
    sleep 0.5
    kill -"$sig" "$pid"
    status=0
    wait "$pid" || status=$?
    elapsed=$((SECONDS - t0))
    output=$(cat "$BATS_TEST_TMPDIR/int.out")
    mapfile -t lines <<<"$output"
}

@test "Ctrl-C while waiting for a slow server to connect or answer the key count: exit 130 at once" {
    # a listener that never answers the handshake: the wait used to last
    # the whole --timeout and end in 'cannot connect', exit 2
    start_silent_listener 30
    interrupt_bench --url "ws://127.0.0.1:$SILENT_PORT/" --timeout 20 -c 2 -n 10 -q
    [ "$status" -eq 130 ]
    [ "$output" == "ndb bench: interrupted" ]
    [ "$elapsed" -le 5 ]
    stop_silent_listener
    # one that completes the handshake and then never answers KV_COUNT
    start_silent_listener 30 ws
    interrupt_bench --url "ws://127.0.0.1:$SILENT_PORT/" --timeout 20 -c 1 -n 10 --op set -q
    [ "$status" -eq 130 ]
    [ "$output" == "ndb bench: interrupted" ]
    [ "$elapsed" -le 5 ]
}

@test "Ctrl-C while a server does not answer: the results so far at once, exit 130" {
    # the handshake is answered, the requests never are: the run used to
    # wait out --timeout after the Ctrl-C and fail, exit 1, without results
    start_silent_listener 30 ws
    interrupt_bench --url "ws://127.0.0.1:$SILENT_PORT/" --timeout 10 -c 2 -P 3 -n 10 -q
    [ "$status" -eq 130 ]
    [ "${lines[0]}" == "ndb bench: get on ws://127.0.0.1:$SILENT_PORT/: 2 connections, pipeline 3, 100000 keys, 16-character values" ]
    [[ "${lines[1]}" == "  requests    0 in "* ]]
    [ "${lines[-1]}" == "ndb bench: interrupted" ]
    [ "$elapsed" -le 5 ]
    # an interrupted preload says how far it got
    interrupt_bench --url "ws://127.0.0.1:$SILENT_PORT/" --timeout 10 -c 1 -n 10 --preload --keys 100 --force -q
    [ "$status" -eq 130 ]
    [[ "${lines[1]}" == "  preload     0 keys of 100 (interrupted) in "*" s" ]]
    [ "${lines[-1]}" == "ndb bench: interrupted" ]
    # sh_*: no SH_NEW is answered, so no session is known to end
    interrupt_bench --url "ws://127.0.0.1:$SILENT_PORT/" --timeout 10 -c 2 -n 10 --op sh_get -q
    [ "$status" -eq 130 ]
    [ "${lines[-1]}" == "ndb bench: interrupted" ]
    [ "$elapsed" -le 5 ]
}

@test "SIGTERM (kill, timeout(1)) ends a run like Ctrl-C: the results so far, sessions ended, exit 143" {
    # it used to kill the run at once: no results, and the sh_* sessions,
    # which never expire, left on the server with their keys
    signal_bench TERM --op sh_set --preload --keys 10 -c 2 --duration 5 -q
    [ "$status" -eq 143 ]
    [ "${lines[0]}" == "ndb bench: sh_set on $NDB_URL: 2 connections, pipeline 1, 10 keys, 16-character values, preloaded" ]
    [[ "${lines[2]}" == "  requests    "* ]]
    [ "${lines[-1]}" == "ndb bench: terminated" ]
    [ "$elapsed" -le 3 ]
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":0}}'
}

@test "a run that writes keys refuses a database that holds keys: exit 2, nothing written" {
    req '{"KV_SET":{"keys":{"mine":"precious","key:000000000000":"also mine"}}}' '{"KV_SET_RSP":{"st":1}}'
    local want="ndb bench: $NDB_URL holds 2 keys; this run writes key:000000000000 .. key:000000000009 and would overwrite or mix with them: use an empty server, or --force to write anyway"
    local args
    for args in "--op set" "--op add" "--op mixed" "--op get --preload" "--op set --preload -n 0"; do
        run "$NDB" bench $args --keys 10 -c 2 -n 20 -q
        [ "$status" -eq 2 ] || { echo "$args: exit $status: $output" >&2; return 1; }
        [ "$output" == "$want" ] || { echo "$args: $output" >&2; return 1; }
    done
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":2,"st":1}}'
    req '{"KV_GET":{"keys":["mine","key:000000000000"]}}' \
        '{"KV_GET_RSP":{"keys":{"mine":"precious","key:000000000000":"also mine"},"st":1}}'
    # one key: singular
    req '{"KV_RMV":{"keys":["mine"]}}' '{"KV_RMV_RSP":{"st":1}}'
    run "$NDB" bench --op set --keys 1 -c 1 -n 1 -q
    [ "$status" -eq 2 ]
    [ "$output" == "ndb bench: $NDB_URL holds 1 key; this run writes key:000000000000 .. key:000000000000 and would overwrite or mix with them: use an empty server, or --force to write anyway" ]
    # runs that write no top-level keys are not asked to: gets without
    # --preload only read; sh_* work in sessions of their own
    run "$NDB" bench --op get --keys 10 -c 2 -n 20 -q
    [ "$status" -eq 0 ]
    run "$NDB" bench --op sh_set --preload --keys 10 -c 2 -n 20 -q
    [ "$status" -eq 0 ]
    req '{"KV_GET":{"keys":["key:000000000000"]}}' '{"KV_GET_RSP":{"keys":{"key:000000000000":"also mine"},"st":1}}'
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":1,"st":1}}'
}

@test "--force writes into a database that holds keys" {
    req '{"KV_SET":{"keys":{"mine":"precious","key:000000000001":"x"}}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" bench --op set --preload --force --keys 3 -d 2 -c 1 -n 0 -q
    [ "$status" -eq 0 ]
    [ "${lines[0]}" == "ndb bench: set on $NDB_URL: 1 connection, pipeline 1, 3 keys, 2-character values, preloaded" ]
    req '{"KV_GET":{"keys":["mine","key:000000000000","key:000000000001","key:000000000002"]}}' \
        '{"KV_GET_RSP":{"keys":{"mine":"precious","key:000000000000":"00","key:000000000001":"01","key:000000000002":"02"},"st":1}}'
    # and so does a second run over the first one's keys
    run "$NDB" bench --op get --preload --force --keys 3 -d 2 -c 1 -n 10 -q
    [ "$status" -eq 0 ]
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":4,"st":1}}'
}

@test "a wrong answer to the key count ends the run: exit 1" {
    fake_server '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" bench --url "$FAKE_URL" --op set -c 1 -n 5 -q
    [ "$status" -eq 1 ]
    [ "$output" == 'ndb bench: wrong answer to KV_COUNT: {"KV_SET_RSP":{"st":1}}' ]
    fake_server '{"KV_COUNT_RSP":{"cnt":-1,"st":1}}'
    run "$NDB" bench --url "$FAKE_URL" --op set -c 1 -n 5 -q
    [ "$status" -eq 1 ]
    [ "$output" == 'ndb bench: wrong answer to KV_COUNT: {"KV_COUNT_RSP":{"cnt":-1,"st":1}}' ]
    fake_server '{"KV_COUNT_RSP":{"cnt":0,"st":1}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" bench --url "$FAKE_URL" --op set -c 1 -n 5 -q
    [ "$status" -eq 0 ]
}

@test "GET after --preload: every key loaded, report has throughput, latency and CPU" {
    run "$NDB" bench --op get --preload --keys 500 -c 3 -P 4 -n 2000 -q
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "ndb bench: get on $NDB_URL: 3 connections, pipeline 4, 500 keys, 16-character values, preloaded" ]]
    [[ "$output" == *"preload     500 keys in "* ]]
    [[ "$output" == *"requests    2000 in "* ]]
    [[ "$output" =~ throughput\ \ [0-9]+\ requests/s ]]
    [[ "$output" =~ latency\ us\ \ p50\ [0-9.]+\ \ p90\ [0-9.]+\ \ p99\ [0-9.]+\ \ p99.9\ [0-9.]+\ \ max ]]
    [[ "$output" == *"client CPU  "*"of one core"*"us per request"* ]]
    req '{"KV_CONTAINS":{"keys":["key:000000000000","key:000000000499","key:000000000500"]}}' \
        '{"KV_CONTAINS_RSP":{"contains":["key:000000000000","key:000000000499"],"st":1}}'
}

@test "values are the documented ones: key digits, then a..z" {
    run "$NDB" bench --op set --preload --keys 4 -d 20 -c 1 -n 0 -q
    [ "$status" -eq 0 ]
    req '{"KV_GET":{"keys":["key:000000000003"]}}' '{"KV_GET_RSP":{"keys":{"key:000000000003":"000000000003mnopqrst"},"st":1}}'
    run "$NDB" bench --op set --preload --keys 4 -d 5 -c 1 -n 0 -q --force
    [ "$status" -eq 0 ]
    req '{"KV_GET":{"keys":["key:000000000002"]}}' '{"KV_GET_RSP":{"keys":{"key:000000000002":"00002"},"st":1}}'
    run "$NDB" bench --op set --preload --keys 1 -d 0 -c 1 -n 0 -q --force
    req '{"KV_GET":{"keys":["key:000000000000"]}}' '{"KV_GET_RSP":{"keys":{"key:000000000000":""},"st":1}}'
}

@test "--csv: a header and one row, columns as documented" {
    run "$NDB" bench --op set --keys 100 -c 2 -P 2 -n 300 --csv -q
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" == "op,conns,pipeline,keys,value_size,set_ratio,preload,requests,gets,sets,seconds,rps,resp_bytes_per_s,p50_us,p90_us,p99_us,p999_us,max_us,mean_us,cpu_s,cpu_pct,cpu_us_per_req,preload_s" ]
    IFS=, read -r -a f <<<"${lines[1]}"
    [ "${#f[@]}" -eq 23 ]
    [ "${f[0]}" == set ]
    [ "${f[1]}" == 2 ]
    [ "${f[2]}" == 2 ]
    [ "${f[3]}" == 100 ]
    [ "${f[4]}" == 16 ]
    [ "${f[7]}" == 300 ]
    [ "${f[9]}" == 300 ]
}

@test "--json: one object; percentiles ordered; mixed counts add up" {
    run "$NDB" bench --op mixed --set-ratio 0.5 --preload --keys 200 -d 100 -c 4 -P 8 -n 4000 --json -q
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["op"] == "mixed" and r["requests"] == 4000 and r["preload"] is True, r
assert r["gets"] + r["sets"] == 4000 and 1000 < r["sets"] < 3000, r
assert 0 < r["p50_us"] <= r["p90_us"] <= r["p99_us"] <= r["p999_us"] <= r["max_us"], r
assert r["rps"] > 0 and r["resp_bytes_per_s"] > 0 and r["cpu_s"] >= 0, r
' "$output"
}

@test "results that cannot be written (a full disk): exit 2 and the reason; a reader that has gone: 0" {
    # the run was measured and its report lost, and it exited 0, silent
    local f
    for f in --json --csv ''; do
        # shellcheck disable=SC2086
        run --separate-stderr bash -c '"$NDB" bench -c 2 -n 200 -q $0 >/dev/full' "$f"
        exit_is 2 ''
        [ "$stderr" = "ndb: cannot write the output: No space left on device" ] || { echo "bench $f: $stderr" >&2; return 1; }
    done
    run --separate-stderr reader_gone "$NDB" bench -c 2 -n 200 -q --json
    [ "$output" = "exit 0" ]
    [ -z "$stderr" ]
}

@test "sh_get and sh_set: one session per connection, ended afterwards" {
    run "$NDB" bench --op sh_get --preload --keys 50 -c 3 -P 2 -n 600 -q
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "ndb bench: sh_get on "* ]]
    [[ "$output" == *"preload     150 keys in "* ]]
    run "$NDB" bench --op sh_set --keys 50 -c 2 -n 200 -q
    [ "$status" -eq 0 ]
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":0}}'
}

@test "a failed sh_set run still ends its sessions (they never expire)" {
    # A second server of its own, with a memory ceiling the preload passes:
    # the run fails (st 42), and its sessions, with the keys loaded into
    # them, must not stay behind.
    local file_pid=$NDB_PID file_url=$NDB_URL
    start_server --max-memory 300000
    SMALL_PID=$NDB_PID
    NDB_PID=$file_pid
    local small_url=$NDB_URL
    NDB_URL=$file_url
    run "$NDB" bench --url "$small_url" --op sh_set --preload --keys 3000 -c 3 -n 20 -q
    [ "$status" -eq 1 ]
    [[ "$output" == "ndb bench: wrong answer to SH_SET of "*"(preload) on connection "*'"maxMemory exceeded"'* ]]
    [ "${#lines[@]}" -eq 1 ]
    run "$NDB" send --url "$small_url" '{"SH_INFO_ALL":{}}'
    [ "$output" == '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":0}}' ]
}

@test "add and --duration: bounded in time" {
    local t0=$SECONDS
    run "$NDB" bench --op add --keys 100 -c 2 --duration 0.5 --json -q
    [ "$status" -eq 0 ]
    [ $((SECONDS - t0)) -le 5 ]
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["op"]=="add" and r["requests"]>0 and 0.4<r["seconds"]<3, r' "$output"
}

@test "large values round-trip and are checked" {
    run "$NDB" bench --op get --preload --keys 3 -d 200000 -c 2 -P 2 -n 20 -q
    [ "$status" -eq 0 ]
    [[ "$output" == *"requests    20 in "* ]]
}

@test "an error answer ends the run: exit 1, names the request and the answer" {
    fake_server '{"ERR":{"m":"","st":3}}'
    run "$NDB" bench --url "$FAKE_URL" -c 1 -n 5 -q
    [ "$status" -eq 1 ]
    [[ "$output" =~ ^ndb\ bench:\ wrong\ answer\ to\ KV_GET\ of\ key:[0-9]{12}\ on\ connection\ 1\ \(not\ the\ response\ to\ this\ request\):\ \{\"ERR\":\{\"m\":\"\",\"st\":3\}\}$ ]]
}

@test "GET checks: a miss or a foreign value is fine, unless the keys were preloaded" {
    fake_server '{"KV_GET_RSP":{"keys":{},"st":1}}'
    run "$NDB" bench --url "$FAKE_URL" -c 1 -n 5 -q
    [ "$status" -eq 0 ]
    fake_server '{"KV_GET_RSP":{"keys":{"key:000000000000":"x"},"st":1}}'
    run "$NDB" bench --url "$FAKE_URL" --keys 1 -d 1 -c 1 -n 5 -q
    [ "$status" -eq 0 ]
    fake_server '{"KV_GET_RSP":{"keys":{},"st":1}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" bench --url "$FAKE_URL" --preload --force --keys 1 -c 1 -n 5 -q
    [ "$status" -eq 1 ]
    [[ "$output" == 'ndb bench: wrong answer to KV_GET of key:000000000000 on connection 1 (the preloaded key is missing): {"KV_GET_RSP":{"keys":{},"st":1}}' ]]
    fake_server '{"KV_GET_RSP":{"keys":{"key:000000000000":"0x"},"st":1}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" bench --url "$FAKE_URL" --preload --force --keys 1 -d 2 -c 1 -n 5 -q
    [ "$status" -eq 1 ]
    [[ "$output" == *"(not the value that was set)"* ]]
    # member order and escapes do not matter: answers are checked by meaning
    fake_server '{"KV_GET_RSP":{"st":1,"keys":{"key:000000000000":"0\u0030"}}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" bench --url "$FAKE_URL" --preload --force --keys 1 -d 2 -c 1 -n 5 -q
    [ "$status" -eq 0 ]
}

@test "an answer to another command is an error" {
    fake_server '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" bench --url "$FAKE_URL" -c 1 -n 5 -q
    [ "$status" -eq 1 ]
    [[ "$output" == *"wrong answer to KV_GET of key:"*"(not the response to this request)"* ]]
}

@test "a status other than 1 is an error" {
    fake_server '{"KV_SET_RSP":{"m":"","st":1000}}'
    run "$NDB" bench --url "$FAKE_URL" --op set --force -c 1 -n 5 -q
    [ "$status" -eq 1 ]
    [[ "$output" == *"(status is not 1)"* ]]
}

@test "the server closing the connection ends the run with exit 1" {
    fake_server '{"KV_GET_RSP":{"keys":{},"st":1}}' '' 3
    run "$NDB" bench --url "$FAKE_URL" -c 1 -n 100 -q
    [ "$status" -eq 1 ]
    [[ "$output" == "ndb bench: connection 1 to $FAKE_URL: connection closed by server (1011)" ]]
}

@test "a request over the server's maxPayload: the server closes (1009), exit 1; the preload sends fewer keys per request" {
    # A second server of its own, so the file's server (NDB_PID) is untouched;
    # teardown stops it even if an assertion fails.
    local file_pid=$NDB_PID file_url=$NDB_URL
    start_server --max-payload 100
    SMALL_PID=$NDB_PID
    NDB_PID=$file_pid
    local small_url=$NDB_URL
    NDB_URL=$file_url
    run "$NDB" bench --url "$small_url" --op set -d 200 -c 1 -n 5 -q
    [ "$status" -eq 1 ]
    [ "$output" == "ndb bench: connection 1 to $small_url: connection closed by server (1009: message over maxPayload): the run's requests (up to 243 bytes) are larger than the server accepts; its --max-payload option (maxPayload in its config file) raises the limit" ]
    # the preload sets many keys per request: when those are too big and one
    # key fits, it goes on with fewer keys per request, over a new connection
    # (it used to fail); every key is then loaded, every GET checked
    run "$NDB" bench --url "$small_url" --op get --preload --keys 20 -d 10 -c 2 -n 50 -q
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == "  preload     20 keys in "* ]]
    [[ "${lines[2]}" == "  requests    50 in "* ]]
    run "$NDB" send --url "$small_url" '{"KV_COUNT":{}}'
    [ "$output" == '{"KV_COUNT_RSP":{"cnt":20,"st":1}}' ]
    run "$NDB" bench --url "$small_url" --op sh_get --preload --keys 20 -d 10 -c 2 -n 50 -q
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == "  preload     40 keys in "* ]]
    # one key over maxPayload: nothing to shrink
    run "$NDB" bench --url "$small_url" --op get --preload --force --keys 3 -d 100 -c 1 -n 5 -q
    [ "$status" -eq 1 ]
    [ "$output" == "ndb bench: connection 1 to $small_url: connection closed by server (1009: message over maxPayload): the preload's requests (up to 143 bytes) are larger than the server accepts; its --max-payload option (maxPayload in its config file) raises the limit" ]
}

@test "sh_* runs that cannot end their sessions name every one, in one command that ends them" {
    # a server of its own, stopped (SIGSTOP) in the middle of the run; the
    # message named only the first token ("e.g. T") of those left
    local file_pid=$NDB_PID file_url=$NDB_URL
    start_server
    SMALL_PID=$NDB_PID
    NDB_PID=$file_pid
    local url=$NDB_URL
    NDB_URL=$file_url
    local stopper
    (sleep 1 && kill -STOP "$SMALL_PID") &
    stopper=$!
    run --separate-stderr "$NDB" bench --url "$url" --op sh_get --duration 3 -c 3 --timeout 1 -q
    wait "$stopper"
    kill -CONT "$SMALL_PID"
    [ "$status" -eq 1 ]
    [ "${stderr%%$'\n'*}" = "ndb bench: no answer from $url for 1 s (3 requests in flight)" ]
    local last=${stderr##*$'\n'} cmd tkns
    [[ "$last" == "ndb bench: could not end 3 of the run's 3 sessions: "*"; while the server keeps them, end them with 'ndb session end "*"'" ]]
    cmd=${last##*with \'}
    cmd=${cmd%\'}
    tkns=$("$NDB" --url "$url" session list | grep -o '"tkn":[0-9]*' | cut -d: -f2 | sort | tr '\n' ' ')
    [ "$(tr ' ' '\n' <<<"${cmd#ndb session end }" | sort | tr '\n' ' ')" = "$tkns" ]
    # the command works as pasted
    run "$NDB" --url "$url" ${cmd#ndb }
    [ "$status" -eq 0 ]
    run "$NDB" --url "$url" session list
    [ "$output" = "" ]
}
