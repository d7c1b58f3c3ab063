/*
 * decimal.c — exact comparison of JSON number texts (see decimal.h).
 */
#include "json/decimal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal exponent of any size.  JSON allows an exponent of any length
 * (1e100000000000000000), so one that does not fit the small form is kept
 * as its digits: huge = 1, digits[0..ndigits) without leading zeros. */
typedef struct dec_exp {
    int huge, neg;
    __int128 small;        /* the value when !huge */
    const char *digits;    /* the exponent's own digits when huge */
    size_t ndigits;
} dec_exp;

/* Exponents of at most this many digits are held in `small` (10^36 plus any
 * shift a text can make, below 2^31, fits in an __int128 with room). */
#define DEC_SMALL_DIGITS 36

/* The significant digits of the number text s[0..n), in order, into buf
 * (at most cap); returns how many, and the decimal exponent of the first
 * in *e (value = 0.d1d2... × 10^e), shifted by where the point is.  Zero
 * has no digits. */
static size_t normalise(const char *s, size_t n, char *buf, size_t cap, dec_exp *e, int *neg) {
    size_t i = 0, k = 0;
    *neg = n && s[0] == '-';
    i = *neg;
    int64_t point = 0; /* digits before the point, counting leading zeros */
    int seen_point = 0, started = 0;
    int64_t lead_zeros_after_point = 0;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            seen_point = 1;
            continue;
        }
        if (!started && s[i] == '0') {
            if (seen_point) lead_zeros_after_point++;
            continue;
        }
        started = 1;
        if (!seen_point) point++;
        if (k < cap) buf[k++] = s[i];
    }
    memset(e, 0, sizeof *e);
    if (i < n) { /* exponent */
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) e->neg = s[i++] == '-';
        while (i < n && s[i] == '0') i++;
        e->digits = s + i;
        e->ndigits = n - i;
        if (e->ndigits > DEC_SMALL_DIGITS) {
            e->huge = 1;
        } else {
            for (; i < n; i++) e->small = e->small * 10 + (s[i] - '0');
            if (e->neg) e->small = -e->small;
        }
    }
    while (k && buf[k - 1] == '0') k--; /* trailing zeros change nothing */
    int64_t shift = started ? (point ? point : -lead_zeros_after_point) : 0;
    if (!e->huge) e->small += shift;
    else e->small = shift; /* applied by exp_cmp */
    return k;
}

/* Compare two magnitudes given as digit strings without leading zeros. */
static int digits_cmp(const char *a, size_t an, const char *b, size_t bn) {
    if (an != bn) return an > bn ? 1 : -1;
    int c = memcmp(a, b, an);
    return (c > 0) - (c < 0);
}

/* The magnitude of a huge exponent after its shift, as digits (into out,
 * ndigits + 1 bytes): |exponent| ± |shift|, the shift being far smaller. */
static size_t huge_magnitude(const dec_exp *e, char *out) {
    size_t n = e->ndigits;
    memcpy(out + 1, e->digits, n);
    out[0] = '0';
    /* the shift moves the exponent's magnitude up when it has its sign */
    __int128 sh = e->small;
    int add = (sh >= 0) != e->neg;
    uint64_t m = (uint64_t)(sh < 0 ? -sh : sh);
    for (size_t p = n + 1; p-- > 0 && m;) {
        int d = out[p] - '0', x = (int)(m % 10);
        m /= 10;
        if (add) {
            d += x;
            if (d > 9) { d -= 10; m++; }
        } else {
            d -= x;
            if (d < 0) { d += 10; m++; }
        }
        out[p] = (char)('0' + d);
    }
    size_t skip = 0;
    while (skip < n && out[skip] == '0') skip++;
    memmove(out, out + skip, n + 1 - skip);
    return n + 1 - skip;
}

/* Order of two exponents (after their shifts). */
static int exp_cmp(const dec_exp *a, const dec_exp *b) {
    if (!a->huge && !b->huge) return (a->small > b->small) - (a->small < b->small);
    /* a huge exponent is beyond any small one: its sign decides */
    if (!b->huge) return a->neg ? -1 : 1;
    if (!a->huge) return b->neg ? 1 : -1;
    if (a->neg != b->neg) return a->neg ? -1 : 1;
    char *ma = malloc(a->ndigits + 1), *mb = malloc(b->ndigits + 1);
    if (!ma || !mb) abort();
    size_t na = huge_magnitude(a, ma), nb = huge_magnitude(b, mb);
    int c = digits_cmp(ma, na, mb, nb);
    free(ma);
    free(mb);
    return a->neg ? -c : c;
}

int dec_cmp(const char *a, size_t an, const char *b, size_t bn) {
    if (an == bn && memcmp(a, b, an) == 0) return 0;
    char sa[128], sb[128];
    char *da = an <= sizeof sa ? sa : malloc(an), *db = bn <= sizeof sb ? sb : malloc(bn);
    if (!da || !db) abort();
    dec_exp ea, eb;
    int na, nb;
    size_t ka = normalise(a, an, da, an, &ea, &na), kb = normalise(b, bn, db, bn, &eb, &nb);
    int sign_a = ka ? (na ? -1 : 1) : 0, sign_b = kb ? (nb ? -1 : 1) : 0, c;
    if (sign_a != sign_b || sign_a == 0) {
        c = (sign_a > sign_b) - (sign_a < sign_b);
    } else {
        /* same sign: compare magnitudes, then flip for negatives */
        c = exp_cmp(&ea, &eb);
        if (!c) {
            size_t m = ka < kb ? ka : kb;
            c = memcmp(da, db, m);
            c = c ? (c > 0 ? 1 : -1) : (ka > kb) - (ka < kb); /* no trailing zeros: longer is larger */
        }
        if (sign_a < 0) c = -c;
    }
    if (da != sa) free(da);
    if (db != sb) free(db);
    return c;
}

int dec_short(const char *s, size_t n, double *d) {
    char buf[64], *copy = n < sizeof buf ? buf : malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, s, n);
    copy[n] = '\0';
    *d = strtod(copy, NULL);
    if (copy != buf) free(copy);
    /* count the significant digits: from the first non-zero one to the last */
    size_t sig = 0, zeros = 0;
    for (size_t i = 0; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] < '0' || s[i] > '9') continue; /* sign, point */
        if (s[i] == '0') {
            if (sig) zeros++;
            continue;
        }
        sig += zeros + 1;
        zeros = 0;
    }
    if (sig == 0) return 1; /* a zero */
    return sig <= 15 && isnormal(*d);
}
