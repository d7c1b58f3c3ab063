/*
 * wsclient.c — blocking WebSocket client transport over libwebsockets
 * (see wsclient.h).
 *
 * Each ws_client owns one lws context with a single client connection.
 * libwebsockets is event driven; the blocking calls here run lws_service()
 * until the condition the caller waits for holds (connection open, a message
 * received, the send queue empty) or a deadline passes.  In lws 4.1 the
 * timeout argument of lws_service() is ignored (it waits until an event or
 * the next scheduled timer), so every bounded wait arms an lws_sul timer at
 * its deadline to wake the loop.
 *
 * Outgoing messages are framed here, not by lws_write(LWS_WRITE_TEXT): a
 * message is turned into one masked text frame (RFC 6455 5.2) as it is
 * queued, and each WRITEABLE callback hands lws a batch of whole frames with
 * a single lws_write(LWS_WRITE_RAW), which lws passes straight to the socket
 * (buffering any unsent rest itself and draining it before anything else,
 * so control frames it sends, like pongs or our close, never land inside a
 * data frame).  Letting lws frame each message costs a poll, a send and a
 * read of /dev/urandom (for the mask key) per message, which caps a
 * pipelining client near 75k messages/s; batching removes all three.  Mask
 * keys come from getrandom() 4 KiB at a time.
 *
 * Both queues are flat byte buffers rather than lists of allocations, so
 * pipelining thousands of small messages costs no malloc per message:
 *   send queue: LWS_PRE bytes of headroom, then ready-to-send frames
 *   recv queue: records [size_t len][payload] (padded to a word)
 * Data is consumed by advancing an offset; a queue is rewound when it
 * empties and compacted when a large consumed prefix builds up.
 *
 * libwebsockets rules obeyed here: one lws_write() per WRITEABLE callback,
 * another writable callback requested while the queue is not empty; LWS_PRE
 * bytes of headroom before what is written; incoming pieces are accumulated
 * until lws_is_final_fragment() && lws_remaining_packet_payload() == 0 (lws
 * does not reassemble messages).
 */
#include "client/wsclient.h"

#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client/tls_client.h"
#include "common/clock.h"
#include "common/strbuf.h"
#include "common/wsframe.h"
#include "common/wsurl.h"

/* Pieces of an incoming message are handed to us at most this big. */
#define WSC_RX_CHUNK 65536
/* A consumed queue prefix larger than this is compacted away. */
#define WSC_COMPACT_MIN (256 * 1024)
/* Bytes of queued frames handed to lws per WRITEABLE callback (at least
 * one whole frame, however big). */
#define WSC_TX_BATCH (256 * 1024)
/* How long wsc_close waits for the server to answer the close frame. */
#define WSC_CLOSE_WAIT_MS 200

enum wsc_state { WSC_CONNECTING, WSC_OPEN, WSC_CLOSED };

struct ws_client {
    struct lws_context *ctx;
    struct lws *wsi; /* NULL once lws has destroyed the connection */
    enum wsc_state state;
    int tcp_up;     /* the TCP (and TLS) connection was established */
    int closing;    /* 1: send a close frame when writable; 2: close frame sent */
    int close_code; /* code of the server's close frame, 0 if none came */

    ws_url u; /* where to: host, port, path, Host header, canonical URL */

    strbuf txq;    /* LWS_PRE bytes of headroom, then frames to send */
    size_t txoff;  /* first unsent byte (>= LWS_PRE) */
    size_t unsent; /* frames not yet handed to lws */
    unsigned char rnd[4096]; /* random bytes for mask keys */
    size_t rndpos;

    strbuf rxmsg; /* pieces of the message being received */
    strbuf rxq;   /* records of complete received messages */
    size_t rxoff;

    lws_sorted_usec_list_t sul; /* wakes lws_service() at a deadline */
    char why[512];              /* why the connection failed or closed */
    int insecure;               /* wss:// without checking the server's certificate */
    char cert_problem[400];     /* what was wrong with the server's certificate */
};

/* ---------------------------------------------------------------- queues */

#define WSC_ALIGN(n) (((n) + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1))
#define RX_HDR sizeof(size_t)

/* Rewind a queue whose data from `base` on is all consumed, or move the
 * unconsumed tail down to `base` when the consumed part has become large. */
static void queue_tidy(strbuf *q, size_t base, size_t *off) {
    if (*off == q->len) {
        q->len = base;
        *off = base;
    } else if (*off - base >= WSC_COMPACT_MIN && *off - base >= (q->len - base) / 2) {
        memmove(q->buf + base, q->buf + *off, q->len - *off);
        q->len -= *off - base;
        *off = base;
    }
}

/* Append one received message as a record [len][payload][padding]. */
static void rxq_push(strbuf *q, const void *p, size_t len) {
    size_t rec = WSC_ALIGN(RX_HDR + len);
    sb_grow(q, rec);
    memcpy(q->buf + q->len, &len, sizeof len);
    if (len) memcpy(q->buf + q->len + RX_HDR, p, len);
    q->len += rec;
    q->buf[q->len] = '\0';
}

/* Four fresh random bytes for a frame's masking key. */
static void next_mask(ws_client *c, unsigned char mask[4]) {
    if (c->rndpos + 4 > sizeof c->rnd) {
        if (getrandom(c->rnd, sizeof c->rnd, 0) != (ssize_t)sizeof c->rnd)
            lws_get_random(c->ctx, c->rnd, sizeof c->rnd);
        c->rndpos = 0;
    }
    memcpy(mask, c->rnd + c->rndpos, 4);
    c->rndpos += 4;
}

/* Append msg to the send queue as one masked, final text frame. */
static void txq_push_frame(ws_client *c, const char *msg, size_t len) {
    unsigned char mask[4];
    next_mask(c, mask);
    sb_grow(&c->txq, WSF_MAX_HEADER + len);
    c->txq.len += wsf_encode((unsigned char *)c->txq.buf + c->txq.len, WSF_TEXT, msg, len, mask);
    c->txq.buf[c->txq.len] = '\0';
}

/* Total size of the queued frame at p (avail bytes are queued from p on,
 * the whole frame among them). */
static size_t frame_size(const unsigned char *p, size_t avail) {
    wsf_head h;
    wsf_decode_header(p, avail, &h);
    return h.size + (size_t)h.len;
}

/* ---------------------------------------------------------------- helpers */

static void set_why(ws_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(ws_client *c, const char *fmt, ...) {
    if (c->why[0]) return; /* the first reason is the real one */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
}

/* Copy printable ASCII of a peer-supplied text, so it is safe in a one-line
 * diagnostic. */
static void printable(char *dst, size_t dstlen, const char *src, size_t n) {
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < dstlen; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[j++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    dst[j] = '\0';
}

/* The last error lws logged (it names TLS certificate problems that the
 * connection-error callback only reports as "connect SSL err 1"). */
static char lws_last_error[200];

/* The last OpenSSL error lws mentioned (at its info level: an alert from
 * the server, such as "tlsv13 alert certificate required"). */
static char lws_last_ssl[200];

/* Log emitter used unless NDB_LWS_DEBUG is set: print nothing, remember the
 * text of the last error line and of the last OpenSSL error. */
static void quiet_log(int level, const char *line) {
    const char *ssl = strstr(line, "openssl error: ");
    if (ssl) {
        const char *r = strstr(ssl, "::");
        r = r ? r + 2 : ssl + 15;
        printable(lws_last_ssl, sizeof lws_last_ssl, r, strcspn(r, "\r\n"));
    }
    if (!(level & LLL_ERR)) return;
    const char *p = strstr(line, "E: ");
    p = p ? p + 3 : line;
    size_t n = strcspn(p, "\r\n");
    printable(lws_last_error, sizeof lws_last_error, p, n);
}

/* lws logs only errors, and only to quiet_log, unless NDB_LWS_DEBUG is set
 * (to a LLL_* bitmask, or to anything else for errors, warnings and
 * notices on stderr). */
static void setup_logging(int tls) {
    const char *dbg = getenv("NDB_LWS_DEBUG");
    lws_last_error[0] = '\0';
    lws_last_ssl[0] = '\0';
    if (!dbg || !*dbg) {
        /* for TLS also the info level: the server's alerts are only there */
        lws_set_log_level(LLL_ERR | (tls ? LLL_INFO : 0), quiet_log);
        return;
    }
    char *end;
    long lvl = strtol(dbg, &end, 0);
    if (*end || lvl <= 0) lvl = LLL_ERR | LLL_WARN | LLL_NOTICE;
    lws_set_log_level((int)lvl, NULL);
}

/* A TLS alert from the server explains a connection that ended during the
 * handshake: record it as the reason.  Returns 1 if it did. */
static int tls_refusal(ws_client *c) {
    char why[300];
    if (!c->u.tls || !tls_client_refusal(lws_last_ssl, why, sizeof why)) return 0; /* tls_client.h */
    set_why(c, "%s", why);
    return 1;
}

/* The connection ended while the upgrade request was being sent.  With
 * TLS 1.3 a server checks the client's certificate after the client's side
 * of the handshake, so its refusal (an alert such as "certificate
 * required") often arrives while lws writes the upgrade request: the write
 * fails with a reset and lws closes without reading the alert.  It still
 * waits in the receive queue (the kernel keeps what came before the
 * reset), and lws still holds the connection's SSL here: read it into
 * lws_last_ssl, where tls_refusal finds it (ndb bench does the same with
 * its own SSL, bench_conn.c).  A second connection to hear the alert
 * again made the server log every refusal twice. */
static void read_pending_alert(struct lws *wsi) {
    SSL *ssl = wsi ? lws_get_ssl(wsi) : NULL;
    if (!ssl || strstr(lws_last_ssl, "alert")) return;
    const char *r = tls_client_pending_alert(ssl);
    if (r) printable(lws_last_ssl, sizeof lws_last_ssl, r, strlen(r));
}

/* Record lws's connection-error string (possibly NULL) as the reason, in
 * words a person can act on. */
static void connection_error(ws_client *c, struct lws *wsi, const char *in, size_t len) {
    char msg[160];
    unsigned status = wsi ? lws_http_client_http_response(wsi) : 0;
    printable(msg, sizeof msg, in ? in : "", in ? len : 0);
    if (!strcmp(msg, "HS: ws upgrade response not 101") && status)
        set_why(c, "the server refused the WebSocket upgrade (HTTP status %u)", status);
    else if (!strcmp(msg, "HS: ws upgrade response not 101"))
        set_why(c, "the server refused the WebSocket upgrade (HTTP status not 101)");
    else if (c->u.tls && c->cert_problem[0])
        set_why(c, "%s", c->cert_problem);
    /* a plain server answers the ClientHello with HTTP: OpenSSL reads that as a record of an
     * unknown version (lws logs it at its info level, so it is in lws_last_ssl) */
    else if (c->u.tls && strstr(msg, "SSL") &&
             (strstr(lws_last_error, "wrong version number") || strstr(lws_last_ssl, "wrong version number")))
        set_why(c, "%s", TLS_CLIENT_NOT_TLS);
    else if (c->u.tls && strstr(msg, "SSL") && strstr(lws_last_error, "certificate required"))
        set_why(c, "TLS handshake failed: " TLS_CLIENT_CERT_REQUIRED);
    else if (c->u.tls && strstr(msg, "SSL") && lws_last_error[0])
        set_why(c, "TLS handshake failed: %s", lws_last_error);
    else if (tls_refusal(c))
        ;
    else if (c->u.tls && strstr(msg, "SSL"))
        set_why(c, "TLS handshake failed (does the server serve plain ws://? then use a ws:// URL)");
    else if (c->tcp_up && (!strcmp(msg, "read failed") || !strcmp(msg, "Peer hung up")))
        set_why(c, "the server closed the connection during the WebSocket handshake%s",
                c->u.tls ? " (is it at its connection limit?)" : WSC_HINT_WSS_ONLY);
    else
        set_why(c, "%s", msg[0] ? msg : "connection failed");
}

/*
 * lws 4.1 reports a failed TCP connect only as "Unable to connect" or
 * nothing at all (a name that does not resolve), without the errno.  When
 * the connection failed before the TCP connection was up, find the real
 * reason by resolving the name and trying a plain connect ourselves (only
 * on this failure path, so it costs nothing when things work).  Writes the
 * reason to why and returns 1, or returns 0 if the connect now succeeds
 * (then lws's own text stays the best explanation).  Each connect attempt
 * waits at most timeout_ms.
 */
static int diagnose_connect(const ws_client *c, int timeout_ms, char *why, size_t whylen) {
    struct addrinfo hints, *res = NULL;
    char port[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof port, "%d", c->u.port);
    int g = getaddrinfo(c->u.host, port, &hints, &res);
    if (g) {
        snprintf(why, whylen, "cannot resolve host '%s': %s", c->u.host,
                 g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
        return 1;
    }
    int last = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last = errno;
            continue;
        }
        int e = 0;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            e = errno;
            if (e == EINPROGRESS) {
                struct pollfd pfd = {fd, POLLOUT, 0};
                int n = poll(&pfd, 1, timeout_ms);
                socklen_t sl = sizeof e;
                if (n == 0) e = ETIMEDOUT;
                else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0) e = errno;
            }
        }
        close(fd);
        if (!e) {
            freeaddrinfo(res);
            return 0;
        }
        last = e;
    }
    freeaddrinfo(res);
    snprintf(why, whylen, "%s", strerror(last ? last : ECONNREFUSED));
    return 1;
}

/* ---------------------------------------------------------------- lws */

static int wsc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len) {
    ws_client *c = wsi ? lws_context_user(lws_get_context(wsi)) : NULL;
    (void)user;
    if (!c) return 0;

    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c->u.tls && c->tcp_up) read_pending_alert(wsi); /* "Closed before conn": the alert may be unread */
        connection_error(c, wsi, in, len);
        c->state = WSC_CLOSED;
        c->wsi = NULL;
        break;

    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION: {
        /* user: the X509_STORE_CTX; len: OpenSSL's verdict so far */
        X509_STORE_CTX *x = user;
        if (c->insecure) { /* --insecure: whatever is wrong, go on */
            X509_STORE_CTX_set_error(x, X509_V_OK);
            return 0;
        }
        int e = X509_STORE_CTX_get_error(x);
        if (!len && e != X509_V_OK && !c->cert_problem[0])
            tls_client_cert_problem(e, X509_STORE_CTX_get_current_cert(x), c->cert_problem,
                                    sizeof c->cert_problem); /* tls_client.h */
        return 0; /* lws keeps OpenSSL's verdict */
    }

    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        c->tcp_up = 1; /* the connection is up; the upgrade request is being sent */
        break;

    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->state = WSC_OPEN;
        if (c->unsent) lws_callback_on_writable(wsi);
        break;

    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
            queue_tidy(&c->rxq, 0, &c->rxoff);
            if (c->rxmsg.len == 0) { /* the usual case: the message came whole */
                rxq_push(&c->rxq, in, len);
            } else {
                sb_add(&c->rxmsg, in, len);
                rxq_push(&c->rxq, c->rxmsg.buf, c->rxmsg.len);
                sb_reset(&c->rxmsg);
            }
        } else {
            sb_add(&c->rxmsg, in, len);
        }
        break;

    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        if (c->closing == 1) { /* lws sends the close frame, then awaits the reply */
            c->closing = 2;
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        if (c->closing) break;
        if (!c->unsent) break;
        /* A batch of whole frames: lws never interleaves anything else
         * inside it. */
        unsigned char *q = (unsigned char *)c->txq.buf;
        size_t start = c->txoff, end = start, frames = 0;
        do {
            end += frame_size(q + end, c->txq.len - end);
            frames++;
        } while (end < c->txq.len && end - start < WSC_TX_BATCH);
        int n = lws_write(wsi, q + start, end - start, LWS_WRITE_RAW);
        if (n < 0 || (size_t)n < end - start) {
            set_why(c, "write to server failed");
            return -1;
        }
        c->txoff = end;
        c->unsent -= frames;
        queue_tidy(&c->txq, LWS_PRE, &c->txoff);
        if (c->unsent) lws_callback_on_writable(wsi);
        break;
    }

    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2) {
            const unsigned char *b = in;
            c->close_code = b[0] << 8 | b[1];
            /* The reason (at most 123 bytes) as every text a server sends
             * is shown: UTF-8 as it is (printable() made each byte of an é
             * a '?'), controls and stray bytes as \xhh; 4 bytes each, they
             * are cut to fit the message. */
            strbuf text = STRBUF_INIT;
            sb_add_visible_fit(&text, (const char *)in + 2, len - 2, len - 2, 300);
            if (text.len)
                set_why(c, "connection closed by server (%d: %s)", c->close_code, text.buf);
            else
                set_why(c, "connection closed by server (%d)", c->close_code);
            sb_free(&text);
        } else {
            set_why(c, "connection closed by server (1005: no status code)");
        }
        break;

    case LWS_CALLBACK_CLOSED_CLIENT_HTTP: /* before WSI_DESTROY, while the SSL is still there */
        if (wsi == c->wsi && c->u.tls && c->tcp_up && c->state == WSC_CONNECTING) read_pending_alert(wsi);
        break;

    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if (wsi != c->wsi) break;
        if (c->state == WSC_CONNECTING && !tls_refusal(c)) set_why(c, "connection closed during the handshake");
        else if (c->closing) set_why(c, "connection closed");
        else set_why(c, "connection closed by server (1006: no close frame)");
        c->state = WSC_CLOSED;
        c->wsi = NULL;
        break;

    default:
        break;
    }
    return 0;
}

static const struct lws_protocols wsc_protocols[] = {
    {"ndb-client", wsc_callback, 0, WSC_RX_CHUNK, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_deadline(lws_sorted_usec_list_t *sul) {
    (void)sul; /* only here to wake lws_service(); the caller checks the clock */
}

static const volatile sig_atomic_t *stop_flag; /* wsc_set_stop */

void wsc_set_stop(const volatile sig_atomic_t *flag) { stop_flag = flag; }

typedef int (*wsc_cond)(const ws_client *c);

/*
 * Service the connection until done(c) holds (1), timeout_ms passes (0),
 * the connection is closed (-1) or the stop flag is set (-2, only when
 * timeout_ms is not 0).  timeout_ms < 0 waits without limit; 0 does one
 * pass over what is ready now.  With a stop flag the loop wakes at least
 * every WSC_STOP_POLL_MS to look at it: the signal that set it may have
 * come just before lws_service() began to wait.
 */
static int pump(ws_client *c, int timeout_ms, wsc_cond done) {
    if (done(c)) return 1;
    if (c->state == WSC_CLOSED) return -1;
    int stoppable = stop_flag && timeout_ms != 0;
    int64_t deadline = timeout_ms >= 0 ? mono_ms_i64() + timeout_ms : 0;
    if (timeout_ms > 0 && !stoppable)
        lws_sul_schedule(c->ctx, 0, &c->sul, on_deadline, (lws_usec_t)timeout_ms * 1000);
    int r;
    for (;;) {
        if (stoppable) {
            if (*stop_flag) { r = -2; break; }
            int64_t wake = WSC_STOP_POLL_MS;
            if (timeout_ms > 0 && deadline - mono_ms_i64() < wake) wake = deadline - mono_ms_i64();
            lws_sul_cancel(&c->sul);
            lws_sul_schedule(c->ctx, 0, &c->sul, on_deadline, (lws_usec_t)(wake < 1 ? 1 : wake) * 1000);
        }
        int n = lws_service(c->ctx, timeout_ms == 0 ? -1 : 0);
        if (done(c)) { r = 1; break; }
        if (c->state == WSC_CLOSED) { r = -1; break; }
        if (n < 0) {
            set_why(c, "event loop failed");
            c->state = WSC_CLOSED;
            r = -1;
            break;
        }
        if (timeout_ms >= 0 && mono_ms_i64() >= deadline) { r = 0; break; }
    }
    lws_sul_cancel(&c->sul);
    return r;
}

static int is_open(const ws_client *c) { return c->state == WSC_OPEN; }
static int has_message(const ws_client *c) { return c->rxoff < c->rxq.len; }
static int all_sent(const ws_client *c) { return c->unsent == 0; }
static int is_closed(const ws_client *c) { return c->state == WSC_CLOSED; }

/* ---------------------------------------------------------------- API */

static void wsc_free(ws_client *c) {
    if (c->ctx) {
        lws_sul_cancel(&c->sul);
        lws_context_destroy(c->ctx);
    }
    sb_free(&c->txq);
    sb_free(&c->rxq);
    sb_free(&c->rxmsg);
    free(c);
}

ws_client *wsc_connect(const char *url, int timeout_ms, char *err, size_t errlen) {
    return wsc_connect_opts(url, timeout_ms, NULL, err, errlen);
}

ws_client *wsc_connect_opts(const char *url, int timeout_ms, const wsc_options *o, char *err, size_t errlen) {
    static const wsc_options none = {NULL, NULL, NULL, 0};
    if (!o) o = &none;
    ws_client *c = calloc(1, sizeof *c);
    char why[WSURL_MAX_HOST + 256];
    if (!c) abort();
    sb_grow(&c->txq, LWS_PRE); /* headroom before the first frame */
    memset(c->txq.buf, 0, LWS_PRE);
    c->txq.len = c->txoff = LWS_PRE;
    c->rndpos = sizeof c->rnd;
    if (ws_url_parse(&c->u, url, why, sizeof why) < 0) {
        char shown[4096];
        snprintf(err, errlen, "invalid URL '%s': %s", ws_url_shown(url, shown, sizeof shown), why);
        wsc_free(c);
        return NULL;
    }

    if (c->u.tls && tls_client_check(o, err, errlen)) { /* tls_client.h */
        wsc_free(c);
        return NULL;
    }
    c->insecure = o->insecure;

    setup_logging(c->u.tls);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = wsc_protocols;
    info.gid = -1;
    info.uid = -1;
    info.user = c;
    /* One connection plus lws's own wake-up fd: don't let lws size its fd
     * tables by RLIMIT_NOFILE. */
    info.fd_limit_per_thread = 16;
    info.pt_serv_buf_size = WSC_RX_CHUNK;
    /* Without LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT lws neither initialises
     * OpenSSL nor builds a client SSL_CTX (loading the CA bundle costs tens
     * of ms); only wss:// pays for it. */
    info.options = c->u.tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
    if (c->u.tls) {
        info.client_ssl_ca_filepath = o->cacert;
        info.client_ssl_cert_filepath = o->cert;
        info.client_ssl_private_key_filepath = o->key;
    }
    if (timeout_ms > 0) {
        unsigned s = (unsigned)(timeout_ms / 1000) + 1;
        info.timeout_secs = s;
        info.connect_timeout_secs = s;
    }
    c->ctx = lws_create_context(&info);
    if (!c->ctx) {
        snprintf(err, errlen, "cannot connect to %s: cannot create a libwebsockets context", c->u.url);
        wsc_free(c);
        return NULL;
    }

    struct lws_client_connect_info cc;
    memset(&cc, 0, sizeof cc);
    cc.context = c->ctx;
    cc.address = c->u.host;
    cc.port = c->u.port;
    cc.path = c->u.path;
    cc.host = c->u.host_header;
    cc.ssl_connection = c->u.tls ? LCCSCF_USE_SSL : 0;
    if (c->u.tls && o->insecure)
        cc.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                             LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
    cc.local_protocol_name = wsc_protocols[0].name;
    cc.pwsi = &c->wsi;
    int64_t start = mono_ms_i64();
    if (!lws_client_connect_via_info(&cc)) {
        c->wsi = NULL;
        connection_error(c, NULL, NULL, 0); /* keeps a reason a callback gave */
        c->state = WSC_CLOSED;
    }

    int r = pump(c, timeout_ms, is_open);
    if (r == 1) return c;
    if (r == -2) {
        snprintf(err, errlen, "cannot connect to %s: interrupted", c->u.url);
    } else if (r == 0) {
        snprintf(err, errlen, "cannot connect to %s: timed out after %d ms", c->u.url, timeout_ms);
    } else {
        int64_t left = timeout_ms < 0 ? 2000 : timeout_ms - (mono_ms_i64() - start);
        if (left > 2000) left = 2000;
        if (left < 1) left = 1;
        if (!c->tcp_up && diagnose_connect(c, (int)left, why, sizeof why))
            snprintf(err, errlen, "cannot connect to %s: %s", c->u.url, why);
        else
            snprintf(err, errlen, "cannot connect to %s: %s", c->u.url, c->why);
    }
    wsc_free(c);
    return NULL;
}

int wsc_send(ws_client *c, const char *msg, size_t len) {
    if (c->state != WSC_OPEN || c->closing) return -1;
    queue_tidy(&c->txq, LWS_PRE, &c->txoff);
    txq_push_frame(c, msg, len);
    if (c->unsent++ == 0) lws_callback_on_writable(c->wsi);
    return 0;
}

int wsc_recv(ws_client *c, strbuf *out, int timeout_ms, char *err, size_t errlen) {
    int r = pump(c, timeout_ms, has_message);
    /* The server's close frame came: no message can follow it, although lws
     * reports the connection closed only a service round or more later,
     * once it has answered the frame.  A caller that only looks (timeout 0:
     * the REPL between a script's lines) must see the close now, or it
     * sends its next request into a connection that is going away. */
    if (r == 0 && c->close_code) r = -1;
    if (r == 1) {
        size_t len;
        memcpy(&len, c->rxq.buf + c->rxoff, sizeof len);
        sb_reset(out);
        sb_add(out, c->rxq.buf + c->rxoff + RX_HDR, len);
        c->rxoff += WSC_ALIGN(RX_HDR + len);
        if (c->rxoff == c->rxq.len) c->rxoff = c->rxq.len = 0;
        return 1;
    }
    if (r < 0 && err && errlen)
        snprintf(err, errlen, "%s", r == -2 ? "interrupted" : c->why[0] ? c->why : "connection closed");
    return r;
}

int wsc_flush(ws_client *c, int timeout_ms) {
    if (c->state == WSC_OPEN && !c->unsent) return 1;
    return pump(c, timeout_ms, all_sent);
}

size_t wsc_unsent(const ws_client *c) { return c->unsent; }

const char *wsc_url(const ws_client *c) { return c->u.url; }

void wsc_close_nowait(ws_client *c, int timeout_ms) {
    if (!c) return;
    if (c->state == WSC_OPEN && c->wsi && !c->closing) {
        unsigned char mask[4], frame[WSF_MAX_CLOSE_FRAME];
        next_mask(c, mask);
        size_t n = wsf_close_frame(frame, LWS_CLOSE_STATUS_NORMAL, NULL, mask);
        sb_add(&c->txq, frame, n);
        if (c->unsent++ == 0) lws_callback_on_writable(c->wsi);
        pump(c, timeout_ms, all_sent);
    }
    wsc_free(c);
}

void wsc_close(ws_client *c) {
    if (!c) return;
    if (c->state == WSC_OPEN && c->wsi) {
        c->closing = 1;
        lws_callback_on_writable(c->wsi);
        pump(c, WSC_CLOSE_WAIT_MS, is_closed);
    }
    wsc_free(c);
}
