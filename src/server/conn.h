/*
 * conn.h — one WebSocket connection as the transport keeps it, shared by
 * transport.c (libwebsockets: accept, upgrade, TLS, the console, timers)
 * and direct.c (plain ws:// connections whose socket the server reads and
 * writes itself once upgraded, issue 18).  Private to those two files.
 */
#ifndef NDB_CONN_H
#define NDB_CONN_H

#include <stdint.h>
#include <time.h>

#include "common/strbuf.h"
#include "server/client.h"
#include "server/outq.h"
#include "server/server.h"

struct lws;

typedef struct conn {
    client cl;          /* the server's view of this connection */
    struct lws *wsi;
    strbuf rx;          /* the message being reassembled */
    int rx_binary;
    outq out;           /* queued replies and pushes */
    int dispatching;    /* a message of this connection is being handled */
    size_t reply_at;    /* while dispatching: the entry of its reply */
    client_slot *reply_slot; /* while dispatching: set if the reply was deferred */
    outq later;         /* while dispatching: messages pushed to this connection */
    size_t direct_sent; /* bytes of the front entry (frame header included on the
                         * direct path) already written */
    int throttled;      /* reading paused because conn_backlog is high */
    int out_too_long;   /* a reply or push of 4 GiB or more was refused by outq: close 1008 */
    int gated;          /* in T.gated: out is held by the durability gate */
    struct conn *gprev, *gnext;
    int draining;       /* a message was too big: discard input, close with 1009 */
    int close_sent;
    int closing;        /* a limit closed it; ignore further input */
    int close_code;     /* with closing: send this close code after the queued output */
    const char *close_why;
    int64_t last_progress; /* ms (monotonic) of the last sign the client reads: a write
                            * of ours, or fewer bytes in the socket's send queue */
    unsigned sendq;        /* the send queue's bytes at the last tick (throttled) */
    int64_t msg_started; /* ms (monotonic) of the first piece of an incomplete message, or 0 */
    int64_t login_by;    /* ms (monotonic): close it if still not logged in then
                          * (limits.loginTimeoutSec), or 0 */
    int held;            /* client_hold: a login is being checked, incoming messages wait */
    int unlogged;        /* in the transport's list of connections not logged in (server with users) */
    int evicted;         /* closed to make room for a new connection (limits.maxPendingConnections) */
    uint64_t stage_seq;  /* when it upgraded, in the order of the transport's stage stamps */
    struct conn *uprev, *unext; /* that list, oldest first */
    int yielded;         /* its input used its share of a turn: the rest waits for the next */
    uint64_t yield_turn; /* the turn it yielded in */
    uint64_t slice_turn; /* the turn its slice_start belongs to */
    int64_t slice_start; /* ms (monotonic): its first message of that turn began */
    struct conn *ynext;  /* in the transport's list of yielded connections */
    struct conn *prev, *next;

    /* ---- the direct path (direct.c) */
    int handled;        /* a message was handled: pointers to cl may exist, it stays put */
    int handover;       /* plain ws://: move to the direct path at the first WRITEABLE */
    int handed_over;    /* this (lws) conn was moved: its CLOSED callback does nothing */
    int direct;         /* the socket is read and written by direct.c (a raw-file wsi) */
    int fd;
    unsigned char *in;  /* received bytes not yet consumed: in[0 .. in_len) */
    size_t in_len, in_cap;
    uint64_t in_skip;   /* bytes still to discard (the rest of an oversized frame) */
    int in_msg;         /* WSF_TEXT / WSF_BINARY: a fragmented message is in rx */
    int in_input;       /* direct_input is running for this conn */
    int flush_listed;   /* in the transport's list of conns to flush at turn end */
    struct conn *fnext;
    int resume_listed;  /* in the transport's list of conns whose input resumes */
    struct conn *rnext;
    strbuf ctl;         /* control frames to send (pong, ping, close) */
    size_t ctl_off;     /* bytes of ctl already written */
    int peer_closed;    /* the client sent a close frame */
    int peer_eof;       /* the client shut its side (recv() 0): read no more, answer what came */
    int64_t last_rx_ms; /* ms (monotonic) of the last frame received */
    int ping_sent;      /* an idle ping is out, no frame since */
    int64_t ping_ms;    /* with ping_sent: when it was queued (monotonic ms) */
} conn;

/* Bytes waiting to be written to c: queued replies and pushes, and (direct
 * path) control frames not yet written.  Back-pressure counts both, so a
 * client that pings without reading its pongs is paused like one that
 * does not read its answers. */
static inline size_t conn_backlog(const conn *c) { return c->out.pending + (c->ctl.len - c->ctl_off); }

/* ------------------------------------------------ transport.c, for direct.c */

/* The server being run. */
ndb_server *transport_server(void);
/* The transport's clock: monotonic milliseconds (coarse). */
int64_t transport_now_ms(void);
/* Milliseconds on the monotonic clock. */
int64_t transport_mono_ms(void);
/* Run one complete message of c through dispatch, its reply queued. */
void transport_message(conn *c, const char *msg, size_t len, int binary);
/* Something was queued on c: write it (at the end of the turn), and apply
 * the output limits (back-pressure, maxOutputBytes). */
void transport_queued(conn *c);
/* c (direct) has output or a close to write: flush it at the end of the turn. */
void transport_want_flush(conn *c);
/* c's hold or back-pressure ended: handle its buffered input once the
 * turn's callbacks are done (safe to call from inside a dispatch). */
void transport_want_input(conn *c);
/* Close c with `code` and `why` once what is queued before is written
 * (docs/protocol.md 1.2, 1.3).  From then the tick no longer looks at c
 * (stall, idle, deadlines): if the socket has not taken the rest within
 * bound_s seconds, lws drops the connection, so that a client that reads
 * nothing cannot keep its place under maxConnections. */
void transport_close_after(conn *c, int code, const char *why, unsigned bound_s);
/* Close c's connection from outside its callbacks. */
void transport_kill(conn *c);
/* The connection `from` was copied to `to`: `to` takes its place in the
 * transport's list of connections. */
void transport_moved(conn *from, conn *to);

/* ------------------------------------------------ direct.c */

/* Called at c's first WRITEABLE after the upgrade (c->handover set): move a
 * plain connection that has handled nothing yet to the direct path.
 * Returns 1 if it moved (the caller returns -1 so that lws forgets its
 * wsi, whose descriptor is then /dev/null), 0 if it stays with lws. */
int direct_handover(conn *c);
/* The socket of c is readable: read once and handle what arrived.
 * Returns -1 to close the connection. */
int direct_readable(conn *c);
/* Handle what c's receive buffer holds (after a hold or the back-pressure
 * ends).  Returns -1 to close the connection. */
int direct_input(conn *c);
/* Write what c has ready (its queued frames, one write per batch), at most
 * `limit` bytes (the rest waits for the next turn); asks lws for a
 * writable callback when the socket is full or the limit is reached, and
 * adds the bytes written to *wrote.  Called only at the
 * end of a turn, never inside an lws callback (RAW_WRITEABLE_FILE lists c
 * for it: lws clears POLLOUT after that callback, losing a new request).
 * Returns 1 when the connection is done (close it), -1 on a socket error,
 * 2 when the limit left output for the next turn, else 0. */
int direct_flush(conn *c, size_t limit, size_t *wrote);
/* Once per tick: idle ping / hang-up (limits.idleTimeoutSec). */
void direct_tick(conn *c, int64_t now_ms);
/* Once per tick: free the direct-path buffers that hold nothing now and
 * more than keep bytes; returns the bytes freed. */
size_t direct_shrink_idle(conn *c, size_t keep);
/* The server shuts down: close 1001 after what is queued. */
void direct_shutdown(conn *c);
/* Free c's direct-path buffers (the connection is gone). */
void direct_free(conn *c);

#endif
