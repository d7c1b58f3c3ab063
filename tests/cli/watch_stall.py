#!/usr/bin/env python3
"""watch_stall — a watcher that never reads, for tests/cli/watch.bats.

usage: watch_stall.py --url URL --pid SERVER_PID [--writes N] [--size BYTES]

1. A watcher connects, watches every key with values, and then stops
   reading.
2. A writer overwrites one key N times with a SIZE-byte string, each write
   answered before the next (so the stored data stays one value); a
   bystander's SV_INFO is answered after every 100 writes.
3. The server's resident memory growth over the writes is printed.
4. The watcher reads what was queued for it: events of its watch, then one
   "overflow" event, then nothing more from the watch: the writer writes
   again, then the watcher's own request is answered with no event before
   it.

Every wait is bounded by --timeout (wsprobe's connection class).  Prints
facts, one per line, for the test to compare; exits 1 on a failure.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsprobe import WSConn, OP_TEXT  # noqa: E402


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("no VmRSS for pid %d" % pid)


def ask(conn, req):
    conn.send_frame(OP_TEXT, json.dumps(req, separators=(",", ":")).encode())
    return json.loads(conn.recv_message())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--writes", type=int, default=400)
    ap.add_argument("--size", type=int, default=65536)
    ap.add_argument("--timeout", type=float, default=10)
    a = ap.parse_args()

    watcher = WSConn(a.url, a.timeout)
    rsp = ask(watcher, {"KV_WATCH": {"prefix": "", "values": True}})
    print("watch", json.dumps(rsp, separators=(",", ":")))
    writer = WSConn(a.url, a.timeout)
    bystander = WSConn(a.url, a.timeout)
    before = rss_kib(a.pid)
    answered = bystander_ok = 0
    for i in range(a.writes):
        value = ("%06d" % i) * (a.size // 6)
        if ask(writer, {"KV_SET": {"keys": {"big": value}}}) == {"KV_SET_RSP": {"st": 1}}:
            answered += 1
        if i % 100 == 99 and "SV_INFO_RSP" in ask(bystander, {"SV_INFO": {}}):
            bystander_ok += 1
    growth_mib = (rss_kib(a.pid) - before) / 1024.0
    print("writes answered", answered)
    print("bystander answered", bystander_ok)
    print("rss growth below 32 MiB", growth_mib < 32)
    sys.stderr.write("rss growth %.1f MiB over %d writes of %d bytes\n" % (growth_mib, a.writes, a.size))

    # the watcher reads its backlog: events of watch 1 up to one overflow
    events = 0
    while True:
        m = json.loads(watcher.recv_message())
        ev = m.get("KV_EVENT")
        if ev is None:
            print("unexpected", json.dumps(m))
            return 1
        if ev.get("op") == "overflow":
            print("overflow", json.dumps(m, separators=(",", ":")))
            break
        if ev.get("id") != 1 or ev.get("key") != "big" or ev.get("op") != "set":
            print("unexpected", json.dumps(m))
            return 1
        events += 1
    print("some events before the overflow", 0 < events < a.writes)
    # the watch is gone: a later write sends nothing
    ask(writer, {"KV_SET": {"keys": {"big": 1}}})
    print("after", json.dumps(ask(watcher, {"KV_COUNT": {}}), separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
