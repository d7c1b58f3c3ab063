/*
 * handshake.h — the security checks of a WebSocket upgrade request, before
 * the connection exists (README "Security"):
 *   1. the Origin and Host rules (origin.h): a refused origin, or the
 *      server's own origin under a Host that does not name the server
 *      (DNS rebinding), gets HTTP 403;
 *   2. with users configured, an "Authorization: Basic" header logs the
 *      connection in before it is opened (auth_basic): a wrong user or
 *      password gets HTTP 401 (with WWW-Authenticate), too many checks 429
 *      or 503 (with Retry-After).  Without the header the connection opens
 *      unauthenticated and must send SV_AUTH.
 * A refused upgrade is answered with a real HTTP status, "Connection:
 * close" and a one-line text body, and nothing of the request is executed.
 * Refused origins are logged as warnings, at most once a minute per origin
 * (with the count of those not logged).
 *
 * transport.c calls handshake_check from LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
 * the last point where libwebsockets still lets the server answer with an
 * HTTP status (refusing later, in FILTER_PROTOCOL_CONNECTION, only drops
 * the socket, which a browser reports as a network error).
 */
#ifndef NDB_HANDSHAKE_H
#define NDB_HANDSHAKE_H

#include <libwebsockets.h>

#include "server/config.h"
#include "server/users.h"

/* Build the policy from the settings (at start-up, before listening). */
void handshake_init(const ndb_config *cfg);
void handshake_free(void);

/* Check the upgrade request on wsi.  Returns 0 when it may proceed, with
 * *user set when Basic authentication logged it in (else NULL); or 1 when
 * it was refused and the HTTP answer is written (the caller returns 1 from
 * the callback so that libwebsockets ends the transaction). */
int handshake_check(struct lws *wsi, const char *peer, const ndb_user **user);

/* May the plain HTTP request on wsi (a page of the web console) be
 * answered?  Not when its Host header does not name the server by the rule
 * of the upgrade (origin_check_page): a DNS-rebound name would read the
 * console under its own origin.  1 yes; 0 no (logged as a warning, at most
 * once a minute per Host; the caller answers 403). */
int handshake_page_allowed(struct lws *wsi, const char *peer);

#endif
