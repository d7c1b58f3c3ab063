/*
 * decimal.c — exact comparison of JSON number texts (see decimal.h).
 */
#include "json/decimal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The significant digits of the number text s[0..n), in order, into buf
 * (at most cap); returns how many, and the decimal exponent of the first
 * in *exp10 (value = 0.d1d2... × 10^exp10).  Zero has no digits. */
static size_t normalise(const char *s, size_t n, char *buf, size_t cap, int64_t *exp10, int *neg) {
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
    int64_t e = 0;
    if (i < n) { /* exponent */
        i++;
        int eneg = 0;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        /* saturate far beyond any text that fits in a request (64 MiB of
         * digits shift the exponent by less than 2^26) */
        for (; i < n; i++)
            if (e < ((int64_t)1 << 50)) e = e * 10 + (s[i] - '0');
        if (eneg) e = -e;
    }
    while (k && buf[k - 1] == '0') k--; /* trailing zeros change nothing */
    *exp10 = (started ? (point ? point : -lead_zeros_after_point) : 0) + e;
    return k;
}

int dec_cmp(const char *a, size_t an, const char *b, size_t bn) {
    if (an == bn && memcmp(a, b, an) == 0) return 0;
    char sa[128], sb[128];
    char *da = an <= sizeof sa ? sa : malloc(an), *db = bn <= sizeof sb ? sb : malloc(bn);
    if (!da || !db) abort();
    int64_t ea, eb;
    int na, nb;
    size_t ka = normalise(a, an, da, an, &ea, &na), kb = normalise(b, bn, db, bn, &eb, &nb);
    int sign_a = ka ? (na ? -1 : 1) : 0, sign_b = kb ? (nb ? -1 : 1) : 0, c;
    if (sign_a != sign_b || sign_a == 0) {
        c = (sign_a > sign_b) - (sign_a < sign_b);
    } else {
        /* same sign: compare magnitudes, then flip for negatives */
        if (ea != eb) {
            c = ea > eb ? 1 : -1;
        } else {
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
