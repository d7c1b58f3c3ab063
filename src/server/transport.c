/*
 * transport.c — the WebSocket side of the server, on libwebsockets.
 *
 * Everything between the socket and dispatch_message() lives here:
 *   - reassembling a message from the pieces lws delivers (lws never
 *     reassembles) and enforcing maxPayload on the whole message, closing
 *     with 1009 when it is exceeded;
 *   - a per-connection output queue.  Responses are built straight into it
 *     (no copy), each preceded by LWS_PRE bytes of headroom for the frame
 *     header, and written one per WRITEABLE callback as lws requires;
 *   - back-pressure (docs/protocol.md 0.1 decision 11, Q22): above the high-water
 *     mark a connection is no longer read; it is read again once its output
 *     drains; if its output makes no progress for the stall timeout it is
 *     closed.  Responses are never dropped;
 *   - plain HTTP requests (not upgrades) are answered by console.c: the
 *     web console's files or 404; such a connection's handshake timeout
 *     restarts with each request it makes (keep-alive), until it has been
 *     open handshakeTimeoutSec: the answer after that closes it;
 *   - periodic work on lws_sul timers (lws_service's timeout does nothing
 *     useful in this lws build) and a clean shutdown on SIGINT, SIGTERM
 *     or SIGHUP:
 *     every connection gets a going-away close frame, then the loop ends;
 *   - the connection limits of README "Limits" (issue 10):
 *       maxConnections — every accepted TCP connection counts from accept
 *         (upgraded or still in its handshake); one over the limit is
 *         closed right after accept, before anything is read or allocated
 *         for it, and counted in a log line at most once per tick; an
 *         open-file limit below it plus FD_RESERVE lowers it (raise_fd_limit);
 *       maxPendingConnections — ... unless a connection not established
 *         (in its handshake, or not logged in) can make room: the oldest
 *         is closed instead (make_room), also when these hold their share;
 *       handshakeTimeoutSec — a connection that has not completed the
 *         WebSocket upgrade this long after accept is dropped (tracked in
 *         `pending`, oldest first, so the tick looks only at expired ones);
 *       requestTimeoutSec — a message whose first piece arrived this long
 *         ago and is still incomplete (a client dribbling a request) closes
 *         the connection with 1008;
 *       idleTimeoutSec — lws's validity policy: a ping after ~91% of it
 *         without valid traffic, hang-up at the limit if no pong came;
 *       maxOutputBytes — a hard cap on one connection's queued responses,
 *         on top of the back-pressure: past it the connection is closed at
 *         once and its queue freed (a client that never reads, or one
 *         response bigger than the cap);
 *   - security (README "Security", issue 14): the upgrade is checked in
 *     LWS_CALLBACK_HTTP_CONFIRM_UPGRADE (handshake.c: Origin, Host, Basic
 *     authentication, HTTP refusals) and a connection starts with the role
 *     auth.c gives it; TLS options come from tls_server.c; a login being
 *     checked holds the connection's input (client_hold, an rx flow
 *     control reason of its own); the password worker wakes the loop with
 *     transport_wake() and auth.c's throttle uses transport_after().
 *   - the durability gate (issue 15): output queued on any connection
 *     after a change whose journal record is not yet durable (written, or
 *     with `always` fsynced) is held in its queue; at the end of every
 *     event-loop turn the journal is flushed (durability_turn_end) and the
 *     held queues whose records are now durable are released, so every
 *     reply and push that leaves the server describes durable data, and
 *     all the writes of one turn share one write() and one fsync.
 */
#include "server/transport.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <libwebsockets.h>
#include <limits.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/log_rate.h"
#include "common/plural.h"
#include "common/wsframe.h"
#include "server/auth.h"
#include "server/conn.h"
#include "server/console.h"
#include "server/dispatch.h"
#include "server/handshake.h"
#include "server/durability.h"
#include "server/outq.h"
#include "server/peer_gone.h"
#include "server/refusal_log.h"
#include "server/sd_notify.h"
#include "server/security.h"
#include "server/settings.h"
#include "server/tls_server.h"

/* The queue's headroom must hold what lws_write may use before a buffer. */
_Static_assert(LWS_PRE <= OUTQ_HEADROOM, "outq headroom too small for LWS_PRE");
/* A big reply's frame header is written into its entry's headroom. */
_Static_assert(WSF_MAX_HEADER <= OUTQ_HEADROOM, "outq headroom too small for a frame header");


/* A plain HTTP request (the console) keeps its transfer in the memory lws
 * gives each connection for the conn it would become. */
_Static_assert(CONSOLE_STATE_SIZE <= sizeof(conn), "conn too small for the console's state");

/* A TCP connection between accept and a completed upgrade (or its end).
 * Found again through lws's opaque user pointer of its wsi. */
typedef struct pending {
    struct lws *wsi;
    int64_t since;    /* ms, monotonic: accept, or the last plain HTTP request */
    int64_t accepted; /* ms, monotonic: accept (a console connection's keep-alive ends by it) */
    int killed;
    uint64_t seq; /* stage stamp: accept, or the last plain HTTP request (older: smaller) */
    const ndb_user *user; /* logged in by Basic authentication in the handshake */
    char addr[64];        /* the peer, read at accept: a client that hangs up has none later */
    struct pending *prev, *next;
} pending;

static struct {
    ndb_server *srv;
    struct lws_context *ctx;
    conn *conns; /* every established connection, for shutdown and stall checks */
    conn *gated; /* connections whose output the durability gate holds */
    lws_sorted_usec_list_t tick;
    volatile sig_atomic_t signalled;
    int shutting_down;
    int stop;
    int64_t shutdown_deadline_ms; /* mono_ms: a step of the wall clock neither ends nor stretches it */
    transport_tick_fn tick_fn;
    unsigned tick_ms;
    strbuf tx; /* frames of one batched write */
    pending *pend_head, *pend_tail; /* accept order */
    unsigned npending;
    uint64_t refused, refused_unlogged; /* over maxConnections */
    unsigned pend_killed;               /* pending entries killed (timeout, eviction), not yet destroyed */
    const pending *killing;             /* evict_oldest's, until pending_drop frees it (compared, never read) */
    unsigned evicted_closing;           /* upgraded connections evicted, not yet closed */
    conn *unl_head, *unl_tail;          /* upgraded, not logged in (server with users): oldest first */
    unsigned nunlogged;
    uint64_t stage_seq;                 /* the last stage stamp given (pending.seq, conn.stage_seq) */
    unsigned pending_cap;               /* limits.maxPendingConnections, 0 resolved */
    unsigned evict_slack;               /* evicted connections that may be closing at once */
    unsigned fd_spare;                  /* descriptors the open-file limit has beyond conn_cap + reserve */
    unsigned conn_cap;                  /* maxConnections, or fewer if the open-file limit is lower */
    uint64_t refused_closing;           /* while shutting down, not yet logged */
    lws_retry_bo_t idle_policy;
    int no_direct; /* NDB_TRANSPORT=lws: every connection stays on lws's path */
    conn *flush_head; /* direct connections to flush at the end of the turn */
    conn *resume_head; /* direct connections whose buffered input may be handled again */
    conn *yield_head;  /* connections whose input waits for the next turn (TURN_SHARE_MS) */
    uint64_t turn;     /* loop turns so far: each begins with a poll (lws_service) */
    size_t turn_out; /* bytes written to every connection so far this turn (turn_share) */
    size_t turn_cut; /* connections whose writing this turn stopped at the budget */
} T;

/* Outside T (which transport_run clears): what the loop calls when woken
 * from another thread, the one delayed call, and the context as other
 * threads may use it (NULL once the loop has ended). */
static void (*wake_fn)(void);
static void (*after_fn)(void);
static lws_sorted_usec_list_t after_sul;
static void (*soon_fn)(void);
static lws_sorted_usec_list_t soon_sul;
static lws_sorted_usec_list_t shutdown_sul; /* the end of the clients' second to close */
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lws_context *wake_ctx;

/* The reason bit of lws_rx_flow_control for client_hold (bit 0 is the
 * back-pressure's; direct.c uses bit 2 for the end of the stream). */
#define RXFLOW_HOLD (1 << 1)
/* ... and for a connection that used its share of a turn (yield). */
#define RXFLOW_YIELD (1 << 3)
/* A connection's share of one loop turn: once handling its messages has
 * taken this long, the rest of its input waits for the next turn, after
 * the other connections' input.  Without it, one client pipelining slow
 * requests (a KV_FIND may take a second) held every other client, new
 * handshakes too, until all of them were answered. */
#define TURN_SHARE_MS 20

/* Milliseconds on the monotonic clock (never 0 in practice).  The coarse
 * clock (the kernel's tick, a few ms): these stamps only time limits
 * counted in seconds, and every read of the connection takes one — the
 * precise clock cost 2 % of the server's CPU with 50 connections x 8
 * pipelined 1 KB requests (perf). */
static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

/* wsi's peer address into buf, or "" once the client has hung up (lws
 * would write its getpeername error there). */
static void read_peer(struct lws *wsi, char *buf, size_t cap) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    lws_sockfd_type fd = lws_get_socket_fd(wsi);
    buf[0] = '\0';
    if (fd >= 0 && !getpeername(fd, (struct sockaddr *)&ss, &sl)) lws_get_peer_simple(wsi, buf, cap);
}

static void pending_add(struct lws *wsi) {
    pending *p = calloc(1, sizeof *p);
    if (!p) return; /* not tracked: lws's own handshake timeout still applies */
    p->wsi = wsi;
    p->since = p->accepted = mono_ms();
    p->seq = ++T.stage_seq;
    read_peer(wsi, p->addr, sizeof p->addr);
    p->prev = T.pend_tail;
    if (T.pend_tail) T.pend_tail->next = p;
    else T.pend_head = p;
    T.pend_tail = p;
    T.npending++;
    lws_set_opaque_user_data(wsi, p);
}

/* Forget wsi's pending entry, if it has one. */
static void pending_drop(struct lws *wsi) {
    pending *p = lws_get_opaque_user_data(wsi);
    if (!p) return;
    lws_set_opaque_user_data(wsi, NULL);
    if (p->killed) T.pend_killed--;
    if (p == T.killing) T.killing = NULL; /* evict_oldest: it went at once */
    if (p->prev) p->prev->next = p->next;
    else T.pend_head = p->next;
    if (p->next) p->next->prev = p->prev;
    else T.pend_tail = p->prev;
    T.npending--;
    free(p);
}

/* wsi made a plain HTTP request: its handshake timeout starts again (an
 * HTTP connection kept alive for the console's files lives on while it is
 * used), so it moves to the end of the accept-ordered list.  Returns
 * whether the connection may still be kept alive after this answer: not
 * once handshakeTimeoutSec has passed since accept, or a client asking for
 * a page every few seconds would hold its slot of maxConnections for ever
 * without logging in (loginTimeoutSec counts from the upgrade only).  A
 * browser then opens a new connection for its next file. */
static int pending_touch(struct lws *wsi) {
    pending *p = lws_get_opaque_user_data(wsi);
    if (!p) return 0; /* untracked: nothing bounds its life, so no keep-alive */
    int64_t now = mono_ms();
    p->since = now;
    p->seq = ++T.stage_seq;
    if (p != T.pend_tail) {
        if (p->prev) p->prev->next = p->next;
        else T.pend_head = p->next;
        p->next->prev = p->prev;
        p->prev = T.pend_tail;
        p->next = NULL;
        T.pend_tail->next = p;
        T.pend_tail = p;
    }
    return now - p->accepted < (int64_t)T.srv->cfg.handshake_timeout_s * 1000;
}

/* p is being closed: no longer chosen, counted as closing until
 * pending_drop. */
static void mark_killed(pending *p) {
    p->killed = 1;
    T.pend_killed++;
}

/* Close wsi from outside its own callback (lws's safe way). */
static void kill_async(struct lws *wsi) { lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC); }

/* ----------------------------------- slots: connections not established */

/* limits.maxPendingConnections (docs/protocol.md 7.3, "Connection slots").
 * A connection is established once upgraded and, on a server with users,
 * logged in.  Until then holding a slot of maxConnections costs a client
 * nothing: 40 raw TCP connections (or upgraded ones that never log in)
 * held all 20 slots until handshakeTimeoutSec / loginTimeoutSec, and every
 * newcomer was refused meanwhile, an admin with the right password too.
 * Now the connections not established hold at most pending_cap slots, and
 * a newcomer that finds that share used up, or every slot taken, closes
 * the oldest of them instead of being refused (make_room): a logged-in
 * client never loses its slot to a flood, and a flood must open
 * connections faster than a real client logs in to keep it out.  The
 * share bounds what such connections may hold (descriptors, TLS
 * handshakes); a big share lets a newcomer survive more newcomers after
 * it before its own turn to be closed comes.
 * "Oldest" goes by stage stamps: accept (or the last page request of a
 * console connection, which restarts its handshake time) for one in its
 * handshake, the upgrade for one not logged in.  One whose login is being
 * checked (held) is never chosen: it is about to be established.
 * An evicted connection is closed as its timeout would close it: one in
 * its handshake at once, like handshakeTimeoutSec (but now, its socket shut
 * first); an upgraded one with a close frame, 1008 "connection slots full",
 * like loginTimeoutSec, but closed right after that frame instead of
 * waiting for the client's answer (direct.c's closing 2; on lws's path its
 * socket is shut for reading, on_writeable), so that its descriptor is
 * free within the turn or the next.  While those close they no longer count against
 * the limits; at most T.evict_slack at a time (the share, within the
 * descriptors the open-file limit has beyond maxConnections and its
 * reserve, at least EVICT_SLACK_MIN of that reserve), which bounds the
 * descriptors held past maxConnections. */
#define EVICT_SLACK_MIN 8
#define EVICT_WHY "connection slots full"

static log_rate evictions = LOG_RATE_INIT("closed", "connection", " not established to make room");

static void unlogged_add(conn *c) {
    c->unlogged = 1;
    c->stage_seq = ++T.stage_seq;
    c->uprev = T.unl_tail;
    c->unext = NULL;
    if (T.unl_tail) T.unl_tail->unext = c;
    else T.unl_head = c;
    T.unl_tail = c;
    T.nunlogged++;
}

/* c logged in, or is closing: no longer counted nor chosen. */
static void unlogged_del(conn *c) {
    if (!c->unlogged) return;
    c->unlogged = 0;
    if (c->uprev) c->uprev->unext = c->unext;
    else T.unl_head = c->unext;
    if (c->unext) c->unext->uprev = c->uprev;
    else T.unl_tail = c->uprev;
    c->uprev = c->unext = NULL;
    T.nunlogged--;
}

/* Close the oldest connection not established, saying which limit made
 * room necessary (`limit`, its value `n`).  Returns 0 if there is none. */
static int evict_oldest(const char *limit, unsigned n) {
    pending *p = T.pend_head;
    while (p && p->killed) p = p->next;
    conn *c = T.unl_head;
    while (c && (c->closing || c->held)) c = c->unext;
    if (!p && !c) return 0;
    if (p && (!c || p->seq < c->stage_seq)) {
        log_rate_msg(&evictions, LOG_INFO,
                     "closing the oldest connection not established (from %s, in its handshake) to make room: "
                     "%s (%u) reached", p->addr[0] ? p->addr : "a client gone", limit, n);
        /* now, not at the next timeout check: lws accepts every connection
         * waiting in the listen queue in one go, and a burst of them would
         * otherwise find only slots still closing (lws allows it for any
         * wsi but the one being serviced, here the listener).  Marked
         * first: pending_drop counts it out when it goes, perhaps right
         * here.  The socket is shut first: lws would end a TLS connection
         * politely, its close_notify, then wait for the client's end of
         * the stream, which a client that reads nothing never sends (the
         * connection lived on, its descriptor too, for minutes) */
        struct lws *wsi = p->wsi;
        mark_killed(p);
        lws_sockfd_type fd = lws_get_socket_fd(wsi);
        if (fd >= 0) shutdown(fd, SHUT_RDWR);
        T.killing = p;
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
        /* Still there (pending_drop clears T.killing): a TLS connection,
         * which lws only shuts down on this first call, waiting for the
         * next turn's poll to see the peer's end.  lws accepts every
         * connection in the listen queue in one go, so a burst of TLS
         * newcomers evicted up to evict_slack connections all waiting so,
         * and the next newcomer was refused (slots.bats, under load).  A
         * second call finds it shut down and frees it now, as lws's own
         * timeout would: its socket is shut both ways already. */
        if (T.killing == p) lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
        T.killing = NULL;
        return 1;
    }
    log_rate_msg(&evictions, LOG_INFO,
                 "closing the oldest connection not established (from %s, not logged in) to make room: %s (%u) reached",
                 c->cl.addr, limit, n);
    c->evicted = 1;
    T.evicted_closing++;
    transport_close_after(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, EVICT_WHY, 1);
    if (c->direct) c->closing = 2; /* direct.c: closed right after its close frame */
    return 1;
}

/* At accept: may one more connection come in, after closing the oldest
 * not established if need be? */
static int make_room(void) {
    unsigned total = T.npending + T.srv->connections;
    unsigned closing = T.pend_killed + T.evicted_closing; /* each part of total */
    if (total >= T.conn_cap + T.evict_slack) return 0;
    unsigned open = total - closing, waiting = T.npending - T.pend_killed + T.nunlogged;
    if (open < T.conn_cap && waiting < T.pending_cap) return 1;
    if (closing >= T.evict_slack) return 0;
    if (open >= T.conn_cap)
        return evict_oldest(T.conn_cap < T.srv->cfg.max_connections ? "the connections the open-file limit allows"
                                                                    : "maxConnections",
                            T.conn_cap);
    return evict_oldest("maxPendingConnections", T.pending_cap);
}

/* Drop c at once, without waiting for its output: a client that reads
 * nothing would not take a close frame either (lws sends one with 1008 if
 * the socket still has room; the direct path does not try). */
static void drop_now(conn *c) {
    unlogged_del(c);
    c->closing = 1;
    if (!c->direct) lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, NULL, 0);
    kill_async(c->wsi);
}

static void link_conn(conn *c) {
    c->next = T.conns;
    if (T.conns) T.conns->prev = c;
    T.conns = c;
}

static void unlink_conn(conn *c) {
    if (c->prev) c->prev->next = c->next;
    else if (T.conns == c) T.conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
    unlogged_del(c); /* and out of the slots' counts (make_room) */
    if (c->evicted) T.evicted_closing--;
}

/* ------------------------------------------------------- for direct.c */

ndb_server *transport_server(void) { return T.srv; }

int64_t transport_now_ms(void) { return mono_ms(); }

int64_t transport_mono_ms(void) { return mono_ms(); }

void transport_want_flush(conn *c) {
    if (c->flush_listed) return;
    c->flush_listed = 1;
    c->fnext = T.flush_head;
    T.flush_head = c;
}

void transport_kill(conn *c) {
    c->closing = c->closing ? c->closing : 1;
    kill_async(c->wsi);
}

void transport_moved(conn *from, conn *to) {
    if (to->prev) to->prev->next = to;
    else if (T.conns == from) T.conns = to;
    if (to->next) to->next->prev = to;
    from->prev = from->next = NULL;
    if (to->unlogged) {
        if (to->uprev) to->uprev->unext = to;
        else T.unl_head = to;
        if (to->unext) to->unext->uprev = to;
        else T.unl_tail = to;
    }
    from->unlogged = 0;
    from->uprev = from->unext = NULL;
}

void transport_want_input(conn *c) {
    if (c->resume_listed) return;
    c->resume_listed = 1;
    c->rnext = T.resume_head;
    T.resume_head = c;
}

/* Take c out of the singly linked list at *head whose link is the conn
 * member at offset `link` (rnext, ynext, fnext): the transport keeps a
 * list of connections for each kind of end-of-turn work, and a connection
 * that closes leaves each it is in. */
static void list_unlink(conn **head, conn *c, size_t link) {
#define LINK(x) (*(conn **)((char *)(x) + link))
    for (conn **pp = head; *pp; pp = &LINK(*pp)) {
        if (*pp != c) continue;
        *pp = LINK(c);
        break;
    }
    LINK(c) = NULL;
#undef LINK
}

/* Take c off the resume list (it is closing). */
static void unlist_resume(conn *c) {
    if (!c->resume_listed) return;
    list_unlink(&T.resume_head, c, offsetof(conn, rnext));
    c->resume_listed = 0;
}

/* The turn's callbacks are done: handle the input that waited for a hold
 * or the back-pressure to end (never from inside a hold's caller, which
 * may be in the middle of a dispatch), before the journal's turn end so
 * that the replies are not held back for a turn. */
static void resume_direct(void) {
    while (T.resume_head) {
        conn *c = T.resume_head;
        T.resume_head = c->rnext;
        c->resume_listed = 0;
        c->rnext = NULL;
        if (direct_input(c) < 0) transport_kill(c);
    }
}

/* c has had its share of this turn (TURN_SHARE_MS): stop reading its
 * messages until the next turn, after the other connections' input. */
static void yield_input(conn *c) {
    c->yielded = 1;
    c->yield_turn = T.turn;
    c->ynext = T.yield_head;
    T.yield_head = c;
    lws_rx_flow_control(c->wsi, LWS_RXFLOW_REASON_APPLIES_DISABLE | RXFLOW_YIELD);
}

/* Take c off the yield list (it is closing: both paths' close callbacks). */
static void unlist_yield(conn *c) {
    if (!c->yielded) return;
    list_unlink(&T.yield_head, c, offsetof(conn, ynext));
    c->yielded = 0;
}

/* At the end of a turn, the connections that yielded before its poll read
 * on, each for a new share: the input that poll found (a client that sent
 * while they were handled) has been answered first, and its replies
 * written.  Those that yielded in this turn, and those that yield again
 * now, wait for the end of the next.  Returns how many read on: their
 * replies (and, over lws, their input) want the next turn at once. */
static unsigned resume_yielded(void) {
    unsigned resumed = 0;
    conn *list = T.yield_head;
    T.yield_head = NULL;
    while (list) {
        conn *c = list;
        list = c->ynext;
        if (c->yield_turn == T.turn) { /* yielded since this turn's poll: not yet */
            c->ynext = T.yield_head;
            T.yield_head = c;
            continue;
        }
        c->ynext = NULL;
        c->yielded = 0;
        resumed++;
        if (c->direct) {
            lws_rx_flow_control(c->wsi, LWS_RXFLOW_REASON_APPLIES_ENABLE | RXFLOW_YIELD);
            if (direct_input(c) < 0) transport_kill(c);
        } else {
            lws_rx_flow_control(c->wsi, LWS_RXFLOW_REASON_APPLIES_ENABLE | RXFLOW_YIELD |
                                            LWS_RXFLOW_REASON_FLAG_PROCESS_NOW);
        }
    }
    return resumed;
}

/* A timer queued work for the end of the turn: make the next poll return
 * at once instead of sleeping until the next timer with it undone. */
static void wake_if_pending(void) {
    if (T.flush_head || T.resume_head || T.yield_head) lws_cancel_service(T.ctx);
}

/* Take c off the flush list (it is closing). */
static void unlist_flush(conn *c) {
    if (!c->flush_listed) return;
    list_unlink(&T.flush_head, c, offsetof(conn, fnext));
    c->flush_listed = 0;
}

/* Bytes all connections together write in one turn (lws's writable
 * callbacks, then the direct connections' flush at its end), and the share
 * each connection gets even when that is spent.  Without a bound, one
 * change pushed to many watchers (a 1 MB value, 1000 watchers with values)
 * was written to every socket in the same turn: seconds of kernel copies
 * before the loop read anyone's next request.  What is left goes at the
 * next turns (the sockets are writable: poll returns at once), between
 * which requests are read and answered. */
#define FLUSH_TURN_BYTES (4 * 1024 * 1024)
#define FLUSH_SHARE_BYTES (64 * 1024)

/* What one more connection may write in this turn. */
static size_t turn_share(void) {
    size_t left = T.turn_out < FLUSH_TURN_BYTES ? FLUSH_TURN_BYTES - T.turn_out : 0;
    return left > FLUSH_SHARE_BYTES ? left : FLUSH_SHARE_BYTES;
}

/* The end of a turn: write what the direct connections have ready. */
static void flush_direct(void) {
    while (T.flush_head) {
        conn *c = T.flush_head;
        T.flush_head = c->fnext;
        c->flush_listed = 0;
        c->fnext = NULL;
        int r = direct_flush(c, turn_share(), &T.turn_out);
        if (r == 2) T.turn_cut++;
        else if (r) transport_kill(c);
    }
}

/* The turn's writing is over: say when its budget left output for the
 * next turns (debug), and start the next turn's count. */
static void turn_output_end(void) {
    if (T.turn_cut)
        log_debug("output: %zu bytes written this turn; %zu connection%s continue%s at the next", T.turn_out,
                  T.turn_cut, plural_s(T.turn_cut), T.turn_cut == 1 ? "s" : "");
    T.turn_out = T.turn_cut = 0;
}

/* Ask for c's output to be written: a writable callback on lws's path,
 * the end of the turn on the direct one. */
static void want_write(conn *c) {
    if (c->direct) transport_want_flush(c);
    else lws_callback_on_writable(c->wsi);
}

/* conn.h; the limits and deadlines here, the protocol errors in direct.c */
void transport_close_after(conn *c, int code, const char *why, unsigned bound_s) {
    unlogged_del(c);
    c->closing = 1;
    c->close_code = code;
    c->close_why = why;
    want_write(c);
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, (int)bound_s);
}

/* Output queued on c from offset `from` of its queue on may describe
 * changes whose journal records are not durable yet: hold it until they
 * are (released by release_gates at the end of the turn). */
static void gate(conn *c, size_t from) {
    uint64_t seq = durability_hold_seq(T.srv);
    if (!seq) return;
    outq_hold(&c->out, from, seq);
    if (c->gated) return;
    c->gated = 1;
    c->gprev = NULL;
    c->gnext = T.gated;
    if (T.gated) T.gated->gprev = c;
    T.gated = c;
}

static void ungate(conn *c) {
    if (!c->gated) return;
    if (c->gprev) c->gprev->gnext = c->gnext;
    else T.gated = c->gnext;
    if (c->gnext) c->gnext->gprev = c->gprev;
    c->gated = 0;
    c->gprev = c->gnext = NULL;
}

/* The journal says which records are durable now: send what waited for them. */
static void release_gates(void) {
    uint64_t released = durability_released(T.srv);
    for (conn *c = T.gated, *next; c; c = next) {
        next = c->gnext;
        if (!outq_release(&c->out, released)) continue;
        ungate(c);
        want_write(c);
    }
}

static void op_hold(client *cl, int on);

/* The lines of connections closed for a limit, each kind bounded in rate
 * (log_rate.h; outside T, which transport_run clears).  A client can make
 * them at will: one that reconnects and asks for an answer over
 * maxOutputBytes, in a loop, wrote a line per close, as fast as it could
 * reconnect (500 closes, 500 lines); one that opens thousands of
 * connections and logs in on none, or begins a message on each and never
 * ends it, had each closed with a line of its own at the same tick.  A
 * kind per limit: a flood of one does not silence the others' lines.
 * Connections stalled by outputStallTimeoutSec too: each must first have
 * asked for outputHighWater of output, but at its lowest (1 KiB) a client
 * that reads nothing had 100 lines written for 100 KB asked for. */
static log_rate output_cap_closes = LOG_RATE_INIT("closed", "connection", " over maxOutputBytes");
static log_rate total_output_drops = LOG_RATE_INIT("closed", "connection", " over maxTotalOutputBytes");
static log_rate login_timeouts = LOG_RATE_INIT("closed", "connection", " not logged in within loginTimeoutSec");
static log_rate request_timeouts =
    LOG_RATE_INIT("closed", "connection", " whose message stayed incomplete (requestTimeoutSec)");
static log_rate output_stalls =
    LOG_RATE_INIT("closed", "connection", " whose output made no progress (outputStallTimeoutSec)");

/* Once a tick, and when the loop ends: the lines that sum up those counted. */
static void tick_close_lines(void) {
    log_rate_tick(&output_cap_closes);
    log_rate_tick(&total_output_drops);
    log_rate_tick(&output_stalls);
    log_rate_tick(&login_timeouts);
    log_rate_tick(&request_timeouts);
    log_rate_tick(&evictions);
}

/* Over limits.maxOutputBytes: free the queue and close with 1008 and the
 * reason, so that a client whose one answer was too big (a KV_GET of many
 * large keys) learns why, instead of seeing the connection drop; lws drops
 * it anyway if the close frame cannot go out within 5 s.  An answer partly
 * written is kept and finished first: cut inside its frame, the close
 * frame's bytes would be read as the rest of its payload, and the client
 * saw nothing but a dropped connection 5 s later.
 * A deferred reply's marker goes with the queue (detached: its producer
 * only frees the slot), and with it the producer's way back to c: a login
 * being checked or a save running ends its hold only on a client it still
 * reaches.  The hold is ended here instead; left on, the client's
 * answering close frame was never read, and a connection that had its
 * 1008 at once stayed open until the 5 s close timeout reset it. */
static int check_output_cap(conn *c) {
    if (c->out_too_long) /* whatever maxOutputBytes is: an answer is at most 4 GiB (outq.c) */
        log_rate_msg(&output_cap_closes, LOG_INFO, "closing a connection: one message of its output was 4 GiB or more");
    else if (c->out.pending <= T.srv->cfg.max_output)
        return 0;
    else
        log_rate_msg(&output_cap_closes, LOG_INFO,
                     "closing a connection: %zu bytes of output queued, over maxOutputBytes (%zu)", c->out.pending,
                     T.srv->cfg.max_output);
    c->out_too_long = 0; /* handled: like the queue, it is gone */
    if (c->direct_sent) outq_keep_front(&c->out);
    else outq_free(&c->out);
    transport_close_after(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "output over maxOutputBytes", 5);
    if (c->held) op_hold(&c->cl, 0); /* after the close: no login deadline check, input is discarded */
    return -1;
}

/* Over limits.maxTotalOutputBytes: the output queued for all connections
 * together is memory no other limit bounds (maxOutputBytes is per
 * connection: 10,000 clients that ask for big answers and read nothing
 * could hold 640 GB with the defaults).  Drop the connections holding the
 * most, one by one, until the total is under the limit again: a client
 * that reads keeps its queue short and is the last to go.  Dropped at
 * once, their queues freed now: a close frame would wait behind the
 * output (perhaps inside a frame half written).  Left out: the connection
 * whose reply is being built (its queue is in use; its own turn comes).
 * Connections already closing are chosen like the others: a client that
 * asks for big answers and then sends its close frame, reading nothing,
 * would otherwise hold them outside the bound for outputStallTimeoutSec,
 * and new connections doing the same could pass it without limit.
 * Each drop's warning is bounded in rate (total_output_drops, above).
 * Returns -1 when c itself was dropped. */
static int check_total_output(conn *c) {
    size_t cap = T.srv->cfg.max_total_output;
    int dropped_c = 0;
    while (cap && outq_total_pending() > cap) {
        conn *big = NULL;
        for (conn *o = T.conns; o; o = o->next)
            if (!o->dispatching && o->out.pending && (!big || o->out.pending > big->out.pending))
                big = o;
        if (!big) break;
        log_rate_msg(&total_output_drops, LOG_WARN,
                     "closing client %llu (%s): its %zu bytes of unread output were the most when the output "
                     "queued for all connections passed maxTotalOutputBytes (%zu)",
                     (unsigned long long)big->cl.id, big->cl.addr, big->out.pending, cap);
        outq_free(&big->out);
        drop_now(big);
        if (big == c) dropped_c = 1;
    }
    return dropped_c ? -1 : 0;
}

/* Something was queued: ask to write it, and stop reading a connection
 * whose output passed the high-water mark (back-pressure, Q22). */
static void queued(conn *c) {
    if (check_output_cap(c) || check_total_output(c)) return;
    want_write(c);
    if (!c->throttled && conn_backlog(c) > T.srv->cfg.out_high_water) {
        c->throttled = 1;
        c->last_progress = mono_ms();
        c->sendq = 0; /* the next tick reads it */
        lws_rx_flow_control(c->wsi, 0);
        log_debug("connection paused: %zu bytes of output queued", conn_backlog(c));
    }
}

/* Run one complete message through the pipeline, building the response
 * directly into the connection's output queue.  Messages pushed to this
 * connection meanwhile (e.g. an event its own write caused) are queued
 * after the reply. */
static void handle_message(conn *c, const char *msg, size_t len) {
    if (c->slice_turn != T.turn) { /* its first message this turn: its share starts */
        c->slice_turn = T.turn;
        c->slice_start = mono_ms();
    }
    c->handled = 1;
    c->reply_at = outq_reply_begin(&c->out);
    c->reply_slot = NULL;
    c->dispatching = 1;
    dispatch_message(T.srv, &c->cl, msg, len, c->rx_binary, &c->out.buf);
    c->dispatching = 0;
    if (c->reply_slot) outq_reply_defer(&c->out, c->reply_at, c->reply_slot);
    else if (outq_reply_end(&c->out, c->reply_at) < 0) c->out_too_long = 1;
    if (!outq_empty(&c->later)) outq_append(&c->out, &c->later);
    gate(c, c->reply_at);
    queued(c);
    if (!c->yielded && !c->closing && mono_ms() - c->slice_start >= TURN_SHARE_MS) yield_input(c);
}

void transport_message(conn *c, const char *msg, size_t len, int binary) {
    c->rx_binary = binary;
    handle_message(c, msg, len);
}

void transport_queued(conn *c) { queued(c); }

/* ------------------------------------------------------- client_ops */

static conn *conn_of(client *cl) { return (conn *)((char *)cl - offsetof(conn, cl)); }

static int op_push(client *cl, const char *msg, size_t n) {
    conn *c = conn_of(cl);
    if (c->closing || T.shutting_down) return -1;
    if (c->dispatching) { /* behind the reply being built */
        if (outq_push(&c->later, msg, n) < 0) c->out_too_long = 1; /* closed after the reply */
        return 0;
    }
    size_t from = c->out.buf.len;
    if (outq_push(&c->out, msg, n) < 0) c->out_too_long = 1;
    gate(c, from);
    queued(c);
    return c->closing ? -1 : 0;
}

/* A deferred reply was filled: put it in its place and write on. */
static void slot_wake(client_slot *slot) {
    conn *c = conn_of(slot->c);
    outq_fill(&c->out, slot);
    sb_free(&slot->text);
    free(slot);
    queued(c);
}

static client_slot *op_defer(client *cl) {
    conn *c = conn_of(cl);
    if (!c->dispatching || c->reply_slot || c->closing) return NULL; /* only the reply being built */
    client_slot *slot = calloc(1, sizeof *slot);
    if (!slot) abort();
    slot->c = cl;
    slot->wake = slot_wake;
    c->reply_slot = slot;
    return slot;
}

static size_t op_queued(const client *cl) {
    const conn *c = (const conn *)((const char *)cl - offsetof(conn, cl));
    return c->out.pending + c->later.pending;
}

/* limits.loginTimeoutSec: on a server with users, a connection that has not
 * logged in by its deadline holds a slot of maxConnections for nothing (a
 * pong keeps it from being idle).  One whose login is being checked waits
 * for the outcome: a slow check (the throttle) must not turn into a close. */
static int login_overdue(const conn *c, int64_t now_ms) {
    return c->login_by && now_ms >= c->login_by && c->cl.role == ROLE_NONE && !c->held;
}

/* Close c, whose login deadline has passed, saying so in the log. */
static void close_login_overdue(conn *c) {
    log_rate_msg(&login_timeouts, LOG_INFO, "closing a connection from %s not logged in within %u s (loginTimeoutSec)",
                 c->cl.addr, T.srv->cfg.login_timeout_s);
    transport_close_after(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "login timeout", 5);
}

static void op_logged_in(client *cl) { unlogged_del(conn_of(cl)); }

static void op_close(client *cl, int code, const char *reason) {
    conn *c = conn_of(cl);
    if (c->closing) return;
    transport_close_after(c, code, reason, T.srv->cfg.out_stall_timeout_s);
}

/* Hold or resume the input of a connection (client.h).  From outside the
 * connection's own callback (a login answered later) the change must be
 * applied at once, and messages that arrived meanwhile are then handled. */
static void op_hold(client *cl, int on) {
    conn *c = conn_of(cl);
    c->held = on; /* also tells the login deadline that a check is under way */
    /* A login answered past the deadline without logging in ends the
     * connection now: resumed, its next SV_AUTH (pipelined, already read)
     * would be held in turn before the tick could see it, so five failures
     * kept it open for five checks, each behind the throttle's queue.
     * Input still resumes: the client's close frame must be read.  In a
     * shutdown (its unchecked answers) the close is the shutdown's, 1000. */
    if (!on && !c->closing && !T.shutting_down && login_overdue(c, mono_ms())) close_login_overdue(c);
    if (c->direct) { /* the buffered input is ours: handle it once resumed */
        lws_rx_flow_control(c->wsi, on ? LWS_RXFLOW_REASON_APPLIES_DISABLE | RXFLOW_HOLD
                                       : LWS_RXFLOW_REASON_APPLIES_ENABLE | RXFLOW_HOLD);
        if (!on) transport_want_input(c); /* at the end of the turn: the caller may be dispatching */
        return;
    }
    if (on) lws_rx_flow_control(c->wsi, LWS_RXFLOW_REASON_APPLIES_DISABLE | RXFLOW_HOLD);
    else lws_rx_flow_control(c->wsi, LWS_RXFLOW_REASON_APPLIES_ENABLE | RXFLOW_HOLD | LWS_RXFLOW_REASON_FLAG_PROCESS_NOW);
}

static const client_ops transport_client_ops = {
    .push = op_push, .defer = op_defer, .queued = op_queued, .close = op_close, .hold = op_hold,
    .logged_in = op_logged_in};

/* A piece of an incoming message.  Returns -1 to close the connection. */
static int on_receive(conn *c, const char *in, size_t len) {
    struct lws *wsi = c->wsi;
    /* the rest of an oversized message, closing, or shutting down (as on
     * the direct path: only what was queued goes before the close frame) */
    if (c->draining || c->closing || T.shutting_down) return 0;
    if (lws_is_first_fragment(wsi)) {
        sb_reset(&c->rx);
        c->rx_binary = lws_frame_is_binary(wsi);
    }
    size_t remaining = lws_remaining_packet_payload(wsi);
    int complete = lws_is_final_fragment(wsi) && remaining == 0;
    if (complete) c->msg_started = 0;
    else if (!c->msg_started) c->msg_started = mono_ms();
    if (c->rx.len + len + remaining > T.srv->cfg.max_payload) {
        /* Closing the socket now would reset it while the client is still
         * sending, and the reset can destroy our close frame in flight.
         * Instead: answer what came before, send the close frame, discard
         * further input until the client acknowledges (bounded by a timeout). */
        log_debug("closing connection: message over maxPayload (%zu bytes)", T.srv->cfg.max_payload);
        c->draining = 1;
        sb_free(&c->rx);
        lws_callback_on_writable(wsi);
        /* bounded as every close is (transport_close_after): the tick does
         * not drop a connection whose output stays under outputHighWater */
        lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, (int)T.srv->cfg.out_stall_timeout_s);
        return 0;
    }
    if (complete && c->rx.len == 0) { /* the common case: one piece, no copy */
        handle_message(c, in, len);
        return 0;
    }
    sb_add(&c->rx, in, len);
    if (complete) {
        handle_message(c, c->rx.buf, c->rx.len);
        sb_reset(&c->rx);
        sb_release_over(&c->rx, 1024 * 1024); /* don't pin a big buffer */
    }
    return 0;
}

/* All responses before the oversized message are out: send close 1009 and
 * give the client a few seconds to acknowledge before lws drops it. */
static int send_close_1009(conn *c) {
    if (c->close_sent) return 0;
    /* lws has no public way to send a close frame and keep reading, so the
     * frame is written raw. */
    unsigned char buf[LWS_PRE + WSF_MAX_CLOSE_FRAME];
    unsigned char *p = buf + LWS_PRE;
    size_t n = wsf_close_frame(p, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message over maxPayload", NULL);
    c->close_sent = 1;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, 5);
    return lws_write(c->wsi, p, n, LWS_WRITE_RAW) < (int)n ? -1 : 0;
}

/* Batch limit for one write: many small responses go out in one syscall. */
#define TX_BATCH (256 * 1024)
/* Responses at least this big are written straight from the queue. */
#define TX_DIRECT (16 * 1024)
/* Most bytes handed to lws in one write; lws's own send limit (the
 * protocol's tx_packet_size) is above it, so lws never splits our writes. */
#define TX_CHUNK (1024 * 1024)

/* Write queued responses.  lws allows one lws_write per WRITEABLE callback
 * and frames each write as one message, so the frames of several queued
 * responses are built here and handed over as one raw write (lws finishes
 * a partial raw write before anything else, so frames never interleave
 * with its own control frames).  Returns -1 to close the connection. */
static int on_writeable(conn *c) {
    if (T.shutting_down && !c->closing) { /* one established during the shutdown: nothing queued */
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"server shutting down", 20);
        return -1;
    }
    strbuf *tx = &T.tx;
    outq *q = &c->out;
    if (c->closing && !c->close_code) return -1;
    size_t first;
    char *payload = outq_front(q, &first);
    if (!payload) {
        /* Shutting down (shutdown_lws), the close frame goes after what is
         * queued, as on the direct path: the deferred replies were all
         * filled first (durability_stop_saves, auth_stop_logins). */
        if (!outq_empty(q)) return 0; /* a deferred reply holds the rest back: its fill wakes us */
        if (c->closing) {
            lws_close_reason(c->wsi, (enum lws_close_status)c->close_code, (unsigned char *)c->close_why,
                             strlen(c->close_why));
            /* Evicted (make_room): lws would wait for the client's answer
             * to the close frame, with TLS for 10 s, its slot held; shut
             * for reading, the end of the stream is there at once. */
            if (c->evicted) shutdown(lws_get_socket_fd(c->wsi), SHUT_RD);
            return -1;
        }
        return c->draining ? send_close_1009(c) : 0;
    }
    if (first >= TX_DIRECT) {
        /* A big response goes out from the queue itself: its frame header is
         * written into the entry's headroom, sparing a copy of the payload;
         * at most TX_CHUNK per callback, so lws never has to buffer (copy) a
         * remainder itself. */
        unsigned char h[WSF_MAX_HEADER];
        size_t hl = wsf_header(h, WSF_TEXT, first, NULL);
        unsigned char *p = (unsigned char *)payload;
        if (c->direct_sent == 0) memcpy(p - hl, h, hl);
        size_t total = first + hl, n = total - c->direct_sent, share = turn_share();
        if (n > TX_CHUNK) n = TX_CHUNK;
        if (n > share) { /* the turn's budget: the rest at the next turn */
            n = share;
            T.turn_cut++;
        }
        if (lws_write(c->wsi, p - hl + c->direct_sent, n, LWS_WRITE_RAW) < (int)n) return -1;
        T.turn_out += n;
        c->direct_sent += n;
        if (c->direct_sent == total) {
            c->direct_sent = 0;
            outq_pop(q);
        }
    } else {
        sb_reset(tx);
        sb_grow(tx, LWS_PRE);
        tx->len = LWS_PRE;
        size_t n, most = turn_share() < TX_BATCH ? turn_share() : TX_BATCH;
        while (tx->len - LWS_PRE < most && (payload = outq_front(q, &n)) && n < TX_DIRECT) {
            unsigned char h[WSF_MAX_HEADER];
            sb_add(tx, h, wsf_header(h, WSF_TEXT, n, NULL));
            sb_add(tx, payload, n);
            outq_pop(q);
        }
        n = tx->len - LWS_PRE;
        if (lws_write(c->wsi, (unsigned char *)tx->buf + LWS_PRE, n, LWS_WRITE_RAW) < (int)n) return -1;
        T.turn_out += n;
    }
    c->last_progress = mono_ms();
    outq_compact(q);
    if (outq_front(q, &first)) lws_callback_on_writable(c->wsi);
    if (c->throttled && q->pending <= T.srv->cfg.out_high_water / 2) {
        c->throttled = 0;
        lws_rx_flow_control(c->wsi, 1);
    }
    if ((c->draining || c->closing) && outq_empty(q)) lws_callback_on_writable(c->wsi);
    return 0;
}

/* The client's close frame, on lws's path (TLS, NDB_TRANSPORT=lws).  lws
 * echoes it at the connection's next POLLOUT, ahead of any WRITEABLE
 * callback, and then closes: replies queued for the requests that came in
 * the same read, before the close, were lost (docs/protocol.md 1.2: they
 * are answered first).  So they are handed to lws now: lws sends what it
 * buffers before its own control frames.  Replies the durability gate
 * holds are released first by flushing the journal now; a reply still
 * being computed (a deferred one) cannot be waited for. */
static void flush_before_peer_close(conn *c) {
    if (c->closing || c->draining || outq_empty(&c->out)) return;
    if (c->gated) {
        durability_turn_end(T.srv);
        release_gates();
    }
    size_t n;
    char *p;
    while ((p = outq_front(&c->out, &n))) {
        unsigned char h[WSF_MAX_HEADER];
        size_t hl = wsf_header(h, WSF_TEXT, n, NULL);
        if (c->direct_sent == 0) memcpy(p - hl, h, hl); /* else: a big reply, partly written */
        unsigned char *from = (unsigned char *)p - hl + c->direct_sent;
        if (lws_write(c->wsi, from, n + hl - c->direct_sent, LWS_WRITE_RAW) < 0) return;
        c->direct_sent = 0;
        outq_pop(&c->out);
    }
    outq_compact(&c->out);
}

/* Shutdown of a connection lws writes (TLS): its close frame (1000) goes
 * after the replies queued before it, as direct_shutdown has it for plain
 * ones — a save's 123, a write's reply the journal held until the final
 * repair (docs/protocol.md 1.6, 6.3).  The loop's deadline bounds the wait;
 * a connection a limit is closing already keeps its own code. */
static void shutdown_lws(conn *c) {
    if (!c->closing) {
        c->closing = 1;
        c->close_code = LWS_CLOSE_STATUS_NORMAL;
        c->close_why = "server shutting down";
    }
    lws_callback_on_writable(c->wsi);
}

/* The final repair of a broken journal failed (durability.c): the replies
 * it held will never go.  Drop them, so that the close frame follows what
 * was sent before, saying why, rather than the connection ending without
 * one at the shutdown's deadline. */
static void drop_held_replies(void) {
    while (T.gated) {
        conn *c = T.gated;
        outq_drop_held(&c->out);
        ungate(c);
        if (c->close_code == LWS_CLOSE_STATUS_NORMAL)
            c->close_why = "server shutting down; writes not answered were lost (the journal could not be written)";
    }
}

/* The clients' second to complete the close is over: the loop ends.
 * lws runs timers before it polls, so the poll that follows is woken
 * (it would wait for the next timer, the tick: up to a second more). */
static void shutdown_due(lws_sorted_usec_list_t *sul) {
    (void)sul;
    T.stop = 1;
    lws_cancel_service(T.ctx);
}

static void begin_shutdown(void) {
    if (T.shutting_down) return;
    T.shutting_down = 1;
    T.shutdown_deadline_ms = mono_ms() + 1000;
    /* on time: the tick, which also looks, comes up to tick_ms late (a
     * client that did not read its output held the exit for 2-3 s) */
    lws_sul_schedule(T.ctx, 0, &shutdown_sul, shutdown_due, 1000 * LWS_US_PER_MS);
    int sig = (int)T.signalled;
    log_info("shutting down on %s: closing %u connection%s",
             sig == SIGHUP ? "SIGHUP (its terminal closed?)" : sig == SIGINT ? "SIGINT" : "SIGTERM",
             T.srv->connections, plural_s(T.srv->connections));
    sd_notify_state("STOPPING=1");
    durability_stop_saves(T.srv); /* their answers first: each close frame waits for them */
    auth_stop_logins();           /* likewise */
    for (conn *c = T.conns; c; c = c->next) {
        if (c->direct) direct_shutdown(c);
        else shutdown_lws(c);
    }
    if (durability_repair_failed(T.srv)) drop_held_replies();
    if (!T.conns) T.stop = 1;
}

/* Responses are whole messages written at once: without TCP_NODELAY the
 * tail segment of a big response waits for the client's delayed ACK
 * (Nagle), stalling pipelined readers for tens of milliseconds. */
static void set_nodelay(struct lws *wsi) {
    int one = 1;
    lws_sockfd_type fd = lws_get_socket_fd(wsi);
    if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
    conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: /* accept: limits.maxConnections */
        if (T.shutting_down) { /* not the limit's doing: logged as what it is */
            T.refused_closing++;
            return 1;
        }
        if (!make_room()) { /* limits.maxPendingConnections: the oldest not established gives way */
            T.refused++;
            T.refused_unlogged++;
            return 1; /* lws closes the socket at once */
        }
        break;
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        pending_add(wsi);
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        pending_drop(wsi);
        break;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: { /* README "Security": Origin, Host, Basic */
        char peer[64];
        pending *p = lws_get_opaque_user_data(wsi);
        const ndb_user *u;
        lws_get_peer_simple(wsi, peer, sizeof peer);
        if (handshake_check(wsi, peer, &u)) return 1; /* answered with an HTTP error */
        if (p) p->user = u;
        else if (u) return -1; /* untracked: the login would be lost, refuse rather than mislead */
        break;
    }
    case LWS_CALLBACK_SSL_INFO: {
        const pending *p = lws_get_opaque_user_data(wsi);
        char now[64];
        if (!p) read_peer(wsi, now, sizeof now); /* untracked: read it now, not at accept */
        tls_server_alert(wsi, in, p ? p->addr : now);
        break;
    }
    case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
        /* lws turns our 0 into "valid": only OpenSSL's verdict counts */
        return len ? 0 : 1;
    case LWS_CALLBACK_ESTABLISHED: {
        pending *p = lws_get_opaque_user_data(wsi);
        const ndb_user *u = p ? p->user : NULL;
        pending_drop(wsi);
        memset(c, 0, sizeof *c);
        c->wsi = wsi;
        c->cl.id = client_next_id();
        c->cl.ops = &transport_client_ops;
        c->cl.transport = c;
        c->cl.role = auth_initial_role(); /* ROLE_ADMIN when the server has no users */
        if (u) {
            c->cl.role = u->role;
            c->cl.user = u->name;
        }
        if (c->cl.role == ROLE_NONE && T.srv->cfg.login_timeout_s)
            c->login_by = mono_ms() + (int64_t)T.srv->cfg.login_timeout_s * 1000;
        c->fd = -1;
        c->out.held_from = c->later.held_from = OUTQ_NOT_HELD;
        lws_get_peer_simple(wsi, c->cl.addr, sizeof c->cl.addr);
        link_conn(c);
        if (c->cl.role == ROLE_NONE) unlogged_add(c); /* a server with users: not established yet */
        T.srv->connections++;
        set_nodelay(wsi);
        if (!T.no_direct && !lws_is_ssl(wsi)) c->handover = 1; /* plain ws://: direct.c, once upgraded */
        if (T.shutting_down || c->handover) lws_callback_on_writable(wsi);
        break;
    }
    case LWS_CALLBACK_CLOSED:
        /* lws also reports CLOSED for an upgrade it refused after binding
         * the protocol (no Host, no Sec-WebSocket-Key): ESTABLISHED never
         * ran, so there is no connection to forget — counting it down
         * wrapped the count and refused every later client. */
        if (!c || c->wsi != wsi) break;
        if (c->handed_over) break; /* it lives on in a raw-file wsi (direct.c) */
        server_client_closed(T.srv, &c->cl);
        unlink_conn(c);
        ungate(c);
        /* one that yielded its input (TLS, NDB_TRANSPORT=lws) and then went
         * (reset, dropped by maxTotalOutputBytes): lws frees c after this */
        unlist_yield(c);
        sb_free(&c->rx);
        outq_free(&c->out);
        outq_free(&c->later);
        T.srv->connections--;
        if (T.shutting_down && !T.conns) T.stop = 1;
        break;
    case LWS_CALLBACK_RECEIVE:
        return on_receive(c, in, len);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (!c || c->wsi != wsi) break;
        /* the client acknowledges our 1009, which lws does not know went
         * out (written raw): done, without a second close frame */
        if (c->close_sent) return -1;
        flush_before_peer_close(c);
        /* What is left to send is no longer in our queue, where the stall
         * check sees it, and lws waits for the socket to take it and the
         * echo: a client that closes and then reads nothing would hold the
         * connection for ever.  It gets outputStallTimeoutSec. */
        lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, (int)T.srv->cfg.out_stall_timeout_s);
        break;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (c->handover && !T.shutting_down && direct_handover(c)) return -1; /* lws forgets this wsi */
        c->handover = 0;
        return on_writeable(c);
    case LWS_CALLBACK_RAW_RX_FILE: /* a direct connection (direct.c) */
        return c && c->direct ? direct_readable(c) : 0;
    case LWS_CALLBACK_RAW_WRITEABLE_FILE:
        /* Write at the end of the turn, not here: for a raw file, lws
         * turns POLLOUT off after this callback returns, which undid the
         * lws_callback_on_writable of a short write made here — an answer
         * bigger than the socket buffers took (about 6 MB) stopped after
         * its second write until the stall timeout dropped the connection. */
        if (c && c->direct) transport_want_flush(c);
        return 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        if (!c || !c->direct) break;
        server_client_closed(T.srv, &c->cl);
        unlink_conn(c);
        ungate(c);
        unlist_flush(c);
        unlist_resume(c);
        unlist_yield(c);
        sb_free(&c->rx);
        outq_free(&c->out);
        outq_free(&c->later);
        direct_free(c);
        c->direct = 0;
        T.srv->connections--;
        if (T.shutting_down && !T.conns) T.stop = 1;
        break;
    case LWS_CALLBACK_HTTP: { /* not a WebSocket upgrade: the console, or 404 */
        int keep_alive = pending_touch(wsi);
        /* a page only under a Host that names the server, as the upgrade's
         * rule has it (README "Security": DNS rebinding) */
        int host_ok = 1;
        if (T.srv->cfg.console) {
            char peer[64];
            lws_get_peer_simple(wsi, peer, sizeof peer);
            host_ok = handshake_page_allowed(wsi, peer);
        }
        return console_http(wsi, user, in, T.srv->cfg.console, host_ok, keep_alive);
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return console_http_writeable(wsi, user);
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (T.signalled) begin_shutdown();
        if (wake_fn) wake_fn();
        break;
    default:
        break;
    }
    return 0;
}

/* Does the client read?  Our writes are not the only sign: a big send
 * buffer is writable again only once about a third of it has drained, so
 * a steady slow reader (a few hundred KB/s) can go a whole stall timeout
 * between two of our writes.  Fewer bytes in the socket's send queue since
 * the last tick is progress too. */
static void note_drain(conn *c, int64_t now_ms) {
    int fd = c->direct ? c->fd : lws_get_socket_fd(c->wsi), q;
    if (fd < 0 || ioctl(fd, SIOCOUTQ, &q) || q < 0) return;
    if (c->sendq && (unsigned)q < c->sendq) c->last_progress = now_ms;
    c->sendq = (unsigned)q;
}

/* The connections refused since the last line: once a tick, and once more
 * when the loop ends (a refusal in the last moments of a shutdown). */
static void log_refusals(void) {
    if (T.refused_unlogged) {
        if (T.conn_cap < T.srv->cfg.max_connections)
            log_warn("refused %llu connection%s: the open-file limit allows %u (maxConnections is %u; %llu "
                     "refused since start)",
                     (unsigned long long)T.refused_unlogged, plural_s(T.refused_unlogged), T.conn_cap,
                     T.srv->cfg.max_connections, (unsigned long long)T.refused);
        else
            log_warn("refused %llu connection%s: maxConnections (%u) reached (%llu refused since start)",
                     (unsigned long long)T.refused_unlogged, plural_s(T.refused_unlogged),
                     T.srv->cfg.max_connections, (unsigned long long)T.refused);
        T.refused_unlogged = 0;
    }
    if (T.refused_closing) {
        log_info("refused %llu connection%s while shutting down", (unsigned long long)T.refused_closing,
                 plural_s(T.refused_closing));
        T.refused_closing = 0;
    }
}

/* A connection keeps the buffers it grew for a big request or answer, for
 * the next one (a client that pipelines big values reuses them); but open
 * and idle, it pinned them, memory no limit counts: 150 connections that
 * had each read one 3.9 MB answer held 720 MB.  Once a tick, each buffer
 * that holds nothing and more than CONN_IDLE_KEEP is freed; when that
 * adds up to a MiB, the tick hands the pages back to the system. */
#define CONN_IDLE_KEEP ((size_t)64 * 1024)

static void shrink_idle_buffers(void) {
    size_t freed = 0;
    for (conn *c = T.conns; c; c = c->next) {
        freed += outq_shrink_empty(&c->out, CONN_IDLE_KEEP) + outq_shrink_empty(&c->later, CONN_IDLE_KEEP);
        if (c->rx.len == 0) freed += sb_release_over(&c->rx, CONN_IDLE_KEEP); /* no message being put together */
        if (c->direct) freed += direct_shrink_idle(c, CONN_IDLE_KEEP);
    }
    if (freed >= ((size_t)1 << 20)) T.srv->trim_due = 1;
}

/* Once per tick: close throttled connections whose output is stuck, run
 * the caller's periodic work, and end a shutdown that overran its second. */
static void on_tick(lws_sorted_usec_list_t *sul) {
    int64_t now_ms = mono_ms();
    const ndb_config *cfg = &T.srv->cfg;
    for (conn *c = T.conns; c; c = c->next) {
        if (c->closing) continue;
        if (c->throttled) note_drain(c, now_ms);
        if (c->throttled && now_ms - c->last_progress >= (int64_t)cfg->out_stall_timeout_s * 1000) {
            log_rate_msg(&output_stalls, LOG_INFO,
                         "closing a connection from %s whose %zu bytes of output made no progress for %u s "
                         "(outputStallTimeoutSec)",
                         c->cl.addr, conn_backlog(c), cfg->out_stall_timeout_s);
            drop_now(c);
        } else if (c->msg_started && now_ms - c->msg_started >= (int64_t)cfg->request_timeout_s * 1000) {
            log_rate_msg(&request_timeouts, LOG_INFO,
                         "closing a connection whose message stayed incomplete for %u s (requestTimeoutSec)",
                         cfg->request_timeout_s);
            transport_close_after(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "request timeout", 5);
        } else if (c->held && !c->direct && peer_gone(lws_get_socket_fd(c->wsi))) {
            /* a clean close while input is held (peer_gone.h): lws ends a
             * connection when it reads the end of the stream, dropping the
             * answers not yet written, so the client is gone as after a
             * reset: its login is dropped unchecked, a save goes on
             * without it.  Not on the direct path, where the end of the
             * stream is a half-close: the client still gets the answers to
             * what it sent (docs/protocol.md 1.2), the held one too. */
            log_debug("client %s closed its connection while its input was held: dropping it", c->cl.addr);
            drop_now(c);
        } else if (login_overdue(c, now_ms)) {
            close_login_overdue(c);
        } else if (c->direct) {
            direct_tick(c, now_ms); /* idleTimeoutSec: lws's policy does not see these */
        }
    }
    /* limits.handshakeTimeoutSec: the list is in accept order */
    unsigned dropped = 0;
    for (pending *p = T.pend_head; p && now_ms - p->since >= (int64_t)cfg->handshake_timeout_s * 1000; p = p->next) {
        if (p->killed) continue;
        mark_killed(p);
        dropped++;
        kill_async(p->wsi);
    }
    if (dropped)
        log_info("dropped %u connection%s that did not complete the WebSocket handshake in %u s", dropped,
                 plural_s(dropped), cfg->handshake_timeout_s);
    log_refusals();
    refusal_log_tick();
    tick_close_lines();
    auth_log_tick();
    tls_server_watch_expiry(); /* a certificate running out while it is served */
    shrink_idle_buffers();     /* before the server's tick, which trims */
    if (T.tick_fn) T.tick_fn(T.srv);
    if (T.shutting_down && mono_ms() >= T.shutdown_deadline_ms) T.stop = 1;
    lws_sul_schedule(T.ctx, 0, &T.tick, on_tick, (lws_usec_t)T.tick_ms * LWS_US_PER_MS);
    wake_if_pending();
}

void transport_wake_from_signal(void) {
    struct lws_context *ctx = T.ctx;
    if (ctx) lws_cancel_service(ctx);
}

static void on_signal(int sig) {
    T.signalled = sig;
    if (T.ctx) lws_cancel_service(T.ctx);
}

static void lws_log_to_ours(int level, const char *line) {
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    log_debug("lws: %.*s", (int)n, line);
}

/* lws reports a busy port only in its own log; bind once ourselves first so
 * the user gets the real reason ("Address already in use"). */
static int preflight_bind(const ndb_config *cfg, char *err, size_t errlen) {
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, cfg->ip, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
        sl = sizeof *a4;
    } else if (inet_pton(AF_INET6, cfg->ip, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        sl = sizeof *a6;
    } else {
        snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address (field 'ip')", cfg->ip);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, (struct sockaddr *)&ss, sl);
    int e = errno;
    close(fd);
    if (rc) {
        snprintf(err, errlen, "cannot listen on %s port %u: %s", cfg->ip, cfg->port, strerror(e));
        return -1;
    }
    return 0;
}

/* Descriptors kept for what is not a connection: the listener, lws's own,
 * the journal, snapshots, a save's pipe, the handover's /dev/null. */
#define FD_RESERVE 64
/* Beyond the descriptors already open at start: lws's listener and event
 * descriptor, a save's pipe and its child's files, a journal rotation, a
 * handover's two, and one to accept a connection and close it. */
#define FD_HEADROOM 16

/* Descriptors open now (inherited ones too), or 0 if /proc cannot say. */
static unsigned open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return 0;
    unsigned n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n ? n - 1 : 0; /* not the directory's own */
}

/* Raise the open-file limit to its hard limit and return how many
 * connections it leaves room for: maxConnections, or fewer.  Beyond the
 * descriptors there are, accept() fails with EMFILE and leaves the client
 * in the listen queue, where lws 4.1 finds it again at once: the loop
 * spun at 100 % CPU for as long as the connections stayed.  Refusing at
 * this cap keeps a descriptor free, so the extra ones are accepted and
 * closed as over maxConnections are. */
static unsigned raise_fd_limit(unsigned want) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    T.fd_spare = UINT_MAX;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return want;
    /* Never less than what the server already holds plus its headroom, also
     * when the limit is above maxConnections + FD_RESERVE: a small limit
     * (ulimit -n 16), or descriptors inherited from the parent, left fewer
     * descriptors than the cap promised, and accept() failed with EMFILE,
     * the spin again. */
    unsigned held = open_fds();
    rlim_t reserve = rl.rlim_cur > 2 * FD_RESERVE ? FD_RESERVE : rl.rlim_cur / 2;
    if (reserve < (rlim_t)held + FD_HEADROOM) reserve = (rlim_t)held + FD_HEADROOM;
    if (rl.rlim_cur >= (rlim_t)want + reserve) {
        rlim_t spare = rl.rlim_cur - want - reserve;
        T.fd_spare = spare < UINT_MAX ? (unsigned)spare : UINT_MAX;
        return want;
    }
    T.fd_spare = 0;
    unsigned cap = rl.rlim_cur > reserve ? (unsigned)(rl.rlim_cur - reserve) : 1;
    if (rl.rlim_cur < (rlim_t)want + FD_RESERVE)
        log_warn("the open-file limit (%llu) is below maxConnections (%u) + %d: at most %u connection%s %s "
                 "accepted; raise the limit (ulimit -n, systemd's LimitNOFILE=) for more",
                 (unsigned long long)rl.rlim_cur, want, FD_RESERVE, cap, plural_s(cap), cap == 1 ? "is" : "are");
    else
        log_warn("the open-file limit (%llu) is below maxConnections (%u) + the %u descriptor%s open at start "
                 "(inherited ones too) + %d: at most %u connection%s %s accepted; raise the limit (ulimit -n, "
                 "systemd's LimitNOFILE=) or close what the server inherits",
                 (unsigned long long)rl.rlim_cur, want, held, plural_s(held), FD_HEADROOM, cap, plural_s(cap),
                 cap == 1 ? "is" : "are");
    return cap;
}

static const struct lws_protocols protocols[] = {
    {"ndb", callback, sizeof(conn), 16384, 0, NULL, 2 * TX_CHUNK},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Idle policy (docs/protocol.md 1.5, limits.idleTimeoutSec): with the default 180 s,
 * ping after 164 s without valid traffic, hang up at 180 s without a pong. */
static void set_idle_policy(unsigned idle) {
    unsigned before = idle / 11 ? idle / 11 : 1;
    memset(&T.idle_policy, 0, sizeof T.idle_policy);
    T.idle_policy.secs_since_valid_ping = (uint16_t)(idle - before);
    T.idle_policy.secs_since_valid_hangup = (uint16_t)(idle > 65535 ? 65535 : idle);
}

void transport_on_wake(void (*fn)(void)) { wake_fn = fn; }

void transport_wake(void) {
    pthread_mutex_lock(&wake_lock);
    if (wake_ctx) lws_cancel_service(wake_ctx);
    pthread_mutex_unlock(&wake_lock);
}

static void after_cb(lws_sorted_usec_list_t *sul) {
    (void)sul;
    if (after_fn) after_fn();
    wake_if_pending();
}

void transport_after(uint64_t delay_ms, void (*fn)(void)) {
    if (!T.ctx) return;
    after_fn = fn;
    lws_sul_schedule(T.ctx, 0, &after_sul, after_cb, (lws_usec_t)delay_ms * LWS_US_PER_MS);
}

static void soon_cb(lws_sorted_usec_list_t *sul) {
    (void)sul;
    if (soon_fn) soon_fn();
    wake_if_pending();
}

void transport_soon(void (*fn)(void)) {
    if (!T.ctx) return;
    soon_fn = fn;
    lws_sul_schedule(T.ctx, 0, &soon_sul, soon_cb, 1);
}

int transport_run(ndb_server *srv, transport_tick_fn tick_fn, unsigned tick_ms, char *err, size_t errlen) {
    memset(&T, 0, sizeof T);
    T.srv = srv;
    /* NDB_TRANSPORT=lws keeps every connection on libwebsockets' frame
     * path (direct.c's is the default for plain ws://): to compare them */
    const char *tr = getenv("NDB_TRANSPORT");
    if (tr && *tr && strcmp(tr, "lws") != 0 && strcmp(tr, "direct") != 0) {
        snprintf(err, errlen, "NDB_TRANSPORT must be 'lws' or 'direct', not '%s'", tr);
        return -1;
    }
    T.no_direct = tr && strcmp(tr, "lws") == 0;
    if (T.no_direct) log_info("transport: NDB_TRANSPORT=lws: every connection's frames go through libwebsockets");
    T.tick_fn = tick_fn;
    T.tick_ms = tick_ms ? tick_ms : 1000;
    const ndb_config *cfg = &srv->cfg;
    int ipv6 = strchr(cfg->ip, ':') != NULL;

    if (cfg->port && preflight_bind(cfg, err, errlen)) return -1;
    T.conn_cap = raise_fd_limit(cfg->max_connections);
    /* 0: half of the connections there may be (at least 1) */
    T.pending_cap = cfg->max_pending_connections ? cfg->max_pending_connections
                                                 : (T.conn_cap / 2 ? T.conn_cap / 2 : 1);
    T.evict_slack = T.pending_cap < T.fd_spare ? T.pending_cap : T.fd_spare;
    if (T.evict_slack < EVICT_SLACK_MIN) T.evict_slack = EVICT_SLACK_MIN;
    set_idle_policy(cfg->idle_timeout_s);
    lws_set_log_level(log_threshold >= LOG_DEBUG ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0, lws_log_to_ours);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = (int)cfg->port;
    info.iface = cfg->ip;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | (ipv6 ? 0 : LWS_SERVER_OPTION_DISABLE_IPV6);
    info.pt_serv_buf_size = 64 * 1024;
    /* Room for the headers of an upgrade or console request.  lws's default
     * (4 KiB) drops, without any answer, a browser that carries a few KiB
     * of cookies for 127.0.0.1 or localhost — cookies ignore the port, so
     * every local web app's cookies come along.  16 KiB, as Node's HTTP
     * server allows; each connection holds it only during its handshake. */
    info.max_http_header_data = NDB_MAX_HEADER_BYTES;
    info.retry_and_idle_policy = &T.idle_policy;
    /* lws's own bounds of the upgrade; ndb's pending list enforces it
     * exactly (and logs what it drops).  Without the second, lws dropped a
     * connection that had sent nothing after its own 10 s, whatever
     * handshakeTimeoutSec said; a second later than ours, it is only a
     * backstop. */
    info.timeout_secs = cfg->handshake_timeout_s;
    info.timeout_secs_ah_idle = cfg->handshake_timeout_s + 1;
    tls_server_options(cfg, &info);
    T.ctx = lws_create_context(&info);
    if (!T.ctx) {
        snprintf(err, errlen, "cannot listen on %s port %u (libwebsockets failed to start)", cfg->ip,
                 cfg->port);
        return -1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(T.ctx, "default");
    int port = vh ? lws_get_vhost_listen_port(vh) : (int)cfg->port;
    log_info("listening on %s://%s%s%s:%d/ (persistence %s, maxPayload %zu bytes)", cfg->tls_cert[0] ? "wss" : "ws",
             ipv6 ? "[" : "", cfg->ip, ipv6 ? "]" : "", port, cfg->persist_enabled ? "enabled" : "disabled",
             cfg->max_payload);
    settings_log(cfg); /* the rest of what is in force, one line per section */
    security_log(cfg);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A closed terminal (or ssh session) sends SIGHUP, whose default would
     * end the server at once: no final save of a save schedule, no closing
     * of connections.  It gets the same clean shutdown as SIGTERM. */
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Other signals whose default would end the server at once, losing
     * what a save schedule had not saved yet: SIGUSR1/SIGUSR2 (a log
     * rotation set up for other daemons) mean nothing to ndb; past a file
     * size limit (SIGXFSZ) the write fails with EFBIG instead, which the
     * journal and snapshots handle like a full disk (124, refused writes). */
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    /* listening, recovered and ready for clients: systemctl start returns now */
    sd_notify_state("READY=1");
    /* serving: a log line stderr cannot take is dropped, never waited for */
    log_never_block();
    sd_watchdog_start(T.ctx); /* when the unit sets WatchdogSec= */

    lws_sul_schedule(T.ctx, 0, &T.tick, on_tick, (lws_usec_t)T.tick_ms * LWS_US_PER_MS);
    pthread_mutex_lock(&wake_lock);
    wake_ctx = T.ctx;
    pthread_mutex_unlock(&wake_lock);
    while (!T.stop) {
        T.turn++;
        if (lws_service(T.ctx, 0) < 0) break;
        if (T.resume_head) resume_direct(); /* input that waited for a hold or back-pressure to end */
        /* the end of a turn: the journal writes (and syncs) what the turn
         * changed, then the output that waited for it may go */
        durability_turn_end(srv);
        if (T.gated) release_gates();
        if (T.flush_head) flush_direct(); /* the direct connections' replies, one write each */
        turn_output_end();
        /* after the others' input of this turn and the replies to it: the
         * work it does is journaled and written at the next turn's end */
        unsigned resumed = T.yield_head ? resume_yielded() : 0;
        /* a flush ended back-pressure, or input yielded or read on: next turn at once */
        if (T.resume_head || T.yield_head || resumed) lws_cancel_service(T.ctx);
        if (T.signalled && !T.shutting_down) begin_shutdown();
    }
    log_refusals();
    refusal_log_tick();
    tick_close_lines();
    auth_log_tick();
    pthread_mutex_lock(&wake_lock);
    wake_ctx = NULL;
    pthread_mutex_unlock(&wake_lock);
    lws_context_destroy(T.ctx);
    T.ctx = NULL;
    memset(&after_sul, 0, sizeof after_sul); /* its list went with the context */
    memset(&soon_sul, 0, sizeof soon_sul);
    memset(&shutdown_sul, 0, sizeof shutdown_sul);
    sd_watchdog_forget();
    while (T.pend_head) { /* none should be left: lws destroyed every wsi */
        pending *p = T.pend_head;
        T.pend_head = p->next;
        free(p);
    }
    sb_free(&T.tx);
    return 0;
}
