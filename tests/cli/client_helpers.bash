# client_helpers.bash — helpers for the tests of the native client
# (tests/cli/client_*.bats), on top of helpers.bash.
#
# Tests use `run --separate-stderr` so that $output is stdout only and
# $stderr holds the diagnostics: the client promises data on stdout and
# nothing else.

load helpers
bats_require_minimum_version 1.5.0

# ok_out EXPECTED: the last `run` exited 0 and printed exactly EXPECTED.
ok_out() {
    if [ "$status" -ne 0 ] || [ "$output" != "$1" ]; then
        printf 'expected (exit 0): %s\ngot (exit %s)     : %s\nstderr: %s\n' "$1" "$status" "$output" "${stderr:-}" >&2
        return 1
    fi
}

# exit_is N [STDOUT]: the last `run` exited N (and printed exactly STDOUT).
exit_is() {
    if [ "$status" -ne "$1" ] || { [ $# -gt 1 ] && [ "$output" != "$2" ]; }; then
        printf 'expected exit %s%s\ngot exit %s, stdout: %s\nstderr: %s\n' "$1" "${2+, stdout: $2}" "$status" "$output" "${stderr:-}" >&2
        return 1
    fi
}

# err_has TEXT: stderr of the last `run` contains TEXT.
err_has() {
    if [[ "${stderr:-}" != *"$1"* ]]; then
        printf 'stderr lacks: %s\nstderr: %s\n' "$1" "${stderr:-}" >&2
        return 1
    fi
}

# tty_script COMMAND...: run COMMAND with stdout on a pseudo-terminal (script
# from util-linux).  script hands the command line to $SHELL, which is
# /bin/sh (dash) where SHELL is unset, as on CI; the line is quoted with
# bash's printf %q ($'...' for bytes that are not printable), so bash must
# read it, whatever the caller's SHELL.
tty_script() {
    local cmd="" a
    for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
    SHELL=$BASH script -qec "$cmd" /dev/null
}

# on_tty COMMAND...: run COMMAND through tty_script; $output is what the
# terminal showed, CRs removed.
on_tty() {
    run tty_script "$@"
    output=${output//$'\r'/}
}

# start_silent_listener SECONDS [ws|reply|close [MESSAGE]]: a TCP listener on
# 127.0.0.1 that accepts connections and never answers, for SECONDS at most;
# with "ws" it completes the WebSocket handshake first and then stays
# silent, or sends MESSAGE as one text frame (a server that is not ndb) and
# then does; "reply" sends MESSAGE only once the client has sent something
# (the answer to its first request); with "close", it sends a close frame of
# code 1008 with MESSAGE as its reason instead.  Sets SILENT_PORT and
# SILENT_PID.
start_silent_listener() {
    local f="${BATS_TEST_TMPDIR:-/tmp}/silent-port"
    rm -f "$f"
    python3 -c '
import base64, hashlib, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[2], "w") as f:
    f.write("%d\n" % s.getsockname()[1])
end = time.time() + float(sys.argv[1])
held = []
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        c = s.accept()[0]
    except OSError:
        continue
    held.append(c)
    if sys.argv[3] in ("ws", "reply", "close"):
        c.settimeout(2)
        req = b""
        while b"\r\n\r\n" not in req:
            req += c.recv(4096)
        key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n")
               if l.lower().startswith(b"sec-websocket-key:")][0]
        acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        if len(sys.argv) > 4:
            m = sys.argv[4].encode("utf-8", "surrogateescape")
            if sys.argv[3] == "close":
                c.sendall(bytes([0x88, len(m) + 2]) + (1008).to_bytes(2, "big") + m)
                continue
            if sys.argv[3] == "reply":
                c.settimeout(max(0.01, end - time.time()))
                if not c.recv(4096):
                    continue
            c.sendall(bytes([0x81, len(m)]) + m if len(m) < 126 else bytes([0x81, 126]) + len(m).to_bytes(2, "big") + m)
' "$1" "$f" "${2:-tcp}" "${@:3}" 3>&- &
    SILENT_PID=$!
    local i
    for i in $(seq 1 100); do
        [ -s "$f" ] && break
        sleep 0.05
    done
    SILENT_PORT=$(cat "$f")
}

# ndb_against ANSWER ARGS...: `ndb ARGS...` (status, output and stderr as
# `run --separate-stderr` sets them) against a listener that completes the
# WebSocket handshake and answers every request with ANSWER; the listener
# is stopped afterwards.
ndb_against() {
    local answer=$1
    shift
    start_silent_listener 8 ws "$answer"
    run --separate-stderr "$NDB" --url "ws://127.0.0.1:$SILENT_PORT/" "$@"
    stop_silent_listener
}

stop_silent_listener() {
    [ -n "${SILENT_PID:-}" ] || return 0
    kill "$SILENT_PID" 2>/dev/null || true
    wait "$SILENT_PID" 2>/dev/null || true
    SILENT_PID=
}
