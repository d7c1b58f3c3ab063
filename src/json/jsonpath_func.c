/*
 * jsonpath_func.c — the 16 filter functions of docs/protocol.md 3.14.7.
 *
 * The table maps names to arities; the parser resolves a call to a table index at compile
 * time, so evaluation is a switch on that index.  Each function takes already evaluated
 * arguments (jv).  An argument of a type the function does not take is an evaluation error
 * (docs/protocol.md 3.14.3): type_error() marks the element under test, which is then not
 * selected, and the query goes on with the next element.  The exact rules (including
 * decision 12: length/count of an object = member count, sum([]) = 0, avg/min/max/prod([]) =
 * null, which are results, not errors) are listed in jsonpath.h.
 */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <stdlib.h>

#include "json/jsonpath_internal.h"

enum { F_ABS, F_AVG, F_CEIL, F_CONTAINS, F_COUNT, F_ENDS_WITH, F_FLOOR, F_KEYS, F_LENGTH,
       F_MAX, F_MIN, F_PROD, F_STARTS_WITH, F_SUM, F_TO_NUMBER, F_TOKENIZE, F_COUNT_ };

static const struct { const char *name; size_t nargs; } funcs[F_COUNT_] = {
    [F_ABS] = {"abs", 1}, [F_AVG] = {"avg", 1}, [F_CEIL] = {"ceil", 1},
    [F_CONTAINS] = {"contains", 2}, [F_COUNT] = {"count", 1},
    [F_ENDS_WITH] = {"ends_with", 2}, [F_FLOOR] = {"floor", 1}, [F_KEYS] = {"keys", 1},
    [F_LENGTH] = {"length", 1}, [F_MAX] = {"max", 1}, [F_MIN] = {"min", 1},
    [F_PROD] = {"prod", 1}, [F_STARTS_WITH] = {"starts_with", 2}, [F_SUM] = {"sum", 1},
    [F_TO_NUMBER] = {"to_number", 1}, [F_TOKENIZE] = {"tokenize", 2},
};

/* Linear lookup: compile time only, 16 entries. */
int jp_func_lookup(const char *name, size_t n, size_t *nargs) {
    for (int f = 0; f < F_COUNT_; f++) {
        if (strlen(funcs[f].name) == n && memcmp(funcs[f].name, name, n) == 0) {
            *nargs = funcs[f].nargs;
            return f;
        }
    }
    return -1;
}

int jp_func_regex_arg(int fn, size_t arg) { return fn == F_TOKENIZE && arg == 1; }

/* A wrong-typed argument: an evaluation error for the element under test. */
static jv type_error(jp_ctx *c) {
    c->elem_err = 1;
    return jv_null();
}

/* Is a an array (a V_JSON holding one)? */
static int is_array(const jv *a) { return a->k == V_JSON && json_is_array(a->u.j); }

/* A double result that is an integer in int64 range becomes an integer. */
static jv integral(double d) {
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) return jv_int((int64_t)d);
    return jv_real(d);
}

/* abs, ceil, floor: numbers only. */
static jv rounding(jp_ctx *c, int fn, const jv *a) {
    if (a->k == V_INT) {
        if (fn != F_ABS || a->u.i >= 0) return jv_int(a->u.i);
        return a->u.i == INT64_MIN ? jv_real(9223372036854775808.0) : jv_int(-a->u.i);
    }
    if (a->k == V_DEC && fn == F_ABS) /* exact: the text without its sign */
        return a->u.dec.p[0] == '-' ? jp_dec_negate(a) : jv_dec(a->u.dec.p, a->u.dec.n, a->u.dec.d);
    if (a->k == V_DEC) return integral(fn == F_CEIL ? ceil(a->u.dec.d) : floor(a->u.dec.d));
    if (a->k != V_REAL) return type_error(c);
    if (fn == F_ABS) {
        jv r = jv_real(fabs(a->u.d));
        r.from_text = a->from_text;
        return r;
    }
    return integral(fn == F_CEIL ? ceil(a->u.d) : floor(a->u.d));
}

/* length (arrays, objects, strings) and count (arrays, objects). */
static jv size_of(jp_ctx *c, int fn, const jv *a) {
    if (a->k == V_JSON)
        return jv_int((int64_t)(json_is_array(a->u.j) ? json_array_size(a->u.j)
                                                      : json_object_size(a->u.j)));
    if (fn == F_LENGTH && a->k == V_STR) return jv_int((int64_t)jp_utf8_count(a->u.s.p, a->u.s.n));
    return type_error(c);
}

/* sum and prod of an array of numbers: integer while possible, double after an overflow or
 * a double element. */
static jv fold(jp_ctx *c, int fn, const jv *a) {
    if (!is_array(a)) return type_error(c);
    size_t n = json_array_size(a->u.j);
    if (n == 0) return fn == F_SUM ? jv_int(0) : jv_null();
    int is_int = 1;
    int64_t ia = fn == F_SUM ? 0 : 1;
    double da = ia;
    for (size_t i = 0; i < n; i++) {
        jv x = jv_of(c, json_array_get(a->u.j, i));
        if (!jv_is_num(&x)) return type_error(c);
        if (is_int && x.k == V_INT &&
            !(fn == F_SUM ? __builtin_add_overflow(ia, x.u.i, &ia)
                          : __builtin_mul_overflow(ia, x.u.i, &ia))) {
            da = (double)ia;
            continue;
        }
        is_int = 0;
        da = fn == F_SUM ? da + jv_to_double(&x) : da * jv_to_double(&x);
    }
    return is_int ? jv_int(ia) : jv_real(da);
}

/* avg: mean of an array of numbers as a double. */
static jv average(jp_ctx *c, const jv *a) {
    if (!is_array(a)) return type_error(c);
    size_t n = json_array_size(a->u.j);
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        jv x = jv_of(c, json_array_get(a->u.j, i));
        if (!jv_is_num(&x)) return type_error(c);
        s += jv_to_double(&x);
    }
    return n ? jv_real(s / (double)n) : jv_null();
}

/* Byte-wise string order: <0, 0, >0. */
static int str_cmp(const jv *a, const jv *b) {
    size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
    int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
    return c ? c : (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
}

/* min / max over an array of only numbers or only strings. */
static jv extreme(jp_ctx *c, int fn, const jv *a) {
    if (!is_array(a)) return type_error(c);
    size_t n = json_array_size(a->u.j);
    json_t *best = NULL;
    jv b = jv_null();
    for (size_t i = 0; i < n; i++) {
        jv x = jv_of(c, json_array_get(a->u.j, i));
        if ((!jv_is_num(&x) && x.k != V_STR) || (best && (x.k == V_STR) != (b.k == V_STR)))
            return type_error(c);
        /* long strings and number texts cost in proportion to their length (3.14.8) */
        if (best && (x.k == V_STR ? jp_tick_bytes(c, x.u.s.n) : jp_tick_dec(c, &x, &b)))
            return jv_null();
        int order = !best ? 0 : x.k == V_STR ? str_cmp(&x, &b) : jv_num_cmp(&x, &b);
        if (!best || (fn == F_MIN ? order < 0 : order > 0)) {
            best = json_array_get(a->u.j, i);
            b = x;
        }
    }
    if (b.k == V_STR && a->hold) b.hold = json_incref(best); /* outlive the array */
    return b;
}

/* keys: member names of an object, in stored order. */
static jv keys_of(jp_ctx *c, const jv *a) {
    if (a->k != V_JSON || !json_is_object(a->u.j)) return type_error(c);
    json_t *arr = json_array();
    const char *k;
    size_t kn;
    json_t *v;
    json_object_keylen_foreach(a->u.j, k, kn, v) {
        if (jp_tick_bytes(c, kn)) break; /* each name is copied: long ones cost by length */
        json_array_append_new(arr, json_stringn_nocheck(k, kn)); /* names are valid UTF-8 */
    }
    jv r = jv_null();
    r.k = V_JSON;
    r.u.j = r.hold = arr;
    return r;
}

/* contains(a, b): substring (two strings), array element (deep equality, any b) or object
 * member (string b). */
static jv contains(jp_ctx *c, const jv *a, const jv *b) {
    if (a->k == V_STR && b->k == V_STR)
        return jv_bool(b->u.s.n == 0 || (a->u.s.n >= b->u.s.n &&
                                         memmem(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n)));
    if (is_array(a)) {
        for (size_t i = 0; i < json_array_size(a->u.j); i++) {
            jv x = jv_of(c, json_array_get(a->u.j, i));
            if (jv_equal(c, &x, b)) return jv_bool(1);
        }
        return jv_bool(0);
    }
    if (a->k == V_JSON && b->k == V_STR)
        return jv_bool(json_object_getn(a->u.j, b->u.s.p, b->u.s.n) != NULL);
    return type_error(c);
}

/* starts_with / ends_with on two strings. */
static jv affix(jp_ctx *c, int fn, const jv *a, const jv *b) {
    if (a->k != V_STR || b->k != V_STR) return type_error(c);
    if (b->u.s.n > a->u.s.n) return jv_bool(0);
    const char *at = fn == F_STARTS_WITH ? a->u.s.p : a->u.s.p + a->u.s.n - b->u.s.n;
    return jv_bool(b->u.s.n == 0 || memcmp(at, b->u.s.p, b->u.s.n) == 0);
}

/* to_number: numbers unchanged; a string holding exactly one JSON number (ASCII spaces
 * around it allowed) → that number, any other string → null (the argument has the right
 * type, its text is just not a number); other types are an error. */
static jv to_number(jp_ctx *c, const jv *a) {
    if (a->k == V_INT) return jv_int(a->u.i);
    if (a->k == V_REAL) {
        jv r = *a;
        r.hold = NULL;
        return r;
    }
    if (a->k == V_DEC) return jv_dec(a->u.dec.p, a->u.dec.n, a->u.dec.d);
    if (a->k != V_STR) return type_error(c);
    jp_lex l;
    memset(&l, 0, sizeof l);
    l.s = a->u.s.p;
    l.n = a->u.s.n;
    jl_ws(&l);
    jv r;
    if (l.i == l.n || jl_number(&l, &r) < 0) return jv_null();
    jl_ws(&l);
    if (l.i != l.n) return jv_null();
    /* a text beyond int64 and double keeps its text, copied: the string may go first */
    return r.k == V_DEC ? jv_dec(r.u.dec.p, r.u.dec.n, r.u.dec.d) : r;
}

/* Byte offset of the code point after the one starting at i. */
static size_t next_char(const char *s, size_t n, size_t i) {
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    return i;
}

/* tokenize(s, re): ECMAScript split without captures (see jsonpath.h). */
static jv tokenize(jp_ctx *c, const jv *a, const jv *b) {
    if (a->k != V_STR || (b->k != V_REGEX && b->k != V_STR)) return type_error(c);
    const pcre2_code *re = b->k == V_REGEX ? b->u.re : jp_re_dynamic(c, b->u.s.p, b->u.s.n);
    if (!re) {
        c->elem_err = 1;
        return jv_null();
    }
    const char *s = a->u.s.p;
    size_t n = a->u.s.n, p = 0, q = 0, ms, me;
    json_t *arr = json_array();
    while (n > 0 && q < n) {
        int rc = jp_re_search(c, re, s, n, q, &ms, &me);
        if (rc < 0) {
            json_decref(arr);
            return jv_null();
        }
        if (rc == 0 || ms >= n) break;
        if (me == p) {
            q = next_char(s, n, ms);
            continue;
        }
        json_array_append_new(arr, json_stringn(s + p, ms - p));
        p = q = me;
    }
    if (n > 0) json_array_append_new(arr, json_stringn(s + p, n - p));
    jv r = jv_null();
    r.k = V_JSON;
    r.u.j = r.hold = arr;
    return r;
}

/* Call function fn (a table index from jp_func_lookup) on its evaluated arguments.  The
 * result may hold a reference of its own (never one borrowed from an argument's hold);
 * the arguments stay owned by the caller. */
jv jp_func_call(jp_ctx *c, int fn, jv *args) {
    for (size_t i = 0; i < funcs[fn].nargs; i++) {
        const jv *a = &args[i];
        size_t work = a->k == V_STR ? a->u.s.n
                    : a->k != V_JSON ? 0
                    : json_is_array(a->u.j) ? json_array_size(a->u.j) : json_object_size(a->u.j);
        if (jp_tick(c, work) < 0) return jv_null();
        /* abs and to_number copy a kept number text (a 400 KB integer) whole */
        if (a->k == V_DEC && jp_tick_bytes(c, a->u.dec.n) < 0) return jv_null();
    }
    switch (fn) {
    case F_ABS: case F_CEIL: case F_FLOOR: return rounding(c, fn, &args[0]);
    case F_LENGTH: case F_COUNT: return size_of(c, fn, &args[0]);
    case F_SUM: case F_PROD: return fold(c, fn, &args[0]);
    case F_AVG: return average(c, &args[0]);
    case F_MIN: case F_MAX: return extreme(c, fn, &args[0]);
    case F_KEYS: return keys_of(c, &args[0]);
    case F_CONTAINS: return contains(c, &args[0], &args[1]);
    case F_STARTS_WITH: case F_ENDS_WITH: return affix(c, fn, &args[0], &args[1]);
    case F_TO_NUMBER: return to_number(c, &args[0]);
    case F_TOKENIZE: return tokenize(c, &args[0], &args[1]);
    default: return jv_null();
    }
}
