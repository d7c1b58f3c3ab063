/*
 * origin.h — which browser pages may open a WebSocket to this server: the
 * Origin and Host rules of README "Security", as pure functions (no I/O,
 * no libwebsockets), so that every case is unit-testable.
 *
 * Browsers do not apply the same-origin policy to WebSocket: any page the
 * user opens can connect to ws://127.0.0.1:1987/ and read or write
 * everything (cross-site WebSocket hijacking).  They do send the page's
 * Origin with the upgrade, so the server decides:
 *   - no Origin header (the CLI, scripts, libraries): allowed;
 *   - an Origin listed in security.allowedOrigins (compared exactly:
 *     scheme, host and port, default ports filled in), or '*': allowed;
 *     "null" (sandboxed frames, file: pages) only when listed literally;
 *   - the server's own origin (a page the server itself would serve: the
 *     Origin names the same scheme, host and port as the Host header) is
 *     allowed only when the Host header names the server by a loopback
 *     literal, "localhost", the address it listens on, the local address
 *     of the connection, or a name in security.allowedHosts.  Without that
 *     condition a page of evil.example whose name the attacker re-points
 *     at 127.0.0.1 (DNS rebinding) would count as "own origin";
 *   - anything else is refused (the transport answers HTTP 403).
 */
#ifndef NDB_ORIGIN_H
#define NDB_ORIGIN_H

#include <stddef.h>

#include "server/settings.h"

#define ORIGIN_MAX_HOST 256

/* A parsed origin: scheme and host in lower case, IPv6 hosts without
 * brackets; port explicit or the scheme's default (http/ws 80, https/wss
 * 443; 0 for other schemes without one). */
typedef struct origin {
    char scheme[32];
    char host[ORIGIN_MAX_HOST];
    unsigned port;
} origin;

/* Parse the n bytes at s as an origin "scheme://host[:port]" (RFC 6454
 * serialisation: no user info, path, query or fragment).  0 or -1. */
int origin_parse(const char *s, size_t n, origin *o);

/* Same scheme, host and port? */
int origin_same(const origin *a, const origin *b);

/* Parse a Host header value "name[:port]" or "[v6][:port]" (n bytes)
 * into host (lower case, no brackets) and *port (0 when absent).  0 or
 * -1. */
int origin_parse_host(const char *s, size_t n, char host[ORIGIN_MAX_HOST], unsigned *port);

/* Is host (as origin_parse_host leaves it) "localhost" or a loopback
 * address literal (127.0.0.0/8, ::1, ::ffff:127.x.y.z)? */
int origin_host_is_loopback(const char *host);

/* The checks of settings.def: a valid security.allowedOrigins item
 * (an origin, "null" or "*") and security.allowedHosts item (a host name
 * or an IP address literal, no port). */
int origin_setting_ok(const char *s);
int origin_host_setting_ok(const char *s);

/* The policy, built once from the settings. */
typedef struct origin_policy {
    origin *allowed; /* parsed security.allowedOrigins, without "*" and "null" */
    size_t nallowed;
    int any;         /* "*" listed */
    int null_ok;     /* "null" listed */
    char **hosts;    /* security.allowedHosts, lower case */
    size_t nhosts;
    char listen[ORIGIN_MAX_HOST]; /* the listening address, "" for a wildcard */
    int tls;         /* the server's own pages are https:, else http: */
} origin_policy;

/* Build p from the lists (items valid by the checks above), the listening
 * address and whether the server speaks TLS.  Free with origin_policy_free. */
void origin_policy_init(origin_policy *p, const ndb_strlist *allowed, const ndb_strlist *hosts,
                        const char *listen_ip, int tls);
void origin_policy_free(origin_policy *p);

enum origin_verdict {
    ORIGIN_OK,           /* no Origin, or an allowed one */
    ORIGIN_REFUSED,      /* an Origin that is neither listed nor the server's own */
    ORIGIN_BAD_HOST,     /* the server's own origin, but a Host that does not name the server */
};

/* Decide for one handshake.  origin_hdr / host_hdr: the header values
 * (NULL when absent); local_ip: the address the connection arrived at
 * (NULL if unknown). */
enum origin_verdict origin_check(const origin_policy *p, const char *origin_hdr, const char *host_hdr,
                                 const char *local_ip);

/* Decide for a plain HTTP request of the web console under Host host_hdr
 * (NULL when absent): the page would have the origin scheme://Host (the
 * server's scheme, or the other one when a proxy terminates TLS: then only
 * as a listed --allow-origin), and is
 * served only when a WebSocket from that origin would be allowed — else a
 * DNS-rebound name would get the console's pages under its own origin.
 * ORIGIN_OK, or ORIGIN_BAD_HOST (a Host that does not name the server, or
 * cannot be read).  No Host (not a browser: browsers always send one) is
 * ORIGIN_OK, as no Origin is for the WebSocket. */
enum origin_verdict origin_check_page(const origin_policy *p, const char *host_hdr, const char *local_ip);

#endif
