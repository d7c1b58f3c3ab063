/*
 * direct.c — plain ws:// connections whose socket the server reads and
 * writes itself once the upgrade is done (issue 18).
 *
 * Why: libwebsockets 4.1 parses incoming frames a byte at a time (with a
 * log call per step, even with logging off) and lets a connection write
 * only from its WRITEABLE callback, one poll() round after the reply was
 * queued.  On the request path that was about a third of the server's
 * instructions and one extra poll() per batch.  Here:
 *   - lws still accepts, runs the handshake (Origin/Host/Basic checks in
 *     handshake.c), serves the console and TLS connections; a plain
 *     connection is handed over at its first WRITEABLE after the upgrade,
 *     before it has handled any message: its descriptor is duplicated and
 *     adopted by lws as a raw file (lws keeps polling it and calls
 *     RAW_RX_FILE / RAW_WRITEABLE_FILE), the old wsi's descriptor is
 *     pointed at /dev/null and the old wsi closed, so lws never touches the
 *     socket through it again;
 *   - input: one recv() per readable callback, into a buffer shared by all
 *     connections when the connection has nothing buffered (else into its
 *     own, which holds only what a read left: an incomplete frame, or
 *     frames waiting for a hold to end); frames parsed in place (wsin.c:
 *     whole header at once, payload unmasked eight bytes at a time), a
 *     message in one frame handed to dispatch without a copy; fragments
 *     reassembled in conn.rx; text validated as UTF-8 (eight ASCII bytes
 *     at a time) once complete;
 *   - output: at the end of every event-loop turn, the queued replies go
 *     out in one write per batch, each frame header written into its
 *     entry's headroom: a writev() of the entries in place, or, for a batch
 *     of at most FLAT_MAX bytes, one write() of them copied together (see
 *     FLAT_MAX); only when the socket is full does the connection wait for
 *     a writable callback, which only lists it for the flush at the end of
 *     the turn (lws turns a raw file's POLLOUT off after that callback, so
 *     a wait asked for inside it would be lost);
 *   - control frames: pings answered with pongs, a client's close echoed
 *     after the replies before it, idle pings and hang-up on the tick.
 * One case is not covered: a client that sends frame bytes together with
 * its upgrade request, before it has the 101 answer (RFC 6455 4.1 says it
 * must wait), and whose first frame lws has read only in part when the
 * handover comes, loses the part lws read (a complete frame is handled on
 * lws's path and the connection stays there).  Clients that wait, as
 * every client library does, hand over before lws reads anything: lws
 * services POLLOUT before POLLIN.
 * Every rule of the lws path holds here too: maxPayload over the whole
 * message and close 1009 after the earlier replies (the rest of the input
 * discarded until the client's close, at most 5 s), 1007 for text that is
 * not UTF-8, 1002 for protocol errors, requestTimeoutSec, back-pressure
 * and holds (no more input is handled, and the socket is not read, until
 * they end), the durability gate (held entries are not written), deferred
 * replies (a marker stops the writer), shutdown with 1000.
 */
#define _GNU_SOURCE /* dup3 */
#include "server/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/wsframe.h"
#include "json/scan.h"
#include "server/settings.h"
#include "server/wsin.h"

/* The buffer every connection reads into when it has nothing buffered. */
#define SHARED_IN 65536
/* A connection's own buffer (for what is left after a read): its least
 * size, and the most it keeps when empty (as the reassembly buffer does):
 * a client sending big messages one after the other reuses it instead of
 * allocating each time. */
#define IN_MIN 4096
#define IN_KEEP_MAX (1024 * 1024)
/* Most frames and bytes gathered into one writev. */
#define WRITE_IOVS 64
#define WRITE_BATCH (1024 * 1024)
/* A batch of several frames up to this size is copied into one buffer and
 * sent with one write() instead of a writev() of its pieces: the copy is
 * of bytes just written (hot in cache), and the kernel's send path costs
 * less for one piece than for many: with 8 replies of 1 KB per connection
 * (50 conns x 8), 5 % less server CPU per request with the copy than
 * without (tests/bench/cpu_per_request.sh); small replies are no worse.
 * Bigger batches (large values) are cheaper to send in place. */
#define FLAT_MAX 65536
/* Most writes in one flush, so that one fast reader cannot keep the loop
 * from the other connections; what is left waits for a writable callback. */
#define FLUSH_ROUNDS 64
/* How long a close waits for the client's close frame. */
#define CLOSE_WAIT_S 5

/* RXFLOW reason bit of a hold, as transport.c uses it. */
#define RXFLOW_HOLD (1 << 1)
/* RXFLOW reason bit of the end of the client's stream: never cleared. */
#define RXFLOW_EOF (1 << 2)

int direct_handover(conn *c) {
    c->handover = 0;
    if (c->handled || c->rx.len || c->msg_started || c->closing || c->draining || !outq_empty(&c->out) ||
        lws_partial_buffered(c->wsi))
        return 0; /* something is under way on the lws path: it stays there */
    int fd = lws_get_socket_fd(c->wsi);
    if (fd < 0) return 0;
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (nfd < 0) return 0;
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) {
        close(nfd);
        return 0;
    }
    lws_sock_file_fd_type d;
    d.filefd = nfd;
    struct lws *w = lws_adopt_descriptor_vhost(lws_get_vhost(c->wsi), LWS_ADOPT_RAW_FILE_DESC, d, "ndb", NULL);
    if (!w) {
        close(null);
        close(nfd);
        return 0;
    }
    /* The old wsi's descriptor becomes /dev/null: lws closes that, and
     * its shutdown(SHUT_WR) fails there instead of ending the socket. */
    int rc = dup3(null, fd, O_CLOEXEC);
    close(null);
    conn *n = lws_wsi_user(w);
    if (rc < 0 || !n) { /* cannot happen; drop the new wsi, the old one goes on */
        lws_set_timeout(w, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return 0;
    }
    /* the connection moves to the new wsi's memory: nothing points at it
     * yet (no message was handled) but the transport's list */
    *n = *c;
    transport_moved(c, n);
    n->cl.transport = n;
    n->wsi = w;
    n->direct = 1;
    n->fd = nfd;
    n->last_rx_ms = transport_mono_ms();
    memset(&c->rx, 0, sizeof c->rx); /* owned by n now */
    memset(&c->out, 0, sizeof c->out);
    memset(&c->later, 0, sizeof c->later);
    c->prev = c->next = NULL;
    c->handed_over = 1;
    c->cl.transport = n;
    return 1;
}

/* Close after what is queued, with `code` (docs/protocol.md 1.2, 1.3).
 * The tick no longer looks at a closing connection (stall, idle): a client
 * that reads nothing more would keep it, and its place under
 * maxConnections, for ever while the close frame waits behind replies the
 * socket does not take.  It gets outputStallTimeoutSec to read them. */
static void close_with(conn *c, int code, const char *why) {
    if (c->closing) return;
    transport_close_after(c, code, why, transport_server()->cfg.out_stall_timeout_s);
}

/* Queue a control frame (ping, pong, close) to go out between messages. */
static void add_control(conn *c, unsigned opcode, const unsigned char *payload, size_t n) {
    unsigned char f[WSF_MAX_HEADER + WSF_MAX_CONTROL];
    sb_add(&c->ctl, f, wsf_encode(f, opcode, payload, n, NULL));
    transport_want_flush(c);
}

/* The client sent a close frame: echo its code after the replies before
 * it (RFC 6455 5.5.1), then close the socket. */
static void peer_close(conn *c, const unsigned char *p, size_t n) {
    c->peer_closed = 1;
    if (c->close_sent) { /* it acknowledges ours, or crossed it: done once ours is written */
        /* direct_flush sees that and closes.  Asked for here: when this
         * frame was read from the socket, direct_readable closes at once,
         * but one that waited in the buffer (behind a hold or a yield)
         * and is handled after our close went out was left until the
         * close timeout (5 s) dropped the connection. */
        transport_want_flush(c);
        return;
    }
    unsigned code = 1005; /* none given: the echo carries none either */
    if (n >= 2) {
        code = (unsigned)p[0] << 8 | p[1];
        int valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
        if (!valid || !utf8_valid((const char *)p + 2, n - 2)) code = 1002;
    } else if (n == 1) {
        code = 1002;
    }
    c->closing = 0; /* an earlier close in waiting gives way to the echo */
    close_with(c, (int)code, "");
}

/* One complete message: check it and hand it to dispatch. */
static void message(conn *c, const char *msg, size_t len, int binary) {
    c->msg_started = 0;
    if (!binary && !utf8_valid(msg, len)) {
        log_debug("closing connection: a text message that is not UTF-8");
        close_with(c, 1007, "invalid UTF-8");
        return;
    }
    c->handled = 1;
    transport_message(c, msg, len, binary);
}

/* One frame.  Returns -1 to close now. */
static int frame(conn *c, const wsin_frame *f) {
    switch (f->opcode) {
    case WSF_PING:
        if (c->closing) return 0;
        add_control(c, WSF_PONG, f->payload, (size_t)f->len);
        transport_queued(c); /* pongs count for back-pressure: a ping flood that reads nothing is paused */
        return 0;
    case WSF_PONG: return 0;
    case WSF_CLOSE: peer_close(c, f->payload, (size_t)f->len); return 0;
    default: break;
    }
    if (c->closing || c->draining) return 0; /* data after a close: discarded */
    if (f->opcode == WSF_CONT ? !c->in_msg : c->in_msg) {
        close_with(c, 1002, "unexpected continuation");
        return 0;
    }
    if (f->opcode != WSF_CONT) {
        c->in_msg = (int)f->opcode;
        sb_reset(&c->rx);
    }
    if (f->fin && f->opcode != WSF_CONT) { /* the common case: one frame, no copy */
        c->in_msg = 0;
        message(c, (const char *)f->payload, (size_t)f->len, f->opcode == WSF_BINARY);
        return 0;
    }
    if (!c->msg_started) c->msg_started = transport_mono_ms(); /* requestTimeoutSec */
    sb_add(&c->rx, f->payload, (size_t)f->len);
    if (!f->fin) return 0;
    int binary = c->in_msg == WSF_BINARY;
    c->in_msg = 0;
    message(c, c->rx.buf, c->rx.len, binary);
    sb_reset(&c->rx);
    sb_release_over(&c->rx, 1024 * 1024); /* don't pin a big buffer */
    return 0;
}

/* The frame whose header is complete would take the message past
 * maxPayload: answer what came before, then close 1009 (1.3). */
static void oversized(conn *c, uint64_t frame_len, size_t avail_payload) {
    log_debug("closing connection: message over maxPayload (%zu bytes)", transport_server()->cfg.max_payload);
    c->draining = 1;
    c->in_msg = 0;
    c->msg_started = 0;
    sb_free(&c->rx);
    c->in_skip = frame_len - avail_payload;
    transport_want_flush(c);
    /* as for any close (close_with): the replies before it and the close
     * frame have outputStallTimeoutSec to go out; without the bound a
     * client that reads nothing kept the connection until idleTimeoutSec */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, (int)transport_server()->cfg.out_stall_timeout_s);
}

/* Is the input of c paused (hold, back-pressure, a message being handled,
 * its share of the turn used)? */
static int paused(const conn *c) { return c->held || c->throttled || c->dispatching || c->yielded; }

/* Handle the frames in buf[0 .. len) (c's own buffer or the shared one),
 * until the input pauses or a frame is incomplete.  Returns how many bytes
 * were used; *need is the size the incomplete frame at that point needs
 * (0 if none); *rc is set to -1 to close now. */
static size_t take_frames(conn *c, unsigned char *buf, size_t len, size_t *need, int *rc) {
    size_t off = 0, max = transport_server()->cfg.max_payload;
    *need = 0;
    while (off < len && !paused(c)) {
        unsigned char *p = buf + off;
        size_t avail = len - off;
        if (c->in_skip) { /* the rest of an oversized frame */
            size_t k = c->in_skip < avail ? (size_t)c->in_skip : avail;
            c->in_skip -= k;
            off += k;
            continue;
        }
        wsin_frame f;
        int head;
        int r = wsin_next(p, avail, &f, &head);
        if (r == WSIN_ERROR) {
            close_with(c, 1002, "protocol error");
            return len; /* nothing more is read from this client */
        }
        int data = f.opcode == WSF_TEXT || f.opcode == WSF_BINARY || f.opcode == WSF_CONT;
        if (head && data && !c->closing && !c->draining && c->rx.len + f.len > max) {
            size_t hsize = f.size - (size_t)f.len;
            oversized(c, f.len, avail > hsize ? avail - hsize : 0);
            off += avail < f.size ? avail : f.size;
            continue;
        }
        if (r == WSIN_MORE) {
            if (!c->msg_started) c->msg_started = transport_mono_ms(); /* requestTimeoutSec */
            *need = f.size;
            break;
        }
        off += f.size;
        c->last_rx_ms = transport_mono_ms();
        c->ping_sent = 0;
        if (frame(c, &f) < 0) {
            *rc = -1;
            break;
        }
        if (!c->in_msg && off == len) c->msg_started = 0;
    }
    return off;
}

/* Make c's own buffer hold at least `want` bytes (keeping its content). */
static void in_reserve(conn *c, size_t want) {
    if (want <= c->in_cap) return;
    size_t cap = c->in_cap * 2 > want ? c->in_cap * 2 : want; /* geometric: few reallocs */
    if (cap < IN_MIN) cap = IN_MIN;
    unsigned char *b = realloc(c->in, cap);
    if (!b) abort();
    c->in = b;
    c->in_cap = cap;
}

/* After take_frames on c's own buffer (`used` bytes of it taken): keep the
 * rest at its front, with room for the incomplete frame (`need`). */
static void in_keep(conn *c, size_t used, size_t need) {
    if (used) {
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
    }
    if (need) in_reserve(c, need);
    if (c->in_len == 0 && c->in_cap > IN_KEEP_MAX) { /* don't pin a very big buffer */
        free(c->in);
        c->in = NULL;
        c->in_cap = 0;
    }
    if (c->in_len == 0 && !c->in_msg) c->msg_started = 0;
}

/* After the client's half-close, once its buffered frames are handled
 * (not while the input is paused: those wait for the pause to end): what
 * is left is a frame that can never complete.  Close as for a close frame
 * without a code, after the replies; a close already under way (the
 * client's own close frame, 1002, 1009) just stops waiting for the
 * client's close, which cannot come. */
static void eof_finish(conn *c) {
    if (!c->peer_eof || paused(c)) return;
    c->in_len = 0;
    c->in_skip = 0;
    if (c->closing || c->draining || c->close_sent) {
        c->peer_closed = 1;
        transport_want_flush(c);
        return;
    }
    peer_close(c, NULL, 0);
}

int direct_input(conn *c) {
    if (c->in_input) return 0; /* the running loop goes on */
    c->in_input = 1;
    size_t need;
    int rc = 0;
    size_t used = take_frames(c, c->in, c->in_len, &need, &rc);
    in_keep(c, used, need);
    c->in_input = 0;
    if (rc == 0) eof_finish(c);
    return rc;
}

/* recv() gave 0: the client shut its sending side (a TCP half-close, as
 * `nc -N` or a script that writes all its requests first does; or it sent
 * its close frame and then shut).  It may still read: the requests it
 * sent, buffered here or not yet handled behind back-pressure, are owed
 * their answers (docs/protocol.md 1.4), its close frame its echo (1.2);
 * they used to be dropped with the socket.  Stops reading the socket (at
 * its end poll() reports it readable at every turn) and lets eof_finish
 * close after the replies and a close frame.  The close frame goes out
 * even when every answer was written already: whether they were depended
 * on how fast the client read (a client reading its answers as they came
 * got no close frame, one reading late did); to a client that closed its
 * socket whole the two bytes are lost, at no cost.  A client that then
 * reads nothing is dropped as any closing connection is, after
 * outputStallTimeoutSec. */
static int peer_eof(conn *c) {
    c->peer_eof = 1;
    lws_rx_flow_control(c->wsi, LWS_RXFLOW_REASON_APPLIES_DISABLE | RXFLOW_EOF);
    return direct_input(c); /* the frames buffered before the end first */
}

/* What a connection with nothing buffered reads into: its frames are
 * handled in place there, and only what is left (an incomplete frame, or
 * frames that wait for a hold to end) is copied to the connection's own
 * buffer, so that idle connections hold no receive buffer at all.  Used
 * by one direct_readable at a time (the loop has one thread, and reading
 * never nests). */
static unsigned char shared_in[SHARED_IN];

int direct_readable(conn *c) {
    if (paused(c) || c->peer_eof) return 0; /* POLLIN is being turned off; the bytes wait in the socket */
    if (c->in_len == 0) {
        ssize_t n = recv(c->fd, shared_in, sizeof shared_in, 0);
        if (n == 0) return peer_eof(c);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
        c->last_rx_ms = transport_mono_ms();
        size_t need;
        int rc = 0;
        c->in_input = 1;
        size_t used = take_frames(c, shared_in, (size_t)n, &need, &rc);
        size_t rest = (size_t)n - used;
        if (rest) {
            in_reserve(c, rest > need ? rest : need);
            memcpy(c->in, shared_in + used, rest);
            c->in_len = rest;
        } else if (!c->in_msg) {
            c->msg_started = 0;
        }
        c->in_input = 0;
        return rc < 0 || (c->close_sent && c->peer_closed) ? -1 : 0;
    }
    in_reserve(c, IN_MIN);
    if (c->in_len == c->in_cap) return direct_input(c); /* (full: only after a pause) */
    ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (n == 0) return peer_eof(c);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    c->last_rx_ms = transport_mono_ms();
    c->in_len += (size_t)n;
    /* after our close frame only the client's close counts: then we are done */
    return direct_input(c) < 0 || (c->close_sent && c->peer_closed) ? -1 : 0;
}

/* Bytes of the frame header in front of a payload of n bytes. */
static size_t head_len(size_t n) {
    unsigned char h[WSF_MAX_HEADER];
    return wsf_header(h, WSF_TEXT, n, NULL);
}

/* Account for w bytes written: control bytes first (ctl_n of them were
 * offered), then queued frames. */
static void consumed(conn *c, size_t w, size_t ctl_n) {
    size_t k = w < ctl_n ? w : ctl_n;
    c->ctl_off += k;
    w -= k;
    if (c->ctl_off == c->ctl.len) {
        sb_reset(&c->ctl);
        c->ctl_off = 0;
    }
    while (w) {
        size_t n;
        outq_front(&c->out, &n);
        size_t rest = head_len(n) + n - c->direct_sent;
        if (w < rest) {
            c->direct_sent += w;
            return;
        }
        w -= rest;
        c->direct_sent = 0;
        outq_pop(&c->out);
    }
}

/* Is there nothing c could write now (no control bytes, no ready frame)? */
static int nothing_to_write(conn *c) {
    size_t n;
    return c->ctl.len == c->ctl_off && !outq_front(&c->out, &n);
}

/* Is c's close frame due, not queued yet, with everything queued before
 * it written (the close goes after those)? */
static int close_due(conn *c) {
    int want_close = (c->closing && c->close_code) || c->draining;
    return want_close && !c->close_sent && outq_empty(&c->out);
}

/* write() the n pieces of iov (FLAT_MAX bytes at most) as one. */
static ssize_t write_flat(int fd, const struct iovec *iov, int n) {
    static unsigned char flat[FLAT_MAX];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        memcpy(flat + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    return write(fd, flat, len);
}

int direct_flush(conn *c, size_t limit, size_t *wrote_bytes) {
    outq *q = &c->out;
    int wrote = 0, round;
    size_t sent = 0;
    for (round = 0; round < FLUSH_ROUNDS && sent < limit; round++) {
        if (nothing_to_write(c)) {
            /* the close frame goes after everything queued before it */
            if (!close_due(c)) break;
            unsigned char f[WSF_MAX_CLOSE_FRAME];
            int code = c->draining ? 1009 : c->close_code;
            const char *why = c->draining ? "message over maxPayload" : c->close_why;
            size_t fl = code == 1005 ? wsf_encode(f, WSF_CLOSE, NULL, 0, NULL) /* 1005: an empty close */
                                     : wsf_close_frame(f, (unsigned)code, why && *why ? why : NULL, NULL);
            sb_add(&c->ctl, f, fl);
            c->close_sent = 1;
            if (!c->peer_closed) lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_WAIT_S);
            continue;
        }
        struct iovec iov[WRITE_IOVS];
        int n = 0;
        size_t total = 0, ctl_n = 0;
        if (c->direct_sent == 0 && c->ctl.len > c->ctl_off) { /* never inside a frame */
            ctl_n = c->ctl.len - c->ctl_off;
            iov[n++] = (struct iovec){c->ctl.buf + c->ctl_off, ctl_n};
            total += ctl_n;
        }
        size_t at = q->head, len;
        char *p;
        for (int first = 1; n < WRITE_IOVS && total < WRITE_BATCH && (p = outq_peek(q, &at, &len)); first = 0) {
            unsigned char h[WSF_MAX_HEADER];
            size_t hl = wsf_header(h, WSF_TEXT, len, NULL);
            unsigned char *start = (unsigned char *)p - hl; /* the entry's headroom (outq.h) */
            size_t skip = first ? c->direct_sent : 0;
            if (!skip) memcpy(start, h, hl);
            iov[n++] = (struct iovec){start + skip, hl + len - skip};
            total += hl + len - skip;
        }
        if (!n) break;
        if (total > limit - sent) { /* the turn's share ends inside this batch */
            size_t over = total - (limit - sent);
            while (n > 1 && over >= iov[n - 1].iov_len) over -= iov[--n].iov_len;
            iov[n - 1].iov_len -= over; /* what is left of it goes next turn */
            total = limit - sent;
        }
        ssize_t w; /* one frame: write(); several: one write() of a copy, or writev() (FLAT_MAX) */
        if (n == 1) w = write(c->fd, iov[0].iov_base, iov[0].iov_len);
        else if (total <= FLAT_MAX) w = write_flat(c->fd, iov, n);
        else w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                lws_callback_on_writable(c->wsi);
                break;
            }
            return -1;
        }
        wrote = 1;
        sent += (size_t)w;
        consumed(c, (size_t)w, ctl_n);
        if ((size_t)w < total) {
            lws_callback_on_writable(c->wsi);
            break;
        }
    }
    /* The rounds or the turn's share ran out with the socket still taking
     * everything: the rest goes at the next turn (the socket is writable,
     * so the callback comes at once); without this it waited for
     * unrelated input.  The rest may be the close frame alone: a share
     * spent exactly by the last queued byte left it unqueued (at shutdown,
     * such connections got no close frame). */
    int cut = sent >= limit && (!nothing_to_write(c) || close_due(c));
    if ((round == FLUSH_ROUNDS || cut)) lws_callback_on_writable(c->wsi);
    *wrote_bytes += sent;
    if (wrote) c->last_progress = transport_now_ms();
    outq_compact(q);
    ndb_server *srv = transport_server();
    if (c->throttled && conn_backlog(c) <= srv->cfg.out_high_water / 2) {
        c->throttled = 0;
        lws_rx_flow_control(c->wsi, 1);
        transport_want_input(c); /* the input buffered meanwhile, at the next turn */
    }
    /* done: our close is out and the client closed too (or it asked) */
    if (c->close_sent && c->ctl.len == c->ctl_off && (c->peer_closed || c->closing == 2)) return 1;
    return cut ? 2 : 0;
}

size_t direct_shrink_idle(conn *c, size_t keep) {
    size_t freed = 0;
    if (c->in_len == 0 && c->in_cap > keep) {
        freed += c->in_cap;
        free(c->in);
        c->in = NULL;
        c->in_cap = 0;
    }
    if (c->ctl.len == c->ctl_off) { /* every control frame written */
        freed += sb_release_over(&c->ctl, keep);
        c->ctl_off = c->ctl.len; /* 0 once freed */
    }
    return freed;
}

void direct_tick(conn *c, int64_t now_ms) {
    const ndb_config *cfg = &transport_server()->cfg;
    int64_t idle = now_ms - c->last_rx_ms, limit = (int64_t)cfg->idle_timeout_s * 1000;
    int64_t before = cfg->idle_timeout_s / 11 ? cfg->idle_timeout_s / 11 : 1; /* as lws's policy: ping at ~91 % */
    /* The tick comes about once a second, as coarse as the window between
     * the ping and the limit: hang up only a connection that was pinged
     * and had that window to answer, so a late tick never drops a client
     * that would have answered (one that does not is dropped at most a
     * tick after the limit). */
    if (!c->ping_sent) {
        if (idle >= limit - before * 1000) {
            c->ping_sent = 1;
            c->ping_ms = now_ms;
            add_control(c, WSF_PING, NULL, 0);
        }
    } else if (idle >= limit && now_ms - c->ping_ms >= before * 1000) {
        log_debug("hanging up a connection idle for %u s (idleTimeoutSec)", cfg->idle_timeout_s);
        transport_kill(c);
    }
}

void direct_shutdown(conn *c) {
    c->closing = 2; /* close right after the close frame: the loop is ending */
    c->close_code = LWS_CLOSE_STATUS_NORMAL; /* docs/protocol.md 1.6: 1000, as the protocol has it */
    c->close_why = "server shutting down";
    transport_want_flush(c);
}

void direct_free(conn *c) {
    free(c->in);
    c->in = NULL;
    c->in_len = c->in_cap = 0;
    sb_free(&c->ctl);
}
