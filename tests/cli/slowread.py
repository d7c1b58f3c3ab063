#!/usr/bin/env python3
"""slowread.py — a slow raw WebSocket reader for the big-answer tests.

Sends one request, then reads the answer in small pieces through a small
receive buffer, pausing now and then, so that the server's socket fills
and it must wait for writability again and again.  Prints the answer's
size and SHA-256 ("BYTES SHA256"; with --repeat N, of the N answers
together), or "closed CODE" if the server closed
instead; exits 1 on a timeout (every wait is bounded by --timeout).

    slowread.py --url ws://127.0.0.1:PORT/ [--piece N] [--every N]
                [--pause S] [--rcvbuf N] [--timeout S] [--repeat N] REQUEST
"""
import argparse
import hashlib
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsprobe  # noqa: E402  (its framing and handshake)


class SlowConn(wsprobe.WSConn):
    """A WSConn whose socket reads little at a time, with pauses."""

    def __init__(self, args):
        self.piece, self.every, self.pause = args.piece, args.every, args.pause
        self.since_pause = 0
        super().__init__(args.url, args.timeout, rcvbuf=args.rcvbuf)

    def _recv_some(self, deadline):
        if self.since_pause >= self.every:
            time.sleep(self.pause)
            self.since_pause = 0
        left = deadline - time.monotonic()
        if left <= 0:
            raise wsprobe.ProbeError("timed out after %g s" % self.timeout)
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(self.piece)
        except socket.timeout:
            raise wsprobe.ProbeError("timed out after %g s" % self.timeout) from None
        except ConnectionResetError:
            return False
        if not data:
            return False
        self.since_pause += len(data)
        self.buf += data
        return True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", default=os.environ.get("NDB_URL"))
    p.add_argument("--timeout", type=float, default=30.0, help="bound of every wait (s)")
    p.add_argument("--piece", type=int, default=16384, help="bytes per recv()")
    p.add_argument("--every", type=int, default=1 << 20, help="pause after this many bytes")
    p.add_argument("--pause", type=float, default=0.02, help="length of a pause (s)")
    p.add_argument("--rcvbuf", type=int, default=65536, help="SO_RCVBUF of the socket")
    p.add_argument("--repeat", type=int, default=1,
                   help="send the request this many times at once, then read every answer")
    p.add_argument("request")
    args = p.parse_args()
    try:
        conn = SlowConn(args)
        conn.send_raw(wsprobe.build_frame(wsprobe.OP_TEXT, args.request.encode()) * args.repeat)
        time.sleep(args.pause)  # let the server fill the socket first
        msg = b"".join(conn.recv_message() for _ in range(args.repeat))
    except wsprobe.Closed as c:
        print("closed %d" % c.code)
        return 0
    except (wsprobe.ProbeError, OSError) as e:
        print("slowread: %s" % e, file=sys.stderr)
        return 1
    print("%d %s" % (len(msg), hashlib.sha256(msg).hexdigest()))
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
