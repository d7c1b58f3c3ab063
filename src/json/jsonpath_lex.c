/*
 * jsonpath_lex.c — lexical layer of the JSONPath compiler.
 *
 * Everything that looks at raw source bytes lives here: whitespace, error reporting with
 * positions, UTF-8 validation, quoted strings with their escapes, index and number
 * literals, and the extent of a regex literal.  The parser (jsonpath_parse.c) only combines
 * these tokens, so every byte-level rule of 3.14.1 is in one place.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json/decimal.h"
#include "json/jsonpath_internal.h"

/* Record the first error: "<what> at position <pos>".  Always returns -1. */
int jl_fail(jp_lex *l, size_t pos, const char *what) {
    if (l->failed) return -1;
    l->failed = 1;
    if (l->err) {
        l->err->pos = pos;
        snprintf(l->err->msg, sizeof l->err->msg, "%.120s at position %zu", what, pos);
    }
    return -1;
}

/* Fail with "unexpected X" describing the byte at pos (or the end of the path). */
int jl_unexpected(jp_lex *l, size_t pos) {
    char what[64];
    if (pos >= l->n) {
        snprintf(what, sizeof what, "unexpected end of path");
    } else {
        unsigned char c = (unsigned char)l->s[pos];
        if (c > 0x20 && c < 0x7f)
            snprintf(what, sizeof what, "unexpected '%c'", c);
        else
            snprintf(what, sizeof what, "unexpected byte 0x%02X", c);
    }
    return jl_fail(l, pos, what);
}

/* The byte at the cursor, or -1 at the end. */
int jl_peek(const jp_lex *l) { return l->i < l->n ? (unsigned char)l->s[l->i] : -1; }

/* The byte after the cursor, or -1. */
int jl_peek2(const jp_lex *l) { return l->i + 1 < l->n ? (unsigned char)l->s[l->i + 1] : -1; }

/* Skip SP, HTAB, CR, LF. */
void jl_ws(jp_lex *l) {
    while (l->i < l->n) {
        char c = l->s[l->i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
        l->i++;
    }
}

/* 1 if c may appear in an unquoted name: ASCII letter, digit, '_' or any non-ASCII byte. */
int jl_is_name_byte(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c >= 0x80;
}

/* Enter one nesting level; fails past JP_MAX_NEST.  Pair with jl_leave on success. */
int jl_enter(jp_lex *l) {
    if (++l->depth > JP_MAX_NEST) return jl_fail(l, l->i, "nesting too deep");
    return 0;
}

void jl_leave(jp_lex *l) { l->depth--; }

/* Validate UTF-8 (no overlongs, surrogates or code points above U+10FFFF).  On failure
 * returns 0 and sets *bad to the offset of the first bad byte. */
int jl_utf8_valid(const char *s, size_t n, size_t *bad) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = u[i];
        size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                   : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        if (len == 0 || i + len > n) goto fail;
        for (size_t k = 1; k < len; k++)
            if ((u[i + k] & 0xC0) != 0x80) goto fail;
        if (len == 3 && ((c == 0xE0 && u[i + 1] < 0xA0) || (c == 0xED && u[i + 1] > 0x9F)))
            goto fail;
        if (len == 4 && ((c == 0xF0 && u[i + 1] < 0x90) || (c == 0xF4 && u[i + 1] > 0x8F)))
            goto fail;
        i += len;
    }
    return 1;
fail:
    *bad = i;
    return 0;
}

/* Read 4 hex digits at s; returns the value or -1. */
static long hex4(const char *s) {
    long v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Append code point cp as UTF-8. */
static void put_utf8(strbuf *sb, unsigned long cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    sb_add(sb, b, n);
}

/* Decode a \u escape whose backslash is at l->i; advances past it (and a paired low
 * surrogate). */
static int uescape(jp_lex *l, strbuf *sb) {
    size_t at = l->i;
    long hi = l->i + 6 <= l->n ? hex4(l->s + l->i + 2) : -1;
    if (hi < 0) return jl_fail(l, at, "invalid \\u escape");
    l->i += 6;
    if (hi >= 0xDC00 && hi <= 0xDFFF) return jl_fail(l, at, "unpaired surrogate escape");
    if (hi < 0xD800 || hi > 0xDBFF) {
        put_utf8(sb, (unsigned long)hi);
        return 0;
    }
    long lo = (l->i + 6 <= l->n && l->s[l->i] == '\\' && l->s[l->i + 1] == 'u')
                  ? hex4(l->s + l->i + 2) : -1;
    if (lo < 0xDC00 || lo > 0xDFFF) return jl_fail(l, at, "unpaired surrogate escape");
    l->i += 6;
    put_utf8(sb, 0x10000 + (((unsigned long)hi - 0xD800) << 10) + ((unsigned long)lo - 0xDC00));
    return 0;
}

/* Decode one backslash escape at l->i (not \u) into sb. */
static int escape(jp_lex *l, strbuf *sb) {
    if (l->i + 1 >= l->n) return jl_fail(l, l->i, "unterminated string");
    char c = l->s[l->i + 1], out;
    switch (c) {
    case '\'': case '"': case '\\': case '/': out = c; break;
    case 'b': out = '\b'; break;
    case 'f': out = '\f'; break;
    case 'n': out = '\n'; break;
    case 'r': out = '\r'; break;
    case 't': out = '\t'; break;
    case 'u': return uescape(l, sb);
    default: return jl_fail(l, l->i, "invalid escape");
    }
    sb_addc(sb, out);
    l->i += 2;
    return 0;
}

/* Parse a quoted string starting at the quote under the cursor (either quote style).
 * On success *out is a malloc'd NUL-terminated copy (may contain NULs; length *outlen). */
int jl_quoted(jp_lex *l, char **out, size_t *outlen) {
    char q = l->s[l->i];
    size_t start = l->i++;
    strbuf sb = STRBUF_INIT;
    for (;;) {
        if (l->i >= l->n) {
            sb_free(&sb);
            return jl_fail(l, start, "unterminated string");
        }
        char c = l->s[l->i];
        if (c == q) break;
        if (c == '\\') {
            if (escape(l, &sb) < 0) {
                sb_free(&sb);
                return -1;
            }
            continue;
        }
        size_t run = l->i;
        while (l->i < l->n && l->s[l->i] != q && l->s[l->i] != '\\') l->i++;
        sb_add(&sb, l->s + run, l->i - run);
    }
    l->i++;
    *out = sb_detach(&sb, outlen);
    return 0;
}

/* Parse ["-"] 1*DIGIT into sign + magnitude; magnitude must fit in 64 bits. */
int jl_int(jp_lex *l, jp_int *v) {
    size_t start = l->i;
    v->neg = 0;
    v->mag = 0;
    if (jl_peek(l) == '-') {
        v->neg = 1;
        l->i++;
    }
    int c = jl_peek(l);
    if (c < '0' || c > '9') return jl_unexpected(l, l->i);
    while ((c = jl_peek(l)) >= '0' && c <= '9') {
        unsigned d = (unsigned)(c - '0');
        if (v->mag > (UINT64_MAX - d) / 10) return jl_fail(l, start, "index out of range");
        v->mag = v->mag * 10 + d;
        l->i++;
    }
    if (v->mag == 0) v->neg = 0;
    return 0;
}

/* Scan 1*DIGIT; fails at the cursor if there is none. */
static int digits(jp_lex *l) {
    int c = jl_peek(l);
    if (c < '0' || c > '9') return jl_unexpected(l, l->i);
    while ((c = jl_peek(l)) >= '0' && c <= '9') l->i++;
    return 0;
}

/* Convert the already validated literal s[0..n) to a value. */
static jv number_value(const char *s, size_t n, int is_int) {
    char small[64], *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) abort();
    memcpy(buf, s, n);
    buf[n] = '\0';
    jv v = jv_null();
    errno = 0;
    long long ll = is_int ? strtoll(buf, NULL, 10) : 0;
    if (buf != small) free(buf);
    if (is_int && errno == 0) return jv_int((int64_t)ll);
    double d;
    if (dec_short(s, n, &d)) {
        v.k = V_REAL;
        v.u.d = d;
        v.from_text = 1;
    } else { /* keeps its text (borrowed from s: the caller copies it) */
        v.k = V_DEC;
        v.u.dec.p = s;
        v.u.dec.n = n;
        v.u.dec.d = d;
    }
    return v;
}

/* Parse a JSON number (optional '-', no leading zeros) at the cursor.  Integers that fit
 * int64 become V_INT, numbers whose double stands for them (dec_short) V_REAL, any other
 * V_DEC, whose text points into the source. */
int jl_number(jp_lex *l, jv *out) {
    size_t start = l->i;
    int is_int = 1;
    if (jl_peek(l) == '-') l->i++;
    if (jl_peek(l) == '0') {
        l->i++;
        int c = jl_peek(l);
        if (c >= '0' && c <= '9') return jl_fail(l, l->i, "leading zero in number");
    } else if (digits(l) < 0) {
        return -1;
    }
    if (jl_peek(l) == '.') {
        l->i++;
        is_int = 0;
        if (digits(l) < 0) return -1;
    }
    if (jl_peek(l) == 'e' || jl_peek(l) == 'E') {
        l->i++;
        is_int = 0;
        if (jl_peek(l) == '+' || jl_peek(l) == '-') l->i++;
        if (digits(l) < 0) return -1;
    }
    *out = number_value(l->s + start, l->i - start, is_int);
    return 0;
}

/* 1 if s[0..n) is "0" or [1-9][0-9]* and fits in size_t; sets *idx. */
int jl_canonical_index(const char *s, size_t n, size_t *idx) {
    if (n == 0 || (n > 1 && s[0] == '0')) return 0;
    size_t v = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9') return 0;
        size_t d = (size_t)(s[k] - '0');
        if (v > (SIZE_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *idx = v;
    return 1;
}

/* Scan a regex literal `/pattern/flags` at the cursor (which is on the first '/').  The
 * pattern ends at the first '/' that is neither escaped nor inside a [...] class. */
int jl_regex_literal(jp_lex *l, size_t *pstart, size_t *plen, uint32_t *opts) {
    size_t open = l->i++;
    int in_class = 0;
    *pstart = l->i;
    for (;;) {
        if (l->i >= l->n) return jl_fail(l, open, "unterminated regex");
        char c = l->s[l->i];
        if (c == '\\') {
            if (l->i + 1 >= l->n) return jl_fail(l, open, "unterminated regex");
            l->i += 2;
            continue;
        }
        if (c == '/' && !in_class) break;
        if (c == '[') in_class = 1;
        else if (c == ']') in_class = 0;
        l->i++;
    }
    *plen = l->i - *pstart;
    l->i++;
    size_t fstart = l->i;
    while (l->i < l->n && ((l->s[l->i] >= 'a' && l->s[l->i] <= 'z') ||
                           (l->s[l->i] >= 'A' && l->s[l->i] <= 'Z')))
        l->i++;
    if (jp_re_flags(l->s + fstart, l->i - fstart, opts) < 0)
        return jl_fail(l, fstart, "invalid regex flags");
    return 0;
}
