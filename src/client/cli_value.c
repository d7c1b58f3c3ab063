/*
 * cli_value.c — turning command-line text into protocol JSON: the value
 * rules of `ndb set` (JSON if it is JSON, else a string), session tokens,
 * and reading standard input.
 *
 * "Valid JSON" here means strict RFC 8259: the server's dialect also allows
 * comments, but `ndb set k '5 // five'` storing 5 would surprise, so text
 * with comments counts as a string.  Values keep their exact text: what is
 * sent is the scanner's compact copy (only whitespace removed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli.h"

int cli_parse_u64(const char *s, uint64_t *v) {
    uint64_t x = 0;
    if (!*s) return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        unsigned dgt = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - dgt) / 10) return -1;
        x = x * 10 + dgt;
    }
    *v = x;
    return 0;
}

/* Count the '/' bytes of s[0..n). */
static size_t slashes(const char *s, size_t n) {
    size_t k = 0;
    for (const char *p = s; (p = memchr(p, '/', (size_t)(s + n - p))); p++) k++;
    return k;
}

int cli_is_json(jdoc *d, const char *s, size_t n) {
    if (jdoc_parse(d, s, n, NULL)) return 0;
    /* Outside strings a '/' can only start a comment, and the compact copy
     * keeps every byte but whitespace and comments: a comment was present
     * exactly when slashes went missing. */
    return slashes(s, n) == slashes(d->text.buf, d->text.len);
}

/* Show at most 40 bytes of a value in a message. */
static int shown(size_t n) { return n > 40 ? 40 : (int)n; }

int cli_add_value(cli_ctx *c, strbuf *out, const char *s, size_t n, const char *what) {
    if (!c->opt[OPT_STRING] && cli_is_json(&c->tmp, s, n)) {
        sb_add(out, c->tmp.text.buf, c->tmp.text.len);
        return 0;
    }
    if (c->opt[OPT_JSON])
        return cli_usage_error(c, "%s is not valid JSON: '%.*s%s'", what, shown(n), s,
                               n > 40 ? "..." : "");
    if (!utf8_valid(s, n))
        return cli_usage_error(c, "%s is not valid UTF-8 text (ndb stores JSON text only)", what);
    sb_add_json_string(out, s, n);
    return 0;
}

int cli_read_stdin(cli_ctx *c, strbuf *out) {
    for (;;) {
        sb_grow(out, 65536);
        ssize_t r = read(STDIN_FILENO, out->buf + out->len, out->cap - out->len - 1);
        if (r < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "%s: cannot read standard input: %s\n", c->prog, strerror(errno));
            return CLI_USAGE;
        }
        if (r == 0) break;
        out->len += (size_t)r;
        out->buf[out->len] = '\0';
    }
    return 0;
}
