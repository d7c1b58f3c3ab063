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
 *   - back-pressure (PROTOCOL 0.1 decision 11, Q22): above the high-water
 *     mark a connection is no longer read; it is read again once its output
 *     drains; if its output makes no progress for the stall timeout it is
 *     closed.  Responses are never dropped;
 *   - periodic work on lws_sul timers (lws_service's timeout does nothing
 *     useful in this lws build) and a clean shutdown on SIGINT/SIGTERM:
 *     every connection gets a going-away close frame, then the loop ends.
 */
#include "server/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "server/dispatch.h"

/* Queue entry layout: [uint32 payload length][LWS_PRE headroom][payload]. */
#define ENTRY_HEAD (sizeof(uint32_t) + LWS_PRE)

typedef struct conn {
    struct lws *wsi;
    strbuf rx;          /* the message being reassembled */
    int rx_binary;
    strbuf out;         /* queued responses */
    size_t out_head;    /* offset of the next entry to write */
    size_t out_pending; /* payload bytes queued, for back-pressure */
    int throttled;      /* reading paused because out_pending is high */
    int draining;       /* a message was too big: discard input, close with 1009 */
    int close_sent;
    time_t last_progress;
    struct conn *prev, *next;
} conn;

static struct {
    ndb_server *srv;
    struct lws_context *ctx;
    conn *conns; /* every established connection, for shutdown and stall checks */
    lws_sorted_usec_list_t tick;
    volatile sig_atomic_t signalled;
    int shutting_down;
    int stop;
    time_t shutdown_deadline;
    transport_tick_fn tick_fn;
    unsigned tick_ms;
    strbuf tx; /* frames of one batched write */
} T;

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
}

/* Run one complete message through the pipeline, building the response
 * directly into the connection's output queue. */
static void handle_message(conn *c, const char *msg, size_t len) {
    strbuf *o = &c->out;
    size_t at = o->len;
    sb_grow(o, ENTRY_HEAD);
    o->len += ENTRY_HEAD;
    dispatch_message(T.srv, msg, len, c->rx_binary, o);
    uint32_t n = (uint32_t)(o->len - at - ENTRY_HEAD);
    memcpy(o->buf + at, &n, sizeof n);
    c->out_pending += n;
    lws_callback_on_writable(c->wsi);
    if (!c->throttled && c->out_pending > T.srv->cfg.out_high_water) {
        c->throttled = 1;
        c->last_progress = time(NULL);
        lws_rx_flow_control(c->wsi, 0);
        log_debug("connection paused: %zu bytes of output queued", c->out_pending);
    }
}

/* A piece of an incoming message.  Returns -1 to close the connection. */
static int on_receive(conn *c, const char *in, size_t len) {
    struct lws *wsi = c->wsi;
    if (c->draining) return 0; /* the rest of an oversized message */
    if (lws_is_first_fragment(wsi)) {
        sb_reset(&c->rx);
        c->rx_binary = lws_frame_is_binary(wsi);
    }
    size_t remaining = lws_remaining_packet_payload(wsi);
    if (c->rx.len + len + remaining > T.srv->cfg.max_payload) {
        /* Closing the socket now would reset it while the client is still
         * sending, and the reset can destroy our close frame in flight.
         * Instead: answer what came before, send the close frame, discard
         * further input until the client acknowledges (bounded by a timeout). */
        log_debug("closing connection: message over maxPayload (%zu bytes)", T.srv->cfg.max_payload);
        c->draining = 1;
        sb_free(&c->rx);
        lws_callback_on_writable(wsi);
        return 0;
    }
    int complete = lws_is_final_fragment(wsi) && remaining == 0;
    if (complete && c->rx.len == 0) { /* the common case: one piece, no copy */
        handle_message(c, in, len);
        return 0;
    }
    sb_add(&c->rx, in, len);
    if (complete) {
        handle_message(c, c->rx.buf, c->rx.len);
        sb_reset(&c->rx);
        if (c->rx.cap > 1024 * 1024) sb_free(&c->rx); /* don't pin a big buffer */
    }
    return 0;
}

/* All responses before the oversized message are out: send close 1009 and
 * give the client a few seconds to acknowledge before lws drops it. */
static int send_close_1009(conn *c) {
    if (c->close_sent) return 0;
    /* lws has no public way to send a close frame and keep reading, so the
     * frame is written raw: FIN+close opcode, unmasked length, code, reason. */
    static const char reason[] = "message over maxPayload";
    unsigned char buf[LWS_PRE + 4 + sizeof reason];
    unsigned char *p = buf + LWS_PRE;
    size_t n = 2 + sizeof reason - 1;
    p[0] = 0x88;
    p[1] = (unsigned char)n;
    p[2] = (unsigned char)(LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE >> 8);
    p[3] = (unsigned char)(LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE & 0xff);
    memcpy(p + 4, reason, sizeof reason - 1);
    c->close_sent = 1;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, 5);
    return lws_write(c->wsi, p, 2 + n, LWS_WRITE_RAW) < (int)(2 + n) ? -1 : 0;
}

/* Append the header of an unmasked, final text frame of n payload bytes. */
static void add_frame_header(strbuf *b, size_t n) {
    unsigned char h[10];
    size_t hl;
    h[0] = 0x81; /* FIN + text */
    if (n < 126) {
        h[1] = (unsigned char)n;
        hl = 2;
    } else if (n < 65536) {
        h[1] = 126;
        h[2] = (unsigned char)(n >> 8);
        h[3] = (unsigned char)n;
        hl = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++) h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
        hl = 10;
    }
    sb_add(b, h, hl);
}

/* Batch limit for one write: many small responses go out in one syscall. */
#define TX_BATCH (256 * 1024)

/* Write queued responses.  lws allows one lws_write per WRITEABLE callback
 * and frames each write as one message, so the frames of several queued
 * responses are built here and handed over as one raw write (lws finishes
 * a partial raw write before anything else, so frames never interleave
 * with its own control frames).  Returns -1 to close the connection. */
static int on_writeable(conn *c) {
    if (T.shutting_down) {
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_GOINGAWAY, (unsigned char *)"server shutting down", 20);
        return -1;
    }
    strbuf *o = &c->out, *tx = &T.tx;
    if (c->out_head >= o->len) return c->draining ? send_close_1009(c) : 0;
    sb_reset(tx);
    sb_grow(tx, LWS_PRE);
    tx->len = LWS_PRE;
    while (c->out_head < o->len && tx->len < TX_BATCH) {
        uint32_t n;
        memcpy(&n, o->buf + c->out_head, sizeof n);
        add_frame_header(tx, n);
        sb_add(tx, o->buf + c->out_head + ENTRY_HEAD, n);
        c->out_head += ENTRY_HEAD + n;
        c->out_pending -= n;
    }
    size_t n = tx->len - LWS_PRE;
    if (lws_write(c->wsi, (unsigned char *)tx->buf + LWS_PRE, n, LWS_WRITE_RAW) < (int)n) return -1;
    if (tx->cap > 4 * TX_BATCH) sb_free(tx); /* one huge response: don't keep its buffer */
    c->last_progress = time(NULL);
    if (c->out_head == o->len) {
        c->out_head = 0;
        sb_reset(o);
        if (o->cap > 4 * 1024 * 1024) sb_free(o);
    } else {
        lws_callback_on_writable(c->wsi);
    }
    if (c->throttled && c->out_pending <= T.srv->cfg.out_high_water / 2) {
        c->throttled = 0;
        lws_rx_flow_control(c->wsi, 1);
    }
    if (c->draining && c->out_head == 0 && o->len == 0) lws_callback_on_writable(c->wsi);
    return 0;
}

static void begin_shutdown(void) {
    if (T.shutting_down) return;
    T.shutting_down = 1;
    T.shutdown_deadline = time(NULL) + 1;
    log_info("shutting down: closing %u connection(s)", T.srv->connections);
    for (conn *c = T.conns; c; c = c->next) lws_callback_on_writable(c->wsi);
    if (!T.conns) T.stop = 1;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
    conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        memset(c, 0, sizeof *c);
        c->wsi = wsi;
        link_conn(c);
        T.srv->connections++;
        if (T.shutting_down) lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLOSED:
        unlink_conn(c);
        sb_free(&c->rx);
        sb_free(&c->out);
        T.srv->connections--;
        if (T.shutting_down && !T.conns) T.stop = 1;
        break;
    case LWS_CALLBACK_RECEIVE:
        return on_receive(c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return on_writeable(c);
    case LWS_CALLBACK_HTTP:
        /* not a WebSocket upgrade: nothing is served over plain HTTP */
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return -1;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (T.signalled) begin_shutdown();
        break;
    default:
        break;
    }
    return 0;
}

/* Once per tick: close throttled connections whose output is stuck, run
 * the caller's periodic work, and end a shutdown that overran its second. */
static void on_tick(lws_sorted_usec_list_t *sul) {
    time_t now = time(NULL);
    for (conn *c = T.conns; c; c = c->next) {
        if (c->throttled && now - c->last_progress >= (time_t)T.srv->cfg.out_stall_timeout_s) {
            log_info("closing a connection whose %zu bytes of output made no progress for %u s",
                     c->out_pending, T.srv->cfg.out_stall_timeout_s);
            lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, NULL, 0);
            lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        }
    }
    if (T.tick_fn) T.tick_fn(T.srv);
    if (T.shutting_down && now >= T.shutdown_deadline) T.stop = 1;
    lws_sul_schedule(T.ctx, 0, &T.tick, on_tick, (lws_usec_t)T.tick_ms * LWS_US_PER_MS);
}

static void on_signal(int sig) {
    (void)sig;
    T.signalled = 1;
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

static void raise_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static const struct lws_protocols protocols[] = {
    {"ndb", callback, sizeof(conn), 16384, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Compat idle policy (PROTOCOL 1.5): ping after 164 s of silence, hang up
 * if nothing arrives within 180 s. */
static const lws_retry_bo_t idle_policy = {
    .secs_since_valid_ping = 164,
    .secs_since_valid_hangup = 180,
};

int transport_run(ndb_server *srv, transport_tick_fn tick_fn, unsigned tick_ms, char *err, size_t errlen) {
    memset(&T, 0, sizeof T);
    T.srv = srv;
    T.tick_fn = tick_fn;
    T.tick_ms = tick_ms ? tick_ms : 1000;
    const ndb_config *cfg = &srv->cfg;
    int ipv6 = strchr(cfg->ip, ':') != NULL;

    if (cfg->port && preflight_bind(cfg, err, errlen)) return -1;
    raise_fd_limit();
    lws_set_log_level(log_threshold >= LOG_DEBUG ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0, lws_log_to_ours);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = (int)cfg->port;
    info.iface = cfg->ip;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | (ipv6 ? 0 : LWS_SERVER_OPTION_DISABLE_IPV6);
    info.pt_serv_buf_size = 64 * 1024;
    info.retry_and_idle_policy = &idle_policy;
    info.timeout_secs = 10; /* bounds the HTTP upgrade handshake */
    T.ctx = lws_create_context(&info);
    if (!T.ctx) {
        snprintf(err, errlen, "cannot listen on %s port %u (libwebsockets failed to start)", cfg->ip,
                 cfg->port);
        return -1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(T.ctx, "default");
    int port = vh ? lws_get_vhost_listen_port(vh) : (int)cfg->port;
    log_info("listening on ws://%s%s%s:%d/ (persistence %s, maxPayload %zu bytes)", ipv6 ? "[" : "",
             cfg->ip, ipv6 ? "]" : "", port, cfg->persist_enabled ? "enabled" : "disabled",
             cfg->max_payload);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    lws_sul_schedule(T.ctx, 0, &T.tick, on_tick, (lws_usec_t)T.tick_ms * LWS_US_PER_MS);
    while (!T.stop) {
        if (lws_service(T.ctx, 0) < 0) break;
        if (T.signalled && !T.shutting_down) begin_shutdown();
    }
    lws_context_destroy(T.ctx);
    T.ctx = NULL;
    sb_free(&T.tx);
    log_info("stopped");
    return 0;
}
