#!/usr/bin/env python3
"""httpprobe — plain HTTP requests to ndb serve, for the console's tests.

Sends METHOD PATH (PATH as written: no normalising, so "/../x" goes out as
"/../x") for each PATH, one after the other on one kept-alive connection,
and prints each response: the status line, then the headers in the order
they came ("name: value"), then with --body an empty line and the body.
With --status only the status lines are printed.  --same-connection fails
if the server closed the connection between two requests.  Every wait is
bounded by --timeout; failures go to stderr with exit status 1.  Python's
standard library only.

Examples:
  httpprobe.py --url ws://127.0.0.1:1987/ GET / /ndb/ndb.js
  httpprobe.py --url ws://127.0.0.1:1987/ --header 'If-None-Match: "x"' HEAD /
"""

import argparse
import http.client
import os
import sys
import urllib.parse


def main(argv=None):
    """Run the requests; exit 0, or 1 on a failure of the probe."""
    p = argparse.ArgumentParser(prog="httpprobe.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=os.environ.get("NDB_URL") or "ws://127.0.0.1:1987/",
                   help="the server (ws:// or http://; default $NDB_URL)")
    p.add_argument("--timeout", type=float, default=5.0, help="bound of every wait, seconds")
    p.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                   help="a request header (repeatable)")
    p.add_argument("--body", action="store_true", help="print the bodies too")
    p.add_argument("--status", action="store_true", help="print only the status lines")
    p.add_argument("--same-connection", action="store_true",
                   help="fail unless every request went over the first connection")
    p.add_argument("method", metavar="METHOD")
    p.add_argument("paths", metavar="PATH", nargs="+")
    args = p.parse_args(argv)
    u = urllib.parse.urlsplit(args.url)
    if not u.hostname or not u.port:
        print("httpprobe: need a URL with a host and a port: %r" % args.url, file=sys.stderr)
        return 2
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=args.timeout)
    first_sock = None
    try:
        for path in args.paths:
            # a Host given with --header replaces http.client's own (not a second one)
            own_host = any(h.partition(":")[0].strip().lower() == "host" for h in args.header)
            conn.putrequest(args.method, path, skip_host=own_host, skip_accept_encoding=True)
            for h in args.header:
                name, _, value = h.partition(":")
                conn.putheader(name.strip(), value.strip())
            conn.endheaders()
            if first_sock is None:
                first_sock = conn.sock
            elif args.same_connection and conn.sock is not first_sock:
                print("httpprobe: the server closed the connection before %s" % path, file=sys.stderr)
                return 1
            r = conn.getresponse()
            body = r.read()
            print("HTTP/1.%d %d %s" % (r.version % 10, r.status, r.reason))
            if not args.status:
                for name, value in r.getheaders():
                    print("%s: %s" % (name, value))
            if args.body:
                print()
                sys.stdout.write(body.decode("utf-8", "replace"))
                if body and not body.endswith(b"\n"):
                    print()
    except (OSError, http.client.HTTPException) as e:
        print("httpprobe: %s" % (e.strerror if isinstance(e, OSError) and e.strerror else e), file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
