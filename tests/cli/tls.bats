#!/usr/bin/env bats
# TLS (README "Security", issue 14): `ndb serve --tls-cert --tls-key`
# serving wss:// only, TLS 1.2+, client certificates with --tls-ca, clear
# start-up errors for bad files; the client's --cacert / NDB_CACERT,
# --insecure, --client-cert / --client-key, and the certificate problem
# named when the CA is wrong.  Certificates are made here with the openssl
# command: a CA, a server certificate for 127.0.0.1 and localhost, a client
# certificate, and a second CA that signed none of them.

load client_helpers

setup_file() {
    command -v openssl >/dev/null || skip "the openssl command is not installed"
    local d="$BATS_FILE_TMPDIR/pki"
    mkdir -p "$d"
    (
        cd "$d"
        key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
        key ca.key && openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj /CN=ndb-test-ca 2>/dev/null
        key other.key && openssl req -x509 -new -key other.key -out other.pem -days 2 -subj /CN=other-ca 2>/dev/null
        key server.key && openssl req -new -key server.key -out server.csr -subj /CN=localhost 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
            -extfile san.ext 2>/dev/null
        key client.key && openssl req -new -key client.key -out client.csr -subj /CN=ndb-client 2>/dev/null
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 2>/dev/null
        key stranger.key && openssl req -new -key stranger.key -out stranger.csr -subj /CN=stranger 2>/dev/null
        openssl x509 -req -in stranger.csr -CA other.pem -CAkey other.key -CAcreateserial -out stranger.pem \
            -days 2 2>/dev/null
        openssl pkey -in server.key -aes128 -passout pass:secret -out encrypted.key 2>/dev/null
    )
    [ -s "$d/server.pem" ] && [ -s "$d/client.pem" ] && [ -s "$d/stranger.pem" ] && [ -s "$d/encrypted.key" ]
    export PKI="$d"
    start_server --tls-cert "$d/server.pem" --tls-key "$d/server.key"
}
teardown_file() { stop_server; }

teardown() {
    if [ -n "${OWN_PID:-}" ]; then NDB_PID=$OWN_PID stop_server; fi
}

@test "the server serves wss:// and says so at start" {
    [[ "$NDB_URL" == wss://127.0.0.1:* ]]
    grep -q "^ndb: info: tls: on (TLS 1.2+, cert $PKI/server.pem, key $PKI/server.key, client certificates not asked for)$" "$NDB_LOG"
}

@test "ndb get over wss:// with --cacert works (and with NDB_CACERT, and by the name localhost)" {
    run --separate-stderr "$NDB" set tls_key '"over TLS"' --cacert "$PKI/ca.pem"
    exit_is 0
    run --separate-stderr "$NDB" get tls_key --cacert "$PKI/ca.pem"
    ok_out '"over TLS"'
    NDB_CACERT="$PKI/ca.pem" run --separate-stderr "$NDB" get tls_key
    ok_out '"over TLS"'
    run --separate-stderr "$NDB" get tls_key --cacert "$PKI/ca.pem" --url "wss://localhost:$NDB_PORT/"
    ok_out '"over TLS"'
    run --separate-stderr "$NDB" send --cacert "$PKI/ca.pem" '{"KV_GET":{"keys":["tls_key"]}}'
    ok_out '{"KV_GET_RSP":{"keys":{"tls_key":"over TLS"},"st":1}}'
}

@test "with the wrong CA ndb get exits 2 and names the certificate problem" {
    run --separate-stderr "$NDB" get tls_key --cacert "$PKI/other.pem"
    exit_is 2 ''
    [ "$stderr" = "ndb: cannot connect to $NDB_URL: the server's certificate is not trusted: unable to get local issuer certificate (certificate /CN=localhost); give the CA that signed it with --cacert FILE" ]
    run --separate-stderr "$NDB" get tls_key
    exit_is 2 ''
    [[ "$stderr" == *"the server's certificate is not trusted: unable to get local issuer certificate"* ]]
    run --separate-stderr "$NDB" get tls_key --cacert "$PKI/missing.pem"
    exit_is 2 ''
    [ "$stderr" = "ndb: cannot read --cacert $PKI/missing.pem: No such file or directory" ]
}

@test "--insecure skips the check, with a warning" {
    run --separate-stderr "$NDB" get tls_key --insecure
    exit_is 0 '"over TLS"'
    [ "$stderr" = "ndb: warning: --insecure: the server's certificate is not checked; anyone on the way can read and change this connection" ]
}

@test "ndb bench --insecure skips the check, with the same warning (once, not per connection)" {
    run --separate-stderr "$NDB" bench --insecure -n 20 -c 2 -q --csv
    exit_is 0
    [[ "${lines[1]}" == get,2,* ]]
    [ "$stderr" = "ndb bench: warning: --insecure: the server's certificate is not checked; anyone on the way can read and change this connection" ]
}

@test "wss:// only: a plain ws:// client is not served" {
    local before
    before=$(grep -c 'refused a TLS connection' "$NDB_LOG" || true)
    run --separate-stderr "$NDB" get tls_key --url "ws://127.0.0.1:$NDB_PORT/"
    exit_is 2 ''
    [ "$stderr" = "ndb: cannot connect to ws://127.0.0.1:$NDB_PORT/: the server closed the connection during the WebSocket handshake (if it serves wss:// only, use a wss:// URL; or it is at its connection limit)" ]
    run --separate-stderr "$NDB" bench --url "ws://127.0.0.1:$NDB_PORT/" -n 10 -c 1 -q
    exit_is 2 ''
    [ "$stderr" = "ndb bench: cannot connect to ws://127.0.0.1:$NDB_PORT/: the server closed the connection during the WebSocket handshake (if it serves wss:// only, use a wss:// URL; or it is at its connection limit)" ]
    # OpenSSL sends no alert for a plain HTTP request: nothing is logged (README, TLS)
    sleep 0.2
    [ "$(grep -c 'refused a TLS connection' "$NDB_LOG" || true)" -eq "$before" ]
}

@test "a client that hangs up without a close frame after its answers is not logged as a refused TLS connection" {
    # OpenSSL 3 answers the end of the stream without close_notify with a
    # decode_error alert: each such client was logged as "refused a TLS
    # connection from an address unknown (the client hung up): decode error"
    start_server --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key"
    OWN_PID=$NDB_PID
    local i
    run timeout 60 python3 - "$BATS_TEST_DIRNAME" "$NDB_URL" "$PKI/ca.pem" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from wsprobe import WSConn, OP_TEXT
for _ in range(3):
    c = WSConn(sys.argv[2], 30, cafile=sys.argv[3])
    c.send_frame(OP_TEXT, b'{"KV_COUNT":{}}')
    print(c.recv_message().decode().startswith('{"KV_COUNT_RSP"'))
    c.sock.close()
PY
    [ "$output" = $'True\nTrue\nTrue' ]
    # a handshake refused afterwards is logged, and is the only line of them
    run openssl s_client -connect "127.0.0.1:$NDB_PORT" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null
    [ "$status" -ne 0 ]
    wait_log 'refused a TLS connection from 127.0.0.1: protocol version'
    run grep 'refused a TLS connection' "$NDB_LOG"
    [ "$output" = 'ndb: info: refused a TLS connection from 127.0.0.1: protocol version' ]
}

@test "wss:// to a plain ws:// server: the hint says to use a ws:// URL" {
    start_server
    OWN_PID=$NDB_PID
    local hint="TLS handshake failed: the server does not speak TLS here (if it serves plain ws://, use a ws:// URL)"
    run --separate-stderr "$NDB" count --url "wss://127.0.0.1:$NDB_PORT/"
    exit_is 2 ''
    [ "$stderr" = "ndb: cannot connect to wss://127.0.0.1:$NDB_PORT/: $hint" ]
    run --separate-stderr "$NDB" bench --url "wss://127.0.0.1:$NDB_PORT/" -n 10 -c 1 -q
    exit_is 2 ''
    [ "$stderr" = "ndb bench: cannot connect to wss://127.0.0.1:$NDB_PORT/: $hint" ]
}

@test "a certificate running out while it is served: warned at start with the days left, then under a day, then expired" {
    local short="$BATS_TEST_TMPDIR/short.pem" when
    openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial -days 3 \
        -extfile "$PKI/san.ext" -out "$short" 2>/dev/null
    when=$(date -u -d "$(openssl x509 -in "$short" -noout -enddate | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S UTC')
    export NDB_CLOCK_STEP_FILE="$BATS_TEST_TMPDIR/step" # the server's wall clock, moved below
    start_faulty --tls-cert "$short" --tls-key "$PKI/server.key"
    OWN_PID=$NDB_PID
    local say="ndb: warn: --tls-cert $short: the certificate expires on $when" after="renew it and restart the server (the files are read at start-up only)"
    # 3 days less the seconds openssl and the start took: 3, to the nearest day
    wait_log "$say, in 3 days: $after"
    echo $((2 * 86400 + 3600)) >"$NDB_CLOCK_STEP_FILE" # under a day left
    wait_log "$say, in less than a day: $after"
    echo $((4 * 86400)) >"$NDB_CLOCK_STEP_FILE"
    wait_log "ndb: warn: --tls-cert $short: the certificate expired on $when; clients will refuse it"
    echo 0 >"$NDB_CLOCK_STEP_FILE" # set back: nothing is said again
    echo $((4 * 86400)) >"$NDB_CLOCK_STEP_FILE"
    "$NDB" count --insecure >/dev/null # a turn of the loop or two, and the tick, since
    sleep 1.5
    [ "$(grep -c 'the certificate expire' "$NDB_LOG")" -eq 3 ]
}

@test "an expired server certificate: the server warns at start, the client says it expired" {
    local old="$BATS_TEST_TMPDIR/old.pem" when
    openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial -days -1 \
        -extfile "$PKI/san.ext" -out "$old" 2>/dev/null
    when=$(date -u -d "$(openssl x509 -in "$old" -noout -enddate | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S UTC')
    start_server --tls-cert "$old" --tls-key "$PKI/server.key"
    OWN_PID=$NDB_PID
    run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem"
    exit_is 2 ''
    [ "$stderr" = "ndb: cannot connect to $NDB_URL: the server's certificate expired on $when (certificate /CN=localhost); the server must renew it" ]
    run --separate-stderr "$NDB" bench --cacert "$PKI/ca.pem" -n 10 -c 1 -q
    exit_is 2 ''
    [ "$stderr" = "ndb bench: cannot connect to $NDB_URL: the server's certificate has expired; the server must renew it" ]
    # the server got as far as serving (the handshakes above), so its start-up lines are written
    grep -qx "ndb: warn: --tls-cert $old: the certificate expired on $when; clients will refuse it" "$NDB_LOG"
    ! grep -q 'error' "$NDB_LOG"
    run --separate-stderr "$NDB" count --insecure
    exit_is 0 0
}

@test "a private key every user can read: the server starts and warns; 0640 and 0600 keys do not" {
    # the files are read once, at start: the warning comes with the tls line
    local key="$BATS_TEST_TMPDIR/open.key"
    cp "$PKI/server.key" "$key"
    chmod 0644 "$key"
    start_server --tls-cert "$PKI/server.pem" --tls-key "$key"
    OWN_PID=$NDB_PID
    run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem"
    exit_is 0
    grep -qx "ndb: warn: --tls-key $key: the private key is readable by every user of this machine (mode 0644): make it 0600 (or 0640, for a group of its readers)" "$NDB_LOG"
    stop_server # this test's server: start_server made it NDB_PID
    chmod 0640 "$key"
    printf '{"tls": {"cert": "%s", "key": "%s"}}\n' "$PKI/server.pem" "$key" >"$BATS_TEST_TMPDIR/tls.json"
    start_server --config "$BATS_TEST_TMPDIR/tls.json"
    OWN_PID=$NDB_PID
    run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem"
    exit_is 0
    grep -q '^ndb: info: tls: on' "$NDB_LOG"
    ! grep -q 'readable by every user' "$NDB_LOG"
}

@test "TLS 1.0 and 1.1 are refused, 1.2 and 1.3 accepted" {
    local v
    for v in -tls1_2 -tls1_3; do
        run openssl s_client -connect "127.0.0.1:$NDB_PORT" "$v" -CAfile "$PKI/ca.pem" </dev/null
        [[ "$output" == *"Verify return code: 0 (ok)"* ]]
    done
    for v in -tls1 -tls1_1; do # offered (security level 0 lets the client do so); the server says no
        run openssl s_client -connect "127.0.0.1:$NDB_PORT" "$v" -cipher 'DEFAULT@SECLEVEL=0' </dev/null
        [ "$status" -ne 0 ]
        [[ "$output" == *"alert protocol version"* ]]
    done
    # the server's log says why it refused them (lws says nothing)
    [ "$(grep -c '^ndb: info: refused a TLS connection from 127.0.0.1: protocol version$' "$NDB_LOG")" -eq 2 ]
}

@test "a connection that sends no ClientHello (a TCP health check) is no refused handshake: nothing logged; a real refusal names the address" {
    # OpenSSL answers the end of file with a fatal alert (decode error); that
    # was logged as a refused handshake, for every TCP probe, and with lws's
    # getpeername error as the address once the client had gone.  ndb without
    # --cacert distrusts the certificate and leaves such a connection too.
    start_server --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key"
    OWN_PID=$NDB_PID
    local i
    for i in 1 2 3 4 5; do
        python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$NDB_PORT"
        run --separate-stderr "$NDB" count
        [ "$status" -eq 2 ]
    done
    sleep 0.3
    run -1 grep 'refused a TLS connection' "$NDB_LOG"
    run openssl s_client -connect "127.0.0.1:$NDB_PORT" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null
    [ "$status" -ne 0 ]
    sleep 0.3
    run grep 'refused a TLS connection' "$NDB_LOG"
    [ "$output" = 'ndb: info: refused a TLS connection from 127.0.0.1: protocol version' ]
}

@test "wss:// frames go through libwebsockets: the differences docs/protocol.md 1.2 lists" {
    run timeout 60 python3 - "$BATS_TEST_DIRNAME" "$NDB_PORT" "$PKI/ca.pem" <<'PY'
import struct, sys, time
sys.path.insert(0, sys.argv[1])
import wsprobe
from wsprobe import build_frame, OP_TEXT, OP_CLOSE, OP_PING

def TLSConn():  # wss:// to the test's server, its certificate checked as localhost's
    return wsprobe.WSConn("wss://127.0.0.1:%s/" % sys.argv[2], 5, cafile=sys.argv[3], tls_name="localhost")

def result(*frames):
    c = TLSConn()
    c.send_raw(b"".join(frames))
    try:
        return c.recv_message().decode()
    except wsprobe.Closed as e:
        return "closed %d" % e.code

req = b'{"KV_CONTAINS":{"keys":["nope"]}}'
unmasked = bytes([0x81, len(req)]) + req
print("unmasked:", result(unmasked))
print("close 5000:", result(build_frame(OP_CLOSE, struct.pack("!H", 5000))))
print("close of 1 byte:", result(build_frame(OP_CLOSE, b"\x03")))
print("close reason not UTF-8:", result(build_frame(OP_CLOSE, struct.pack("!H", 1000) + b"\xc3\x28")))
print("ping of 126 bytes:", result(build_frame(OP_PING, b"p" * 126)))
def replies(c, *frames):  # every frame back up to the reply to the last request, or the close
    c.send_raw(b"".join(frames))
    got, deadline = [], time.monotonic() + 5
    while True:
        fin, op, payload = c.recv_frame(deadline)
        if op == OP_CLOSE:
            return got + ["closed %d" % struct.unpack("!H", payload[:2])]
        got.append(("pong " if op == 0xA else "") + payload.decode())
        if op == OP_TEXT:
            return got

c = TLSConn()
print("pings in one write:", ", ".join(replies(c, build_frame(OP_PING, b"a"), build_frame(OP_PING, b"b"),
                                               build_frame(OP_TEXT, req))))
print("a ping with a close:", ", ".join(replies(c, build_frame(OP_PING, b"c"),
                                                build_frame(OP_CLOSE, struct.pack("!H", 1000)))))
PY
    [ "$status" -eq 0 ]
    [ "$output" = 'unmasked: {"KV_CONTAINS_RSP":{"contains":[],"st":1}}
close 5000: closed 5000
close of 1 byte: closed 1005
close reason not UTF-8: closed 1006
ping of 126 bytes: closed 1006
pings in one write: pong a, {"KV_CONTAINS_RSP":{"contains":[],"st":1}}
a ping with a close: closed 1000' ]
}

@test "wss://: requests that come in one write with the client's close are answered before its echo" {
    run timeout 60 python3 - "$BATS_TEST_DIRNAME" "$NDB_PORT" "$PKI/ca.pem" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1])
import wsprobe
from wsprobe import build_frame, OP_TEXT, OP_CLOSE

def TLSConn():  # wss:// to the test's server, its certificate checked as localhost's
    return wsprobe.WSConn("wss://127.0.0.1:%s/" % sys.argv[2], 5, cafile=sys.argv[3], tls_name="localhost")

c = TLSConn()
c.sock.sendall(build_frame(OP_TEXT, b'{"KV_SET":{"keys":{"tls-close":1}}}') +
               build_frame(OP_TEXT, b'{"KV_CONTAINS":{"keys":["tls-close"]}}') +
               build_frame(OP_CLOSE, struct.pack("!H", 3000)))
try:
    while True:
        print(c.recv_message().decode())
except wsprobe.Closed as e:
    print("closed %d" % e.code)
PY
    [ "$status" -eq 0 ]
    [ "$output" = '{"KV_SET_RSP":{"st":1}}
{"KV_CONTAINS_RSP":{"contains":["tls-close"],"st":1}}
closed 3000' ]
}

@test "the Origin rule holds over TLS: the own origin is https" {
    run openssl s_client -connect "127.0.0.1:$NDB_PORT" -quiet -CAfile "$PKI/ca.pem" < <(
        printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: https://evil.example\r\n\r\n' "$NDB_PORT"
        sleep 1)
    [[ "$output" == *"HTTP/1.1 403 Forbidden"* ]]
}

@test "ndb bench over wss://" {
    run --separate-stderr "$NDB" bench --cacert "$PKI/ca.pem" -n 300 -c 2 -P 4 --op sh_set -q --csv
    exit_is 0
    [[ "${lines[1]}" == sh_set,* ]]
    run --separate-stderr "$NDB" bench --cacert "$PKI/other.pem" -n 300 -c 2 -q
    exit_is 2
    [ "$stderr" = "ndb bench: cannot connect to $NDB_URL: the server's certificate is not trusted: unable to get local issuer certificate; give the CA that signed it with --cacert FILE" ]
}

@test "--tls-ca requires a client certificate signed by that CA" {
    start_server --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" --tls-ca "$PKI/ca.pem"
    OWN_PID=$NDB_PID
    grep -q "client certificates required, CA $PKI/ca.pem)$" "$NDB_LOG"
    run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem"
    exit_is 2 ''
    [ "$stderr" = "ndb: cannot connect to $NDB_URL: the server requires a client certificate (--client-cert FILE --client-key FILE): tlsv13 alert certificate required" ]
    run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem" --client-cert "$PKI/stranger.pem" --client-key "$PKI/stranger.key"
    exit_is 2 ''
    [[ "$stderr" == "ndb: cannot connect to $NDB_URL: the server refused the TLS connection (does it accept this client certificate?): "*"unknown ca" ]]
    # the server's log names the address and why, for the operator
    grep -q '^ndb: info: refused a TLS connection from 127.0.0.1: certificate required (the client sent no certificate)$' "$NDB_LOG"
    grep -q '^ndb: info: refused a TLS connection from 127.0.0.1: unknown CA (client certificate: unable to get local issuer certificate)$' "$NDB_LOG"
    # ndb bench says the same (TLS 1.3 sends the alert after the client's side of the handshake)
    run --separate-stderr "$NDB" bench -n 10 -c 2 -q --cacert "$PKI/ca.pem"
    exit_is 2 ''
    [ "$stderr" = "ndb bench: cannot connect to $NDB_URL: the server requires a client certificate (--client-cert FILE --client-key FILE): tlsv13 alert certificate required" ]
    run --separate-stderr "$NDB" bench -n 10 -c 1 -q --cacert "$PKI/ca.pem" --client-cert "$PKI/stranger.pem" --client-key "$PKI/stranger.key"
    exit_is 2 ''
    [[ "$stderr" == "ndb bench: cannot connect to $NDB_URL: the server refused the TLS connection (does it accept this client certificate?): "*"unknown ca" ]]
    run --separate-stderr "$NDB" bench -n 10 -c 2 -q --cacert "$PKI/ca.pem" --client-cert "$PKI/client.pem" --client-key "$PKI/client.key"
    exit_is 0
    run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem" --client-cert "$PKI/client.pem" --client-key "$PKI/client.key"
    ok_out 0
    NDB_CACERT="$PKI/ca.pem" NDB_CLIENT_CERT="$PKI/client.pem" NDB_CLIENT_KEY="$PKI/client.key" \
        run --separate-stderr "$NDB" count
    ok_out 0
}

@test "a refused client certificate is one connection: the server logs each refusal once" {
    # the alert of TLS 1.3 often comes while the client writes its upgrade
    # request; the client read it from a second connection, which the
    # server refused and logged again
    start_server --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" --tls-ca "$PKI/ca.pem"
    OWN_PID=$NDB_PID
    local i lines
    for i in $(seq 1 20); do
        run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem"
        exit_is 2 ''
        [ "$stderr" = "ndb: cannot connect to $NDB_URL: the server requires a client certificate (--client-cert FILE --client-key FILE): tlsv13 alert certificate required" ]
    done
    for i in $(seq 1 20); do
        run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem" --client-cert "$PKI/stranger.pem" --client-key "$PKI/stranger.key"
        exit_is 2 ''
        [[ "$stderr" == "ndb: cannot connect to $NDB_URL: the server refused the TLS connection (does it accept this client certificate?): "*"unknown ca" ]]
    done
    # 40 lines, within the bound of refusals' lines (a burst of 50)
    for i in $(seq 1 400); do
        lines=$(grep -c '^ndb: info: refused a TLS connection from 127.0.0.1: ' "$NDB_LOG" || true)
        [ "$lines" -ge 40 ] && break
        sleep 0.05
    done
    [ "$(grep -c '^ndb: info: refused a TLS connection from 127.0.0.1: certificate required (the client sent no certificate)$' "$NDB_LOG")" -eq 20 ]
    [ "$(grep -c '^ndb: info: refused a TLS connection from 127.0.0.1: unknown CA (client certificate: unable to get local issuer certificate)$' "$NDB_LOG")" -eq 20 ]
    [ "$(grep -c 'refused' "$NDB_LOG")" -eq 40 ]
}

@test "bad client TLS files: one line naming the option and the file, exit 2, no passphrase prompt" {
    start_server --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" --tls-ca "$PKI/ca.pem"
    OWN_PID=$NDB_PID
    openssl pkey -in "$PKI/client.key" -aes256 -passout pass:x -out "$BATS_TEST_TMPDIR/enc.key" 2>/dev/null
    check() { # check MESSAGE ARGS...: ndb count and ndb bench say MESSAGE and exit 2
        local want=$1
        shift
        run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem" "$@"
        [ "$status" -eq 2 ] && [ "$output" = "" ] && [ "$stderr" = "ndb: $want" ] || { echo "$stderr" >&2; return 1; }
        run --separate-stderr "$NDB" bench -n 10 -c 1 -q --cacert "$PKI/ca.pem" "$@"
        [ "$status" -eq 2 ] && [ "$stderr" = "ndb bench: $want" ] || { echo "$stderr" >&2; return 1; }
    }
    check "--client-key $PKI/stranger.key: the key does not belong to the certificate in $PKI/client.pem" --client-cert "$PKI/client.pem" --client-key "$PKI/stranger.key"
    check "--client-key $BATS_TEST_TMPDIR/enc.key: the key is encrypted and ndb cannot ask for its passphrase; store it decrypted, readable only by you (openssl pkey -in KEY -out PLAIN)" --client-cert "$PKI/client.pem" --client-key "$BATS_TEST_TMPDIR/enc.key"
    check "--client-key (NDB_CLIENT_KEY) without --client-cert (NDB_CLIENT_CERT): a client certificate needs both the certificate and its private key" --client-key "$PKI/client.key"
    check "--client-cert (NDB_CLIENT_CERT) without --client-key (NDB_CLIENT_KEY): a client certificate needs both the certificate and its private key" --client-cert "$PKI/client.pem"
    check "cannot read --client-key $PKI/nope.key: No such file or directory" --client-cert "$PKI/client.pem" --client-key "$PKI/nope.key"
    check "cannot read --client-cert $PKI/nope.pem: No such file or directory" --client-cert "$PKI/nope.pem" --client-key "$PKI/client.key"
    check "--client-cert $PKI/client.key: not a PEM certificate (no start line)" --client-cert "$PKI/client.key" --client-key "$PKI/client.key"
    check "--client-key $PKI/ca.pem: no PEM private key in it" --client-cert "$PKI/client.pem" --client-key "$PKI/ca.pem"
    check "--cacert $PKI/client.key: no PEM certificate in it (no certificate or crl found)" --cacert "$PKI/client.key"
    # an empty name (`--client-cert "$CERT"` with CERT unset) is named as
    # such: "cannot read --client-cert : No such file or directory" hid it
    check "--client-cert is empty: give it a file name" --client-cert '' --client-key "$PKI/client.key"
    check "--client-key is empty: give it a file name" --client-cert "$PKI/client.pem" --client-key ''
    run --separate-stderr "$NDB" count --cacert ''
    exit_is 2 ''
    [ "$stderr" = "ndb: --cacert is empty: give it a file name" ]
    NDB_CLIENT_KEY="$PKI/client.key" check "--client-key (NDB_CLIENT_KEY) without --client-cert (NDB_CLIENT_CERT): a client certificate needs both the certificate and its private key"
    NDB_CLIENT_CERT="$PKI/client.pem" check "--client-cert (NDB_CLIENT_CERT) without --client-key (NDB_CLIENT_KEY): a client certificate needs both the certificate and its private key"
    NDB_CLIENT_CERT="$PKI/client.pem" run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem" --client-key "$PKI/client.key"
    ok_out 0
}

@test "bad TLS files stop the start with one line naming the option and the file" {
    check() { # check MESSAGE ARGS...
        local want=$1
        shift
        run "$NDB" serve --port 0 "$@"
        [ "$status" -eq 1 ] || return 1
        [ "$output" = "ndb serve: $want" ] || { echo "$output" >&2; return 1; }
    }
    check "--tls-cert $PKI/nope.pem: cannot read it: No such file or directory" --tls-cert "$PKI/nope.pem" --tls-key "$PKI/server.key"
    check "--tls-cert $PKI/server.key: not a PEM certificate (no start line)" --tls-cert "$PKI/server.key" --tls-key "$PKI/server.key"
    check "--tls-key $PKI/client.key: the key does not belong to the certificate in $PKI/server.pem" --tls-cert "$PKI/server.pem" --tls-key "$PKI/client.key"
    check "--tls-key $PKI/encrypted.key: the key is encrypted and ndb cannot ask for its passphrase; store it decrypted, readable only by the server (openssl pkey -in KEY -out PLAIN)" --tls-cert "$PKI/server.pem" --tls-key "$PKI/encrypted.key"
    check "--tls-key $PKI/ca.pem: no PEM private key in it" --tls-cert "$PKI/server.pem" --tls-key "$PKI/ca.pem"
    check "--tls-ca $PKI/server.key: no PEM certificate in it (no certificate or crl found)" --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" --tls-ca "$PKI/server.key"
    check "--tls-cert (tls.cert) without --tls-key (tls.key): TLS needs both the certificate and its private key" --tls-cert "$PKI/server.pem"
    check "--tls-key (tls.key) without --tls-cert (tls.cert): TLS needs both the certificate and its private key" --tls-key "$PKI/server.key"
    check "--tls-ca (tls.ca) needs --tls-cert and --tls-key: client certificates are a part of TLS" --tls-ca "$PKI/ca.pem"
    printf '{"tls":{"cert":"%s","key":"%s"}}' "$PKI/server.pem" "$PKI/client.key" >"$BATS_TEST_TMPDIR/c.json"
    check "tls.key $PKI/client.key: the key does not belong to the certificate in $PKI/server.pem" --config "$BATS_TEST_TMPDIR/c.json"
}

@test "a TLS file that is a directory is named as one, by the server and by the client" {
    check() { # check MESSAGE ARGS...
        local want=$1
        shift
        run "$NDB" serve --port 0 "$@"
        [ "$status" -eq 1 ] || return 1
        [ "$output" = "ndb serve: $want" ] || { echo "$output" >&2; return 1; }
    }
    check "--tls-cert $PKI: cannot read it: Is a directory" --tls-cert "$PKI" --tls-key "$PKI/server.key"
    check "--tls-key $PKI: cannot read it: Is a directory" --tls-cert "$PKI/server.pem" --tls-key "$PKI"
    check "--tls-ca $PKI: cannot read it: Is a directory" --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" --tls-ca "$PKI"
    printf '{"tls":{"cert":"%s","key":"%s"}}' "$PKI/server.pem" "$PKI" >"$BATS_TEST_TMPDIR/c.json"
    check "tls.key $PKI: cannot read it: Is a directory" --config "$BATS_TEST_TMPDIR/c.json"
    run --separate-stderr "$NDB" count --cacert "$PKI"
    exit_is 2 ''
    [ "$stderr" = "ndb: cannot read --cacert $PKI: Is a directory" ]
    run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem" --client-cert "$PKI" --client-key "$PKI/client.key"
    exit_is 2 ''
    [ "$stderr" = "ndb: cannot read --client-cert $PKI: Is a directory" ]
    run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem" --client-cert "$PKI/client.pem" --client-key "$PKI"
    exit_is 2 ''
    [ "$stderr" = "ndb: cannot read --client-key $PKI: Is a directory" ]
}

@test "a certificate OpenSSL refuses as too weak is named as such, not as 'not a PEM certificate'" {
    local d="$BATS_TEST_TMPDIR" why="RSA keys need 2048 bits or more, signatures SHA-256 or better"
    openssl req -x509 -newkey rsa:1024 -nodes -keyout "$d/small.key" -out "$d/small.pem" -days 2 -subj /CN=localhost 2>/dev/null
    openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 -sha1 \
        -out "$d/sha1.pem" 2>/dev/null
    [ -s "$d/small.pem" ] && [ -s "$d/sha1.pem" ]
    run "$NDB" serve --port 0 --tls-cert "$d/small.pem" --tls-key "$d/small.key"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: --tls-cert $d/small.pem: OpenSSL refuses the certificate as too weak (ee key too small): $why" ]
    run "$NDB" serve --port 0 --tls-cert "$d/sha1.pem" --tls-key "$PKI/server.key"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: --tls-cert $d/sha1.pem: OpenSSL refuses the certificate as too weak (ca md too weak): $why" ]
    run --separate-stderr "$NDB" count --cacert "$PKI/ca.pem" --client-cert "$d/small.pem" --client-key "$d/small.key"
    exit_is 2 ''
    [ "$stderr" = "ndb: --client-cert $d/small.pem: OpenSSL refuses the certificate as too weak (ee key too small): $why" ]
}
