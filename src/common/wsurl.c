/*
 * wsurl.c — parse a server address: a ws:// or wss:// URL or a shorthand
 * (see wsurl.h).
 *
 * Everything is checked here, before any connection is tried, so that a
 * typo gets a reason naming the part that is wrong instead of a resolver
 * or HTTP error later.  Nothing is allocated: the parts have fixed bounds
 * (a DNS name's 253 bytes, a 2 KiB request target).
 */
#include "common/wsurl.h"

#include "common/strbuf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Longest piece of the user's text quoted in a reason. */
#define QUOTE_MAX 40

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Write a reason to err; returns -1. */
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen) vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Room for a quote: each byte may become \xhh, then "...". */
#define QUOTE_SIZE (QUOTE_MAX * 4 + 4)

/* A printable copy of s[0..n) for a reason: at most QUOTE_MAX bytes, never
 * half a UTF-8 character (then "..."), control characters and bytes that
 * are not UTF-8 as \xhh (sb_add_visible), so that "hé" reads 'é', not '?'. */
static const char *quote(char out[QUOTE_SIZE], const char *s, size_t n) {
    size_t m = n < QUOTE_MAX ? n : QUOTE_MAX;
    for (size_t k = 0; m < n && k < 3 && m > 0 && ((unsigned char)s[m] & 0xc0) == 0x80; k++) m--;
    strbuf sb = STRBUF_INIT;
    sb_add_visible(&sb, s, m);
    if (m < n) SB_ADD_LIT(&sb, "...");
    snprintf(out, QUOTE_SIZE, "%s", sb.len ? sb.buf : "");
    sb_free(&sb);
    return out;
}

/* Length of the character at s (at most n bytes): a lead byte and the
 * continuation bytes after it, for quoting one character whole. */
static size_t char_len(const char *s, size_t n) {
    size_t len = 1;
    if ((unsigned char)s[0] >= 0xc0)
        while (len < n && len < 4 && ((unsigned char)s[len] & 0xc0) == 0x80) len++;
    return len;
}

/* Length of a URL scheme at the start of s (RFC 3986: a letter, then
 * letters, digits, '+', '-', '.'), 0 if there is none. */
static size_t scheme_len(const char *s) {
    size_t n = 0;
    if (!isalpha((unsigned char)s[0])) return 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.') n++;
    return n;
}

/* Check a bracketed IPv6 literal h[0..n) (without the brackets), which may
 * end in a %zone of letters, digits, '-', '.', '_'. */
static int ipv6_ok(const char *h, size_t n) {
    char buf[64];
    const char *pct = memchr(h, '%', n);
    size_t addr = pct ? (size_t)(pct - h) : n;
    if (addr >= sizeof buf) return 0;
    if (pct) {
        if (addr + 1 == n) return 0; /* an empty zone */
        for (size_t i = addr + 1; i < n; i++)
            if (!isalnum((unsigned char)h[i]) && h[i] != '-' && h[i] != '.' && h[i] != '_') return 0;
    }
    memcpy(buf, h, addr);
    buf[addr] = '\0';
    unsigned char bin[16];
    return inet_pton(AF_INET6, buf, bin) == 1;
}

/* Check the characters of a host name or IPv4 literal; returns the first
 * bad one, or NULL. */
static const char *bad_host_char(const char *h, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)h[i]) && h[i] != '-' && h[i] != '.' && h[i] != '_') return h + i;
    return NULL;
}

/* Parse the port text p[0..n) into *port; returns 0 or -1. */
static int parse_port(const char *p, size_t n, int *port) {
    long v = 0;
    if (n == 0 || n > 5) return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i])) return -1;
        v = v * 10 + (p[i] - '0');
    }
    if (v < 1 || v > 65535) return -1;
    *port = (int)v;
    return 0;
}

/* Parse an address (see wsurl.h). */
int ws_url_parse(ws_url *u, const char *text, char *err, size_t errlen) {
    char q[QUOTE_SIZE];
    memset(u, 0, sizeof *u);
    if (!text || !*text) return fail(err, errlen, "empty URL");

    /* scheme, or a shorthand */
    const char *p = text;
    int shorthand = 0;
    size_t sl = scheme_len(text);
    if (!strncmp(text + sl, "://", 3)) {
        if (sl == 0) return fail(err, errlen, "missing scheme before '://' (use ws:// or wss://)");
        if (sl == 2 && !strncasecmp(text, "ws", 2)) {
            u->tls = 0;
        } else if (sl == 3 && !strncasecmp(text, "wss", 3)) {
            u->tls = 1;
        } else {
            return fail(err, errlen, "unsupported scheme '%s://' (use ws:// or wss://)", quote(q, text, sl));
        }
        p = text + sl + 3;
    } else {
        shorthand = 1;
    }
    int scheme_port = u->tls ? 443 : 80;

    /* authority: [host][:port] up to the path, query or fragment */
    size_t alen = strcspn(p, "/?#");
    const char *rest = p + alen, *host, *hend, *port = NULL;
    if (memchr(p, '@', alen)) return fail(err, errlen, "user names in URLs are not supported");
    int bracketed = *p == '[';
    if (bracketed) {
        hend = memchr(p, ']', alen);
        if (!hend) return fail(err, errlen, "unclosed '[' in the host");
        host = p + 1;
        if (hend == host) return fail(err, errlen, "empty host");
        if (!ipv6_ok(host, (size_t)(hend - host)))
            return fail(err, errlen, "invalid IPv6 address '%s'", quote(q, host, (size_t)(hend - host)));
        if (hend + 1 < rest) {
            if (hend[1] != ':')
                return fail(err, errlen, "unexpected text after ']': '%s'",
                            quote(q, hend + 1, (size_t)(rest - hend - 1)));
            port = hend + 2;
        }
    } else {
        host = p;
        hend = memchr(p, ':', alen);
        if (hend) {
            if (memchr(hend + 1, ':', (size_t)(rest - hend - 1)))
                return fail(err, errlen, "an IPv6 address must be written in brackets, e.g. [::1]");
            port = hend + 1;
        } else {
            hend = rest;
        }
    }
    size_t hlen = (size_t)(hend - host);
    if (hlen == 0 && !shorthand) return fail(err, errlen, "empty host");
    if (hlen > WSURL_MAX_HOST) return fail(err, errlen, "host name too long (at most %d bytes)", WSURL_MAX_HOST);
    const char *bad = bracketed ? NULL : bad_host_char(host, hlen);
    if (bad)
        return fail(err, errlen, "invalid character '%s' in the host",
                    quote(q, bad, char_len(bad, hlen - (size_t)(bad - host))));
    if (hlen) memcpy(u->host, host, hlen);
    else strcpy(u->host, WSURL_DEFAULT_HOST);

    u->port = shorthand ? WSURL_DEFAULT_PORT : scheme_port;
    if (port) {
        size_t plen = (size_t)(rest - port);
        if (plen == 0) return fail(err, errlen, "missing port number after ':'");
        if (parse_port(port, plen, &u->port))
            return fail(err, errlen, "invalid port '%s' (must be 1..65535)", quote(q, port, plen));
    }

    /* request target: the path and query as written, "/" when empty */
    size_t tlen = strcspn(rest, "#");
    /* C1 controls and bytes that are not UTF-8 too: messages and the REPL's
     * banner show the URL, and a raw U+009B there is a CSI to a terminal */
    if (memchr(rest, ' ', tlen) || !str_visible(rest, tlen))
        return fail(err, errlen, "invalid character in the path (spaces and control characters must be %%-encoded)");
    size_t slash = *rest == '/' ? 0 : 1;
    if (tlen + slash > WSURL_MAX_PATH) return fail(err, errlen, "path too long (at most %d bytes)", WSURL_MAX_PATH);
    u->path[0] = '/';
    memcpy(u->path + slash, rest, tlen);
    u->path[slash + tlen] = '\0';

    const char *lb = bracketed ? "[" : "", *rb = bracketed ? "]" : "";
    if (u->port == scheme_port)
        snprintf(u->host_header, sizeof u->host_header, "%s%s%s", lb, u->host, rb);
    else
        snprintf(u->host_header, sizeof u->host_header, "%s%s%s:%d", lb, u->host, rb, u->port);
    snprintf(u->url, sizeof u->url, "%s://%s%s%s:%d%s", u->tls ? "wss" : "ws", lb, u->host, rb, u->port,
             u->path);
    return 0;
}

const char *ws_url_shown(const char *text, char *buf, size_t n) {
    const char *p = strstr(text, "://");
    p = p ? p + 3 : text;
    size_t alen = strcspn(p, "/?#");
    const char *at = NULL, *colon;
    for (const char *q = p; q < p + alen; q++) /* the last '@': a password may hold one */
        if (*q == '@') at = q;
    int masked = at && (colon = memchr(p, ':', (size_t)(at - p)));
    size_t len = strlen(text);
    /* control characters as \xhh, as every usage error shows what was typed */
    strbuf sb = STRBUF_INIT;
    if (masked) {
        sb_add_visible(&sb, text, (size_t)(colon + 1 - text));
        SB_ADD_LIT(&sb, "***");
        sb_add_visible(&sb, at, strlen(at));
    } else {
        sb_add_visible(&sb, text, len);
        if (sb.len == len) { /* nothing to hide */
            sb_free(&sb);
            return text;
        }
    }
    snprintf(buf, n, "%s", sb.buf);
    sb_free(&sb);
    return buf;
}
