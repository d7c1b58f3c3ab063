#!/usr/bin/env bats
# The server's own frame reader and writer for plain ws:// connections
# (src/server/direct.c, wsin.c; issue 18): protocol errors 1002, UTF-8
# 1007, maxPayload 1009, control frames between fragments, the close
# handshake, big frames, back-pressure — each after the replies to what
# came before.  The last tests run the common rules again with
# NDB_TRANSPORT=lws (every frame through libwebsockets).

load helpers

teardown() { stop_server; }

@test "frames that break RFC 6455 close with 1002, after the replies to the requests before them" {
    start_server
    local spec
    for spec in 'text/rsv1:{"KV_COUNT":{}}' 'text/unmasked:{"KV_COUNT":{}}' '3:abc' '11:' \
        'cont:{"KV_COUNT":{}}' 'ping/nofin:hi' "ping:$(printf 'p%.0s' $(seq 1 126))"; do
        run probe frames 'text:{"KV_COUNT":{}}' "$spec" 'text:{"KV_COUNT":{}}'
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 2 ]
        [ "${lines[0]}" = '{"KV_COUNT_RSP":{"cnt":0,"st":1}}' ]
        [ "${lines[1]}" = 'closed 1002' ]
    done
    # a new message while another is still in fragments
    run probe frames 'text/nofin:{"KV_CO' 'text:{"KV_COUNT":{}}'
    [ "$output" = 'closed 1002' ]
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
}

@test "text that is not UTF-8 closes with 1007, also when a character is split over fragments" {
    start_server
    run probe frames 'text:{"KV_COUNT":{}}' 'text/hex:7b22c328'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = '{"KV_COUNT_RSP":{"cnt":0,"st":1}}' ]
    [ "${lines[1]}" = 'closed 1007' ]
    [ "${#lines[@]}" -eq 2 ]
    # é (c3 a9) split between two continuation frames is fine ...
    run probe frames 'text/nofin:{"KV_SET":{"keys":{"' 'cont/hex/nofin:c3' 'cont/hex:a9223a317d7d7d' 'close/hex:03e8'
    [ "${lines[0]}" = '{"KV_SET_RSP":{"st":1}}' ]
    [ "${lines[1]}" = 'closed 1000' ]
    req '{"KV_GET":{"keys":["é"]}}' '{"KV_GET_RSP":{"keys":{"é":1},"st":1}}'
    # ... a lone continuation byte is not
    run probe frames 'text/nofin:{"KV_GET":{"keys":["' 'cont/hex:a9225d7d7d'
    [ "$output" = 'closed 1007' ]
}

@test "a ping between the fragments of a message is answered at once, the message when complete" {
    start_server
    run probe frames 'text/nofin:{"KV_CO' 'ping:hi' 'cont/nofin:UNT"' 'pong:unasked' 'cont::{}}' 'close/hex:03e8'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 'pong hi' ]
    [ "${lines[1]}" = '{"KV_COUNT_RSP":{"cnt":0,"st":1}}' ]
    [ "${lines[2]}" = 'closed 1000' ]
    [ "${#lines[@]}" -eq 3 ]
}

@test "a client's close is echoed after the replies before it: its code, none for none, 1002 for a bad one" {
    start_server
    run probe frames 'text:{"KV_COUNT":{}}' 'close/hex:0bb8627965' 'text:{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = '{"KV_COUNT_RSP":{"cnt":0,"st":1}}' ]
    [ "${lines[1]}" = 'closed 3000' ]
    [ "${#lines[@]}" -eq 2 ]
    run probe frames 'close:'
    [ "$output" = 'closed 1005' ] # an empty close frame back
    local bad
    for bad in 03ed 03ee 0000 1388 03; do # 1005, 1006: never on the wire; 0, 5000: undefined; one byte
        run probe frames "close/hex:$bad"
        [ "$output" = 'closed 1002' ]
    done
    run probe frames 'close/hex:03e8ff' # a reason that is not UTF-8
    [ "$output" = 'closed 1002' ]
}

# docs/protocol.md 1.2 said "1002 if the code is invalid" without saying which codes
# are: a client author had to guess about 1012-1014, which servers send and clients do not
@test "a client's close code is echoed when RFC 6455 lets a client send it (1000-1003, 1007-1011, 3000-4999), else 1002" {
    start_server
    local code
    for code in 1000 1001 1002 1003 1007 1008 1009 1010 1011 3000 4999; do
        run probe frames "close/hex:$(printf '%04x' "$code")"
        [ "$output" = "closed $code" ]
    done
    for code in 999 1004 1012 1013 1014 1015 1016 2999; do
        run probe frames "close/hex:$(printf '%04x' "$code")"
        [ "$output" = 'closed 1002' ]
    done
}

# docs/protocol.md 1.2: a pong is no barrier, it goes out ahead of the responses still queued
@test "a ping sent right behind a request is answered before that request's response" {
    start_server
    run probe frames 'text:{"KV_COUNT":{}}' 'ping:behind' 'close/hex:03e8'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 'pong behind' ]
    [ "${lines[1]}" = '{"KV_COUNT_RSP":{"cnt":0,"st":1}}' ]
    [ "${lines[2]}" = 'closed 1000' ]
    [ "${#lines[@]}" -eq 3 ]
}

@test "big messages: one frame of 600 KB, and one in 300 fragments, are stored and read back whole" {
    start_server
    local v
    v=$(head -c 600000 /dev/zero | tr '\0' v)
    printf '{"KV_SET":{"keys":{"big":"%s"}}}\n' "$v" >"$BATS_TEST_TMPDIR/set"
    run "$NDB" send <"$BATS_TEST_TMPDIR/set"
    [ "$output" = '{"KV_SET_RSP":{"st":1}}' ]
    "$NDB" send '{"KV_GET":{"keys":["big"]}}' >"$BATS_TEST_TMPDIR/got"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = "{\"KV_GET_RSP\":{\"keys\":{\"big\":\"$v\"},\"st\":1}}" ]
    run probe frag "{\"KV_SET\":{\"keys\":{\"b2\":\"${v:0:30000}\"}}}" 300
    [ "$output" = '{"KV_SET_RSP":{"st":1}}' ]
    req '{"KV_GET":{"keys":["b2"]}}' "{\"KV_GET_RSP\":{\"keys\":{\"b2\":\"${v:0:30000}\"},\"st\":1}}"
}

@test "back-pressure: 300 pipelined reads of a 100 KB value with outputHighWater 1 KiB are all answered, in order" {
    start_server --output-high-water 1024
    local v i
    v=$(head -c 100000 /dev/zero | tr '\0' w)
    req "{\"KV_SET\":{\"keys\":{\"v\":\"$v\"}}}" '{"KV_SET_RSP":{"st":1}}'
    for i in $(seq 1 300); do echo "{\"KV_GET\":{\"keys\":[\"v\",\"n$i\"]}}"; done >"$BATS_TEST_TMPDIR/in"
    echo '{"KV_COUNT":{}}' >>"$BATS_TEST_TMPDIR/in"
    "$NDB" send <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 301 ]
    [ "$(head -n 300 "$BATS_TEST_TMPDIR/out" | sort -u)" = "{\"KV_GET_RSP\":{\"keys\":{\"v\":\"$v\"},\"st\":1}}" ]
    [ "$(tail -n 1 "$BATS_TEST_TMPDIR/out")" = '{"KV_COUNT_RSP":{"cnt":1,"st":1}}' ]
}

# A client that sends its requests and then shuts its side of the socket
# (shutdown(SHUT_WR): `nc -N`, a script done writing) still reads.  The
# server took the end of the stream for a client gone and dropped the
# replies still queued (40 of 100 KB pass the back-pressure mark), and the
# requests waiting behind it: 44 of 50 answers, 11 of 50 after a close.
@test "a client that half-closes after its requests (and its close) gets every answer, then the close" {
    start_server
    local v i specs=()
    v=$(head -c 100000 /dev/zero | tr '\0' w)
    req "{\"KV_SET\":{\"keys\":{\"v\":\"$v\"}}}" '{"KV_SET_RSP":{"st":1}}'
    for i in $(seq 1 40); do specs+=('text:{"KV_GET":{"keys":["v"]}}'); done
    probe frames --half-close "${specs[@]}" 'text:{"KV_COUNT":{}}' >"$BATS_TEST_TMPDIR/out"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 42 ]
    [ "$(head -n 40 "$BATS_TEST_TMPDIR/out" | sort -u)" = "{\"KV_GET_RSP\":{\"keys\":{\"v\":\"$v\"},\"st\":1}}" ]
    [ "$(sed -n 41p "$BATS_TEST_TMPDIR/out")" = '{"KV_COUNT_RSP":{"cnt":1,"st":1}}' ]
    [ "$(tail -n 1 "$BATS_TEST_TMPDIR/out")" = 'closed 1005' ] # as for a close frame without a code
    # its close frame is echoed after the answers
    probe frames --half-close "${specs[@]}" 'close/hex:03e8' >"$BATS_TEST_TMPDIR/out"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 41 ]
    [ "$(head -n 40 "$BATS_TEST_TMPDIR/out" | sort -u)" = "{\"KV_GET_RSP\":{\"keys\":{\"v\":\"$v\"},\"st\":1}}" ]
    [ "$(tail -n 1 "$BATS_TEST_TMPDIR/out")" = 'closed 1000' ]
    # an unfinished message at the end is dropped; the answers before it are not
    probe frames --half-close "${specs[@]}" 'text/nofin:{"KV_CO' >"$BATS_TEST_TMPDIR/out"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 41 ]
    [ "$(head -n 40 "$BATS_TEST_TMPDIR/out" | sort -u)" = "{\"KV_GET_RSP\":{\"keys\":{\"v\":\"$v\"},\"st\":1}}" ]
    [ "$(tail -n 1 "$BATS_TEST_TMPDIR/out")" = 'closed 1005' ]
    # one that half-closes after reading every answer gets the close frame
    # too: the server, with nothing left to write, closed without one
    run timeout 30 python3 - "$BATS_TEST_DIRNAME" "$NDB_URL" <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[1])
import wsprobe
from wsprobe import WSConn, OP_TEXT
c = WSConn(sys.argv[2], 5)
c.send_frame(OP_TEXT, b'{"KV_COUNT":{}}')
print(c.recv_message().decode())
c.sock.shutdown(socket.SHUT_WR)
try:
    c.recv_message()
except wsprobe.Closed as e:
    print("closed %d" % e.code)
PY
    [ "$status" -eq 0 ]
    [ "$output" = '{"KV_COUNT_RSP":{"cnt":1,"st":1}}
closed 1005' ]
    # none of them is kept: the only connection is this one
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" == *'"connections":1,'* ]]
}

@test "NDB_TRANSPORT=lws: fragments, pings, 1007 and 1009 through libwebsockets; a bad value is refused" {
    NDB_TRANSPORT=lws start_server --max-payload 1024
    grep -q 'transport: NDB_TRANSPORT=lws' "$NDB_LOG"
    run probe frag '{"KV_SET":{"keys":{"frag":"ment"}}}' 5
    [ "$output" = '{"KV_SET_RSP":{"st":1}}' ]
    run probe ping hello
    [ "$output" = 'pong hello' ]
    run probe raw-hex 7b22c328
    [ "$output" = 'closed 1007' ]
    run probe oversize 1025
    [ "$output" = 'closed 1009' ]
    run probe pipeline 500
    [ "$output" = 'ok 1000' ]
    stop_server
    run env NDB_TRANSPORT=fast "$NDB" serve --port 0
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = "ndb serve: NDB_TRANSPORT must be 'lws' or 'direct', not 'fast'" ]
}

@test "NDB_TRANSPORT=lws: requests that come in one write with the client's close are answered before its echo" {
    # lws echoes a close at the next POLLOUT, ahead of any WRITEABLE
    # callback: the replies queued for the requests before it were lost
    export NDB_TRANSPORT=lws
    mkdir "$BATS_TEST_TMPDIR/data"
    start_server --journal always --persist-path "$BATS_TEST_TMPDIR/data"
    grep -q 'transport: NDB_TRANSPORT=lws' "$NDB_LOG"
    run probe frames 'text:{"KV_SET":{"keys":{"a":1}}}' 'text:{"KV_COUNT":{}}' 'close/hex:0bb8' 'text:{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = '{"KV_SET_RSP":{"st":1}}' ]
    [ "${lines[1]}" = '{"KV_COUNT_RSP":{"cnt":1,"st":1}}' ]
    [ "${lines[2]}" = 'closed 3000' ]
    [ "${#lines[@]}" -eq 3 ]
    # a big reply too (more than the socket takes at once), whole and in order
    run "$NDB" send <<<"{\"KV_SET\":{\"keys\":{\"big\":\"$(head -c 600000 /dev/zero | tr '\0' x)\"}}}"
    [ "$output" = '{"KV_SET_RSP":{"st":1}}' ]
    run probe frames 'text:{"KV_GET":{"keys":["big"]}}' 'text:{"KV_COUNT":{}}' 'close/hex:03e8'
    [ "${#lines[0]}" -eq 600041 ]
    [ "${lines[1]}" = '{"KV_COUNT_RSP":{"cnt":2,"st":1}}' ]
    [ "${lines[2]}" = 'closed 1000' ]
}

@test "NDB_TRANSPORT=lws: the client's close that acknowledges our 1009 ends the connection, with no second close frame" {
    export NDB_TRANSPORT=lws
    start_server --max-payload 1024
    run timeout 30 python3 - "$BATS_TEST_DIRNAME" "$NDB_URL" <<'PY'
import struct, sys, time
sys.path.insert(0, sys.argv[1])
import wsprobe
from wsprobe import WSConn, build_frame, OP_TEXT, OP_CLOSE
c = WSConn(sys.argv[2], 5)
c.send_raw(build_frame(OP_TEXT, b'{"KV_COUNT":{}}' + b" " * 1010))
deadline = time.monotonic() + 5
fin, op, payload = c.recv_frame(deadline)
print("server:", op, struct.unpack("!H", payload[:2])[0])
c.send_raw(build_frame(OP_CLOSE, payload[:2]))
try:
    fin, op, payload = c.recv_frame(deadline)
    print("then:", op, payload[:2].hex())
except wsprobe.Closed:
    print("then: the connection ends")
except wsprobe.ProbeError as e:
    print("then:", e)
PY
    [ "$status" -eq 0 ]
    [ "$output" = 'server: 8 1009
then: the connection ends' ]
}

# reads_nothing_after LAST: a client that asks for 7 MB, then sends LAST —
# "close" (its close frame) or "oversized" (a message over the 1 MiB
# maxPayload, answered 1009) — and reads nothing: the close frame waits
# behind replies the socket does not take.  The tick skips closing
# connections (direct), lws holds what it was handed (lws), and output under
# outputHighWater is not dropped: without a bound such a client kept its
# connection, and its place under maxConnections, for ever (direct) or
# until idleTimeoutSec (lws; 180 s), not outputStallTimeoutSec.
reads_nothing_after() {
    start_server --output-stall-timeout 2 --output-high-water 64M
    run "$NDB" send <<<"{\"KV_SET\":{\"keys\":{\"big\":\"$(head -c 900000 /dev/zero | tr '\0' x)\"}}}"
    [ "$output" = '{"KV_SET_RSP":{"st":1}}' ]
    run timeout 30 python3 - "$BATS_TEST_DIRNAME" "$NDB_URL" "$1" <<'PY'
import json, sys, time
sys.path.insert(0, sys.argv[1])
from wsprobe import WSConn, build_frame, OP_TEXT, OP_CLOSE

def connections():
    c = WSConn(sys.argv[2], 5)
    c.send_frame(OP_TEXT, b'{"SV_INFO":{}}')
    n = json.loads(c.recv_message())["SV_INFO_RSP"]["connections"] - 1  # not this one
    c.close()
    return n

c = WSConn(sys.argv[2], 5, rcvbuf=4096)
c.send_raw(build_frame(OP_TEXT, b'{"KV_GET":{"keys":["big"]}}') * 8)
time.sleep(0.5)
if sys.argv[3] == "close":
    c.send_raw(build_frame(OP_CLOSE, b"\x03\xe8"))
else:
    c.send_raw(build_frame(OP_TEXT, b"x" * 1100000))
time.sleep(0.5)
print("after it:", connections())
# dropped 2 s on: waited for up to 20 s (a loaded machine), far below the
# idle timeout's 180 s and for ever
for _ in range(200):
    if connections() == 0:
        break
    time.sleep(0.1)
print("then:", connections())
PY
    [ "$status" -eq 0 ]
    [ "$output" = 'after it: 1
then: 0' ]
}

@test "a client that closes and then reads nothing is dropped after outputStallTimeoutSec" {
    reads_nothing_after close
}

@test "NDB_TRANSPORT=lws: a client that closes and then reads nothing is dropped after outputStallTimeoutSec" {
    export NDB_TRANSPORT=lws
    reads_nothing_after close
}

@test "a client that sends a message over maxPayload and then reads nothing is dropped after outputStallTimeoutSec" {
    reads_nothing_after oversized
}

@test "NDB_TRANSPORT=lws: a client that sends a message over maxPayload and then reads nothing is dropped after outputStallTimeoutSec" {
    export NDB_TRANSPORT=lws
    reads_nothing_after oversized
}
