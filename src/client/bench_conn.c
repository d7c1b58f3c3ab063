/*
 * bench_conn.c — minimal RFC 6455 client connection for `ndb bench`
 * (see bench_conn.h).
 *
 * Why not wsclient.c (libwebsockets): an lws client context owns one
 * connection and delivers every message through a callback from
 * lws_service(), with a poll() per service call; the benchmark needs one
 * event loop over many connections and a per-message cost well below the
 * server's, or the client becomes what is measured.  Here a message costs a
 * frame header, a masked copy into the send buffer, and a header parse on
 * the way back; syscalls are per batch (one send, one read per ready
 * connection), not per message.
 */
#define _GNU_SOURCE /* program_invocation_short_name */
#include "client/bench_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "client/tls_client.h"
#include "common/clock.h"
#include "common/strbuf.h"
#include "common/wsframe.h"
#include "common/wsurl.h"

#define BWS_RX_INIT (64 * 1024)  /* first receive buffer */
#define BWS_RX_MIN_FREE 16384    /* compact/grow when less room than this */
#define BWS_HANDSHAKE_MAX 8192   /* longest accepted handshake response */
#define BWS_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static void set_why(bws *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(bws *c, const char *fmt, ...) {
    if (c->why[0]) return; /* the first reason is the real one */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
}

/* A buffer that cannot grow ends the run with a message (an abort said
 * nothing; ndb bench bounds what it keeps in flight, but a memory limit
 * such as ulimit -v can still be below it). */
static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "%s: out of memory for a buffer of %zu bytes\n", program_invocation_short_name, n);
        exit(1);
    }
    return q;
}

/* ---------------------------------------------------------------- target */

/* Parse the URL (see bench_conn.h). */
int bws_target_parse(bws_target *t, const char *url, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    if (ws_url_parse(&t->u, url, err, errlen)) return -1;
    return 0;
}

/* OpenSSL's first reason, for messages. */
static const char *ssl_reason(void) {
    unsigned long e = ERR_peek_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r ? r : "failed";
}

/* Set up TLS (see bench_conn.h). */
int bws_target_tls(bws_target *t, const wsc_options *o, char *err, size_t errlen) {
    if (!t->u.tls) return 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot set up TLS: %s", ssl_reason());
        return -1;
    }
    t->tls = ctx;
    t->insecure = o->insecure;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(ctx, o->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_default_verify_paths(ctx);
    return tls_client_load(ctx, o, err, errlen); /* tls_client.h: the checks of every client command */
}

void bws_target_free(bws_target *t) {
    if (t->tls) SSL_CTX_free(t->tls);
    t->tls = NULL;
}

/* Resolve the host (see bench_conn.h). */
int bws_target_resolve(bws_target *t, char *err, size_t errlen) {
    struct addrinfo hints, *res = NULL;
    char port[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof port, "%d", t->u.port);
    int g = getaddrinfo(t->u.host, port, &hints, &res);
    if (g) {
        snprintf(err, errlen, "cannot resolve host '%s': %s", t->u.host,
                 g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
        return -1;
    }
    t->naddr = 0;
    for (struct addrinfo *ai = res; ai && t->naddr < BWS_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof t->addr[0]) continue;
        memcpy(&t->addr[t->naddr], ai->ai_addr, ai->ai_addrlen);
        t->addrlen[t->naddr++] = ai->ai_addrlen;
    }
    freeaddrinfo(res);
    if (!t->naddr) {
        snprintf(err, errlen, "cannot resolve host '%s': no usable address", t->u.host);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- handshake */

/* Wait until fd is ready for events, or the deadline passes (the reason
 * names the budget the caller gave, c->budget_ms: the user's --timeout). */
static int wait_fd(bws *c, short events, int64_t deadline, const char *what) {
    for (;;) {
        int64_t left = deadline - mono_ms_i64();
        if (left <= 0) {
            set_why(c, "timed out after %g s %s", c->budget_ms / 1000.0, what);
            return -1;
        }
        struct pollfd pfd = {c->fd, events, 0};
        int n = poll(&pfd, 1, (int)left);
        if (n > 0) return 0;
        if (n < 0 && errno == EINTR) { /* Ctrl-C or SIGTERM (ndb bench's only handlers): stop waiting */
            set_why(c, "interrupted");
            return -1;
        }
        if (n < 0) {
            set_why(c, "poll failed: %s", strerror(errno));
            return -1;
        }
    }
}

/* The value of header `name` (case-insensitive) in a handshake response,
 * copied to out; returns 0 if found. */
static int find_header(const char *resp, const char *name, char *out, size_t outlen) {
    size_t nl = strlen(name);
    for (const char *line = strstr(resp, "\r\n"); line && line[2] != '\r'; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (!strncasecmp(h, name, nl) && h[nl] == ':') {
            const char *v = h + nl + 1;
            while (*v == ' ' || *v == '\t') v++;
            size_t n = strcspn(v, "\r\n");
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
            snprintf(out, outlen, "%.*s", (int)n, v);
            return 0;
        }
    }
    return -1;
}

/* ---------------------------------------------------------------- I/O */

/* An SSL_read or SSL_write failed with SSL_get_error's e: the reason, after
 * what.  While the connection is being opened an alert from the server is
 * a refusal, said as every client command says it (tls_client.h), e.g.
 * "the server requires a client certificate (--client-cert FILE
 * --client-key FILE): tlsv13 alert certificate required" (TLS 1.3 sends it
 * after the client's side of the handshake is done, so it arrives here). */
static void ssl_failed(bws *c, const char *what, int e) {
    char refusal[300];
    int err = errno;
    const char *r = e == SSL_ERROR_SYSCALL ? strerror(err) : ssl_reason();
    if (c->opening && e != SSL_ERROR_SYSCALL && tls_client_refusal(r, refusal, sizeof refusal)) {
        set_why(c, "%s", refusal);
        return;
    }
    if (c->opening && e == SSL_ERROR_SYSCALL && (err == ECONNRESET || err == EPIPE)) {
        /* the server sent its alert and closed before our first write: the
         * alert may still wait in the receive queue, and it says why */
        const char *alert = tls_client_pending_alert(c->ssl);
        if (alert && tls_client_refusal(alert, refusal, sizeof refusal)) {
            set_why(c, "%s", refusal);
            return;
        }
    }
    set_why(c, "%s: %s", what, r);
}

/* Send up to n bytes: the count sent, 0 when the socket would block, -1
 * on an error (reason in c->why). */
static long io_send(bws *c, const void *p, size_t n) {
    if (c->ssl) {
        ERR_clear_error();
        int w = SSL_write(c->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n));
        if (w > 0) return w;
        int e = SSL_get_error(c->ssl, w);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) return 0;
        ssl_failed(c, "write to server failed", e);
        return -1;
    }
    for (;;) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w > 0) return (long)w;
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return 0;
        set_why(c, "write to server failed: %s", w < 0 ? strerror(errno) : "no progress");
        return -1;
    }
}

/* Receive up to n bytes: the count, 0 when nothing is ready, -1 at the end
 * of the stream, -2 on an error (reason in c->why). */
static long io_recv(bws *c, void *p, size_t n) {
    if (c->ssl) {
        ERR_clear_error();
        int r = SSL_read(c->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n));
        if (r > 0) return r;
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !ERR_peek_error() && errno == 0)) return -1;
        ssl_failed(c, "read from server failed", e);
        return -2;
    }
    for (;;) {
        ssize_t r = recv(c->fd, p, n, 0);
        if (r > 0) return (long)r;
        if (r == 0) return -1;
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return 0;
        if (c->opening && errno == ECONNRESET) return -1; /* a server that closes at once, as wss://-only ones do */
        set_why(c, "read from server failed: %s", strerror(errno));
        return -2;
    }
}

/* The TLS handshake on the connected socket, by the deadline. */
static int tls_handshake(bws *c, bws_target *t, int64_t deadline) {
    unsigned char ip[16];
    c->ssl = SSL_new(t->tls);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
        set_why(c, "cannot set up TLS: %s", ssl_reason());
        return -1;
    }
    int literal = inet_pton(AF_INET, t->u.host, ip) == 1 || inet_pton(AF_INET6, t->u.host, ip) == 1;
    if (!literal) SSL_set_tlsext_host_name(c->ssl, t->u.host);
    if (!t->insecure) { /* the certificate must name the host we asked for */
        X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
        if (literal) X509_VERIFY_PARAM_set1_ip_asc(vp, t->u.host);
        else X509_VERIFY_PARAM_set1_host(vp, t->u.host, 0);
    }
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(c->ssl);
        if (r == 1) return 0;
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (wait_fd(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "in the TLS handshake")) return -1;
            continue;
        }
        long v = SSL_get_verify_result(c->ssl);
        if (v != X509_V_OK) {
            char problem[400];
            tls_client_cert_problem(v, NULL, problem, sizeof problem); /* the certificate is gone by now */
            set_why(c, "%s", problem);
        }
        else if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_WRONG_VERSION_NUMBER) /* as in wsclient.c */
            set_why(c, "%s", TLS_CLIENT_NOT_TLS);
        else if (e == SSL_ERROR_SYSCALL)
            set_why(c, "TLS handshake failed: connection closed");
        else {
            char refusal[300];
            const char *why = ssl_reason();
            if (tls_client_refusal(why, refusal, sizeof refusal)) set_why(c, "%s", refusal); /* an alert */
            else set_why(c, "TLS handshake failed: %s", why);
        }
        return -1;
    }
}

/* Connect a non-blocking socket to one of t's addresses, trying them in
 * order until the deadline; the one that accepts moves to the front.
 * Returns 0 with c->fd set, or -1 with the last failure's reason. */
static int tcp_connect(bws *c, bws_target *t, int64_t deadline) {
    int last = ECONNREFUSED;
    for (unsigned i = 0; i < t->naddr; i++) {
        int64_t left = deadline - mono_ms_i64();
        if (left <= 0) {
            last = ETIMEDOUT;
            break;
        }
        int fd = socket(t->addr[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last = errno;
            continue;
        }
        int e = 0;
        if (connect(fd, (const struct sockaddr *)&t->addr[i], t->addrlen[i]) < 0) {
            e = errno;
            if (e == EINPROGRESS) {
                struct pollfd pfd = {fd, POLLOUT, 0};
                int n;
                while ((n = poll(&pfd, 1, (int)left)) < 0 && errno == EINTR) {
                    left = deadline - mono_ms_i64();
                    if (left <= 0) {
                        n = 0;
                        break;
                    }
                }
                socklen_t sl = sizeof e;
                if (n == 0) e = ETIMEDOUT;
                else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0) e = errno;
            }
        }
        if (!e) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            c->fd = fd;
            if (i) { /* the next connection goes here first */
                struct sockaddr_storage a = t->addr[i];
                socklen_t al = t->addrlen[i];
                t->addr[i] = t->addr[0];
                t->addrlen[i] = t->addrlen[0];
                t->addr[0] = a;
                t->addrlen[0] = al;
            }
            return 0;
        }
        close(fd);
        last = e;
    }
    if (last == ETIMEDOUT) set_why(c, "timed out after %g s connecting", c->budget_ms / 1000.0);
    else set_why(c, "%s", strerror(last));
    return -1;
}

/* Connect and shake hands (see bench_conn.h). */
int bws_open(bws *c, bws_target *t, int timeout_ms) {
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->budget_ms = timeout_ms;
    c->opening = 1;
    int64_t deadline = mono_ms_i64() + timeout_ms;
    if (getrandom(&c->rng, sizeof c->rng, 0) != (ssize_t)sizeof c->rng) c->rng = (uint64_t)mono_ms_i64();
    c->rng |= 1;
    if (tcp_connect(c, t, deadline)) return -1;
    if (t->tls && tls_handshake(c, t, deadline)) return -1;

    unsigned char keyraw[16];
    char key[32], expect[40], accept[64];
    for (int i = 0; i < 16; i += 8) {
        uint64_t r = c->rng = c->rng * 6364136223846793005ULL + 1442695040888963407ULL;
        memcpy(keyraw + i, &r, 8);
    }
    lws_b64_encode_string((const char *)keyraw, 16, key, sizeof key);
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                     "User-Agent: ndb-bench\r\n\r\n",
                     t->u.path, t->u.host_header, key);
    for (int off = 0; off < n;) {
        long w = io_send(c, req + off, (size_t)(n - off));
        if (w > 0) {
            off += (int)w;
        } else if (w == 0) {
            if (wait_fd(c, POLLOUT, deadline, "sending the handshake")) return -1;
        } else {
            return -1;
        }
    }

    char resp[BWS_HANDSHAKE_MAX + 1];
    size_t got = 0;
    char *end = NULL;
    while (!end) {
        if (got == BWS_HANDSHAKE_MAX) {
            set_why(c, "handshake response too long");
            return -1;
        }
        long r = io_recv(c, resp + got, BWS_HANDSHAKE_MAX - got);
        if (r > 0) {
            got += (size_t)r;
            resp[got] = '\0';
            end = strstr(resp, "\r\n\r\n");
        } else if (r == -1) {
            set_why(c, "the server closed the connection during the WebSocket handshake%s",
                    t->tls ? "" : WSC_HINT_WSS_ONLY); /* wsclient.h: what ndb says */
            return -1;
        } else if (r == 0) {
            if (wait_fd(c, POLLIN, deadline, "waiting for the handshake response")) return -1;
        } else {
            return -1;
        }
    }
    if (strncmp(resp, "HTTP/1.1 101", 12)) {
        set_why(c, "the server refused the WebSocket upgrade (%.*s)", (int)strcspn(resp, "\r\n"), resp);
        return -1;
    }
    char cat[80];
    unsigned char sha[20];
    snprintf(cat, sizeof cat, "%s%s", key, BWS_WS_GUID);
    lws_SHA1((const unsigned char *)cat, strlen(cat), sha);
    lws_b64_encode_string((const char *)sha, 20, expect, sizeof expect);
    if (find_header(resp, "Sec-WebSocket-Accept", accept, sizeof accept) || strcmp(accept, expect)) {
        set_why(c, "bad handshake response: Sec-WebSocket-Accept missing or wrong");
        return -1;
    }

    c->rx_cap = BWS_RX_INIT;
    c->rx = xrealloc(NULL, c->rx_cap);
    size_t hdr = (size_t)(end + 4 - resp);
    if (got > hdr) { /* frames that came with the handshake response */
        memcpy(c->rx, resp + hdr, got - hdr);
        c->rx_len = got - hdr;
    }
    c->tx_cap = 16384;
    c->tx = xrealloc(NULL, c->tx_cap);
    c->opening = 0;
    return 0;
}

/* ---------------------------------------------------------------- frames */

static void tx_reserve(bws *c, size_t n) {
    if (c->tx_off == c->tx_len) {
        c->tx_off = c->tx_len = 0;
    } else if (c->tx_off > 0 && c->tx_cap - c->tx_len < n) {
        memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
        c->tx_len -= c->tx_off;
        c->tx_off = 0;
    }
    if (c->tx_cap - c->tx_len < n) {
        while (c->tx_cap - c->tx_len < n) c->tx_cap *= 2;
        c->tx = xrealloc(c->tx, c->tx_cap);
    }
}

/* Append one masked, final frame to the send buffer. */
static void send_frame(bws *c, unsigned opcode, const void *msg, size_t len) {
    /* Mask key: xorshift64, one step per frame. */
    uint64_t x = c->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c->rng = x;
    uint32_t m32 = (uint32_t)x;
    unsigned char mask[4];
    memcpy(mask, &m32, 4);
    tx_reserve(c, WSF_MAX_HEADER + len);
    c->tx_len += wsf_encode(c->tx + c->tx_len, opcode, msg, len, mask);
}

void bws_send(bws *c, const char *msg, size_t len) { send_frame(c, WSF_TEXT, msg, len); }

int bws_flush(bws *c) {
    while (c->tx_off < c->tx_len) {
        long w = io_send(c, c->tx + c->tx_off, c->tx_len - c->tx_off);
        if (w > 0) c->tx_off += (size_t)w;
        else if (w == 0) return 0;
        else return -1;
    }
    c->tx_off = c->tx_len = 0;
    return 1;
}

long bws_fill(bws *c) {
    if (c->rx_off == c->rx_len) {
        c->rx_off = c->rx_len = 0;
    } else if (c->rx_off > 0 && (c->rx_cap - c->rx_len < BWS_RX_MIN_FREE || c->rx_off + c->rx_need > c->rx_cap)) {
        memmove(c->rx, c->rx + c->rx_off, c->rx_len - c->rx_off);
        c->rx_len -= c->rx_off;
        c->rx_off = 0;
    }
    size_t want = c->rx_need > BWS_RX_MIN_FREE ? c->rx_need : BWS_RX_MIN_FREE;
    if (c->rx_cap - c->rx_off < want || c->rx_cap - c->rx_len < BWS_RX_MIN_FREE) {
        size_t cap = c->rx_cap;
        while (cap - c->rx_off < want || cap - c->rx_len < BWS_RX_MIN_FREE) cap *= 2;
        c->rx = xrealloc(c->rx, cap);
        c->rx_cap = cap;
    }
    long total = 0;
    for (;;) {
        long r = io_recv(c, c->rx + c->rx_len, c->rx_cap - c->rx_len);
        if (r == -1) set_why(c, "connection closed by server (no close frame)");
        if (r < 0) return -1;
        c->rx_len += (size_t)r;
        total += r;
        /* TLS may hold decrypted bytes the socket no longer signals: take
         * them all now, growing the buffer, or epoll would never wake us */
        size_t more = c->ssl ? (size_t)SSL_pending(c->ssl) : 0;
        if (r == 0 || !more) return total;
        if (c->rx_cap - c->rx_len < more) {
            size_t cap = c->rx_cap;
            while (cap - c->rx_len < more) cap *= 2;
            c->rx = xrealloc(c->rx, cap);
            c->rx_cap = cap;
        }
    }
}

static void frag_add(bws *c, const unsigned char *p, size_t n) {
    if (c->frag_cap - c->frag_len < n) {
        size_t cap = c->frag_cap ? c->frag_cap : 4096;
        while (cap - c->frag_len < n) cap *= 2;
        c->frag = xrealloc(c->frag, cap);
        c->frag_cap = cap;
    }
    memcpy(c->frag + c->frag_len, p, n);
    c->frag_len += n;
}

int bws_next(bws *c, const char **msg, size_t *len) {
    for (;;) {
        const unsigned char *p = c->rx + c->rx_off;
        size_t avail = c->rx_len - c->rx_off;
        wsf_head fh;
        if (!wsf_decode_header(p, avail, &fh)) {
            c->rx_need = fh.size;
            return 0;
        }
        if (fh.rsv) {
            set_why(c, "protocol error: reserved bits set in a frame from the server");
            return -1;
        }
        if (fh.masked) {
            set_why(c, "protocol error: masked frame from the server");
            return -1;
        }
        if (fh.len > ((uint64_t)1 << 40)) {
            set_why(c, "protocol error: frame length %llu", (unsigned long long)fh.len);
            return -1;
        }
        unsigned fin = fh.fin, op = fh.opcode;
        size_t h = fh.size;
        uint64_t n = fh.len;
        if (avail < h + n) {
            c->rx_need = h + (size_t)n;
            return 0;
        }
        c->rx_need = 0;
        const unsigned char *payload = p + h;
        c->rx_off += h + (size_t)n;
        switch (op) {
        case WSF_TEXT:
            if (c->in_frag) {
                set_why(c, "protocol error: new message inside a fragmented one");
                return -1;
            }
            if (fin) {
                *msg = (const char *)payload;
                *len = (size_t)n;
                return 1;
            }
            c->in_frag = 1;
            c->frag_len = 0;
            frag_add(c, payload, (size_t)n);
            break;
        case WSF_CONT:
            if (!c->in_frag) {
                set_why(c, "protocol error: continuation frame without a message");
                return -1;
            }
            frag_add(c, payload, (size_t)n);
            if (fin) {
                c->in_frag = 0;
                *msg = (const char *)c->frag;
                *len = c->frag_len;
                return 1;
            }
            break;
        case WSF_BINARY:
            set_why(c, "unexpected binary message from the server");
            return -1;
        case WSF_CLOSE: {
            /* the reason as every text a server sends is shown (UTF-8 as
             * it is, controls and stray bytes as \xhh), cut to fit */
            size_t tn = n > 2 ? (size_t)n - 2 : 0;
            strbuf text = STRBUF_INIT;
            sb_add_visible_fit(&text, (const char *)payload + 2, tn, tn, 300);
            if (n >= 2)
                set_why(c, "connection closed by server (%d%s%s)", payload[0] << 8 | payload[1],
                        text.len ? ": " : "", text.len ? text.buf : "");
            else
                set_why(c, "connection closed by server (no status code)");
            sb_free(&text);
            return -1;
        }
        case WSF_PING: /* answer with the same payload */
            send_frame(c, WSF_PONG, payload, (size_t)n);
            break;
        case WSF_PONG:
            break;
        default:
            set_why(c, "protocol error: unknown opcode %u", op);
            return -1;
        }
    }
}

/* One request, one answer (see bench_conn.h). */
int bws_call(bws *c, const char *msg, size_t len, int timeout_ms, const char **ans, size_t *anslen) {
    int64_t deadline = mono_ms_i64() + timeout_ms;
    c->budget_ms = timeout_ms;
    bws_send(c, msg, len);
    for (;;) {
        int r = bws_flush(c);
        if (r < 0) return -1;
        if (r == 1) break;
        if (wait_fd(c, POLLOUT, deadline, "sending a request")) return -1;
    }
    for (;;) {
        int k = bws_next(c, ans, anslen);
        if (k) return k == 1 ? 0 : -1;
        if (bws_flush(c) < 0) return -1; /* a pong bws_next queued */
        long n = bws_fill(c);
        if (n < 0) return -1;
        if (n == 0 && wait_fd(c, POLLIN, deadline, "waiting for an answer")) return -1;
    }
}

/* Close and free (see bench_conn.h). */
void bws_close(bws *c) {
    if (c->ssl) SSL_free(c->ssl); /* no close_notify: the socket closes anyway */
    c->ssl = NULL;
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    free(c->rx);
    free(c->tx);
    free(c->frag);
    c->rx = c->tx = c->frag = NULL;
    c->rx_len = c->rx_off = c->rx_cap = c->tx_len = c->tx_off = c->tx_cap = 0;
    c->frag_len = c->frag_cap = 0;
}
