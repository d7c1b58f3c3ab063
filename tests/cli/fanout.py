#!/usr/bin/env python3
"""fanout — one change pushed to many watchers, for tests/cli/live.bats.

usage: fanout.py --url URL [--watchers N] [--size BYTES]

1. N connections watch the key "hot" with values (KV_WATCH values:true).
2. A writer stores a SIZE-byte string in "hot" and waits for its answer,
   then a bystander ("canary") asks KV_GET of another key.
3. Every watcher then reads its event, which must hold the exact value.

Prints facts, one per line, for the test to compare; every wait is bounded
by --timeout (wsprobe's connection class); exits 1 on a failure.
"""

import argparse
import json
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsprobe import WSConn, OP_TEXT  # noqa: E402


def ask(conn, req):
    conn.send_frame(OP_TEXT, json.dumps(req, separators=(",", ":")).encode())
    return conn.recv_message().decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--watchers", type=int, default=64)
    ap.add_argument("--size", type=int, default=512 * 1024)
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, a.watchers + 64)), hard))
    writer = WSConn(a.url, a.timeout)
    canary = WSConn(a.url, a.timeout)
    print("canary set", ask(canary, {"KV_SET": {"keys": {"canary": 1}}}))
    watchers = []
    for _ in range(a.watchers):
        w = WSConn(a.url, a.timeout)
        r = ask(w, {"KV_WATCH": {"keys": ["hot"], "values": True}})
        if r != '{"KV_WATCH_RSP":{"id":1,"st":1}}':
            sys.exit("watch refused: " + r)
        watchers.append(w)
    value = "v" * a.size
    print("write", ask(writer, {"KV_SET": {"keys": {"hot": value}}}))
    print("canary", ask(canary, {"KV_GET": {"keys": ["canary"]}}))
    want = '{"KV_EVENT":{"id":1,"key":"hot","op":"set","value":"%s"}}' % value
    good = sum(1 for w in watchers if w.recv_message().decode() == want)
    print("exact events", good)
    return 0


if __name__ == "__main__":
    sys.exit(main())
