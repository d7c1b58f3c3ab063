/*
 * syntax_error.c — naming what a JSON parser stopped at (see
 * syntax_error.h).
 */
#include "json/syntax_error.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/hidden_char.h"
#include "json/scan.h"

static int blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The last byte before pos that is not white space or inside a comment, or
 * -1.  Read forward from the start: backwards, a comment cannot be told
 * from the text around it, so `1, // note` followed by '}' went without the
 * trailing-comma hint. */
static long last_significant(const char *text, size_t pos) {
    long last = -1;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '/' && i + 1 < pos && text[i + 1] == '/') {
            while (i < pos && text[i] != '\n') i++;
        } else if (text[i] == '/' && i + 1 < pos && text[i + 1] == '*') {
            for (i += 2; i + 1 < pos && !(text[i] == '*' && text[i + 1] == '/'); i++) {}
            i++; /* on the '/' that closes it */
        } else if (text[i] == '"') {
            last = (long)i;
            for (i++; i < pos && text[i] != '"'; i++)
                if (text[i] == '\\') i++;
            if (i < pos) last = (long)i;
        } else if (!blank(text[i])) {
            last = (long)i;
        }
    }
    return last;
}

/* Characters a terminal would not show as themselves: C1 controls (some
 * terminals obey them), the no-break space, and format characters
 * (common/hidden_char.h: direction and zero-width marks, tags). */
static int invisible(uint32_t cp) { return (cp >= 0x80 && cp <= 0xa0) || hidden_format_char(cp); }

/* How a control character is written inside a JSON string. */
static void escape_of(unsigned char ch, char *e, size_t n) {
    const char *named = ch == '\t' ? "\\t" : ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : ch == '\b' ? "\\b"
                        : ch == '\f' ? "\\f" : NULL;
    if (named) snprintf(e, n, "%s", named);
    else snprintf(e, n, "\\u%04x", ch);
}

void json_describe_unexpected(char *out, size_t outlen, const char *text, size_t len, size_t pos,
                              const char *where) {
    const unsigned char *u = (const unsigned char *)text + pos;
    unsigned char ch = u[0];
    size_t k = utf8_char_len(text + pos, len - pos); /* 0: a byte that starts no character */
    uint32_t cp = 0;
    if (k > 1) utf8_multibyte_at(u, k, &cp);
    /* U+2018, U+2019, U+201C, U+201D (and their low forms): the quotes a
     * word processor or a web page puts in */
    if (k == 3 && u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x98 && u[2] <= 0x9f) {
        snprintf(out, outlen, "unexpected curly quote '%.3s'%s (JSON strings take straight double quotes)",
                 text + pos, where);
    } else if (ch < 0x20 || ch == 0x7f) {
        char e[8];
        escape_of(ch, e, sizeof e);
        snprintf(out, outlen, "unexpected control character 0x%02x%s (inside a string it is written %s)", ch,
                 where, ch == 0x7f ? "\\u007f" : e);
    } else if (ch < 0x7f) {
        long b = last_significant(text, pos);
        const char *hint = (ch == '}' || ch == ']') && b >= 0 && text[b] == ','
                               ? " after a comma (JSON allows no trailing comma)"
                           : ch == '\'' ? " (JSON strings take double quotes)"
                                        : "";
        snprintf(out, outlen, "unexpected '%c'%s%s", ch, where, hint);
    } else if (k == 0) {
        snprintf(out, outlen, "unexpected byte 0x%02x%s (not part of a UTF-8 character)", ch, where);
    } else if (invisible(cp)) {
        snprintf(out, outlen, "unexpected invisible character U+%04X%s", (unsigned)cp, where);
    } else {
        snprintf(out, outlen, "unexpected '%.*s'%s", (int)k, text + pos, where); /* 'é', not 0xc3 */
    }
}
