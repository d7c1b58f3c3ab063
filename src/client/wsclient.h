/*
 * wsclient.h — the CLI's WebSocket transport: a small blocking API over a
 * libwebsockets client context.
 *
 * Every CLI command (one-shot get/set, `ndb send`, the REPL, the benchmark)
 * talks to the server through this file.  One ws_client owns one lws context
 * and one connection; nothing is shared between clients, so several may
 * coexist in one process (each is driven only from the thread that uses it).
 *
 * The model is the protocol's: requests go out in order, answers come back in
 * the same order, one text message each.  wsc_send() only queues (the bytes
 * are copied); the queue is written while wsc_recv() waits, so a caller may
 * pipeline many requests before reading any answer.  Incoming messages are
 * reassembled from fragments and partial reads and queued whole until
 * wsc_recv() takes them.
 *
 * Timeouts are in milliseconds; a negative timeout means "wait as long as it
 * takes", 0 means "only what is already possible without waiting".
 *
 * TLS is initialised only for wss:// URLs: a ws:// client never touches
 * OpenSSL, which keeps process start to first answer fast.  libwebsockets'
 * own logging is silent unless NDB_LWS_DEBUG is set in the environment
 * (to a bitmask of LLL_* levels, or any non-number for errors+warnings+notices).
 */
#ifndef NDB_WSCLIENT_H
#define NDB_WSCLIENT_H

#include <signal.h>
#include <stddef.h>

#include "common/strbuf.h"

typedef struct ws_client ws_client;

/* Added to "the server closed the connection during the WebSocket
 * handshake" for a ws:// URL: a server that serves wss:// only closes a
 * plain connection.  Shared with ndb bench. */
#define WSC_HINT_WSS_ONLY " (if it serves wss:// only, use a wss:// URL; or it is at its connection limit)"

/* TLS settings of a wss:// connection (ignored for ws://).  Strings are
 * file names (PEM), NULL for none. */
typedef struct wsc_options {
    const char *cacert; /* CAs to trust besides the system's (--cacert) */
    const char *cert;   /* a client certificate, for servers that ask (--client-cert) */
    const char *key;    /* its private key (--client-key) */
    int insecure;       /* do not check the server's certificate at all (--insecure) */
} wsc_options;

/*
 * Parse `url` (any form common/wsurl.h accepts: ws://HOST[:PORT][/PATH],
 * wss://..., or the shorthands HOST:PORT, :PORT, HOST), connect and
 * complete the WebSocket handshake within timeout_ms.
 *
 * Returns the client (free it with wsc_close), or NULL with a one-line reason
 * in err, e.g. "invalid URL 'http://x/': unsupported scheme 'http://' (use
 * ws:// or wss://)", "cannot connect to ws://127.0.0.1:1/: Connection
 * refused" or "cannot connect to ws://10.1.2.3:1987/: timed out after 5000
 * ms".  Connection messages name the URL in its canonical form (scheme and
 * port always written), so a shorthand shows what it stood for.
 */
ws_client *wsc_connect(const char *url, int timeout_ms, char *err, size_t errlen);

/*
 * wsc_connect with TLS settings (o may be NULL).  A certificate the client
 * does not trust fails the connection with the reason, e.g. "cannot
 * connect to wss://127.0.0.1:1987/: the server's certificate is not
 * trusted: unable to get local issuer certificate (give the CA that signed
 * it with --cacert FILE)".
 */
ws_client *wsc_connect_opts(const char *url, int timeout_ms, const wsc_options *o, char *err, size_t errlen);

/*
 * Queue one text message; the len bytes at msg are copied and later sent
 * unchanged, as one frame.  Queued messages are written in order while
 * wsc_recv (or wsc_flush) runs.  Returns 0, or -1 if the connection is
 * already closed.
 */
int wsc_send(ws_client *c, const char *msg, size_t len);

/*
 * Wait up to timeout_ms for the next complete incoming message, writing
 * queued messages meanwhile.  Returns 1 with the message in out (reset
 * first, NUL-terminated, exact bytes in out->len); 0 on timeout; -1 when the
 * connection is closed or failed and no received message is left, with a
 * reason in err (if err is not NULL), e.g. "connection closed by server
 * (1009)".  Messages that arrived before a close are still returned first.
 */
int wsc_recv(ws_client *c, strbuf *out, int timeout_ms, char *err, size_t errlen);

/*
 * Write queued messages for up to timeout_ms without waiting for answers.
 * Returns 1 when the queue is empty, 0 on timeout, -1 if the connection is
 * closed.  (wsc_recv flushes too; this is for callers that want the
 * requests on the wire before doing something else.)
 */
int wsc_flush(ws_client *c, int timeout_ms);

/* Number of queued messages not yet handed to the socket. */
size_t wsc_unsent(const ws_client *c);

/* The URL in canonical form, ws://HOST:PORT/PATH (for messages); valid
 * until wsc_close. */
const char *wsc_url(const ws_client *c);

/*
 * Let *flag (the REPL's Ctrl-C flag; NULL: none, the default) cut waits
 * short: while it is nonzero every wait with a nonzero timeout returns at
 * once, and one already under way returns within WSC_STOP_POLL_MS of it
 * being set: wsc_recv and wsc_flush with -2 (err "interrupted"; the
 * connection is left as it was), wsc_connect with NULL ("cannot connect to
 * URL: interrupted"), the closes without waiting for the server.  For the
 * whole process: one flag, set by a signal handler.
 */
#define WSC_STOP_POLL_MS 100
void wsc_set_stop(const volatile sig_atomic_t *flag);

/*
 * Politely close (close frame 1000, a short bounded wait for the server's
 * reply) and free everything.  Messages still queued are dropped.  Safe on
 * NULL.
 */
void wsc_close(ws_client *c);

/*
 * Close for one-shot clients: queue a close frame (1000) behind whatever is
 * still queued, write it all (waiting at most timeout_ms for the socket),
 * then free everything without waiting for the server's close frame.  Saves
 * the round trip that wsc_close spends on the reply; the server still sees
 * a clean close.  Safe on NULL.
 */
void wsc_close_nowait(ws_client *c, int timeout_ms);

#endif
