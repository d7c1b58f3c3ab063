/*
 * fuzz_scan.c — libFuzzer harness: ndb's JSON scanner against jansson.
 *
 * For every input both parsers must agree on valid/invalid, and on what a
 * valid text means, except for the differences ndb makes on purpose
 * (docs/protocol.md 1.10 and 0.1):
 *   1. comments are whitespace to ndb, an error to jansson;
 *   2. integers beyond int64 and reals beyond the double range are kept by
 *      ndb (as their text), rejected by jansson;
 *   3. an unpaired low-surrogate escape (\uDC00) is dropped by ndb,
 *      rejected by jansson;
 *   4. nesting: ndb stops at 1024 levels, jansson at 2048.
 *   6. member names may hold U+0000 in ndb (keys are byte strings);
 *      jansson's parser refuses "\u0000" in a member name;
 * and one jansson quirk found by this harness:
 *   5. jansson skips a NUL byte that directly follows a number or a
 *      literal ("5\0", "[1,0\0,2]", "null\0"): its lexer reads the NUL as
 *      the end of the token and never looks at it again.  ndb rejects these (RFC 8259
 *      allows no NUL outside strings), so "jansson accepts, ndb rejects" is
 *      allowed when ndb accepts the input with such NUL bytes removed.
 * How the check works:
 *   - ndb accepts → its compact copy (comments and whitespace gone, 1) with
 *     every token of kind 2 or 3 replaced by a neutral one must be accepted
 *     by jansson, ndb must accept that text too, and both must build equal
 *     trees (skipped when an object repeats a member name: ndb keeps the
 *     first, jansson the last).
 *   - ndb rejects but jansson accepts → only allowed when the value is
 *     nested deeper than 1024 (4).
 * Anything else aborts with both verdicts printed: a finding.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/scan.h"
#include "json/tree.h"

#define JFLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

static void finding(const char *what, const uint8_t *data, size_t size, const char *extra) {
    fprintf(stderr, "fuzz_scan finding: %s\ninput (%zu bytes): ", what, size);
    for (size_t i = 0; i < size && i < 400; i++) fprintf(stderr, "%02x", data[i]);
    fprintf(stderr, "\n%s\n", extra ? extra : "");
    abort();
}

static size_t depth_of(json_t *v) {
    size_t best = 0;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            size_t d = depth_of(x);
            if (d > best) best = d;
        }
        return best + 1;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            size_t d = depth_of(x);
            if (d > best) best = d;
        }
        return best + 1;
    }
    return 0;
}

/* Number literal that jansson refuses: integer outside int64 or real that
 * overflows the double range. */
static int number_exempt(const char *s, size_t n, int frac_exp) {
    char buf[512];
    if (n >= sizeof buf) return 1; /* long literals: either kind, decide below */
    memcpy(buf, s, n);
    buf[n] = 0;
    errno = 0;
    if (!frac_exp) {
        (void)strtoll(buf, NULL, 10);
        return errno == ERANGE;
    }
    double v = strtod(buf, NULL);
    return (v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE;
}

/* Does this string token hold an unpaired low-surrogate escape? */
static int has_lone_low(const char *s, size_t n) {
    for (size_t i = 0; i + 5 < n; i++) {
        if (s[i] != '\\') continue;
        if (s[i + 1] != 'u') {
            i++; /* skip the escaped character */
            continue;
        }
        unsigned cp = (unsigned)strtoul((char[]){s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0}, NULL, 16);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            i += 11; /* its pair (validated by the scanner) */
            continue;
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF) return 1;
        i += 5;
    }
    return 0;
}

/* Number literals beyond 511 bytes: does jansson keep it? (integers: no —
 * they overflow int64 long before that; reals: strtod decides). */
static int long_number_exempt(const char *s, size_t n, int frac_exp) {
    if (!frac_exp) return 1;
    char *buf = malloc(n + 1);
    memcpy(buf, s, n);
    buf[n] = 0;
    errno = 0;
    double v = strtod(buf, NULL);
    free(buf);
    return (v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE;
}

/* Is string token t a member name holding U+0000? */
static int key_with_nul(const jdoc *d, const jtok *t) {
    if (!(t->flags & JF_ESCAPED)) return 0;
    strbuf s = STRBUF_INIT;
    jstr_decode(d, t, &s);
    int has = s.len && memchr(s.buf, 0, s.len) != NULL;
    sb_free(&s);
    return has;
}

/* The compact text of d with jansson-incompatible tokens neutralised. */
static void sanitise(const jdoc *d, strbuf *out, int *changed) {
    const char *text = d->text.buf;
    size_t at = 0;
    uint8_t *is_key = calloc(d->ntoks ? d->ntoks : 1, 1);
    for (uint32_t i = 0; i < d->ntoks; i++) {
        if (d->toks[i].type != JT_OBJECT) continue;
        for (uint32_t m = 0, k = i + 1; m < d->toks[i].count; m++, k = d->toks[k + 1].next) is_key[k] = 1;
    }
    for (uint32_t i = 0; i < d->ntoks; i++) {
        const jtok *t = &d->toks[i];
        const char *s = text + t->start;
        const char *with = NULL;
        if (t->type == JT_NUMBER) {
            int ex = t->len < 511 ? number_exempt(s, t->len, t->flags & JF_FRAC_EXP)
                                  : long_number_exempt(s, t->len, t->flags & JF_FRAC_EXP);
            if (ex) with = "0";
        } else if (t->type == JT_STRING && (t->flags & JF_ESCAPED) &&
                   (has_lone_low(s, t->len) || (is_key[i] && key_with_nul(d, t)))) {
            with = "\"\"";
        }
        if (!with) continue;
        sb_add(out, text + at, t->start - at);
        sb_adds(out, with);
        at = t->start + t->len;
        *changed = 1;
    }
    sb_add(out, text + at, d->text.len - at);
    free(is_key);
}

/* Does any object in d repeat a member name? */
static int has_duplicate_names(json_t *j, const jdoc *d) {
    (void)j;
    for (uint32_t i = 0; i < d->ntoks; i++) {
        const jtok *o = &d->toks[i];
        if (o->type != JT_OBJECT || o->count < 2) continue;
        uint32_t k = i + 1;
        for (uint32_t a = 0; a < o->count; a++) {
            uint32_t k2 = d->toks[k + 1].next;
            strbuf na = STRBUF_INIT;
            jstr_decode(d, &d->toks[k], &na);
            for (uint32_t b = a + 1; b < o->count; b++) {
                int eq = jstr_equals(d, &d->toks[k2], na.buf ? na.buf : "", na.len);
                if (eq) {
                    sb_free(&na);
                    return 1;
                }
                k2 = d->toks[k2 + 1].next;
            }
            sb_free(&na);
            k = d->toks[k + 1].next;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static jdoc d = JDOC_INIT, d2 = JDOC_INIT;
    const char *in = (const char *)data;
    json_error_t e;
    int ndb_ok = jdoc_parse(&d, in, size, NULL) == 0;
    json_t *raw = json_loadb(in, size, JFLAGS, &e);

    if (ndb_ok) {
        strbuf san = STRBUF_INIT;
        int changed = 0;
        sanitise(&d, &san, &changed);
        json_t *j = json_loadb(san.buf ? san.buf : "", san.len, JFLAGS, &e);
        if (!j) {
            char msg[400];
            snprintf(msg, sizeof msg, "jansson: %s at %d; compact text: %.200s", e.text, e.position,
                     san.buf ? san.buf : "");
            finding("ndb accepts, jansson rejects (after removing deliberate differences)", data, size, msg);
        }
        if (jdoc_parse(&d2, san.buf ? san.buf : "", san.len, NULL))
            finding("ndb rejects its own (sanitised) compact text", data, size, san.buf);
        /* the compact text of a compact text is itself */
        if (d2.text.len != san.len || memcmp(d2.text.buf, san.buf, san.len))
            finding("compacting is not idempotent", data, size, san.buf);
        if (!has_duplicate_names(j, &d2)) {
            json_t *mine = jtree_build(&d2, 0, NULL);
            if (!json_equal(mine, j)) {
                char *a = json_dumps(mine, JFLAGS | JSON_ENCODE_ANY), *b = json_dumps(j, JFLAGS | JSON_ENCODE_ANY);
                char msg[600];
                snprintf(msg, sizeof msg, "ndb tree: %.250s\njansson:  %.250s", a ? a : "?", b ? b : "?");
                free(a);
                free(b);
                finding("ndb and jansson read different values", data, size, msg);
            }
            json_decref(mine);
        }
        json_decref(j);
        sb_free(&san);
    } else if (raw && depth_of(raw) <= JSON_MAX_DEPTH) {
        char *cut = malloc(size);
        size_t n = 0;
        for (size_t i = 0; i < size; i++)
            if (!(in[i] == 0 && n && isalnum((unsigned char)cut[n - 1]))) cut[n++] = in[i];
        int quirk = n < size && jdoc_parse(&d2, cut, n, NULL) == 0;
        free(cut);
        if (!quirk) finding("jansson accepts, ndb rejects", data, size, NULL);
    }
    json_decref(raw);
    return 0;
}
