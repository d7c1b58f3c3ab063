#!/usr/bin/env python3
"""expiry_slices — many keys due at once, for tests/cli/live.bats.

usage: expiry_slices.py --url URL [--keys N]

On one connection that watches the prefix "x:" (the server needs a
watchOutputBytes that holds 2 N events):
1. KV_SET of "canary" (no deadline).
2. KV_SET of N keys "x:0"... with a 1 ms TTL; 20 ms later, when all are
   due, two KV_GETs of "canary" in one burst.
3. The "expire" events between their answers are counted: the keys the
   first KV_GET removed before it ran (their events follow its answer).
   A server that removes every due key before any command: all N; one
   that removes a slice of them per request: the slice (and those of the
   turns in between if the connection's input yielded its turn).  A third KV_GET,
   of 1000 of the due keys, finds none of them.
4. KV_COUNT: every key due by then is removed before it runs.

Prints facts, one per line; every wait is bounded by --timeout.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsprobe import WSConn, OP_TEXT, build_frame  # noqa: E402


def until_answer(conn, name):
    """Read until the answer named `name`; return it and the number of
    expire events before it."""
    expired = 0
    while True:
        msg = json.loads(conn.recv_message())
        if name in msg:
            return msg[name], expired
        ev = msg.get("KV_EVENT", {})
        if ev.get("op") == "expire":
            expired += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--keys", type=int, default=100000)
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    c = WSConn(a.url, a.timeout)
    send = lambda req: c.send_frame(OP_TEXT, json.dumps(req, separators=(",", ":")).encode())  # noqa: E731
    send({"KV_SET": {"keys": {"canary": 1}}})
    print("canary", json.dumps(until_answer(c, "KV_SET_RSP")[0]))
    send({"KV_WATCH": {"prefix": "x:"}})
    print("watch", json.dumps(until_answer(c, "KV_WATCH_RSP")[0]))
    keys = {"x:%d" % i: i for i in range(a.keys)}
    send({"KV_SET": {"keys": keys, "ttl": 0.001}})
    rsp, n0 = until_answer(c, "KV_SET_RSP")
    print("set", json.dumps(rsp))
    time.sleep(0.02)  # every key is due now
    named = json.dumps({"KV_GET": {"keys": ["x:%d" % i for i in range(1000)] + ["canary"]}})
    c.send_raw(build_frame(OP_TEXT, b'{"KV_GET":{"keys":["canary"]}}') * 2 + build_frame(OP_TEXT, named.encode()))
    rsp, n1 = until_answer(c, "KV_GET_RSP")
    print("get", json.dumps(rsp))
    rsp, n2 = until_answer(c, "KV_GET_RSP")
    print("get", json.dumps(rsp))
    # The first KV_GET's slice comes between the answers.  Where handling
    # it took longer than a connection's share of a turn (20 ms: an ASan
    # build, a loaded machine), the second KV_GET waits for the turns
    # after, whose own expiry slices come between as well: whole slices,
    # never all of the keys.
    slices = "%d slice%s of 20000" % (n2 // 20000, "" if n2 == 20000 else "s") if n2 % 20000 == 0 else n2
    print("expired between the two answers", slices)
    rsp, n3 = until_answer(c, "KV_GET_RSP")
    print("get of 1000 due keys", json.dumps(rsp))
    send({"KV_COUNT": {}})
    rsp, n4 = until_answer(c, "KV_COUNT_RSP")
    print("count", json.dumps(rsp))
    print("expired before the count", n0 + n1 + n2 + n3 + n4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
