/*
 * strbuf.c — growable byte buffer (see strbuf.h).
 */
#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/scan.h" /* utf8_char_len */

void sb_grow(strbuf *sb, size_t extra) {
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need) cap *= 2;
    char *p = realloc(sb->buf, cap);
    if (!p) abort();
    sb->buf = p;
    sb->cap = cap;
}

void sb_free(strbuf *sb) {
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

char *sb_detach(strbuf *sb, size_t *len) {
    if (!sb->buf) sb_grow(sb, 0);
    char *p = sb->buf;
    if (len) *len = sb->len;
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return p;
}

void sb_add_u64(strbuf *sb, uint64_t v) {
    char tmp[24];
    int i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_add(sb, tmp + i, sizeof tmp - (size_t)i);
}

void sb_add_i64(strbuf *sb, int64_t v) {
    if (v < 0) {
        sb_addc(sb, '-');
        sb_add_u64(sb, (uint64_t)0 - (uint64_t)v);
    } else {
        sb_add_u64(sb, (uint64_t)v);
    }
}

void sb_addf(strbuf *sb, const char *fmt, ...) {
    char tmp[256]; /* most formatted pieces are short: format once on the stack */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    if ((size_t)n < sizeof tmp) {
        sb_add(sb, tmp, (size_t)n);
        return;
    }
    sb_grow(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

/* Is the character at u (n bytes left) one sb_add_visible shows as \xhh?
 * *len: its length in bytes.  C0 controls, DEL, C1 controls (U+0080..
 * U+009F: U+009B is a CSI to a terminal that takes 8-bit controls) and
 * bytes that are not UTF-8 (in a Latin-1 terminal 0x9b is that CSI). */
static int hidden_char(const unsigned char *u, size_t n, size_t *len) {
    *len = utf8_char_len((const char *)u, n); /* 0: not well-formed UTF-8 */
    if (*len == 0) {
        *len = 1;
        return 1;
    }
    return (*len == 1 && (u[0] < 0x20 || u[0] == 0x7f)) || (*len == 2 && u[0] == 0xc2 && u[1] < 0xa0);
}

void sb_add_visible(strbuf *sb, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, len; i < n; i += len) {
        if (!hidden_char(u + i, n - i, &len)) {
            sb_add(sb, s + i, len);
        } else {
            for (size_t j = 0; j < len; j++) sb_addf(sb, "\\x%02x", u[i + j]);
        }
    }
}

void sb_add_visible_line(strbuf *sb, const char *s, size_t n) {
    strbuf line = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) sb_addc(&line, (unsigned char)s[i] < 0x20 ? ' ' : s[i]);
    sb_add_visible(sb, line.buf, line.len);
    sb_free(&line);
}

void sb_add_visible_cut(strbuf *sb, const char *s, size_t n, size_t max) {
    sb_add_visible_fit(sb, s, n, max, SIZE_MAX);
}

/* Bytes sb_add_visible writes for the character at u (len bytes). */
static size_t shown_len(const unsigned char *u, size_t n, size_t *len) {
    return hidden_char(u, n, len) ? 4 * *len : *len;
}

void sb_add_visible_fit(strbuf *sb, const char *s, size_t n, size_t max, size_t room) {
    const unsigned char *u = (const unsigned char *)s;
    size_t keep = utf8_cut(s, n, max), end = 0, out = 0, len;
    /* all of s when it fits without "..."; else the longest prefix that
     * fits with it (what is shown only grows with the prefix) */
    for (size_t i = 0; i < keep; i += len) {
        out += shown_len(u + i, keep - i, &len);
        if (out + 3 <= room) end = i + len;
    }
    if (keep == n && out <= room) end = n;
    sb_add_visible(sb, s, end);
    if (end < n) SB_ADD_LIT(sb, "...");
}

int str_visible(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, len; i < n; i += len)
        if (hidden_char(u + i, n - i, &len)) return 0;
    return 1;
}

void vfprintf_visible(FILE *f, const char *fmt, va_list ap) {
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!text) abort();
    vsnprintf(text, (size_t)n + 1, fmt, again);
    va_end(again);
    /* A line break the format itself ends with is the caller's: it stays
     * (the formatted text then ends with it); any other shows as \x0a. */
    size_t fl = strlen(fmt), len = (size_t)n;
    int newline = fl && fmt[fl - 1] == '\n' && len;
    strbuf out = STRBUF_INIT;
    sb_add_visible(&out, text, len - (size_t)newline);
    if (newline) sb_addc(&out, '\n');
    if (out.len) fwrite(out.buf, 1, out.len, f);
    sb_free(&out);
    free(text);
}

void fprintf_visible(FILE *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf_visible(f, fmt, ap);
    va_end(ap);
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Does any of the eight bytes of w need escaping in a JSON string: a
 * control character, '"', '\\' or DEL?  (Bytes >= 0x80 never do; the
 * ~x masks keep them from looking like matches.) */
static inline int needs_escape8(uint64_t w) {
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\'), d = w ^ (ONES * 0x7f);
    return ((((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | ((d - ONES) & ~d)) & HIGHS) != 0;
}

void sb_add_json_string(strbuf *sb, const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    sb_grow(sb, n + 2);
    sb_addc(sb, '"');
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    for (size_t i = 0; i < n; i++) {
        /* plain text goes eight bytes at a time */
        for (uint64_t w; i + 8 <= n && (memcpy(&w, s + i, 8), !needs_escape8(w));) i += 8;
        if (i >= n) break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
        sb_add(sb, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': SB_ADD_LIT(sb, "\\\""); break;
        case '\\': SB_ADD_LIT(sb, "\\\\"); break;
        case '\b': SB_ADD_LIT(sb, "\\b"); break;
        case '\f': SB_ADD_LIT(sb, "\\f"); break;
        case '\n': SB_ADD_LIT(sb, "\\n"); break;
        case '\r': SB_ADD_LIT(sb, "\\r"); break;
        case '\t': SB_ADD_LIT(sb, "\\t"); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sb_add(sb, e, 6);
        }
        }
    }
    sb_add(sb, s + run, n - run);
    sb_addc(sb, '"');
}
