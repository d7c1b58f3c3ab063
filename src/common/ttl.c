/* ttl.c — see ttl.h. */
#include "common/ttl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Exponents past this make the value 0 or more than ten years anyway;
 * clamping keeps the arithmetic below from overflowing. */
#define EXP_CLAMP 10000

/* How many decimals JSON number text s[0..n) needs: 1.25 needs 2, 1.2500
 * 2, 125e-3 3, 1e2 none (0 or less).  Counted on the text, digit by digit,
 * so that "at most 3 decimals" is exact whatever the size of the number:
 * a double's v * 1000 cannot tell 1000.0004 from 1000. */
static long decimals_needed(const char *s, size_t n) {
    size_t i = 0;
    long frac = 0, trailing_zeros = 0, digits = 0;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            frac = -1; /* counts from the next digit */
            continue;
        }
        if (s[i] < '0' || s[i] > '9') continue; /* the sign */
        digits++;
        if (frac) frac = frac < 0 ? 1 : frac + 1;
        trailing_zeros = s[i] == '0' ? trailing_zeros + 1 : 0;
    }
    if (trailing_zeros == digits) return 0; /* zero: refused for its value */
    long exp = 0;
    if (i < n) {
        exp = strtol(s + i + 1, NULL, 10);
        if (exp > EXP_CLAMP) exp = EXP_CLAMP;
        if (exp < -EXP_CLAMP) exp = -EXP_CLAMP;
    }
    if (frac < 0) frac = 0;
    /* value = (digits less their trailing zeros) * 10^(exp - frac + trailing_zeros) */
    return frac - trailing_zeros - exp;
}

int ttl_text_ns(const char *s, size_t n, uint64_t *ns) {
    if (n == 0 || s[0] == '-' || decimals_needed(s, n) > 3) return -1;
    /* strtod needs a terminated copy; a text of any length is a valid
     * TTL if its value is (1.000...0 with 70 zeros is 1 s), so a long one
     * gets a copy of its own rather than a refusal that names a broken rule */
    char small[64], *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) abort();
    memcpy(buf, s, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL), whole = nearbyint(v * 1000.0);
    if (buf != small) free(buf);
    if (!(v > 0) || v > NDB_TTL_MAX_S || whole < 1) return -1;
    *ns = (uint64_t)whole * 1000000u;
    return 0;
}
