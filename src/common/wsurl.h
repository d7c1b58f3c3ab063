/*
 * wsurl.h — the one parser of server addresses, for every client part of
 * ndb: the CLI and REPL (through wsclient.c) and `ndb bench`
 * (bench_conn.c).
 *
 * Accepted forms:
 *
 *   ws://HOST[:PORT][/PATH][?QUERY]     port 80 when not given
 *   wss://HOST[:PORT][/PATH][?QUERY]    port 443 when not given (TLS)
 *   HOST:PORT   :PORT   HOST            shorthands: ws:// is assumed, the
 *                                       host defaults to 127.0.0.1 and the
 *                                       port to 1987 (ndb serve's default)
 *
 * The scheme is matched without regard to case.  HOST is a name (letters,
 * digits, '-', '.', '_'), an IPv4 literal or a bracketed IPv6 literal
 * ([::1], optionally with a %zone).  A shorthand may go on with a /PATH or
 * ?QUERY too.  A #fragment is dropped (RFC 6455 gives it no meaning);
 * user names (user@host) are refused.  The scheme defaults follow the URL
 * standard (a ws:// URL without a port means port 80), so only a bare
 * address picks ndb's port.
 */
#ifndef NDB_WSURL_H
#define NDB_WSURL_H

#include <stddef.h>

#define WSURL_DEFAULT_HOST "127.0.0.1"
#define WSURL_DEFAULT_PORT 1987
#define WSURL_MAX_HOST 253  /* longest DNS name */
#define WSURL_MAX_PATH 2048 /* path and query */
#define WSURL_MAX_URL (sizeof "wss://[]:65535" - 1 + WSURL_MAX_HOST + WSURL_MAX_PATH)

typedef struct ws_url {
    int tls;                                  /* wss:// */
    int port;                                 /* 1 .. 65535 */
    char host[WSURL_MAX_HOST + 1];            /* what to connect to: name or address, no brackets */
    char host_header[WSURL_MAX_HOST + 9];     /* HTTP Host: brackets kept, ":PORT" unless the
                                                 scheme's default */
    char path[WSURL_MAX_PATH + 1];            /* request target: "/" when none, query kept */
    char url[WSURL_MAX_URL + 1];              /* canonical form for messages:
                                                 ws://HOST:PORT/PATH, always with the port */
} ws_url;

/*
 * Parse text into *u.  Returns 0, or -1 with a one-line reason in err (not
 * naming text itself, so the caller can say where the URL came from), e.g.
 * "unsupported scheme 'http://' (use ws:// or wss://)", "empty host",
 * "invalid port '99999' (must be 1..65535)", "unclosed '[' in the host".
 */
int ws_url_parse(ws_url *u, const char *text, char *err, size_t errlen);

/*
 * text as an error message may quote it: a password in it (ws://me:SECRET@h/,
 * refused by ws_url_parse) shown as "***", so that an "invalid URL" message
 * never writes NDB_URL's or --url's password to a terminal or a CI log, and
 * each control character as \xhh (sb_add_visible).  Returns text itself
 * when it holds neither, else buf (n bytes).
 */
const char *ws_url_shown(const char *text, char *buf, size_t n);

#endif
