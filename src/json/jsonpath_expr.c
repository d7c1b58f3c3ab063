/*
 * jsonpath_expr.c — filter expression evaluation (docs/protocol.md 3.14.3).
 *
 * Values are jv (see jsonpath_internal.h), so comparisons and arithmetic on scalars never
 * allocate.  This file holds the value model — truthiness, deep equality with numbers
 * compared by value, ordering, integer/double arithmetic with defined results for every
 * overflow and division by zero — and the tree walk that evaluates a jp_expr.  Path
 * operands are delegated to jsonpath_eval.c, functions to jsonpath_func.c and regex
 * matching to jsonpath_regex.c.  Evaluation depth is bounded by the expression height,
 * which the parser caps at JP_MAX_NEST.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json/decimal.h"
#include "json/jsonpath_internal.h"

#define TWO63 9223372036854775808.0

/* Constructors of plain (borrowed, hold-free) values. */
jv jv_null(void) {
    jv v;
    memset(&v, 0, sizeof v);
    v.k = V_NULL;
    return v;
}

jv jv_bool(int b) {
    jv v = jv_null();
    v.k = V_BOOL;
    v.u.b = b != 0;
    return v;
}

jv jv_int(int64_t i) {
    jv v = jv_null();
    v.k = V_INT;
    v.u.i = i;
    return v;
}

/* A double, or null when it is not finite (JSON cannot hold it). */
jv jv_real(double d) {
    if (!isfinite(d)) return jv_null();
    jv v = jv_null();
    v.k = V_REAL;
    v.u.d = d;
    return v;
}

/* A number kept as its text p[0..n) (copied: the value holds it), nearest double d. */
jv jv_dec(const char *p, size_t n, double d) {
    jv v = jv_null();
    v.k = V_DEC;
    v.hold = json_stringn_nocheck(p, n);
    v.u.dec.p = json_string_value(v.hold);
    v.u.dec.n = n;
    v.u.dec.d = d;
    return v;
}

/* Borrowed view of a jansson node (NULL → null); a real whose exact text c records (the
 * tree's or the path's literals) is V_DEC. */
jv jv_of(const jp_ctx *c, json_t *j) {
    jv v = jv_null();
    if (!j) return v;
    switch (json_typeof(j)) {
    case JSON_OBJECT:
    case JSON_ARRAY: v.k = V_JSON; v.u.j = j; break;
    case JSON_STRING:
        v.k = V_STR;
        v.u.s.p = json_string_value(j);
        v.u.s.n = json_string_length(j);
        break;
    case JSON_INTEGER: v.k = V_INT; v.u.i = (int64_t)json_integer_value(j); break;
    case JSON_REAL: return jv_of_real(c, j);
    case JSON_TRUE: v.k = V_BOOL; v.u.b = 1; break;
    case JSON_FALSE: v.k = V_BOOL; v.u.b = 0; break;
    default: break;
    }
    return v;
}

/* Drop what v holds; v becomes a plain borrowed value that must not be used further. */
void jv_release(jv *v) {
    json_decref(v->hold);
    v->hold = NULL;
}

/* Falsy: false, null, "", [], {}; everything else is truthy (3.14.3). */
int jv_truthy(const jv *v) {
    switch (v->k) {
    case V_NULL: return 0;
    case V_BOOL: return v->u.b;
    case V_STR: return v->u.s.n != 0;
    case V_JSON:
        return json_is_array(v->u.j) ? json_array_size(v->u.j) != 0
                                     : json_object_size(v->u.j) != 0;
    default: return 1;
    }
}

int jv_is_num(const jv *v) { return v->k == V_INT || v->k == V_REAL || v->k == V_DEC; }

double jv_to_double(const jv *v) {
    return v->k == V_INT ? (double)v->u.i : v->k == V_DEC ? v->u.dec.d : v->u.d;
}

/* The decimal text of a given number's value (an integer, a short text's double or a kept
 * text; never a computed double, which jv_num_cmp compares as a double), into buf (32
 * bytes); *p points at it. */
static size_t exact_text(const jv *v, char *buf, const char **p) {
    if (v->k == V_DEC) {
        *p = v->u.dec.p;
        return v->u.dec.n;
    }
    *p = buf;
    if (v->k == V_INT) return (size_t)snprintf(buf, 32, "%lld", (long long)v->u.i);
    return (size_t)snprintf(buf, 32, "%.15g", v->u.d); /* from_text: at most 15 digits */
}

/* Exact comparison of an integer with a finite double: -1, 0, 1. */
static int cmp_int_real(int64_t i, double d) {
    if (d >= TWO63) return -1;
    if (d < -TWO63) return 1;
    int64_t t = (int64_t)d; /* truncation; d - t is exact */
    if (i != t) return i < t ? -1 : 1;
    double frac = d - (double)t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

/* Compare two numbers by value: -1, 0, 1.  Both must satisfy jv_is_num. */
int jv_num_cmp(const jv *a, const jv *b) {
    if (a->k == V_INT && b->k == V_INT) return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    /* A double computed by arithmetic stands for a number given in the data or the path,
     * rounded on the way: compared with a number text it is compared as doubles, the text
     * rounded as well, so `@ * 1 == 0.1` and `@ * 2 == 0.2` hold for a stored 0.1 as in
     * JavaScript.  Numbers that are both given (stored or written in the path) compare
     * exactly, below. */
    int computed = (a->k == V_REAL && !a->from_text) || (b->k == V_REAL && !b->from_text);
    if (computed && (a->k != V_INT && b->k != V_INT)) {
        double x = jv_to_double(a), y = jv_to_double(b);
        return (x > y) - (x < y);
    }
    if (a->k == V_DEC || b->k == V_DEC || a->from_text || b->from_text) {
        /* Every number's double is its value rounded to the nearest (or the value itself),
         * and rounding never reverses an order, so different doubles decide; only equal ones
         * need the exact texts (two 15-digit texts with one double are equal: dec_short). */
        double x = jv_to_double(a), y = jv_to_double(b);
        if (x != y) return x < y ? -1 : 1;
        char ba[32], bb[32];
        const char *pa, *pb;
        size_t na = exact_text(a, ba, &pa), nb = exact_text(b, bb, &pb);
        return dec_cmp(pa, na, pb, nb);
    }
    if (a->k == V_INT) return cmp_int_real(a->u.i, b->u.d);
    if (b->k == V_INT) return -cmp_int_real(b->u.i, a->u.d);
    return (a->u.d > b->u.d) - (a->u.d < b->u.d);
}

/* Charge the comparison of two numbers: kept number texts (`1e400`, a 1,000-digit integer)
 * are compared digit by digit.  Returns -1 past the budget. */
int jp_tick_dec(jp_ctx *c, const jv *a, const jv *b) {
    size_t n = (a->k == V_DEC ? a->u.dec.n : 0) + (b->k == V_DEC ? b->u.dec.n : 0);
    return jp_tick_bytes(c, n);
}

static int json_deep_equal(jp_ctx *c, json_t *a, json_t *b);

/* Deep equality of two arrays. */
static int array_equal(jp_ctx *c, json_t *a, json_t *b) {
    size_t n = json_array_size(a);
    if (n != json_array_size(b)) return 0;
    for (size_t i = 0; i < n; i++)
        if (!json_deep_equal(c, json_array_get(a, i), json_array_get(b, i))) return 0;
    return 1;
}

/* Deep equality of two objects (member order does not matter). */
static int object_equal(jp_ctx *c, json_t *a, json_t *b) {
    if (json_object_size(a) != json_object_size(b)) return 0;
    const char *k;
    size_t kn;
    json_t *v;
    json_object_keylen_foreach(a, k, kn, v) {
        if (jp_tick_bytes(c, kn)) return 0; /* the lookup hashes the name */
        json_t *w = json_object_getn(b, k, kn);
        if (!w || !json_deep_equal(c, v, w)) return 0;
    }
    return 1;
}

/* Deep equality of two jansson nodes with numbers compared by value.  Recursion depth is
 * the depth of the shallower tree. */
static int json_deep_equal(jp_ctx *c, json_t *a, json_t *b) {
    /* each pair of nodes compared is a step: `$.big == $.other` in a filter
     * compares whole containers for every element it tests */
    if (jp_tick(c, 1)) return 0;
    if (a == b) return 1;
    if (json_is_array(a) && json_is_array(b)) return array_equal(c, a, b);
    if (json_is_object(a) && json_is_object(b)) return object_equal(c, a, b);
    if (json_is_array(a) || json_is_object(a) || json_is_array(b) || json_is_object(b))
        return 0;
    jv x = jv_of(c, a), y = jv_of(c, b);
    return jv_equal(c, &x, &y);
}

/* `==`: deep JSON equality; 1 == 1.0; "3" != 3. */
int jv_equal(jp_ctx *c, const jv *a, const jv *b) {
    if (jv_is_num(a) && jv_is_num(b)) return !jp_tick_dec(c, a, b) && jv_num_cmp(a, b) == 0;
    if (a->k != b->k) return 0;
    switch (a->k) {
    case V_NULL: return 1;
    case V_BOOL: return a->u.b == b->u.b;
    case V_STR:
        return a->u.s.n == b->u.s.n && !jp_tick_bytes(c, a->u.s.n) &&
               memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0;
    case V_JSON: return json_deep_equal(c, a->u.j, b->u.j);
    case V_REGEX: return a->u.re == b->u.re;
    default: return 0;
    }
}

/* `<` `<=` `>` `>=`: numbers by value, strings byte-wise, anything else null. */
static jv compare(jp_ctx *ctx, jp_op op, const jv *a, const jv *b) {
    int c;
    if (jv_is_num(a) && jv_is_num(b)) {
        if (jp_tick_dec(ctx, a, b)) return jv_null();
        c = jv_num_cmp(a, b);
    } else if (a->k == V_STR && b->k == V_STR) {
        size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        if (jp_tick_bytes(ctx, n)) return jv_null();
        c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
        if (c == 0) c = (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
    } else {
        return jv_null();
    }
    switch (op) {
    case E_LT: return jv_bool(c < 0);
    case E_LE: return jv_bool(c <= 0);
    case E_GT: return jv_bool(c > 0);
    default: return jv_bool(c >= 0);
    }
}

/* Integer arithmetic; returns 0 when the result does not fit (the caller then uses
 * doubles).  Division by zero must be excluded by the caller. */
static int int_arith(jp_op op, int64_t x, int64_t y, int64_t *r) {
    switch (op) {
    case E_ADD: return !__builtin_add_overflow(x, y, r);
    case E_SUB: return !__builtin_sub_overflow(x, y, r);
    case E_MUL: return !__builtin_mul_overflow(x, y, r);
    case E_DIV:
        if (x == INT64_MIN && y == -1) return 0;
        *r = x / y;
        return 1;
    default:
        *r = y == -1 ? 0 : x % y;
        return 1;
    }
}

/* `*` `/` `%` `+` `-`: numbers only, else null; by zero → null. */
static jv arith(jp_op op, const jv *a, const jv *b) {
    if (!jv_is_num(a) || !jv_is_num(b)) return jv_null();
    int by_zero = (op == E_DIV || op == E_MOD) && jv_to_double(b) == 0.0;
    if (by_zero) return jv_null();
    int64_t r;
    if (a->k == V_INT && b->k == V_INT && int_arith(op, a->u.i, b->u.i, &r)) return jv_int(r);
    double x = jv_to_double(a), y = jv_to_double(b);
    switch (op) {
    case E_ADD: return jv_real(x + y);
    case E_SUB: return jv_real(x - y);
    case E_MUL: return jv_real(x * y);
    case E_DIV: return jv_real(x / y);
    default: return jv_real(fmod(x, y));
    }
}

/* Unary minus: integers stay integers (-INT64_MIN becomes a double); non-numbers → null. */
static jv negate(const jv *a) {
    if (a->k == V_INT) return a->u.i == INT64_MIN ? jv_real(TWO63) : jv_int(-a->u.i);
    if (a->k == V_REAL) {
        jv r = jv_real(-a->u.d);
        r.from_text = a->from_text; /* -(3.14) is -3.14 */
        return r;
    }
    if (a->k == V_DEC) return jp_dec_negate(a);
    return jv_null();
}

/* -x of a decimal text, exact: the text without its '-', or with one. */
jv jp_dec_negate(const jv *a) {
    const char *p = a->u.dec.p;
    size_t n = a->u.dec.n;
    if (p[0] == '-') {
        jv r = *a;
        r.u.dec.p = p + 1;
        r.u.dec.n = n - 1;
        r.u.dec.d = -a->u.dec.d;
        if (r.hold) json_incref(r.hold);
        return r;
    }
    char small[64], *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) abort();
    buf[0] = '-';
    memcpy(buf + 1, p, n);
    jv r = jv_dec(buf, n + 1, -a->u.dec.d);
    if (buf != small) free(buf);
    return r;
}

/* `s =~ re`: true/false for a string subject, else null.  A run-time pattern that does not
 * compile is an evaluation error for the current element. */
static jv match(jp_ctx *c, const jp_expr *e, json_t *at) {
    jv s = jp_expr_eval(c, e->a, at), r = jv_null();
    if (s.k == V_STR && !c->failed) {
        jv p = jp_expr_eval(c, e->b, at);
        const pcre2_code *re = p.k == V_REGEX ? p.u.re
                             : p.k == V_STR ? jp_re_dynamic(c, p.u.s.p, p.u.s.n) : NULL;
        if (p.k == V_STR && !re) c->elem_err = 1;
        size_t ms, me;
        int rc = re && !c->failed ? jp_re_search(c, re, s.u.s.p, s.u.s.n, 0, &ms, &me) : -2;
        if (rc >= 0) r = jv_bool(rc);
        jv_release(&p);
    }
    jv_release(&s);
    return r;
}

/* Evaluate a function call: arguments left to right, then the function. */
static jv call(jp_ctx *c, const jp_expr *e, json_t *at) {
    jv args[JP_MAX_ARGS];
    size_t i;
    for (i = 0; i < e->nargs && !c->failed; i++) args[i] = jp_expr_eval(c, e->args[i], at);
    jv r = c->failed ? jv_null() : jp_func_call(c, e->fn, args);
    while (i > 0) jv_release(&args[--i]);
    return r;
}

/* `&&` / `||` with value semantics and short-circuit evaluation. */
static jv logic(jp_ctx *c, const jp_expr *e, json_t *at) {
    jv a = jp_expr_eval(c, e->a, at);
    int t = jv_truthy(&a);
    if ((e->op == E_AND) != t || c->failed) return a; /* && falsy or || truthy → left */
    jv_release(&a);
    return jp_expr_eval(c, e->b, at);
}

/* Binary operators other than &&, || and =~. */
static jv binary(jp_ctx *c, const jp_expr *e, json_t *at) {
    jv a = jp_expr_eval(c, e->a, at), b = jv_null(), r = jv_null();
    if (!c->failed) b = jp_expr_eval(c, e->b, at);
    switch (e->op) {
    case E_EQ: r = jv_bool(jv_equal(c, &a, &b)); break;
    case E_NE: r = jv_bool(!jv_equal(c, &a, &b)); break;
    case E_LT: case E_LE: case E_GT: case E_GE: r = compare(c, e->op, &a, &b); break;
    default: r = arith(e->op, &a, &b); break;
    }
    jv_release(&a);
    jv_release(&b);
    return r;
}

/* Evaluate e with `@` = at.  The result may hold a reference (release with jv_release).
 * On a fatal error (c->failed) the value is meaningless. */
jv jp_expr_eval(jp_ctx *c, const jp_expr *e, json_t *at) {
    jv v, r;
    if (c->failed || jp_tick(c, 1) < 0) return jv_null();
    switch (e->op) {
    case E_LIT:
    case E_REGEX:
        r = e->lit;
        r.hold = NULL;
        return r;
    case E_AT: return jp_eval_operand(c, &e->q, at);
    case E_ROOT: return jp_eval_operand(c, &e->q, c->root);
    case E_CALL: return call(c, e, at);
    case E_MATCH: return match(c, e, at);
    case E_AND:
    case E_OR: return logic(c, e, at);
    case E_NOT:
    case E_NEG:
        v = jp_expr_eval(c, e->a, at);
        /* negating a kept number text copies it: long ones cost by their length */
        if (e->op == E_NEG && v.k == V_DEC && jp_tick_bytes(c, v.u.dec.n) < 0) {
            jv_release(&v);
            return jv_null();
        }
        r = e->op == E_NOT ? jv_bool(!jv_truthy(&v)) : negate(&v);
        jv_release(&v);
        return r;
    default: return binary(c, e, at);
    }
}
