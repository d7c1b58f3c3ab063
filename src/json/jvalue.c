/*
 * jvalue.c — number arithmetic and value equality on scanned JSON (see
 * jvalue.h).
 */
#include "json/jvalue.h"

#include "json/decimal.h"
#include "json/jindex.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jnum_read(const char *s, size_t n, jnum *out) {
    memset(out, 0, sizeof *out);
    int integer = n && !memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n);
    out->is_int = integer;
    if (integer) {
        /* exact: accumulate as a negative number, whose range is one wider */
        int neg = s[0] == '-';
        int64_t v = 0;
        for (size_t i = neg; i < n; i++) {
            int d = s[i] - '0';
            if (v < (INT64_MIN + d) / 10) return JNUM_RANGE;
            v = v * 10 - d;
        }
        if (!neg && v == INT64_MIN) return JNUM_RANGE;
        out->i = neg ? v : -v;
        return JNUM_OK;
    }
    char buf[64], *copy = n < sizeof buf ? buf : malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, s, n);
    copy[n] = '\0';
    errno = 0;
    out->d = strtod(copy, NULL);
    int range = errno == ERANGE && isinf(out->d);
    if (copy != buf) free(copy);
    return range ? JNUM_RANGE : JNUM_OK; /* underflow to 0 or a subnormal is a value, not an error */
}

int jnum_add(const jnum *a, const jnum *b, jnum *out) {
    memset(out, 0, sizeof *out);
    if (a->is_int && b->is_int) {
        if (__builtin_add_overflow(a->i, b->i, &out->i)) return JNUM_RANGE;
        out->is_int = 1;
        return JNUM_OK;
    }
    double x = a->is_int ? (double)a->i : a->d, y = b->is_int ? (double)b->i : b->d;
    out->d = x + y;
    return isfinite(out->d) ? JNUM_OK : JNUM_RANGE;
}

void jnum_write(strbuf *out, const jnum *n) {
    if (n->is_int) {
        sb_add_i64(out, n->i);
        return;
    }
    char buf[40];
    double d = n->d == 0 ? 0 : n->d; /* -0 prints as 0 */
    /* The shortest text that reads back as d.  For a normal double, 15
     * significant digits that read back are already the shortest (%g drops
     * trailing zeros; any shorter decimal that reads back as d rounds to
     * them).  A subnormal holds fewer digits of precision: 5e-324 would
     * print as 4.94065645841247e-324, so it tries from one digit up. */
    int from = fabs(d) < DBL_MIN ? 1 : 15;
    for (int prec = from; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    sb_adds(out, buf);
    /* An integral double keeps a ".0" (docs/protocol.md, KV_INCR): written "1" it would
     * read back as an integer, and a counter of doubles (0.5 + 0.5) would turn into an
     * integer counter, whose next sum past 64 bits is refused instead of rounded. */
    if (strspn(buf, "-0123456789") == strlen(buf)) SB_ADD_LIT(out, ".0");
}

/* ------------------------------------------------------------- equality */

static int strings_equal(const jdoc *a, const jtok *x, const jdoc *b, const jtok *y) {
    if (!(x->flags & JF_ESCAPED) && !(y->flags & JF_ESCAPED))
        return x->len == y->len && memcmp(jtok_text(a, x), jtok_text(b, y), x->len) == 0;
    strbuf s = STRBUF_INIT;
    jstr_decode(a, x, &s);
    sb_grow(&s, 0);
    int eq = jstr_equals(b, y, s.buf, s.len);
    sb_free(&s);
    return eq;
}

int jvalue_equal(const jdoc *a, uint32_t ta, const jdoc *b, uint32_t tb) {
    const jtok *x = &a->toks[ta], *y = &b->toks[tb];
    if (x->type != y->type) return 0;
    switch ((enum jtype)x->type) {
    case JT_NULL:
    case JT_TRUE:
    case JT_FALSE: return 1;
    case JT_NUMBER: return dec_cmp(jtok_text(a, x), x->len, jtok_text(b, y), y->len) == 0;
    case JT_STRING: return strings_equal(a, x, b, y);
    case JT_ARRAY: {
        if (x->count != y->count) return 0;
        for (uint32_t i = 0, p = ta + 1, q = tb + 1; i < x->count; i++, p = a->toks[p].next, q = b->toks[q].next)
            if (!jvalue_equal(a, p, b, q)) return 0;
        return 1;
    }
    case JT_OBJECT: {
        /* every distinct name of a is in b with an equal value, and b has
         * no other name (lookups decode names: escapes do not matter).
         * Both objects are indexed (jindex.h): one lookup per member, not
         * a scan, so large objects compare in linear time. */
        jmembers ma, mb;
        jmembers_init(&ma, a, ta);
        jmembers_init(&mb, b, tb);
        strbuf name = STRBUF_INIT;
        int eq = ma.distinct == mb.distinct;
        uint32_t k = ta + 1;
        for (uint32_t i = 0; eq && i < x->count; i++, k = a->toks[k + 1].next) {
            sb_reset(&name);
            jstr_decode(a, &a->toks[k], &name);
            sb_grow(&name, 0);
            if (jmembers_get(&ma, name.buf, name.len) != k + 1) continue; /* a later duplicate */
            uint32_t v = jmembers_get(&mb, name.buf, name.len);
            eq = v && jvalue_equal(a, k + 1, b, v);
        }
        sb_free(&name);
        jmembers_free(&ma);
        jmembers_free(&mb);
        return eq;
    }
    }
    return 0;
}
