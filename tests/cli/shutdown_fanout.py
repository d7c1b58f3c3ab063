#!/usr/bin/env python3
"""shutdown_fanout — a shutdown while one change is being pushed to many
watchers, for tests/cli/live.bats.

usage: shutdown_fanout.py --url URL --pid PID [--watchers N] [--frame BYTES]

1. N connections watch the key "hot" with values (KV_WATCH values:true).
2. A writer stores a string in "hot" sized so that each watcher's event is
   a WebSocket frame of exactly BYTES bytes (a multiple of 64 KiB: the
   share of the per-turn output budget each connection gets once the
   turn's budget is spent), waits for its answer and sends the server
   (PID) SIGTERM.
3. Every watcher's bytes are read, all connections at once, until the
   server closes it; then each is decoded: its event must be whole, and a
   close frame (1000) must follow.

Prints facts, one per line; every wait is bounded by --timeout.
"""

import argparse
import json
import os
import resource
import select
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsprobe import WSConn, OP_TEXT  # noqa: E402

OP_CLOSE = 0x8


def frames(data):
    """The (opcode, payload) of each whole server frame (unmasked) in data."""
    out, i = [], 0
    while i + 2 <= len(data):
        op, n, j = data[i] & 0x0F, data[i + 1] & 0x7F, i + 2
        if n == 126:
            n, j = struct.unpack("!H", data[j:j + 2])[0], j + 2
        elif n == 127:
            n, j = struct.unpack("!Q", data[j:j + 8])[0], j + 8
        if j + n > len(data):
            break
        out.append((op, bytes(data[j:j + n])))
        i = j + n
    return out


def read_all(conns, deadline):
    """Read every connection until the server closes it (or the deadline)."""
    got = {c.sock: bytearray(c.buf) for c in conns}
    open_ = set(got)
    for s in open_:
        s.setblocking(False)
    while open_ and time.monotonic() < deadline:
        ready, _, _ = select.select(list(open_), [], [], 0.2)
        for s in ready:
            try:
                d = s.recv(1 << 20)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                d = b""
            if d:
                got[s] += d
            else:
                open_.discard(s)
    return [got[c.sock] for c in conns]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--watchers", type=int, default=200)
    ap.add_argument("--frame", type=int, default=256 * 1024)
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, a.watchers + 64)), hard))
    watchers = []
    for _ in range(a.watchers):
        w = WSConn(a.url, a.timeout)
        w.send_frame(OP_TEXT, b'{"KV_WATCH":{"keys":["hot"],"values":true}}')
        r = w.recv_message().decode()
        if r != '{"KV_WATCH_RSP":{"id":1,"st":1}}':
            sys.exit("watch refused: " + r)
        watchers.append(w)
    event = '{"KV_EVENT":{"id":1,"key":"hot","op":"set","value":"%s"}}'
    value = '"' + "v" * (a.frame - 10 - len(event % "")) + '"'  # 10: the header of a frame over 64 KiB
    want = (event % value[1:-1]).encode()
    assert len(want) + 10 == a.frame
    writer = WSConn(a.url, a.timeout)
    writer.send_frame(OP_TEXT, ('{"KV_SET":{"keys":{"hot":%s}}}' % value).encode())
    print("write", writer.recv_message().decode())
    os.kill(a.pid, signal.SIGTERM)
    got = read_all(watchers, time.monotonic() + a.timeout)
    whole = closed = 0
    for data in got:
        fs = frames(data)
        whole += len(fs) >= 1 and fs[0] == (OP_TEXT, want)
        closed += len(fs) == 2 and fs[1][0] == OP_CLOSE and fs[1][1][:2] == struct.pack("!H", 1000)
    print("exact events", whole)
    print("close frames 1000 after them", closed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
