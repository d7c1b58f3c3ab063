#!/usr/bin/env bats
# Big answers (README "Limits": queued output up to limits.maxOutputBytes,
# 64 MiB, one big answer too, is delivered): answers of about 10 MB and
# 40 MB, more than the socket buffers hold, arrive whole through `ndb get`
# on ws:// (the server's own writer, direct.c) and wss:// (libwebsockets'),
# and through a raw reader that reads in small pieces with pauses
# (slowread.py), so that the server waits for writability many times.
# Every wait is bounded; the answers are checked by size and SHA-256.

load helpers

SLOWREAD="$BATS_TEST_DIRNAME/slowread.py"
VALUE_BYTES=900000

# fill URL N: keys b1..bN, bI holding VALUE_BYTES copies of one letter
# (a different letter per key, so that a byte out of place shows).
fill() {
    local url=$1 n=$2 i c
    for i in $(seq 1 "$n"); do
        c=$(printf "\\$(printf '%03o' $((97 + i % 26)))")
        head -c "$VALUE_BYTES" /dev/zero | tr '\0' "$c" | "$NDB" --url "$url" ${CACERT:+--cacert "$CACERT"} set "b$i" - ||
            return 1
    done
}

# expect MODE N: size and SHA-256 of the answer for keys b1..bN, as
# `ndb get --object` prints it (MODE object) or as the KV_GET_RSP message
# (MODE rsp).
expect() {
    python3 - "$1" "$2" "$VALUE_BYTES" <<'EOF'
import hashlib, sys
mode, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
body = ",".join('"b%d":"%s"' % (i, chr(97 + i % 26) * size) for i in range(1, n + 1))
out = ("{%s}\n" % body) if mode == "object" else ('{"KV_GET_RSP":{"keys":{%s},"st":1}}' % body)
out = out.encode()
print(len(out), hashlib.sha256(out).hexdigest())
EOF
}

# got_object URL N: size and SHA-256 of `ndb get --object b1..bN`.
got_object() {
    local keys
    keys=$(seq -f 'b%g' 1 "$2")
    # shellcheck disable=SC2086 # the keys are words
    timeout 60 "$NDB" --url "$1" ${CACERT:+--cacert "$CACERT"} --timeout 30 get --object $keys >"$BATS_TEST_TMPDIR/out" ||
        return 1
    echo "$(wc -c <"$BATS_TEST_TMPDIR/out") $(sha256sum <"$BATS_TEST_TMPDIR/out" | cut -d' ' -f1)"
}

# kv_get N: the KV_GET request for keys b1..bN.
kv_get() {
    local keys
    keys=$(seq -f '"b%g"' 1 "$1" | paste -sd,)
    echo "{\"KV_GET\":{\"keys\":[$keys]}}"
}

setup_file() {
    start_server
    fill "$NDB_URL" 45
}
teardown_file() { stop_server; }

teardown() {
    if [ -n "${OWN_PID:-}" ]; then NDB_PID=$OWN_PID stop_server; fi
}

@test "ws://: answers of 10 MB and 40 MB arrive whole through ndb get" {
    run got_object "$NDB_URL" 11
    [ "$status" -eq 0 ]
    [ "$output" = "$(expect object 11)" ]
    [ "${output%% *}" -eq 9900092 ]
    run got_object "$NDB_URL" 45
    [ "$status" -eq 0 ]
    [ "$output" = "$(expect object 45)" ]
    [ "${output%% *}" -eq 40500398 ]
}

@test "ws://: a reader taking small pieces with pauses gets 10 MB and 40 MB answers whole" {
    run timeout 90 python3 "$SLOWREAD" --url "$NDB_URL" "$(kv_get 11)"
    [ "$status" -eq 0 ]
    [ "$output" = "$(expect rsp 11)" ]
    run timeout 90 python3 "$SLOWREAD" --url "$NDB_URL" "$(kv_get 45)"
    [ "$status" -eq 0 ]
    [ "$output" = "$(expect rsp 45)" ]
    # the connections made progress throughout: none was closed as stalled
    ! grep -q 'made no progress' "$NDB_LOG"
}

@test "wss://: answers of 10 MB and 40 MB arrive whole through ndb get" {
    command -v openssl >/dev/null || skip "the openssl command is not installed"
    local d="$BATS_TEST_TMPDIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" \
        -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    local plain_pid=$NDB_PID
    start_server --tls-cert "$d/cert.pem" --tls-key "$d/key.pem"
    OWN_PID=$NDB_PID
    NDB_PID=$plain_pid
    [[ "$NDB_URL" == wss://* ]]
    CACERT="$d/cert.pem" fill "$NDB_URL" 45
    CACERT="$d/cert.pem" run got_object "$NDB_URL" 11
    [ "$status" -eq 0 ]
    [ "$output" = "$(expect object 11)" ]
    CACERT="$d/cert.pem" run got_object "$NDB_URL" 45
    [ "$status" -eq 0 ]
    [ "$output" = "$(expect object 45)" ]
}

@test "ws://: 300000 small answers to pipelined requests all arrive (a flush's 64 writes do not end the output)" {
    # the reader sends every request, waits while the server fills the
    # socket, then reads fast: one flush can then write all its rounds
    # without the socket filling; the rest must still go out
    run timeout 90 python3 "$SLOWREAD" --url "$NDB_URL" --pause 0.5 --repeat 300000 '{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
    local want
    want=$(python3 -c 'import hashlib; m = b"{\"KV_COUNT_RSP\":{\"cnt\":45,\"st\":1}}" * 300000
print(len(m), hashlib.sha256(m).hexdigest())')
    [ "$output" = "$want" ]
    [ "${output%% *}" -eq 10200000 ]
}

@test "ws://: a reader slower than our writes, but reading all along, is not closed as stalled" {
    # --output-stall-timeout 1 and a reader taking 256 KiB every 0.3 s: the
    # socket's send buffer (megabytes) is writable again only after a third
    # of it drained, more than a second apart; the drain itself is progress
    local plain_pid=$NDB_PID plain_url=$NDB_URL
    start_server --output-stall-timeout 1
    OWN_PID=$NDB_PID
    NDB_PID=$plain_pid
    fill "$NDB_URL" 9
    run timeout 90 python3 "$SLOWREAD" --url "$NDB_URL" --piece 65536 --every 262144 --pause 0.3 --rcvbuf 262144 "$(kv_get 9)"
    [ "$status" -eq 0 ]
    [ "$output" = "$(expect rsp 9)" ]
    ! grep -q 'made no progress' "$NDB_LOG"
    NDB_URL=$plain_url
}
