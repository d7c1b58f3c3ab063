/*
 * jvalue.h — JSON values as values rather than text: number arithmetic for
 * counters (KV_INCR) and equality for compare-and-set (KV_CAS).
 *
 * Stored values are kept as their exact text (DESIGN.md), so these work on
 * number texts and scanned documents (json/scan.h) directly, never through
 * jansson, which would lose precision (0.1, integers above 2^63-1).
 */
#ifndef NDB_JVALUE_H
#define NDB_JVALUE_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "json/scan.h"

/* A JSON number read for arithmetic: an integer literal (no fraction, no
 * exponent) that fits in a signed 64-bit integer stays exact; anything
 * else with a fraction or exponent is a double. */
typedef struct jnum {
    int is_int;
    int64_t i;
    double d;
} jnum;

enum { JNUM_OK = 0, JNUM_RANGE = -1 };

/* Read the number text s[0..n) (a valid JSON number).  Returns JNUM_OK, or
 * JNUM_RANGE for an integer literal outside the signed 64-bit range or a
 * number too large for a double.  out->is_int says which of the two it is
 * either way (so that a range error can name the range). */
int jnum_read(const char *s, size_t n, jnum *out);

/* *out = a + b.  Integers add exactly; if either is a double the sum is a
 * double.  Returns JNUM_OK, or JNUM_RANGE when an integer sum overflows
 * 64 bits or a double sum is not finite. */
int jnum_add(const jnum *a, const jnum *b, jnum *out);

/* Append the JSON text of n: an integer in decimal; a double in the
 * shortest form that reads back as the same double (e.g. -2.5, 0.1,
 * 1e+300), with ".0" when it would read back as an integer (1.0, 0.0). */
void jnum_write(strbuf *out, const jnum *n);

/* Are the values at token ta of a and token tb of b equal as JSON values?
 * Numbers compare by exact decimal value (1, 1.0 and 10e-1 are equal;
 * 18446744073709551616 and 18446744073709551617 are not), strings by their
 * decoded text, arrays element by element, objects as sets of members
 * (order does not matter; the first occurrence of a name counts). */
int jvalue_equal(const jdoc *a, uint32_t ta, const jdoc *b, uint32_t tb);

#endif
