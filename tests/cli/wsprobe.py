#!/usr/bin/env python3
"""wsprobe — a raw WebSocket client for ndb's command-line tests.

It does what a well-behaved client library will not: fragment a message
into many frames, send invalid UTF-8 or binary frames, send messages over the
server's size limit, pipeline thousands of requests before reading, hold many
connections open at once, speak plain HTTP to the WebSocket port.

RFC 6455 client framing is implemented here over a plain socket, with the
Python standard library only.  Every wait is bounded by --timeout.  Results
go to stdout, one per line; failures go to stderr with exit status 1 (2 for
usage errors).  A server closing the connection is an observation, not a
failure: it is printed as `closed CODE` (1006 when no close frame came).

With --header NAME:VALUE (repeatable) the opening handshake carries extra
headers (a "Host" header replaces the default one): an Origin, a foreign
Host, an Authorization.

Examples:
  wsprobe.py --url ws://127.0.0.1:1987/ frag '{"KV_GET":{"keys":["a"]}}' 3
  wsprobe.py --header 'Origin: http://evil.example' handshake
  wsprobe.py send '{"SV_AUTH":{"user":"a","password":"b"}}' '{"KV_KEYS":{}}'
  wsprobe.py --url ws://127.0.0.1:1987/ raw-hex 7b22c328
  wsprobe.py --url ws://127.0.0.1:1987/ pipeline 1000
  wsprobe.py frames 'text/nofin:{"KV_CO' ping:hi 'cont:UNT":{}}' close:'
"""

import argparse
import base64
import hashlib
import json
import os
import resource
import select
import socket
import ssl
import struct
import sys
import time
import urllib.parse

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA

SEND_CHUNK = 256 * 1024

# --source: the local address connections are made from (another loopback
# address is another client to the server's per-address throttle)
SOURCE = None


class ProbeError(Exception):
    """A failure of the probe itself (timeout, bad handshake, wrong answer)."""


class Refused(Exception):
    """The server answered the upgrade with something other than 101."""

    def __init__(self, status, headers, body):
        super().__init__("handshake refused: %s" % status)
        self.status = status
        self.headers = headers
        self.body = body


class Closed(Exception):
    """The server closed the connection; code is its close code or 1006."""

    def __init__(self, code, reason=b""):
        super().__init__("closed %d" % code)
        self.code = code
        self.reason = reason


def parse_url(url):
    """Split ws:// or wss://HOST:PORT/PATH into (host, port, path, host_header)."""
    u = urllib.parse.urlsplit(url)
    if u.scheme not in ("ws", "wss"):
        raise ProbeError("only ws:// and wss:// URLs are supported, not %r" % url)
    if not u.hostname:
        raise ProbeError("no host in URL %r" % url)
    port = u.port or (443 if u.scheme == "wss" else 80)
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    host_header = u.netloc
    return u.hostname, port, path, host_header


def mask_bytes(data, key):
    """XOR data with the repeated 4-byte masking key (fast for large data)."""
    n = len(data)
    if n == 0:
        return b""
    k = (key * (n // 4 + 1))[:n]
    x = int.from_bytes(data, "little") ^ int.from_bytes(k, "little")
    return x.to_bytes(n, "little")


def build_frame(opcode, payload, fin=True):
    """One masked client frame (RFC 6455 section 5.2)."""
    head = bytearray([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head.append(0x80 | n)
    elif n < 65536:
        head.append(0x80 | 126)
        head += struct.pack("!H", n)
    else:
        head.append(0x80 | 127)
        head += struct.pack("!Q", n)
    key = os.urandom(4)
    return bytes(head) + key + mask_bytes(payload, key)


def filler_request(n):
    """A KV_GET request of exactly n bytes (plain filler if n is tiny)."""
    pre, post = '{"KV_GET":{"keys":["', '"]}}'
    if n < len(pre) + len(post):
        return b"x" * n
    return (pre + "x" * (n - len(pre) - len(post)) + post).encode()


def split_payload(data, k):
    """Split data into k consecutive pieces (some empty if k > len)."""
    k = max(1, k)
    step, extra = divmod(len(data), k)
    pieces, pos = [], 0
    for i in range(k):
        size = step + (1 if i < extra else 0)
        pieces.append(data[pos:pos + size])
        pos += size
    return pieces


class WSConn:
    """One client WebSocket connection with bounded waits."""

    def __init__(self, url, timeout, subprotocols=None, headers=None, cafile=None, tls_name=None,
                 rcvbuf=None):
        """Connect and complete the opening handshake within timeout;
        headers: extra "Name: value" lines for the upgrade request.  A
        wss:// URL is checked against the CAs of cafile, under the name
        tls_name (default: the URL's host).  rcvbuf: the socket's receive
        buffer, set before connecting so that it bounds the window the
        client offers (a client that reads slowly, or not at all)."""
        self.timeout = timeout
        self.extra = list(headers or [])
        self.host, self.port, self.path, self.host_header = parse_url(url)
        self.buf = bytearray()
        self.subprotocol = None
        self.closed_code = None
        deadline = time.monotonic() + timeout
        try:
            self.sock = self._connect(timeout, rcvbuf)
        except OSError as e:
            raise ProbeError("cannot connect to %s: %s" % (url, e.strerror or e)) from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.tls = urllib.parse.urlsplit(url).scheme == "wss"
        if self.tls:
            ctx = ssl.create_default_context(cafile=cafile)
            self.sock = ctx.wrap_socket(self.sock, server_hostname=tls_name or self.host)
        self._handshake(subprotocols, deadline)

    def _connect(self, timeout, rcvbuf):
        if rcvbuf is None:
            return socket.create_connection((self.host, self.port), timeout=timeout,
                                            source_address=(SOURCE, 0) if SOURCE else None)
        family, kind, proto, _, addr = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)[0]
        s = socket.socket(family, kind, proto)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            if SOURCE:
                s.bind((SOURCE, 0))
            s.settimeout(timeout)
            s.connect(addr)
        except OSError:
            s.close()
            raise
        return s

    def _handshake(self, subprotocols, deadline):
        """Send the upgrade request and check the 101 answer."""
        key = base64.b64encode(os.urandom(16))
        extra = getattr(self, "extra", [])  # callers may build a WSConn by hand
        own_host = any(h.split(":", 1)[0].strip().lower() == "host" for h in extra)
        lines = [
            "GET %s HTTP/1.1" % self.path,
        ] + ([] if own_host else ["Host: %s" % self.host_header]) + [
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: %s" % key.decode(),
            "Sec-WebSocket-Version: 13",
        ]
        if subprotocols:
            lines.append("Sec-WebSocket-Protocol: %s" % ", ".join(subprotocols))
        lines += extra
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            if not self._recv_some(deadline):
                raise ProbeError("connection closed during the handshake")
        end = self.buf.index(b"\r\n\r\n")
        head = bytes(self.buf[:end]).decode("latin-1")
        del self.buf[:end + 4]
        status, *fields = head.split("\r\n")
        headers = {}
        for f in fields:
            name, _, value = f.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status.split(" ")[1:2] != ["101"]:
            want = int(headers.get("content-length", "0") or 0)
            while len(self.buf) < want:
                try:
                    if not self._recv_some(deadline):
                        break
                except ProbeError:
                    break
            raise Refused(status, headers, bytes(self.buf[:want]))
        want = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
        if headers.get("sec-websocket-accept") != want:
            raise ProbeError("bad Sec-WebSocket-Accept in handshake answer")
        self.subprotocol = headers.get("sec-websocket-protocol")

    def _recv_some(self, deadline):
        """Read what is available into buf, waiting until deadline.
        Returns False at end of stream."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise ProbeError("timed out after %g s" % self.timeout)
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise ProbeError("timed out after %g s" % self.timeout) from None
        except ConnectionResetError:
            return False
        if not data:
            return False
        self.buf += data
        return True

    def send_raw(self, data):
        """Send bytes, reading whatever arrives meanwhile into buf so that a
        server applying back-pressure cannot deadlock us.  Stops early (and
        quietly) if the server closes or resets the connection.  Over TLS a
        plain sendall: a non-blocking TLS socket would have to retry on
        OpenSSL's want-read/want-write, and the TLS tests send little."""
        if getattr(self, "tls", False):
            self.sock.sendall(data)
            return
        view = memoryview(data)
        deadline = time.monotonic() + self.timeout
        poller = select.poll()  # not select(): conns may use fds above 1023
        poller.register(self.sock, select.POLLIN | select.POLLOUT)
        self.sock.setblocking(False)
        try:
            while view:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProbeError("timed out after %g s while sending" % self.timeout)
                events = dict(poller.poll(left * 1000))
                ev = events.get(self.sock.fileno(), 0)
                r = ev & (select.POLLIN | select.POLLERR | select.POLLHUP)
                w = ev & select.POLLOUT
                if r:
                    try:
                        data_in = self.sock.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        data_in = None
                    except OSError:
                        return
                    if data_in == b"":
                        return
                    if data_in:
                        self.buf += data_in
                        deadline = time.monotonic() + self.timeout
                if w:
                    try:
                        n = self.sock.send(view[:SEND_CHUNK])
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        return
                    view = view[n:]
                    deadline = time.monotonic() + self.timeout
        finally:
            self.sock.setblocking(True)

    def send_frame(self, opcode, payload, fin=True):
        """Send one frame."""
        self.send_raw(build_frame(opcode, payload, fin))

    def _read_exact(self, n, deadline):
        """Take n bytes from the stream (Closed(1006) if it ends first)."""
        while len(self.buf) < n:
            if not self._recv_some(deadline):
                raise Closed(1006)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def recv_frame(self, deadline):
        """Read one frame: (fin, opcode, payload)."""
        b0, b1 = self._read_exact(2, deadline)
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self._read_exact(2, deadline))
        elif n == 127:
            (n,) = struct.unpack("!Q", self._read_exact(8, deadline))
        key = self._read_exact(4, deadline) if b1 & 0x80 else None
        payload = self._read_exact(n, deadline)
        if key:
            payload = mask_bytes(payload, key)
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_message(self, want_pong=False):
        """Wait (bounded) for the next data message and return its bytes,
        answering pings on the way.  A close frame raises Closed(code).
        With want_pong, return the payload of the next pong instead."""
        deadline = time.monotonic() + self.timeout
        parts = []
        while True:
            fin, op, payload = self.recv_frame(deadline)
            if op == OP_PING:
                self.send_frame(OP_PONG, payload)
            elif op == OP_PONG:
                if want_pong:
                    return payload
            elif op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                self.closed_code = code
                try:
                    self.send_raw(build_frame(OP_CLOSE, payload[:2]))
                except OSError:
                    pass
                raise Closed(code, payload[2:])
            elif want_pong:
                continue  # data while waiting for a pong: not what we want
            else:
                parts.append(payload)
                if fin:
                    return b"".join(parts)

    def ask(self, text):
        """Send one text message (str) and return the next data message, decoded."""
        self.send_frame(OP_TEXT, text.encode())
        return self.recv_message().decode()

    def close(self):
        """Politely close (1000), waiting briefly for the server's answer."""
        if self.closed_code is None:
            try:
                self.send_raw(build_frame(OP_CLOSE, struct.pack("!H", 1000)))
                end = time.monotonic() + min(self.timeout, 1.0)
                while time.monotonic() < end:
                    _, op, _ = self.recv_frame(end)
                    if op == OP_CLOSE:
                        break
            except (OSError, Closed, ProbeError):
                pass
        self.sock.close()


def raw_answer(port, head, show=(), body_max=None, timeout=5.0):
    """Send head (bytes: a request line and headers, without the empty line
    that ends them) to 127.0.0.1:port as is, and sum up the answer on one
    line: "STATUS LINE | the headers named in show | BODY" ("(closed)" for
    no answer; the body cut to body_max bytes, left out with 0).  Reads until the server closes, the head of a 101 is
    complete, or a refusal's body ends (a newline, or the '>' of
    libwebsockets' own pages).  For handshakes a WebSocket client could
    not send."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(head + b"\r\n")
        data = b""
        while (b"\r\n\r\n" not in data or not (data.startswith(b"HTTP/1.1 101") or data.endswith(b"\n")
                                                or data.endswith(b">"))):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.split(b"\r\n")
    shown = [lines[0] or b"(closed)"]
    shown += [l for l in lines[1:] if l.split(b":")[0].strip().lower() in [n.lower() for n in show]]
    if body and body_max != 0:
        shown.append(body.rstrip(b"\n")[:body_max])
    return " | ".join(x.decode() for x in shown)


def emit(line):
    """Print one result line; bytes are written exactly as received."""
    if isinstance(line, str):
        line = line.encode("utf-8", "surrogateescape")
    sys.stdout.buffer.write(line + b"\n")
    sys.stdout.buffer.flush()


def reply_or_close(conn):
    """The next reply (bytes), or b'closed CODE' if the server closes."""
    try:
        return conn.recv_message()
    except Closed as c:
        return b"closed %d" % c.code


def exchange(args, frames):
    """Send the given (opcode, payload, fin) frames as one burst and print
    the reply or the close code."""
    conn = WSConn(args.url, args.timeout)
    try:
        conn.send_raw(b"".join(build_frame(op, p, fin) for op, p, fin in frames))
        emit(reply_or_close(conn))
    finally:
        conn.close()
    return 0


def fragmented(payload, k):
    """Frames carrying payload as one text message in k fragments."""
    pieces = split_payload(payload, k)
    return [(OP_TEXT if i == 0 else OP_CONT, piece, i == len(pieces) - 1)
            for i, piece in enumerate(pieces)]


# ------------------------------------------------------------ subcommands

def cmd_frag(args):
    """Send TEXT as one text message split into N frames; print the reply."""
    if args.n < 1:
        raise ProbeError("N must be at least 1")
    return exchange(args, fragmented(args.text.encode(), args.n))


def cmd_binary(args):
    """Send BYTES in one binary frame; print the reply."""
    return exchange(args, [(OP_BINARY, args.bytes.encode(), True)])


def cmd_raw_hex(args):
    """Send the hex-given bytes as a text frame (e.g. invalid UTF-8)."""
    try:
        payload = bytes.fromhex(args.hex)
    except ValueError:
        raise ProbeError("not a hex string: %r" % args.hex) from None
    return exchange(args, [(OP_TEXT, payload, True)])


def cmd_oversize(args):
    """Send an N-byte text message; print the reply or the close code."""
    return exchange(args, [(OP_TEXT, filler_request(args.n), True)])


def cmd_oversize_frag(args):
    """Send an N-byte text message in K frames; reply or close code."""
    if args.k < 1:
        raise ProbeError("K must be at least 1")
    return exchange(args, fragmented(filler_request(args.n), args.k))


def cmd_ping(args):
    """Send a ping; print 'pong PAYLOAD' from the server's pong."""
    conn = WSConn(args.url, args.timeout)
    try:
        conn.send_frame(OP_PING, args.payload.encode())
        try:
            got = conn.recv_message(want_pong=True)
        except Closed as c:
            emit("closed %d" % c.code)
            return 1
        emit(b"pong " + got)
    finally:
        conn.close()
    return 0


def expect(got, want, what):
    """Compare a reply (bytes) with the expected JSON text by value."""
    try:
        ok = json.loads(got) == json.loads(want)
    except ValueError:
        ok = False
    if not ok:
        raise ProbeError("%s: expected %s, got %s"
                         % (what, want, got.decode("utf-8", "replace")))


def cmd_pipeline(args):
    """Send N KV_SET/KV_GET pairs before reading any answer, then check all
    2N answers in order."""
    conn = WSConn(args.url, args.timeout)
    try:
        burst = bytearray()
        for i in range(args.n):
            burst += build_frame(OP_TEXT, ('{"KV_SET":{"keys":{"p%d":%d}}}' % (i, i)).encode())
            burst += build_frame(OP_TEXT, ('{"KV_GET":{"keys":["p%d"]}}' % i).encode())
        conn.send_raw(bytes(burst))
        for i in range(args.n):
            try:
                got_set = conn.recv_message()
                got_get = conn.recv_message()
            except Closed as c:
                raise ProbeError("connection closed (%d) after %d of %d answers"
                                 % (c.code, 2 * i, 2 * args.n)) from None
            expect(got_set, '{"KV_SET_RSP":{"st":1}}', "answer %d (KV_SET p%d)" % (2 * i + 1, i))
            expect(got_get, '{"KV_GET_RSP":{"keys":{"p%d":%d},"st":1}}' % (i, i),
                   "answer %d (KV_GET p%d)" % (2 * i + 2, i))
        emit("ok %d" % (2 * args.n))
    finally:
        conn.close()
    return 0


def raise_fd_limit(need):
    """Raise the soft RLIMIT_NOFILE towards the hard limit if need be."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        new = hard if hard == resource.RLIM_INFINITY else min(hard, max(need, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        if new != resource.RLIM_INFINITY and new < need:
            raise ProbeError("need %d file descriptors, the hard limit is %d" % (need, hard))


def cmd_conns(args):
    """Open N connections at once; on each set and then get its own key."""
    raise_fd_limit(args.n + 32)
    conns = []
    try:
        for i in range(args.n):
            try:
                conns.append(WSConn(args.url, args.timeout))
            except ProbeError as e:
                raise ProbeError("connection %d of %d: %s" % (i + 1, args.n, e)) from None
        for i, c in enumerate(conns):
            c.send_frame(OP_TEXT, ('{"KV_SET":{"keys":{"c%d":%d}}}' % (i, i)).encode())
        for i, c in enumerate(conns):
            expect(reply_or_close(c), '{"KV_SET_RSP":{"st":1}}', "connection %d KV_SET" % i)
        for i, c in enumerate(conns):
            c.send_frame(OP_TEXT, ('{"KV_GET":{"keys":["c%d"]}}' % i).encode())
        for i, c in enumerate(conns):
            expect(reply_or_close(c), '{"KV_GET_RSP":{"keys":{"c%d":%d},"st":1}}' % (i, i),
                   "connection %d KV_GET" % i)
        emit("ok %d" % args.n)
    finally:
        for c in conns:
            c.close()
    return 0


def cmd_hangup(args):
    """N times: open a connection, send MESSAGE (every X in it replaced by
    PAD bytes of x, for messages too long for a command line), and hang up
    at once without reading the answer: with a reset, as a process that
    dies does, so that the server learns it even while it is not reading;
    with --fin, an orderly close, which a server not reading sees later."""
    msg = args.message.replace("X", "x" * args.pad).encode()
    frame = build_frame(OP_TEXT, msg)
    for i in range(args.n):
        try:
            c = WSConn(args.url, args.timeout, headers=args.header)
        except ProbeError as e:
            raise ProbeError("connection %d of %d: %s" % (i + 1, args.n, e)) from None
        c.send_raw(frame)
        if not args.fin:
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.sock.close()
    emit("ok %d" % args.n)
    return 0


def cmd_http_plain(args):
    """Send a plain HTTP GET (no upgrade); print the status line."""
    host, port, path, host_header = parse_url(args.url)
    try:
        sock = socket.create_connection((host, port), timeout=args.timeout)
    except OSError as e:
        raise ProbeError("cannot connect to %s: %s" % (args.url, e.strerror or e)) from None
    try:
        sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                      % (path, host_header)).encode())
        data = b""
        deadline = time.monotonic() + args.timeout
        while b"\r\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProbeError("timed out after %g s" % args.timeout)
            sock.settimeout(left)
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                raise ProbeError("timed out after %g s" % args.timeout) from None
            if not chunk:
                break
            data += chunk
        if not data:
            raise ProbeError("connection closed without an answer")
        emit(data.split(b"\r\n", 1)[0])
    finally:
        sock.close()
    return 0


def cmd_handshake(args):
    """Open a connection with the extra headers and print the answer to the
    upgrade: '101' when it succeeded; else the status line, then the
    headers Connection, Retry-After and WWW-Authenticate when present, then
    the body."""
    try:
        conn = WSConn(args.url, args.timeout, headers=args.header)
    except Refused as r:
        emit(r.status.split(" ", 1)[1] if " " in r.status else r.status)
        for name in ("connection", "retry-after", "www-authenticate"):
            if name in r.headers:
                emit("%s: %s" % (name, r.headers[name]))
        emit(r.body.rstrip(b"\n"))
        return 0
    emit("101")
    conn.close()
    return 0


def cmd_send(args):
    """Open a connection (with the extra headers), send every MESSAGE at
    once, then print the answers in order; if the server closes first,
    print 'closed CODE REASON' and stop."""
    conn = WSConn(args.url, args.timeout, headers=args.header)
    try:
        conn.send_raw(b"".join(build_frame(OP_TEXT, m.encode()) for m in args.messages))
        for _ in args.messages:
            try:
                emit(conn.recv_message())
            except Closed as c:
                emit(("closed %d %s" % (c.code, c.reason.decode("utf-8", "replace"))).rstrip())
                return 0
    finally:
        conn.sock.close()
    return 0


def cmd_subprotocol(args):
    """Offer the given subprotocols; print the one the server chose."""
    names = [n.strip() for n in args.names.split(",") if n.strip()]
    conn = WSConn(args.url, args.timeout, subprotocols=names)
    try:
        emit(conn.subprotocol if conn.subprotocol else "none")
    finally:
        conn.close()
    return 0


def cmd_close_on_shutdown(args):
    """Connect and wait for the server to close; print 'closed CODE'.
    With --ready-file, create that file once connected, so a test knows
    when to signal the server."""
    conn = WSConn(args.url, args.timeout)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("connected\n")
    try:
        try:
            msg = conn.recv_message()
        except Closed as c:
            emit("closed %d" % c.code)
            return 0
        raise ProbeError("unexpected message before close: %s" % msg.decode("utf-8", "replace"))
    finally:
        conn.sock.close()


FRAME_OPS = {"cont": OP_CONT, "text": OP_TEXT, "binary": OP_BINARY,
             "close": OP_CLOSE, "ping": OP_PING, "pong": OP_PONG}


def spec_frame(spec):
    """One frame from a spec NAME[/FLAG...]:PAYLOAD (see cmd_frames)."""
    head, sep, payload = spec.partition(":")
    if not sep:
        raise ProbeError("a frame spec needs a ':': %r" % spec)
    name, *flags = head.split("/")
    if name in FRAME_OPS:
        op = FRAME_OPS[name]
    elif name.isdigit() and int(name) < 16:
        op = int(name)
    else:
        raise ProbeError("unknown opcode %r" % name)
    unknown = set(flags) - {"nofin", "rsv1", "unmasked", "hex"}
    if unknown:
        raise ProbeError("unknown frame flag(s): %s" % ", ".join(sorted(unknown)))
    if "hex" in flags:
        try:
            data = bytes.fromhex(payload)
        except ValueError:
            raise ProbeError("not a hex string: %r" % payload) from None
    else:
        data = payload.encode()
    frame = bytearray(build_frame(op, data, "nofin" not in flags))
    if "rsv1" in flags:
        frame[0] |= 0x40
    if "unmasked" in flags:  # drop the mask bit and key: the payload as is
        hlen = len(frame) - len(data) - 4
        frame = frame[:hlen] + data
        frame[1] &= 0x7F
    return bytes(frame)


def cmd_frames(args):
    """Send the frames given as specs NAME[/FLAG...]:PAYLOAD in one burst
    (NAME: text, binary, cont, close, ping, pong or an opcode number;
    FLAGs: nofin, rsv1, unmasked, hex — the payload is hex), then print
    every reply ('pong PAYLOAD' for pongs) until the server closes:
    'closed CODE' last ('closed 1006' if it closes without a close frame).
    --half-close shuts the
    socket's sending side (shutdown(SHUT_WR), as `nc -N` does) and waits
    --wait seconds before reading, so that the server sees the end of
    the stream with its replies still queued."""
    conn = WSConn(args.url, args.timeout)
    try:
        conn.send_raw(b"".join(spec_frame(s) for s in args.specs))
        if args.half_close:
            conn.sock.shutdown(socket.SHUT_WR)
            time.sleep(args.wait)
        deadline = time.monotonic() + args.timeout
        parts = []
        while True:
            try:
                fin, op, payload = conn.recv_frame(deadline)
            except Closed as c:
                emit("closed %d" % c.code)
                return 0
            if op == OP_PONG:
                emit(b"pong " + payload)
            elif op == OP_CLOSE:
                emit("closed %d" % (struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005))
                return 0
            elif op != OP_PING:
                parts.append(payload)
                if fin:
                    emit(b"".join(parts))
                    parts = []
    finally:
        conn.sock.close()


def build_parser():
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="wsprobe.py",
        description="Raw WebSocket probe for ndb tests (RFC 6455 client framing).")
    p.add_argument("--url", default=os.environ.get("NDB_URL") or "ws://127.0.0.1:1987/",
                   help="server URL (default: $NDB_URL or ws://127.0.0.1:1987/)")
    p.add_argument("--timeout", type=float, default=5.0,
                   help="bound, in seconds, for every wait (default 5)")
    p.add_argument("--source", metavar="ADDRESS",
                   help="connect from this local address (e.g. 127.0.0.2)")
    p.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                   help="an extra header of the upgrade request (repeatable)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, func, help_text):
        sp = sub.add_parser(name, help=help_text, description=func.__doc__)
        sp.set_defaults(func=func)
        return sp

    sp = add("frag", cmd_frag, "send TEXT as one message in N frames")
    sp.add_argument("text", metavar="TEXT")
    sp.add_argument("n", metavar="N", type=int)
    sp = add("binary", cmd_binary, "send a binary frame")
    sp.add_argument("bytes", metavar="BYTES")
    sp = add("raw-hex", cmd_raw_hex, "send a text frame with the given payload bytes")
    sp.add_argument("hex", metavar="HEXPAYLOAD")
    sp = add("oversize", cmd_oversize, "send an N-byte text message")
    sp.add_argument("n", metavar="N", type=int)
    sp = add("oversize-frag", cmd_oversize_frag, "send an N-byte text message in K frames")
    sp.add_argument("n", metavar="N", type=int)
    sp.add_argument("k", metavar="K", type=int)
    sp = add("ping", cmd_ping, "send a ping, print the pong")
    sp.add_argument("payload", metavar="PAYLOAD")
    sp = add("pipeline", cmd_pipeline, "pipeline N set/get pairs and check the answers")
    sp.add_argument("n", metavar="N", type=int)
    sp = add("conns", cmd_conns, "hold N connections open, set and get on each")
    sp.add_argument("n", metavar="N", type=int)
    sp = add("hangup", cmd_hangup, "N times: connect, send MESSAGE, hang up without reading")
    sp.add_argument("n", metavar="N", type=int)
    sp.add_argument("message", metavar="MESSAGE")
    sp.add_argument("--pad", type=int, default=0, metavar="PAD",
                    help="replace each X of MESSAGE by PAD bytes of x")
    sp.add_argument("--fin", action="store_true", help="close normally rather than with a reset")
    add("http-plain", cmd_http_plain, "plain HTTP GET, print the status line")
    add("handshake", cmd_handshake, "upgrade with the extra headers, print the answer's status")
    sp = add("send", cmd_send, "send messages at once, print the answers or the close")
    sp.add_argument("messages", metavar="MESSAGE", nargs="+")
    sp = add("subprotocol", cmd_subprotocol, "offer subprotocols, print the chosen one")
    sp.add_argument("names", metavar="NAME1,NAME2")
    sp = add("frames", cmd_frames, "send frames given as specs, print the replies and the close")
    sp.add_argument("specs", metavar="NAME[/FLAG...]:PAYLOAD", nargs="+")
    sp.add_argument("--half-close", action="store_true",
                    help="shutdown(SHUT_WR) after sending, then wait --wait seconds before reading")
    sp.add_argument("--wait", type=float, default=0.5, metavar="S",
                    help="with --half-close: seconds to wait before reading (default 0.5)")
    sp = add("close-on-shutdown", cmd_close_on_shutdown, "wait for the server to close")
    sp.add_argument("--ready-file", metavar="PATH",
                    help="create PATH once the connection is open")
    return p


def main(argv=None):
    """Run one probe; exit 0 on success, 1 on failure, 2 on usage errors."""
    args = build_parser().parse_args(argv)
    global SOURCE
    SOURCE = args.source
    try:
        return args.func(args)
    except ProbeError as e:
        print("wsprobe %s: %s" % (args.command, e), file=sys.stderr)
        return 1
    except Closed as c:
        print("wsprobe %s: connection closed unexpectedly (%d)" % (args.command, c.code),
              file=sys.stderr)
        return 1
    except Refused as r:
        print("wsprobe %s: %s" % (args.command, r), file=sys.stderr)
        return 1
    except OSError as e:
        print("wsprobe %s: %s" % (args.command, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
