/*
 * decimal.h — exact comparison of JSON number texts.
 *
 * ndb keeps numbers as the text the client sent (docs/protocol.md 0.1
 * decision 1), so 18446744073709551616, 1e400 and 0.10000000000000001 are
 * values of their own, not the double nearest to them.  Equality for
 * KV_CAS and ordering for JSONPath filters therefore compare decimal texts:
 * sign, significant digits and decimal exponent, exactly.
 */
#ifndef NDB_JSON_DECIMAL_H
#define NDB_JSON_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* Order of the values of two valid JSON number texts: -1, 0 or 1 (0 and
 * -0 are equal; so are 1, 1.0 and 10e-1). */
int dec_cmp(const char *a, size_t an, const char *b, size_t bn);

/* *d = the double nearest to the number text s[0..n) (±inf beyond the
 * range).  Returns 1 when d stands for the text's value exactly: the text
 * has at most 15 significant digits (DBL_DIG) and d is a normal double, or
 * the text is a zero.  Then no two such texts of different values share a
 * double, and "%.15g" of d has the text's value: comparing the doubles of
 * two such texts is comparing the texts.  0.1, 3.14 and 1e300 qualify;
 * 18446744073709551616, 0.10000000000000001 and 1e400 do not, and callers
 * keep their text. */
int dec_short(const char *s, size_t n, double *d);

#endif
