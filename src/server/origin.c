/*
 * origin.c — the Origin and Host rules (see origin.h).
 */
#define _GNU_SOURCE /* memmem */
#include "server/origin.h"

#include "common/netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Decimal port 1..65535 from the n bytes at s.  0 or -1. */
static int parse_port(const char *s, size_t n, unsigned *port) {
    unsigned v = 0;
    if (n == 0 || n > 5) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535) return -1;
    *port = v;
    return 0;
}

/* A registered name: letters, digits, '-', '.', '_' (what DNS names and
 * /etc/hosts entries use). */
static int name_ok(const char *s, size_t n) {
    if (n == 0 || n >= ORIGIN_MAX_HOST) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.' || c == '_'))
            return 0;
    }
    return 1;
}

/* Parse an IPv6 literal (without brackets), n bytes, into a: 1, or 0
 * when it is not one. */
static int ipv6_parse(const char *s, size_t n, unsigned char a[16]) {
    char buf[64];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    return inet_pton(AF_INET6, buf, a) == 1;
}

static int ipv6_ok(const char *s, size_t n) {
    unsigned char a[16];
    return ipv6_parse(s, n, a);
}

/* Copy n bytes of s into host, lower case. */
static void copy_lower(char host[ORIGIN_MAX_HOST], const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) host[i] = lower(s[i]);
    host[n] = 0;
}

int origin_parse_host(const char *s, size_t n, char host[ORIGIN_MAX_HOST], unsigned *port) {
    const char *h = s, *colon;
    size_t hn;
    *port = 0;
    if (n && s[0] == '[') { /* [v6] or [v6]:port */
        const char *close = memchr(s, ']', n);
        if (!close) return -1;
        unsigned char a[16];
        if (!ipv6_parse(s + 1, (size_t)(close - s - 1), a)) return -1;
        size_t rest = n - (size_t)(close + 1 - s);
        if (rest && (close[1] != ':' || parse_port(close + 2, rest - 1, port))) return -1;
        /* in its canonical text, as browsers write it: an allowed origin
         * "http://[0:0::1]:8080" is the page's "http://[::1]:8080" */
        inet_ntop(AF_INET6, a, host, ORIGIN_MAX_HOST);
        return 0;
    } else {
        colon = memchr(s, ':', n);
        hn = colon ? (size_t)(colon - s) : n;
        if (!name_ok(h, hn)) return -1;
        if (colon && parse_port(colon + 1, n - hn - 1, port)) return -1;
    }
    copy_lower(host, h, hn);
    return 0;
}

/* The default port of a scheme, 0 when it has none we know. */
static unsigned default_port(const char *scheme) {
    if (!strcmp(scheme, "http") || !strcmp(scheme, "ws")) return 80;
    if (!strcmp(scheme, "https") || !strcmp(scheme, "wss")) return 443;
    return 0;
}

int origin_parse(const char *s, size_t n, origin *o) {
    memset(o, 0, sizeof *o);
    const char *sep = n >= 3 ? memmem(s, n, "://", 3) : NULL;
    if (!sep || sep == s || (size_t)(sep - s) >= sizeof o->scheme) return -1;
    size_t sn = (size_t)(sep - s);
    for (size_t i = 0; i < sn; i++) { /* RFC 3986 scheme */
        char c = lower(s[i]);
        if (!((c >= 'a' && c <= 'z') || (i && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
            return -1;
        o->scheme[i] = c;
    }
    const char *rest = sep + 3;
    size_t rn = n - sn - 3;
    if (memchr(rest, '/', rn) || memchr(rest, '@', rn) || memchr(rest, '?', rn) || memchr(rest, '#', rn))
        return -1;
    if (origin_parse_host(rest, rn, o->host, &o->port)) return -1;
    if (!o->port) o->port = default_port(o->scheme);
    return 0;
}

int origin_same(const origin *a, const origin *b) {
    return !strcmp(a->scheme, b->scheme) && !strcmp(a->host, b->host) && a->port == b->port;
}

int origin_host_is_loopback(const char *host) { return net_host_is_loopback(host); }

int origin_setting_ok(const char *s) {
    origin o;
    return !strcmp(s, "*") || !strcmp(s, "null") || origin_parse(s, strlen(s), &o) == 0;
}

int origin_host_setting_ok(const char *s) {
    size_t n = strlen(s);
    return name_ok(s, n) || ipv6_ok(s, n);
}

/* The canonical text of an address literal (so "::0001" matches "::1"),
 * or the text itself for a name. */
static void canonical_host(const char *in, char out[ORIGIN_MAX_HOST]) {
    unsigned char a[16];
    if (inet_pton(AF_INET6, in, a) == 1) inet_ntop(AF_INET6, a, out, ORIGIN_MAX_HOST);
    else if (inet_pton(AF_INET, in, a) == 1) inet_ntop(AF_INET, a, out, ORIGIN_MAX_HOST);
    else snprintf(out, ORIGIN_MAX_HOST, "%s", in);
}

void origin_policy_init(origin_policy *p, const ndb_strlist *allowed, const ndb_strlist *hosts,
                        const char *listen_ip, int tls) {
    memset(p, 0, sizeof *p);
    p->allowed = calloc(allowed->n + 1, sizeof *p->allowed);
    p->hosts = calloc(hosts->n + 1, sizeof *p->hosts);
    if (!p->allowed || !p->hosts) abort();
    for (size_t i = 0; i < allowed->n; i++) {
        const char *s = allowed->items[i];
        if (!strcmp(s, "*")) p->any = 1;
        else if (!strcmp(s, "null")) p->null_ok = 1;
        else if (origin_parse(s, strlen(s), &p->allowed[p->nallowed]) == 0) p->nallowed++;
    }
    for (size_t i = 0; i < hosts->n; i++) {
        char h[ORIGIN_MAX_HOST];
        size_t n = strlen(hosts->items[i]);
        if (n >= ORIGIN_MAX_HOST) continue;
        copy_lower(h, hosts->items[i], n);
        char canon[ORIGIN_MAX_HOST];
        canonical_host(h, canon);
        if (!(p->hosts[p->nhosts] = strdup(canon))) abort();
        p->nhosts++;
    }
    unsigned char any[16] = {0}, a[16];
    int wildcard = (inet_pton(AF_INET, listen_ip, a) == 1 && !memcmp(a, any, 4)) ||
                   (inet_pton(AF_INET6, listen_ip, a) == 1 && !memcmp(a, any, 16));
    if (!wildcard) canonical_host(listen_ip, p->listen);
    p->tls = tls;
}

void origin_policy_free(origin_policy *p) {
    for (size_t i = 0; i < p->nhosts; i++) free(p->hosts[i]);
    free(p->hosts);
    free(p->allowed);
    memset(p, 0, sizeof *p);
}

/* Does the Host header's host name this server? */
static int host_names_server(const origin_policy *p, const char *host, const char *local_ip) {
    char canon[ORIGIN_MAX_HOST];
    canonical_host(host, canon);
    if (origin_host_is_loopback(canon)) return 1;
    if (p->listen[0] && !strcmp(canon, p->listen)) return 1;
    if (local_ip) {
        char local[ORIGIN_MAX_HOST];
        canonical_host(local_ip, local);
        if (!strcmp(canon, local)) return 1;
    }
    for (size_t i = 0; i < p->nhosts; i++)
        if (!strcmp(canon, p->hosts[i])) return 1;
    return 0;
}

enum origin_verdict origin_check_page(const origin_policy *p, const char *host_hdr, const char *local_ip) {
    if (!host_hdr) return ORIGIN_OK;
    /* The page's origin is the server's scheme and Host, or the other
     * scheme behind a proxy that terminates TLS and passes Host on (the
     * browser's origin is then https://Host of a plain ws:// server).  The
     * other scheme can pass only as a listed --allow-origin: a rebound name
     * is in no list. */
    static const char *const schemes[] = {"http", "https"};
    for (int i = 0; i < 2; i++) {
        char own[ORIGIN_MAX_HOST + 48];
        int n = snprintf(own, sizeof own, "%s://%s", schemes[p->tls ? 1 - i : i], host_hdr);
        if (n < 0 || (size_t)n >= sizeof own) return ORIGIN_BAD_HOST;
        if (origin_check(p, own, host_hdr, local_ip) == ORIGIN_OK) return ORIGIN_OK;
    }
    return ORIGIN_BAD_HOST;
}

enum origin_verdict origin_check(const origin_policy *p, const char *origin_hdr, const char *host_hdr,
                                 const char *local_ip) {
    if (!origin_hdr || p->any) return ORIGIN_OK;
    if (!strcmp(origin_hdr, "null")) return p->null_ok ? ORIGIN_OK : ORIGIN_REFUSED;
    origin o;
    if (origin_parse(origin_hdr, strlen(origin_hdr), &o)) return ORIGIN_REFUSED;
    for (size_t i = 0; i < p->nallowed; i++)
        if (origin_same(&o, &p->allowed[i])) return ORIGIN_OK;
    /* The server's own origin: the page came from this scheme, host and
     * port, as the Host header names them. */
    origin own;
    if (!host_hdr || origin_parse_host(host_hdr, strlen(host_hdr), own.host, &own.port)) return ORIGIN_REFUSED;
    snprintf(own.scheme, sizeof own.scheme, "%s", p->tls ? "https" : "http");
    if (!own.port) own.port = default_port(own.scheme);
    if (!origin_same(&o, &own)) return ORIGIN_REFUSED;
    return host_names_server(p, own.host, local_ip) ? ORIGIN_OK : ORIGIN_BAD_HOST;
}
