#!/usr/bin/env bats
# Transport rules of docs/protocol.md section 1 and the foundation issue:
# fragments, binary frames, the size limit, pings, pipelining, many
# connections, plain HTTP — driven by the raw probe tests/cli/wsprobe.py.

load helpers

setup_file() { start_server --max-payload 1024; }
teardown_file() { stop_server; }
# a test that started a server of its own (OWN_PID) has it stopped
teardown() {
    if [ -n "${OWN_PID:-}" ]; then
        NDB_PID=$OWN_PID stop_server
    fi
}

@test "a message split into continuation frames is reassembled" {
    run probe frag '{"KV_SET":{"keys":{"frag":"ment"}}}' 5
    [ "$status" -eq 0 ]
    [ "$output" = '{"KV_SET_RSP":{"st":1}}' ]
    run probe frag '{"KV_GET":{"keys":["frag"]}}' 27
    [ "$output" = '{"KV_GET_RSP":{"keys":{"frag":"ment"},"st":1}}' ]
}

@test "a binary message is answered ERR 2 and the connection stays usable" {
    run probe binary '{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = '{"ERR":{"m":"","st":2}}' ]
}

@test "a message of exactly maxPayload bytes is accepted" {
    run probe oversize 1024
    [ "$status" -eq 0 ]
    [[ "$output" == '{"KV_GET_RSP":'* ]]
}

@test "maxPayload + 1 closes that connection with 1009; others go on" {
    run probe oversize 1025
    [ "$status" -eq 0 ]
    [ "$output" = 'closed 1009' ]
    run probe oversize-frag 1025 4
    [ "$output" = 'closed 1009' ]
    run probe oversize 100000
    [ "$output" = 'closed 1009' ]
    req '{"KV_COUNT":{}}' "$("$NDB" send '{"KV_COUNT":{}}')"
    [[ "$("$NDB" send '{"KV_COUNT":{}}')" == '{"KV_COUNT_RSP":{"cnt":'* ]]
}

@test "ping is answered with a pong carrying the same payload" {
    run probe ping hello
    [ "$status" -eq 0 ]
    [ "$output" = 'pong hello' ]
}

@test "pipelined requests are answered once each, in order" {
    run probe pipeline 2000
    [ "$status" -eq 0 ]
    [ "$output" = 'ok 4000' ]
}

@test "ndb send pipelines stdin lines and prints one response per line" {
    local i
    for i in $(seq 1 500); do echo "{\"KV_SET\":{\"keys\":{\"s$i\":$i}}}"; echo "{\"KV_GET\":{\"keys\":[\"s$i\"]}}"; done \
        >"$BATS_TEST_TMPDIR/in"
    "$NDB" send <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 1000 ]
    [ "$(sed -n 2p "$BATS_TEST_TMPDIR/out")" = '{"KV_GET_RSP":{"keys":{"s1":1},"st":1}}' ]
    [ "$(sed -n 1000p "$BATS_TEST_TMPDIR/out")" = '{"KV_GET_RSP":{"keys":{"s500":500},"st":1}}' ]
}

@test "1,000 concurrent connections work" {
    run probe --timeout 30 conns 1000
    [ "$status" -eq 0 ]
    [ "$output" = 'ok 1000' ]
}

@test "any request path upgrades" {
    run python3 "$WSPROBE" --url "${NDB_URL}anything?x=1" frag '{"KV_COUNT":{}}' 1
    [[ "$output" == '{"KV_COUNT_RSP":{"cnt":'* ]]
}

@test "plain HTTP without an upgrade, to a path that is no console file, gets a 404" {
    run python3 "$WSPROBE" --url "${NDB_URL}nope" http-plain
    [ "$status" -eq 0 ]
    [[ "$output" == "HTTP/1.1 404"* ]]
}

@test "an upgrade or page request with up to 16 KiB of headers (a browser's cookies for localhost) is served" {
    local cookie
    cookie="c=$(head -c 15000 /dev/zero | tr '\0' x)"
    run probe --header "Cookie: $cookie" send '{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
    [[ "$output" == '{"KV_COUNT_RSP":{"cnt":'*',"st":1}}' ]]
    run python3 "$BATS_TEST_DIRNAME/httpprobe.py" --url "$NDB_URL" --status --header "Cookie: $cookie" GET /
    [ "$status" -eq 0 ]
    [ "$output" = "HTTP/1.1 200 OK" ]
    # past the limit the connection is closed without an answer (all lws can do)
    run probe --header "Cookie: c=$(head -c 17000 /dev/zero | tr '\0' x)" handshake
    [ "$status" -eq 1 ]
    [ "$output" = "wsprobe handshake: connection closed during the handshake" ]
}

@test "an offered subprotocol is echoed" {
    run probe subprotocol ndb
    [ "$status" -eq 0 ]
    [ "$output" = 'ndb' ]
}

# raw_upgrades < PYTHON: run PYTHON with wsprobe.py's raw_answer, this
# server's PORT, and HEAD, an RFC 6455 upgrade's head (KEY its key line,
# VERSION its version line) to send as it is or changed (HEAD.replace):
# handshakes a WebSocket client would not send
raw_upgrades() {
    {
        cat <<PRELUDE
import sys
sys.path.insert(0, "$BATS_TEST_DIRNAME")
from wsprobe import raw_answer
PORT = $NDB_PORT
KEY = b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
VERSION = b"Sec-WebSocket-Version: 13\r\n"
HEAD = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + KEY + VERSION
PRELUDE
        cat
    } | python3 -
}

@test "an offer of subprotocols without ndb is refused with 400 and the reason; ndb among others is chosen" {
    run probe subprotocol 'chat, ndb'
    [ "$status" -eq 0 ]
    [ "$output" = 'ndb' ]
    run raw_upgrades <<'PY'
print(raw_answer(PORT, HEAD + b"Sec-WebSocket-Protocol: json, chat\r\n"))
PY
    [ "$status" -eq 0 ]
    [ "$output" = "HTTP/1.1 400 Bad Request | 400 Bad Request: ndb speaks the subprotocol 'ndb' only: offer it, or no subprotocol" ]
}

@test "an upgrade that is not RFC 6455's is refused: not a GET 400, version other than 13 426, a bad key 400" {
    run raw_upgrades <<'PY'
for head in (HEAD, HEAD.replace(b"GET", b"POST"), HEAD.replace(VERSION, b"Sec-WebSocket-Version: 8\r\n"),
             HEAD.replace(VERSION, b""), HEAD.replace(KEY, b"Sec-WebSocket-Key: abc\r\n"), HEAD.replace(KEY, b"")):
    print(raw_answer(PORT, head, show=[b"Sec-WebSocket-Version"]))
PY
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "HTTP/1.1 101 Switching Protocols" ]
    [ "${lines[1]}" = "HTTP/1.1 400 Bad Request | 400 Bad Request: a WebSocket upgrade is a GET request" ]
    local v426="HTTP/1.1 426 Upgrade Required | Sec-WebSocket-Version: 13 | 426 Upgrade Required: ndb speaks WebSocket version 13 (RFC 6455) only"
    [ "${lines[2]}" = "$v426" ]
    [ "${lines[3]}" = "$v426" ]
    local badkey="HTTP/1.1 400 Bad Request | 400 Bad Request: Sec-WebSocket-Key must be 16 bytes in base64 (24 characters)"
    [ "${lines[4]}" = "$badkey" ]
    [ "${lines[5]}" = "$badkey" ]
}

# http10_refused: an HTTP/1.0 (and 0.9) upgrade to this server (NDB_PORT)
# is refused with 400 and the reason, logged; an HTTP/1.1 one is not
http10_refused() {
    run raw_upgrades <<'PY'
for version in (b"HTTP/1.0", b"HTTP/0.9", b"HTTP/1.1"):
    print(raw_answer(PORT, HEAD.replace(b"HTTP/1.1", version)))
PY
    [ "$status" -eq 0 ]
    local old="HTTP/1.1 400 Bad Request | 400 Bad Request: a WebSocket upgrade needs HTTP/1.1 or later (RFC 6455 4.1)"
    [ "${lines[0]}" = "$old" ]
    [ "${lines[1]}" = "$old" ]
    [ "${lines[2]}" = "HTTP/1.1 101 Switching Protocols" ]
    grep -q "refused a WebSocket upgrade from 127.0.0.1: 400 Bad Request: a WebSocket upgrade needs HTTP/1.1 or later" "$NDB_LOG"
}

@test "an HTTP/1.0 upgrade is refused with 400 and the reason (RFC 6455 4.1 asks for HTTP/1.1 or later), on both transports" {
    # both upgraded it (101, in HTTP/1.1, which a 1.0 client need not read)
    http10_refused
    # the lws transport, on a server of this test's own (the file's runs on;
    # teardown stops this one)
    export NDB_TRANSPORT=lws
    start_server
    OWN_PID=$NDB_PID
    http10_refused
}

@test "a refused upgrade asked with HEAD is answered without a body (its Content-Length says the GET's)" {
    # the body followed the head, where a HEAD's client reads the next response
    run raw_upgrades <<'PY'
h2 = HEAD.replace(b"Upgrade: websocket\r\nConnection: Upgrade\r\n",
                  b"Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n")
for head in (HEAD.replace(b"GET", b"HEAD"), h2.replace(b"GET", b"HEAD"), h2):
    print(raw_answer(PORT, head, show=[b"Content-Length"]))
PY
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "HTTP/1.1 400 Bad Request | Content-Length: 54" ]
    [ "${lines[1]}" = "HTTP/1.1 400 Bad Request | Content-Length: 117" ]
    # the GET's body, 117 bytes with its newline
    [ "${lines[2]}" = "HTTP/1.1 400 Bad Request | Content-Length: 117 | 400 Bad Request: ndb upgrades a connection to WebSocket only (Upgrade: websocket), not to HTTP/2 or another protocol" ]
}

@test "an upgrade without a Host header (or with an empty one) is refused with 400 and the reason, not closed in silence" {
    run raw_upgrades <<'PY'
for host in (b"", b"Host:\r\n", b"Host: 127.0.0.1\r\n"):
    print(raw_answer(PORT, HEAD.replace(b"Host: 127.0.0.1\r\n", host)))
PY
    [ "$status" -eq 0 ]
    local nohost="HTTP/1.1 400 Bad Request | 400 Bad Request: a WebSocket upgrade needs a Host header (RFC 6455 4.1)"
    [ "${lines[0]}" = "$nohost" ]
    [ "${lines[1]}" = "$nohost" ]
    [ "${lines[2]}" = "HTTP/1.1 101 Switching Protocols" ]
    grep -q "refused a WebSocket upgrade from 127.0.0.1: 400 Bad Request: a WebSocket upgrade needs a Host header" "$NDB_LOG"
}

@test "an upgrade whose Connection header does not list Upgrade is refused with 400 and the reason, not closed in silence" {
    # libwebsockets drops exactly these without a word (after ndb's own checks accepted them);
    # every Connection header it upgrades still upgrades, its oddities included ("up", "a.b")
    run raw_upgrades <<'PY'
for c in (b"", b"Connection: keep-alive\r\n", b"Connection: keep-alive,,Upgrade\r\n",
          b"Connection: " + b"x" * 120 + b", Upgrade\r\n",
          b"Connection: keep-alive, Upgrade\r\n", b"Connection: up\r\n", b"Connection: a.b, upgrade\r\n",
          b"Connection: " + b"x" * 117 + b", Upgrade\r\n", b"Connection: " + b"x" * 118 + b", Upgrade\r\n"):
    print(raw_answer(PORT, HEAD.replace(b"Connection: Upgrade\r\n", c)))
PY
    [ "$status" -eq 0 ]
    local noconn="HTTP/1.1 400 Bad Request | 400 Bad Request: a WebSocket upgrade needs a Connection header listing Upgrade (RFC 6455 4.1), in at most 126 bytes of comma-separated tokens"
    [ "${lines[0]}" = "$noconn" ]
    [ "${lines[1]}" = "$noconn" ]
    [ "${lines[2]}" = "$noconn" ]
    [ "${lines[3]}" = "$noconn" ]
    [ "${lines[4]}" = "HTTP/1.1 101 Switching Protocols" ]
    [ "${lines[5]}" = "HTTP/1.1 101 Switching Protocols" ]
    [ "${lines[6]}" = "HTTP/1.1 101 Switching Protocols" ]
    # the longest header libwebsockets reads is 126 bytes (the message said
    # 127, the length of one it drops)
    [ "${lines[7]}" = "HTTP/1.1 101 Switching Protocols" ]
    [ "${lines[8]}" = "$noconn" ]
    grep -q "refused a WebSocket upgrade from 127.0.0.1: 400 Bad Request: a WebSocket upgrade needs a Connection header" "$NDB_LOG"
}

@test "an upgrade to HTTP/2 (h2c, whose WebSocket streams skipped the Origin rule) is refused with 400, not switched to" {
    # with a WebSocket handshake's headers libwebsockets switched to HTTP/2 (101 h2c), where a
    # WebSocket stream from a foreign Origin was accepted (other names lws refuses itself, 403)
    run raw_upgrades <<'PY'
h2 = HEAD.replace(b"Upgrade: websocket\r\nConnection: Upgrade\r\n",
                  b"Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n")
print(raw_answer(PORT, h2, body_max=120))
print(raw_answer(PORT, HEAD.replace(b"Upgrade: websocket", b"Upgrade: WebSocket"), body_max=120))
PY
    [ "$status" -eq 0 ]
    local other="HTTP/1.1 400 Bad Request | 400 Bad Request: ndb upgrades a connection to WebSocket only (Upgrade: websocket), not to HTTP/2 or another protocol"
    [ "${lines[0]}" = "$other" ]
    [ "${lines[1]}" = "HTTP/1.1 101 Switching Protocols" ]
    grep -q "refused a WebSocket upgrade from 127.0.0.1: 400 Bad Request: ndb upgrades a connection to WebSocket only" "$NDB_LOG"
    # curl --http2 asks a page with "Upgrade: h2c" and no WebSocket headers: 400 too (was 426)
    run curl -s --http2 "http://127.0.0.1:$NDB_PORT/"
    [ "$output" = "400 Bad Request: ndb upgrades a connection to WebSocket only (Upgrade: websocket), not to HTTP/2 or another protocol" ]
}

@test "an Upgrade that names neither websocket nor h2c gets libwebsockets' own 403 HTML page, as docs/protocol.md 1.1 says" {
    # ndb never sees it (handshake.c): the document said nothing, and a client with a misspelt
    # Upgrade took the 403 for the Origin rule, whose 403 is ndb's plain text with a reason
    run raw_upgrades <<'PY'
for up in (b"websockets", b"foo"):
    print(raw_answer(PORT, HEAD.replace(b"Upgrade: websocket", b"Upgrade: " + up), show=[b"content-type"]))
print(raw_answer(PORT, HEAD + b"Origin: http://evil.example\r\n", show=[b"content-type"], body_max=0))
PY
    [ "$status" -eq 0 ]
    local lws403='HTTP/1.0 403 Forbidden | content-type: text/html | <html><head><meta charset=utf-8 http-equiv="Content-Language" content="en"/><link rel="stylesheet" type="text/css" href="/error.css"/></head><body><h1>403</h1></body></html>'
    [ "${lines[0]}" = "$lws403" ]
    [ "${lines[1]}" = "$lws403" ]
    [ "${lines[2]}" = "HTTP/1.1 403 Forbidden | Content-Type: text/plain; charset=utf-8" ]
}

@test "a Sec-WebSocket-Version of 13 with blanks around it is version 13 (RFC 7230 3.2.4), not refused 426" {
    run raw_upgrades <<'PY'
for v in (b" 13 ", b" 13\t", b"   13", b" 13 \t ", b" 14 ", b" 13 8"):
    print(raw_answer(PORT, HEAD.replace(VERSION, b"Sec-WebSocket-Version:" + v + b"\r\n"),
                     show=[b"Sec-WebSocket-Accept"], body_max=0))
PY
    [ "$status" -eq 0 ]
    local ok="HTTP/1.1 101 Switching Protocols | Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    [ "${lines[0]}" = "$ok" ]
    [ "${lines[1]}" = "$ok" ]
    [ "${lines[2]}" = "$ok" ]
    [ "${lines[3]}" = "$ok" ]
    [ "${lines[4]}" = "HTTP/1.1 426 Upgrade Required" ]
    [ "${lines[5]}" = "HTTP/1.1 426 Upgrade Required" ]
}

@test "a subprotocol list libwebsockets cannot read is refused with 400 and the reason, not closed in silence" {
    local why="400 Bad Request: the Sec-WebSocket-Protocol list cannot be read (at most 126 bytes, names of at most 62 separated by commas): offer 'ndb' alone, or no subprotocol"
    local long="" i
    for i in $(seq 20); do long+="proto$i, "; done
    local offer
    # over 126 bytes; a name of 63 bytes; an empty item; a name with a slash
    for offer in "${long}ndb" "$(printf 'x%.0s' $(seq 63)), ndb" ',ndb' 'chat/1.0, ndb'; do
        run probe --header "Sec-WebSocket-Protocol: $offer" handshake
        [ "$status" -eq 0 ]
        [ "$output" = "400 Bad Request
connection: close
$why" ]
    done
    # the longest list and name lws reads are still chosen
    run probe subprotocol "$(printf 'x%.0s' $(seq 62)), $(printf 'y%.0s' $(seq 56)), ndb"
    [ "$output" = 'ndb' ]
}

@test "ndb send: unreachable server is exit 2 with one line naming the address" {
    run "$NDB" send --url ws://127.0.0.1:1/ '{"KV_COUNT":{}}'
    [ "$status" -eq 2 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"ws://127.0.0.1:1/"* ]]
}

@test "ndb send honours NDB_URL and --url" {
    NDB_URL=ws://127.0.0.1:1/ run "$NDB" send '{"KV_COUNT":{}}'
    [ "$status" -eq 2 ]
    NDB_URL=ws://127.0.0.1:1/ run "$NDB" send --url "ws://127.0.0.1:$NDB_PORT/" '{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
}

@test "upgrades that lws refuses (no Host, empty Host, no key) leave the connection count and later clients alone" {
    python3 - "$NDB_PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
base = "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
host = "Host: 127.0.0.1:%d\r\n" % port
for req in [base + key, base + "Host: \r\n" + key, base + host] * 3:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall((req + "\r\n").encode())
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        sys.exit("the server neither answered nor closed a refused upgrade")
    s.close()
PY
    run "$NDB" send '{"SV_INFO":{}}'
    [ "$status" -eq 0 ]
    [[ "$output" == *'"connections":1,'* ]]
    run probe send '{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
    [[ "$output" == '{"KV_COUNT_RSP":{"cnt":'*',"st":1}}' ]]
}
