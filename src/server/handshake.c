/*
 * handshake.c — Origin/Host policy and Basic authentication of an upgrade
 * request, and the HTTP refusals (see handshake.h).
 */
#include "server/handshake.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "json/scan.h"
#include "server/auth.h"
#include "server/origin.h"
#include "server/refusal_log.h"

/* Refused origins whose warning was logged lately: one line per origin per
 * WARN_INTERVAL_S, then how many were not logged. */
#define WARN_SLOTS 64
#define WARN_INTERVAL_S 60

typedef struct warned {
    char origin[160];
    uint64_t at;      /* monotonic seconds (+1: 0 is a slot never used) */
    unsigned long quiet; /* refusals since the last line */
} warned;

static struct {
    origin_policy policy;
    warned recent[WARN_SLOTS];
} H;

void handshake_init(const ndb_config *cfg) {
    origin_policy_init(&H.policy, &cfg->allowed_origins, &cfg->allowed_hosts, cfg->ip, cfg->tls_cert[0] != 0);
    memset(H.recent, 0, sizeof H.recent);
}

void handshake_free(void) { origin_policy_free(&H.policy); }

/* Header h of the request, NUL-terminated in buf, or NULL when absent
 * (or longer than the buffer: treated as a value that matches nothing). */
static const char *header(struct lws *wsi, enum lws_token_indexes h, char *buf, int cap) {
    int n = lws_hdr_total_length(wsi, h);
    if (n <= 0) return NULL;
    if (n >= cap || lws_hdr_copy(wsi, buf, cap, h) < 0) {
        snprintf(buf, (size_t)cap, "%s", "(too long)");
        return buf;
    }
    return buf;
}

/* The address the connection arrived at, or NULL. */
static const char *local_address(struct lws *wsi, char *buf, size_t cap) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    lws_sockfd_type fd = lws_get_socket_fd(wsi);
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl)) return NULL;
    if (ss.ss_family == AF_INET)
        return inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, (socklen_t)cap);
    if (ss.ss_family == AF_INET6)
        return inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, (socklen_t)cap);
    return NULL;
}

/* What was refused, for the warning's words. */
enum refusal { REFUSED_ORIGIN, REFUSED_HOST, REFUSED_PAGE };

/* Log a refused origin, at most once per WARN_INTERVAL_S per origin (for a
 * console page, per Host: origin_hdr is then the page's origin).  The lines
 * also go through refusal_log's bound: the per-origin one alone let a
 * client that sends a new Origin or Host each time (they are free to make
 * up) write a line per request, as fast as it could connect. */
static void warn_refused(const char *peer, const char *origin_hdr, const char *host_hdr, enum refusal bad_host) {
    /* monotonic: a wall clock set back an hour silenced the warnings for
     * an hour, one set forward repeated them at once */
    if (LOG_WARN > log_threshold) return; /* --log-level error: no line to bound */
    uint64_t now = mono_ms() / 1000 + 1;
    warned *w = NULL, *oldest = &H.recent[0];
    for (int i = 0; i < WARN_SLOTS && !w; i++) {
        if (!strncmp(H.recent[i].origin, origin_hdr, sizeof H.recent[i].origin - 1)) w = &H.recent[i];
        else if (H.recent[i].at < oldest->at) oldest = &H.recent[i];
    }
    if (w && w->at && now - w->at < WARN_INTERVAL_S) {
        w->quiet++;
        return;
    }
    if (!w) { /* a slot of its own, never warned about */
        w = oldest;
        snprintf(w->origin, sizeof w->origin, "%s", origin_hdr);
        w->at = 0;
        w->quiet = 0;
    }
    unsigned long quiet = w->quiet;
    strbuf o = STRBUF_INIT, h = STRBUF_INIT, more = STRBUF_INIT;
    /* printable, one line; cut at 200 bytes, between characters */
    sb_add_json_string(&o, origin_hdr, utf8_cut(origin_hdr, strlen(origin_hdr), 200));
    sb_add_json_string(&h, host_hdr ? host_hdr : "", host_hdr ? utf8_cut(host_hdr, strlen(host_hdr), 200) : 0);
    if (quiet) sb_addf(&more, " (%lu more from this origin since the last warning)", quiet);
    int written;
    if (bad_host == REFUSED_PAGE)
        written = refusal_log(LOG_WARN,
                              "refused a console page to %s: Host %s does not name this server (DNS rebinding?); if "
                              "it is one of its names, add it with --allow-host%s",
                              peer, h.buf, more.len ? more.buf : "");
    else if (bad_host == REFUSED_HOST)
        written = refusal_log(LOG_WARN,
                              "refused a WebSocket upgrade from %s: Origin %s is this server's own, but Host %s does "
                              "not name this server (DNS rebinding?); if it is one of its names, add it with "
                              "--allow-host%s",
                              peer, o.buf, h.buf, more.len ? more.buf : "");
    else
        written = refusal_log(LOG_WARN,
                              "refused a WebSocket upgrade from %s: Origin %s is not allowed (--allow-origin, "
                              "security.allowedOrigins)%s",
                              peer, o.buf, more.len ? more.buf : "");
    /* the minute starts with a line written: one that the bound of all
     * refusals swallowed (counted in its summary) leaves the origin as it
     * was, so its next refusal tries again, rather than the origin going
     * unnamed for a minute and then "N more" with no line before */
    if (written) {
        w->at = now;
        w->quiet = 0;
    }
    sb_free(&o);
    sb_free(&h);
    sb_free(&more);
}

/* The reason phrase of the statuses refuse() sends. */
static const char *reason_phrase(unsigned status) {
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    default: return "Service Unavailable";
    }
}

/* Answer the request with an HTTP/1.1 error: status, "Connection: close",
 * an optional extra header, and a one-line body.  The response is written
 * whole (lws's header helpers would pick HTTP/1.0 this early).  The answer
 * to a HEAD has no body (RFC 9110 9.3.2: a client reads none, and would
 * take its bytes for the next response); its Content-Length still says
 * what a GET gets. */
static int refuse(struct lws *wsi, unsigned status, const char *hname, const char *hvalue, const char *body) {
    unsigned char buf[LWS_PRE + 1024];
    char *start = (char *)buf + LWS_PRE;
    int head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
    int n = snprintf(start, sizeof buf - LWS_PRE,
                     "HTTP/1.1 %u %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
                     "%s%s%s%sContent-Length: %zu\r\n\r\n%s",
                     status, reason_phrase(status), hname ? hname : "", hname ? ": " : "", hname ? hvalue : "",
                     hname ? "\r\n" : "", strlen(body), head ? "" : body);
    if (n > 0 && (size_t)n < sizeof buf - LWS_PRE) lws_write(wsi, (unsigned char *)start, (size_t)n, LWS_WRITE_HTTP);
    return 1;
}

/* Does the Sec-WebSocket-Protocol list `offer` (comma-separated, blanks
 * around items) name "ndb"? */
static int offers_ndb(const char *offer) {
    for (const char *p = offer; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *end = p;
        while (*end && *end != ',') end++;
        const char *last = end;
        while (last > p && (last[-1] == ' ' || last[-1] == '\t')) last--;
        if (last - p == 3 && !memcmp(p, "ndb", 3)) return 1;
        p = end;
    }
    return 0;
}

/* Is key the base64 text of 16 bytes, as RFC 6455 4.1 asks: 22 characters
 * of the alphabet and "=="? */
static int key_is_16_bytes(const char *key) {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (strlen(key) != 24 || strcmp(key + 22, "==")) return 0;
    for (int i = 0; i < 22; i++)
        if (!strchr(b64, key[i])) return 0;
    return 1;
}

/* Is version 13, blanks after it aside?  libwebsockets drops the blanks
 * before a header's value but keeps those after it, which RFC 7230 3.2.4
 * says are not part of the value: "13 " is version 13.  (Not so for the
 * key: libwebsockets computes Sec-WebSocket-Accept over it as sent, blanks
 * included, so a key with them cannot be accepted and is refused.) */
static int version_is_13(const char *version) {
    size_t n = strlen(version);
    while (n && (version[n - 1] == ' ' || version[n - 1] == '\t')) n--;
    return n == 2 && !memcmp(version, "13", 2);
}

/* Does libwebsockets find the token "upgrade" in the Connection header?
 * After this check it reads the header again, from a copy into 127 bytes
 * (so at most 126 of header and its NUL: lws_hdr_copy fails on a header
 * as long as the room it is given), as a comma-separated list with its
 * tokenizer, taking a token that is a prefix of "upgrade" (any case) for
 * it; a header that is absent, longer, names no such token or holds
 * anything its tokenizer refuses (an empty item, a quoted string, a "/")
 * makes it close the connection without a word (roles/ws/server-ws.c).
 * The same reading, run here first, lets the refusal be an answer: exactly
 * the headers lws would drop are refused, so no handshake it accepts is
 * turned away. */
static int lws_finds_upgrade_token(struct lws *wsi) {
    char buf[128]; /* as lws's own */
    int n = lws_hdr_copy(wsi, buf, sizeof buf - 1, WSI_TOKEN_CONNECTION);
    if (n <= 0) return 0;
    struct lws_tokenize ts;
    lws_tokenize_init(&ts, buf,
                      LWS_TOKENIZE_F_COMMA_SEP_LIST | LWS_TOKENIZE_F_DOT_NONTERM | LWS_TOKENIZE_F_RFC7230_DELIMS |
                          LWS_TOKENIZE_F_MINUS_NONTERM);
    ts.len = (size_t)n;
    lws_tokenize_elem e;
    do {
        e = lws_tokenize(&ts);
        if (e == LWS_TOKZE_TOKEN && !strncasecmp(ts.token, "upgrade", ts.token_len)) return 1;
    } while (e == LWS_TOKZE_TOKEN || e == LWS_TOKZE_DELIMITER);
    return 0;
}

/* Is the request's HTTP version (of its request line: lws keeps it as
 * WSI_TOKEN_HTTP, "HTTP/1.1") 1.1 or later?  RFC 6455 4.1 asks for it:
 * libwebsockets upgraded an HTTP/1.0 request as well, and answered it in
 * HTTP/1.1, which a 1.0 client need not understand. */
static int http_1_1_or_later(struct lws *wsi) {
    char vb[16];
    const char *v = header(wsi, WSI_TOKEN_HTTP, vb, sizeof vb);
    unsigned major, minor;
    char end;
    if (!v || sscanf(v, "HTTP/%u.%u%c", &major, &minor, &end) != 2) return 0;
    return major > 1 || (major == 1 && minor >= 1);
}

/* The first way the upgrade request is not an RFC 6455 handshake (4.1,
 * 4.2.1): an upgrade to another protocol, not a GET, HTTP older than 1.1,
 * a version other than 13, a key that is not 16 bytes in base64, no Host,
 * no Connection header naming Upgrade.  libwebsockets 4.1 upgrades the
 * second to fifth, and closes the connection without a word (nor a log
 * line) on the last two.
 * Returns the status to refuse it with (0: none) and sets *why to the
 * answer's body. */
static unsigned upgrade_fault(struct lws *wsi, const char **why) {
    char ub[32], vb[32], kb[32];
    const char *upgrade = header(wsi, WSI_TOKEN_UPGRADE, ub, sizeof ub);
    const char *version = header(wsi, WSI_TOKEN_VERSION, vb, sizeof vb);
    const char *key = header(wsi, WSI_TOKEN_KEY, kb, sizeof kb);
    /* libwebsockets also upgrades to HTTP/2 ("h2c") and offers WebSocket
     * streams on it (RFC 8441) that never come through this check: one
     * from a foreign Origin was answered 200, unlogged.  ndb speaks
     * HTTP/1.1 only.  (Other names never get here: lws answers them with
     * a bare 403 page of its own.) */
    if (!upgrade || strcasecmp(upgrade, "websocket")) {
        *why = "400 Bad Request: ndb upgrades a connection to WebSocket only (Upgrade: websocket), not to HTTP/2 "
               "or another protocol\n";
        return 400;
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
        *why = "400 Bad Request: a WebSocket upgrade is a GET request\n";
        return 400;
    }
    if (!http_1_1_or_later(wsi)) {
        *why = "400 Bad Request: a WebSocket upgrade needs HTTP/1.1 or later (RFC 6455 4.1)\n";
        return 400;
    }
    if (!version || !version_is_13(version)) {
        *why = "426 Upgrade Required: ndb speaks WebSocket version 13 (RFC 6455) only\n";
        return 426;
    }
    if (!key || !key_is_16_bytes(key)) {
        *why = "400 Bad Request: Sec-WebSocket-Key must be 16 bytes in base64 (24 characters)\n";
        return 400;
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0) {
        *why = "400 Bad Request: a WebSocket upgrade needs a Host header (RFC 6455 4.1)\n";
        return 400;
    }
    if (!lws_finds_upgrade_token(wsi)) {
        *why = "400 Bad Request: a WebSocket upgrade needs a Connection header listing Upgrade (RFC 6455 4.1), "
               "in at most 126 bytes of comma-separated tokens\n";
        return 400;
    }
    return 0;
}

/* Can libwebsockets find "ndb" in the request's Sec-WebSocket-Protocol
 * list?  It picks the subprotocol after this check, from a copy of at most
 * 126 bytes, read with its tokenizer up to the first name it serves, each
 * name at most 62 bytes; anything else there (a longer list or name, an
 * empty item, a quoted string, a "chat/1.0") makes it close the connection
 * without a word.  The same copy and tokenizer, run here first, let the
 * refusal say why. */
static int lws_reads_offer(struct lws *wsi) {
    char buf[128], name[64]; /* as lws's own (roles/ws/server-ws.c) */
    int n = lws_hdr_copy(wsi, buf, sizeof buf - 1, WSI_TOKEN_PROTOCOL);
    if (n < 0) return 0;
    struct lws_tokenize ts;
    lws_tokenize_init(&ts, buf,
                      LWS_TOKENIZE_F_COMMA_SEP_LIST | LWS_TOKENIZE_F_MINUS_NONTERM | LWS_TOKENIZE_F_DOT_NONTERM |
                          LWS_TOKENIZE_F_RFC7230_DELIMS);
    ts.len = (size_t)n;
    lws_tokenize_elem e;
    do {
        e = lws_tokenize(&ts);
        if (e == LWS_TOKZE_TOKEN) {
            if (lws_tokenize_cstr(&ts, name, sizeof name)) return 0;
            if (!strcmp(name, "ndb")) return 1;
        } else if (e != LWS_TOKZE_DELIMITER && e != LWS_TOKZE_ENDED) {
            return 0;
        }
    } while (e > 0);
    return 1; /* read to the end: no "ndb", which offers_ndb tells */
}

int handshake_check(struct lws *wsi, const char *peer, const ndb_user **user) {
    char ob[512], hb[300], lb[64], ab[6000], pb[256];
    const char *origin_hdr = header(wsi, WSI_TOKEN_ORIGIN, ob, sizeof ob);
    const char *host_hdr = header(wsi, WSI_TOKEN_HOST, hb, sizeof hb);
    *user = NULL;
    const char *why;
    unsigned fault = upgrade_fault(wsi, &why);
    if (fault) {
        refusal_log(LOG_INFO, "refused a WebSocket upgrade from %s: %.*s", peer, (int)strlen(why) - 1, why); /* no \n */
        return refuse(wsi, fault, fault == 426 ? "Sec-WebSocket-Version" : NULL, "13", why);
    }
    enum origin_verdict v = origin_check(&H.policy, origin_hdr, host_hdr, local_address(wsi, lb, sizeof lb));
    if (v == ORIGIN_REFUSED) {
        warn_refused(peer, origin_hdr, host_hdr, REFUSED_ORIGIN);
        return refuse(wsi, 403, NULL, NULL,
                      "403 Forbidden: pages of this origin may not connect to this ndb server "
                      "(see --allow-origin)\n");
    }
    if (v == ORIGIN_BAD_HOST) {
        warn_refused(peer, origin_hdr, host_hdr, REFUSED_HOST);
        return refuse(wsi, 403, NULL, NULL,
                      "403 Forbidden: the Host header does not name this ndb server (see --allow-host)\n");
    }
    /* libwebsockets accepts only the subprotocol names it serves and would
     * close the connection without a word (docs/protocol.md 0.1): say why */
    const char *offer = header(wsi, WSI_TOKEN_PROTOCOL, pb, sizeof pb);
    if (offer && !lws_reads_offer(wsi)) {
        refusal_log(LOG_INFO, "refused a WebSocket upgrade from %s: its subprotocol list cannot be read", peer);
        return refuse(wsi, 400, NULL, NULL,
                      "400 Bad Request: the Sec-WebSocket-Protocol list cannot be read (at most 126 bytes, names "
                      "of at most 62 separated by commas): offer 'ndb' alone, or no subprotocol\n");
    }
    if (offer && *offer && !offers_ndb(offer)) {
        refusal_log(LOG_INFO, "refused a WebSocket upgrade from %s: it offers subprotocols without 'ndb'", peer);
        return refuse(wsi, 400, NULL, NULL,
                      "400 Bad Request: ndb speaks the subprotocol 'ndb' only: offer it, or no subprotocol\n");
    }
    const char *auth = auth_enabled() ? header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, ab, sizeof ab) : NULL;
    if (!auth) return 0;
    unsigned retry;
    char after[16];
    enum auth_basic_result r = auth_basic(auth, peer, user, &retry);
    memset(ab, 0, sizeof ab); /* the password is in there */
    snprintf(after, sizeof after, "%u", retry);
    switch (r) {
    case AUTH_BASIC_OK:
        return 0;
    case AUTH_BASIC_FAILED:
        return refuse(wsi, 401, "WWW-Authenticate", "Basic realm=\"ndb\", charset=\"UTF-8\"",
                      "401 Unauthorized: " AUTH_FAILED_MSG "\n");
    case AUTH_BASIC_MALFORMED: /* nothing was checked: "wrong user or password" would mislead */
        return refuse(wsi, 401, "WWW-Authenticate", "Basic realm=\"ndb\", charset=\"UTF-8\"",
                      "401 Unauthorized: malformed Authorization header (expected 'Basic ' and the base64 of "
                      "user:password, a password of at most 4096 bytes)\n");
    case AUTH_BASIC_THROTTLED:
        return refuse(wsi, 429, "Retry-After", after,
                      "429 Too Many Requests: too many password checks from this address; retry later\n");
    case AUTH_BASIC_BUSY:
        return refuse(wsi, 503, "Retry-After", after,
                      "503 Service Unavailable: too many password checks; retry later\n");
    case AUTH_BASIC_TOO_SLOW:
        return refuse(wsi, 503, NULL, NULL,
                      "503 Service Unavailable: this user's password takes too long to check during a handshake; "
                      "log in with SV_AUTH after connecting\n");
    }
    return 1;
}

int handshake_page_allowed(struct lws *wsi, const char *peer) {
    char hb[300], lb[64];
    const char *host_hdr = header(wsi, WSI_TOKEN_HOST, hb, sizeof hb);
    if (origin_check_page(&H.policy, host_hdr, local_address(wsi, lb, sizeof lb)) == ORIGIN_OK) return 1;
    warn_refused(peer, host_hdr, host_hdr, REFUSED_PAGE);
    return 0;
}
