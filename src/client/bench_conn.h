/*
 * bench_conn.h — the minimal WebSocket client connection of `ndb bench`.
 *
 * The benchmark drives many connections from one thread, so it needs a
 * connection that costs next to nothing per message: a non-blocking TCP
 * socket, a flat receive buffer parsed in place, a flat send buffer of
 * ready, masked frames written with one send() per batch.  This file speaks
 * just enough RFC 6455 for that: the opening handshake (checked, including
 * Sec-WebSocket-Accept), masked text frames out, unmasked text frames in
 * (fragmented ones reassembled), pings answered with pongs, a close frame
 * from the server reported as an error.  It is not a general client — the
 * CLI's is wsclient.c.  wss:// goes through OpenSSL directly (one SSL per
 * connection over the same non-blocking socket), with the CLI's TLS
 * options (wsclient.h's wsc_options), so that a benchmark can measure a
 * server as its clients reach it.
 *
 * Ownership: a bws is owned by its caller (usually in an array); bws_open
 * allocates its buffers, bws_close frees them and closes the socket.
 */
#ifndef NDB_BENCH_CONN_H
#define NDB_BENCH_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "client/wsclient.h"
#include "common/wsurl.h"

struct ssl_st;
struct ssl_ctx_st;

/* Most addresses of a host name that are tried. */
#define BWS_MAX_ADDRS 8

/* Where to connect: a parsed ws:// URL and the addresses its host resolves
 * to (bws_target_resolve), the one that last accepted a connection first. */
typedef struct bws_target {
    ws_url u; /* u.url: the canonical URL, for messages */
    struct ssl_ctx_st *tls; /* wss:// (bws_target_tls), else NULL */
    int insecure;
    struct sockaddr_storage addr[BWS_MAX_ADDRS];
    socklen_t addrlen[BWS_MAX_ADDRS];
    unsigned naddr;
} bws_target;

typedef struct bws {
    int fd;
    unsigned char *rx; /* received bytes; rx[rx_off..rx_len) not yet parsed */
    size_t rx_len, rx_off, rx_cap;
    size_t rx_need;    /* bytes the incomplete frame at rx_off needs in all */
    unsigned char *tx; /* frames to send; tx[tx_off..tx_len) not yet written */
    size_t tx_len, tx_off, tx_cap;
    unsigned char *frag; /* a fragmented message being reassembled */
    size_t frag_len, frag_cap;
    int in_frag;
    uint64_t rng; /* xorshift state for mask keys */
    struct ssl_st *ssl; /* wss://, else NULL */
    int budget_ms;      /* the timeout of the bws_open or bws_call under way, for messages */
    int opening;        /* in bws_open: a reset or a TLS alert is a refusal, said as ndb says it */
    char why[400]; /* why the connection failed */
} bws;

/*
 * Parse url (any form of common/wsurl.h: ws://HOST[:PORT][/PATH],
 * wss://..., HOST:PORT, :PORT, HOST), without resolving it.  Returns 0, or
 * -1 with a one-line reason in err.
 */
int bws_target_parse(bws_target *t, const char *url, char *err, size_t errlen);

/* For a wss:// target: set up TLS with the CLI's options (the system's
 * CAs plus o->cacert, a client certificate, or no checks with
 * o->insecure); TLS 1.2 or later.  Does nothing for ws://.  Returns 0, or
 * -1 with a reason in err ("cannot read --cacert FILE: ..."). */
int bws_target_tls(bws_target *t, const wsc_options *o, char *err, size_t errlen);

/* Free what the target owns (its TLS context). */
void bws_target_free(bws_target *t);

/* Resolve the parsed host (names, IPv4 and IPv6 literals).  Returns 0, or
 * -1 with a reason in err, e.g. "cannot resolve host 'nohost': Name or
 * service not known". */
int bws_target_resolve(bws_target *t, char *err, size_t errlen);

/* Connect to the first of t's addresses that accepts (trying them in
 * order; that one moves to the front for the next bws_open) and complete
 * the WebSocket handshake, all within timeout_ms (ndb bench's --timeout);
 * the socket is then non-blocking with TCP_NODELAY.  Returns 0, or -1 with
 * the reason in c->why, e.g. "Connection refused" or "timed out after 1 s
 * waiting for the handshake response", or "interrupted" when a signal
 * handler ran (ndb bench's Ctrl-C) (c must still be bws_close'd). */
int bws_open(bws *c, bws_target *t, int timeout_ms);

/* Append msg as one masked text frame to the send buffer. */
void bws_send(bws *c, const char *msg, size_t len);

/* Write what the send buffer holds.  Returns 1 when it is empty, 0 when the
 * socket would block with bytes left, -1 on error (reason in c->why). */
int bws_flush(bws *c);

/* 1 when the receive buffer holds bytes not yet taken by bws_next: frames
 * that came with the handshake response (a server closing at once), which
 * no readiness of the socket will announce. */
static inline int bws_buffered(const bws *c) { return c->rx_off < c->rx_len; }

/* One read() of what the socket has.  Returns the number of bytes read,
 * 0 if none were ready, -1 on error or end of stream (reason in c->why). */
long bws_fill(bws *c);

/*
 * The next complete message in the receive buffer.  Returns 1 with *msg,
 * *len set (valid until the next bws_fill or bws_next); 0 when more bytes
 * are needed; -1 on a close frame, a binary message or a protocol error
 * (reason in c->why).  Pings are answered (a pong is queued: flush after).
 */
int bws_next(bws *c, const char **msg, size_t *len);

/*
 * One request and its answer, outside the event loop: queue msg, write it,
 * wait for the next message, all within timeout_ms.  Returns 0 with *ans,
 * *anslen set (valid as for bws_next), or -1 with the reason in c->why
 * ("interrupted" after a signal, as for bws_open).
 * For a connection with nothing else in flight.
 */
int bws_call(bws *c, const char *msg, size_t len, int timeout_ms, const char **ans, size_t *anslen);

/* Close the socket and free the buffers.  Safe to call twice, and on a bws
 * whose bws_open failed (not on a merely zeroed one: fd 0 is a descriptor). */
void bws_close(bws *c);

#endif
