/*
 * scan.c — single-pass validating JSON scanner and compactor (see scan.h).
 *
 * The parser is iterative: containers are tracked on an explicit stack of
 * JSON_MAX_DEPTH entries, so hostile nesting can never overflow the C stack.
 * Output (compact text and tokens) goes into buffers owned by the jdoc and
 * reused across calls; the compact text is never longer than the input, so
 * it is sized once per parse.
 */
#include "json/scan.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* utf8_char_len on bytes: the sequence's length, 0 if it is none. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (s[2] & 0xC0) != 0x80) return 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;      /* no overlong forms */
        else if (c == 0xED) hi = 0x9F; /* no UTF-16 surrogates */
        return (s[1] >= lo && s[1] <= hi) ? 3 : 0;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;      /* no overlong forms */
        else if (c == 0xF4) hi = 0x8F; /* nothing above U+10FFFF */
        return (s[1] >= lo && s[1] <= hi) ? 4 : 0;
    }
    return 0;
}

size_t utf8_char_len(const char *s, size_t n) { return n ? utf8_seq((const unsigned char *)s, n) : 0; }

size_t utf8_cut(const char *s, size_t n, size_t max) {
    if (n <= max) return n;
    size_t i = max;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) i--; /* back to the first byte of the character at max */
    return i;
}

int utf8_valid(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* ASCII, the common case of every request, goes eight bytes at a
         * time (issue 18: this ran once per message, a byte at a time) */
        for (uint64_t w; i + 8 <= n && (memcpy(&w, u + i, 8), (w & 0x8080808080808080ull) == 0);) i += 8;
        if (i >= n) break;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(u + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Read 4 hex digits at s (n available) into *cp.  Returns 0 on success. */
static int hex4(const unsigned char *s, size_t n, unsigned *cp) {
    if (n < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(s[i]);
        if (h < 0) return -1;
        v = v << 4 | (unsigned)h;
    }
    *cp = v;
    return 0;
}

/* Skip whitespace and comments starting at *p.  Returns -1 on an
 * unterminated block comment or a stray '/'. */
static int skip_ws_slow(const unsigned char *in, size_t len, size_t *p) {
    size_t i = *p;
    for (;;) {
        while (i < len && (in[i] == ' ' || in[i] == '\n' || in[i] == '\r' || in[i] == '\t')) i++;
        if (i >= len || in[i] != '/') break;
        if (i + 1 < len && in[i + 1] == '/') {
            i += 2;
            while (i < len && in[i] != '\n') i++;
        } else if (i + 1 < len && in[i + 1] == '*') {
            i += 2;
            while (i + 1 < len && !(in[i] == '*' && in[i + 1] == '/')) i++;
            if (i + 1 >= len) {
                *p = len;
                return -1;
            }
            i += 2;
        } else {
            *p = i;
            return -1;
        }
    }
    *p = i;
    return 0;
}

/* Skip whitespace and comments at *p (see skip_ws_slow); inline for the
 * common case of compact JSON, where there is nothing to skip (issue 18:
 * the call was made about fifteen times per request). */
static inline int skip_ws(const unsigned char *in, size_t len, size_t *p) {
    if (*p < len && in[*p] > ' ' && in[*p] != '/') return 0;
    return skip_ws_slow(in, len, p);
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Does any byte of w need a closer look inside a string: a quote, a
 * backslash, a control character (< 0x20) or a non-ASCII byte?  Eight
 * bytes at a time (exact: no false negatives, and no false positives
 * either, since bytes >= 0x80 are caught before the subtractions borrow). */
static inline uint64_t special8(uint64_t w) {
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
    return (w | ((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

/* Scan the string starting at in[*p] == '"'.  On success *p is just past the
 * closing quote and *flags has JF_ESCAPED if a backslash occurred. */
static int scan_string(const unsigned char *in, size_t len, size_t *p, uint8_t *flags) {
    size_t i = *p + 1;
    for (;;) {
        /* fast path over plain ASCII: eight bytes at a time; in the word
         * with a special byte, its lowest flag marks the first one (a
         * borrow only flags bytes above a true one), so the byte-wise
         * loop runs only over the last few bytes of the input */
        for (uint64_t w, m; i + 8 <= len; i += 8) {
            memcpy(&w, in + i, 8);
            if ((m = special8(w)) != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                i += (size_t)__builtin_ctzll(m) >> 3;
#endif
                break;
            }
        }
        while (i < len && in[i] >= 0x20 && in[i] < 0x80 && in[i] != '"' && in[i] != '\\') i++;
        if (i >= len) goto bad;
        unsigned char c = in[i];
        if (c == '"') {
            *p = i + 1;
            return 0;
        }
        if (c < 0x20) goto bad;
        if (c >= 0x80) {
            size_t k = utf8_seq(in + i, len - i);
            if (!k) goto bad;
            i += k;
            continue;
        }
        /* backslash */
        *flags |= JF_ESCAPED;
        if (i + 1 >= len) goto bad;
        c = in[i + 1];
        if (c == 'u') {
            unsigned cp;
            if (hex4(in + i + 2, len - (i + 2), &cp)) goto bad;
            i += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* high surrogate needs its pair */
                unsigned lo;
                if (i + 1 >= len || in[i] != '\\' || in[i + 1] != 'u') goto bad;
                if (hex4(in + i + 2, len - (i + 2), &lo) || lo < 0xDC00 || lo > 0xDFFF) goto bad;
                i += 6;
            }
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                   c == 'r' || c == 't') {
            i += 2;
        } else {
            goto bad;
        }
    }
bad:
    *p = i;
    return -1;
}

static int scan_number(const unsigned char *in, size_t len, size_t *p, uint8_t *flags) {
    size_t i = *p;
    if (in[i] == '-') {
        *flags |= JF_NEG;
        i++;
    }
    if (i >= len) goto bad;
    if (in[i] == '0') {
        i++;
    } else if (in[i] >= '1' && in[i] <= '9') {
        while (i < len && in[i] >= '0' && in[i] <= '9') i++;
    } else {
        goto bad;
    }
    if (i < len && in[i] == '.') {
        *flags |= JF_FRAC_EXP;
        i++;
        if (i >= len || in[i] < '0' || in[i] > '9') goto bad;
        while (i < len && in[i] >= '0' && in[i] <= '9') i++;
    }
    if (i < len && (in[i] == 'e' || in[i] == 'E')) {
        *flags |= JF_FRAC_EXP;
        i++;
        if (i < len && (in[i] == '+' || in[i] == '-')) i++;
        if (i >= len || in[i] < '0' || in[i] > '9') goto bad;
        while (i < len && in[i] >= '0' && in[i] <= '9') i++;
    }
    *p = i;
    return 0;
bad:
    *p = i;
    return -1;
}

static jtok *new_tok(jdoc *d) {
    if (d->ntoks == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 64;
        jtok *t = realloc(d->toks, (size_t)cap * sizeof *t);
        if (!t) abort();
        d->toks = t;
        d->cap = cap;
    }
    jtok *t = &d->toks[d->ntoks];
    t->next = ++d->ntoks;
    t->flags = 0;
    t->count = 0;
    return t;
}

/* Bytes the compact text's buffer has beyond the input's length. */
#define COPY_SLACK 16

/* Copy token in[s .. s + n) to out, which has COPY_SLACK bytes to spare:
 * a short token is copied as one fixed 16-byte move (no call, no length
 * dispatch; issue 18), the bytes after it overwritten by what follows. */
static inline void copy_token(char *out, const unsigned char *in, size_t s, size_t n, size_t len) {
    if (n <= COPY_SLACK && s + COPY_SLACK <= len) memcpy(out, in + s, COPY_SLACK);
    else memcpy(out, in + s, n);
}

int jdoc_parse(jdoc *d, const char *input, size_t len, size_t *errpos) {
    const unsigned char *in = (const unsigned char *)input;
    uint32_t stack[JSON_MAX_DEPTH];
    int depth = 0;
    size_t p = 0;

    sb_reset(&d->text);
    sb_grow(&d->text, len + COPY_SLACK); /* copy_token may write past the compact text's end */
    char *out = d->text.buf;
    size_t o = 0;
    d->ntoks = 0;
    if (len > UINT32_MAX) goto fail;

value:
    if (skip_ws(in, len, &p) || p >= len) goto fail;
    if (depth && d->toks[stack[depth - 1]].type == JT_ARRAY) d->toks[stack[depth - 1]].count++;
    {
        jtok *t = new_tok(d);
        t->start = (uint32_t)o;
        size_t s = p;
        switch (in[p]) {
        case '{':
        case '[':
            if (depth == JSON_MAX_DEPTH) goto fail;
            t->type = in[p] == '{' ? JT_OBJECT : JT_ARRAY;
            stack[depth++] = d->ntoks - 1;
            out[o++] = (char)in[p++];
            if (skip_ws(in, len, &p) || p >= len) goto fail;
            if (in[p] == (t->type == JT_OBJECT ? '}' : ']')) goto close;
            if (t->type == JT_OBJECT) goto key;
            goto value;
        case '"':
            t->type = JT_STRING;
            if (scan_string(in, len, &p, &t->flags)) goto fail;
            break;
        case 't':
            t->type = JT_TRUE;
            if (len - p < 4 || memcmp(in + p, "true", 4)) goto fail;
            p += 4;
            break;
        case 'f':
            t->type = JT_FALSE;
            if (len - p < 5 || memcmp(in + p, "false", 5)) goto fail;
            p += 5;
            break;
        case 'n':
            t->type = JT_NULL;
            if (len - p < 4 || memcmp(in + p, "null", 4)) goto fail;
            p += 4;
            break;
        default:
            t->type = JT_NUMBER;
            if (scan_number(in, len, &p, &t->flags)) goto fail;
        }
        copy_token(out + o, in, s, p - s, len);
        o += p - s;
        t->len = (uint32_t)(p - s);
    }

after_value:
    if (skip_ws(in, len, &p)) goto fail;
    if (depth == 0) {
        if (p != len) goto fail;
        d->text.len = o;
        out[o] = '\0';
        return 0;
    }
    if (p >= len) goto fail;
    if (in[p] == ',') {
        out[o++] = ',';
        p++;
        if (d->toks[stack[depth - 1]].type == JT_OBJECT) goto key;
        goto value;
    }
    if (in[p] != (d->toks[stack[depth - 1]].type == JT_OBJECT ? '}' : ']')) goto fail;

close: {
    jtok *c = &d->toks[stack[--depth]];
    out[o++] = (char)in[p++];
    c->len = (uint32_t)(o - c->start);
    c->next = d->ntoks;
    goto after_value;
}

key:
    if (skip_ws(in, len, &p) || p >= len || in[p] != '"') goto fail;
    d->toks[stack[depth - 1]].count++;
    {
        jtok *t = new_tok(d);
        size_t s = p;
        t->type = JT_STRING;
        t->start = (uint32_t)o;
        if (scan_string(in, len, &p, &t->flags)) goto fail;
        copy_token(out + o, in, s, p - s, len);
        o += p - s;
        t->len = (uint32_t)(p - s);
    }
    if (skip_ws(in, len, &p) || p >= len || in[p] != ':') goto fail;
    out[o++] = ':';
    p++;
    goto value;

fail:
    if (errpos) *errpos = p;
    d->text.len = 0;
    d->text.buf[0] = '\0';
    d->ntoks = 0;
    return -1;
}

void jdoc_free(jdoc *d) {
    sb_free(&d->text);
    free(d->toks);
    d->toks = NULL;
    d->ntoks = d->cap = 0;
}

static void put_utf8(strbuf *out, unsigned cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | cp >> 6);
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12);
        b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | cp >> 18);
        b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_add(out, b, n);
}

void jstr_decode(const jdoc *d, const jtok *t, strbuf *out) {
    const unsigned char *s = (const unsigned char *)jtok_text(d, t) + 1;
    size_t n = t->len - 2;
    if (!(t->flags & JF_ESCAPED)) {
        sb_add(out, s, n);
        return;
    }
    size_t i = 0, run = 0;
    while (i < n) {
        if (s[i] != '\\') {
            i++;
            continue;
        }
        sb_add(out, s + run, i - run);
        unsigned char c = s[i + 1];
        i += 2;
        switch (c) {
        case 'b': sb_addc(out, '\b'); break;
        case 'f': sb_addc(out, '\f'); break;
        case 'n': sb_addc(out, '\n'); break;
        case 'r': sb_addc(out, '\r'); break;
        case 't': sb_addc(out, '\t'); break;
        case 'u': {
            unsigned cp = 0, lo = 0xDC00; /* both are set: the scanner validated the escape */
            hex4(s + i, n - i, &cp);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                hex4(s + i + 2, n - i - 2, &lo);
                i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                break; /* unpaired low surrogate: dropped (Compat) */
            }
            put_utf8(out, cp);
            break;
        }
        default: sb_addc(out, (char)c); /* " \ / */
        }
        run = i;
    }
    sb_add(out, s + run, n - run);
}

int jstr_equals(const jdoc *d, const jtok *t, const char *s, size_t n) {
    if (!(t->flags & JF_ESCAPED))
        return t->len - 2 == n && memcmp(jtok_text(d, t) + 1, s, n) == 0;
    strbuf tmp = STRBUF_INIT;
    jstr_decode(d, t, &tmp);
    int eq = tmp.len == n && memcmp(tmp.buf, s, n) == 0;
    sb_free(&tmp);
    return eq;
}

uint32_t jobj_get(const jdoc *d, uint32_t obj, const char *name, size_t n) {
    const jtok *o = &d->toks[obj];
    uint32_t k = obj + 1;
    for (uint32_t i = 0; i < o->count; i++) {
        if (jstr_equals(d, &d->toks[k], name, n)) return k + 1;
        k = d->toks[k + 1].next;
    }
    return 0;
}

unsigned jdoc_depth(const jdoc *d, uint32_t tok) {
    /* Tokens are in document order and each records the end of its
     * subtree, so a stack of subtree ends gives every token's depth in one
     * pass over the value's tokens. */
    uint32_t ends[JSON_MAX_DEPTH];
    unsigned sp = 0, best = 0;
    for (uint32_t i = tok, end = d->toks[tok].next; i < end; i++) {
        while (sp && i >= ends[sp - 1]) sp--;
        const jtok *t = &d->toks[i];
        if (t->type != JT_ARRAY && t->type != JT_OBJECT) continue;
        if (sp == JSON_MAX_DEPTH) return JSON_MAX_DEPTH + 1; /* cannot happen: the scanner stops at 1024 */
        ends[sp++] = t->next;
        if (sp > best) best = sp;
    }
    return best;
}

/* The brackets of s[0..n) outside strings: the byte that opens level
 * limit + 1 (n if none), and the deepest level reached before it in *most. */
static size_t bracket_scan(const char *s, size_t n, unsigned limit, unsigned *most) {
    unsigned depth = 0;
    *most = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') { /* skip the string, escapes included */
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\') i++;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '/') { /* comments, in text a user wrote */
            while (i < n && s[i] != '\n') i++;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++) {}
            i++;
        } else if (c == '[' || c == '{') {
            if (depth == limit) return i;
            if (++depth > *most) *most = depth;
        } else if ((c == ']' || c == '}') && depth) {
            depth--;
        }
    }
    return n;
}

unsigned json_text_depth(const char *s, size_t n) {
    unsigned most;
    bracket_scan(s, n, UINT_MAX, &most);
    return most;
}

size_t json_text_deeper_at(const char *s, size_t n, unsigned limit) {
    unsigned most;
    return bracket_scan(s, n, limit, &most);
}

int jnum_to_u64(const jdoc *d, const jtok *t, uint64_t *v) {
    if (t->type != JT_NUMBER || (t->flags & (JF_NEG | JF_FRAC_EXP))) return -1;
    const char *s = jtok_text(d, t);
    uint64_t x = 0;
    for (uint32_t i = 0; i < t->len; i++) {
        unsigned dgt = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - dgt) / 10) return -1;
        x = x * 10 + dgt;
    }
    *v = x;
    return 0;
}

int jnum_to_token(const jdoc *d, const jtok *t, uint64_t *v, int allow_neg_zero) {
    if (allow_neg_zero && t->type == JT_NUMBER && t->len == 2 && memcmp(jtok_text(d, t), "-0", 2) == 0) {
        *v = 0;
        return 0;
    }
    return jnum_to_u64(d, t, v);
}
