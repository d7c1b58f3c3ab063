/*
 * jsonpath_parse.c — the JSONPath compiler: source text → jp_query / jp_expr tree.
 *
 * A recursive-descent parser over the tokens of jsonpath_lex.c.  Paths (the top level and
 * the `@…`/`$…` operands inside filters) are parsed by parse_query; filter and index
 * expressions by precedence climbing (parse_bin), so an operator chain is a loop and each
 * parenthesis level costs only a few stack frames.  Every nesting construct goes through
 * jl_enter, and every operator node checks its height, so no input can make the parser,
 * the evaluator or jp_free recurse more than JP_MAX_NEST levels per construct.
 * All compile-time work (decoding names, canonical-index detection, regex compilation,
 * function lookup and arity checks, JSON literals) happens here, never during evaluation.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json/jsonpath_internal.h"

static int parse_query(jp_lex *l, jp_query *q);
static jp_expr *parse_bin(jp_lex *l, int minprec);
static jp_expr *parse_unary(jp_lex *l);

/* calloc or abort (allocation failure is fatal in ndb, see strbuf.h). */
static void *xcalloc(size_t n, size_t sz) {
    void *p = calloc(n ? n : 1, sz);
    if (!p) abort();
    return p;
}

/* realloc or abort. */
static void *xrealloc(void *p, size_t sz) {
    p = realloc(p, sz);
    if (!p) abort();
    return p;
}

/* Room for item n of an array of n items whose capacity doubles: it is full when n is 0 or
 * a power of two.  Growing by one item at a time copied the whole array for each selector
 * of a long union (200,000 of them took minutes where realloc cannot grow in place). */
static void *grow(void *p, size_t n, size_t size) {
    return n & (n - 1) ? p : xrealloc(p, (n ? 2 * n : 1) * size);
}

/* ---- freeing -------------------------------------------------------------------------- */

/* Free the contents of q (not q itself). */
void jp_query_clear(jp_query *q) {
    for (size_t i = 0; i < q->nseg; i++) {
        jp_seg *s = &q->seg[i];
        for (size_t k = 0; k < s->nsel; k++) {
            free(s->sel[k].name);
            jp_expr_free(s->sel[k].expr);
        }
        free(s->sel);
    }
    free(q->seg);
    q->seg = NULL;
    q->nseg = 0;
}

/* Free an expression tree (NULL is fine). */
void jp_expr_free(jp_expr *e) {
    if (!e) return;
    jp_expr_free(e->a);
    jp_expr_free(e->b);
    for (size_t i = 0; i < e->nargs; i++) jp_expr_free(e->args[i]);
    if (e->lit.k == V_STR) free((void *)e->lit.u.s.p);
    if (e->lit.k == V_JSON) json_decref(e->lit.u.j);
    if (e->lit.k == V_REGEX) pcre2_code_free(e->lit.u.re);
    json_decref(e->lit.hold); /* a V_DEC literal's text */
    jp_query_clear(&e->q);
    free(e);
}

/* Free a compiled path (NULL is fine). */
void jp_free(jp_path *p) {
    if (!p) return;
    jp_query_clear(&p->q);
    jp_numtexts_free(p->lits);
    pcre2_match_context_free(p->mctx);
    free(p);
}

/* ---- path segments -------------------------------------------------------------------- */

/* Append an empty segment to q. */
static jp_seg *add_seg(jp_query *q, int descend) {
    q->seg = grow(q->seg, q->nseg, sizeof *q->seg);
    jp_seg *s = &q->seg[q->nseg++];
    s->descend = descend;
    s->nsel = 0;
    s->sel = NULL;
    return s;
}

/* Append a zeroed selector of the given kind to s. */
static jp_sel *add_sel(jp_seg *s, jp_sel_kind kind) {
    s->sel = grow(s->sel, s->nsel, sizeof *s->sel);
    jp_sel *x = &s->sel[s->nsel++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    return x;
}

/* Make x a name selector owning `name` (malloc'd, NUL-terminated, n bytes). */
static void set_name(jp_sel *x, char *name, size_t n) {
    x->name = name;
    x->name_len = n;
    x->name_is_idx = jl_canonical_index(name, n, &x->name_idx);
    x->name_is_length = (n == 6 && memcmp(name, "length", 6) == 0);
}

/* Unquoted name or '*' at the cursor (after '.' or '..'); appends one selector. */
static int parse_member(jp_lex *l, jp_seg *s) {
    if (jl_peek(l) == '*') {
        l->i++;
        add_sel(s, SEL_WILD);
        return 0;
    }
    size_t start = l->i;
    while (l->i < l->n && jl_is_name_byte((unsigned char)l->s[l->i])) l->i++;
    if (l->i == start) return jl_unexpected(l, l->i);
    char *name = xcalloc(l->i - start + 1, 1);
    memcpy(name, l->s + start, l->i - start);
    set_name(add_sel(s, SEL_NAME), name, l->i - start);
    return 0;
}

/* Index or slice at the cursor (which is on '-', a digit or ':'). */
static int parse_index_or_slice(jp_lex *l, jp_seg *s) {
    jp_int v[3] = {{0, 0}, {0, 0}, {0, 0}};
    int has[3] = {0, 0, 0};
    for (int part = 0; part < 3; part++) {
        int c = jl_peek(l);
        size_t at = l->i;
        if (c == '-' || (c >= '0' && c <= '9')) {
            if (jl_int(l, &v[part]) < 0) return -1;
            has[part] = 1;
            if (part == 2 && v[2].mag == 0) return jl_fail(l, at, "slice step must not be 0");
        }
        jl_ws(l);
        if (part == 0 && jl_peek(l) != ':') {
            if (!has[0]) return jl_unexpected(l, l->i);
            add_sel(s, SEL_INDEX)->index = v[0];
            return 0;
        }
        if (part == 2 || jl_peek(l) != ':') break;
        l->i++;
        jl_ws(l);
    }
    jp_sel *x = add_sel(s, SEL_SLICE);
    memcpy(x->has, has, sizeof has);
    memcpy(x->sl, v, sizeof v);
    return 0;
}

/* One selector inside brackets. */
static int parse_selector(jp_lex *l, jp_seg *s) {
    int c = jl_peek(l);
    if (c == '\'' || c == '"') {
        char *name;
        size_t n;
        if (jl_quoted(l, &name, &n) < 0) return -1;
        set_name(add_sel(s, SEL_NAME), name, n);
        return 0;
    }
    if (c == '*') {
        l->i++;
        add_sel(s, SEL_WILD);
        return 0;
    }
    if (c == '?' || c == '(') {
        l->i++;
        jl_ws(l);
        jp_expr *e = parse_bin(l, 1);
        if (!e) return -1;
        add_sel(s, c == '?' ? SEL_FILTER : SEL_IDXEXPR)->expr = e;
        if (c == '?') return 0;
        jl_ws(l);
        if (jl_peek(l) != ')') return jl_unexpected(l, l->i);
        l->i++;
        return 0;
    }
    if (c == '-' || c == ':' || (c >= '0' && c <= '9')) return parse_index_or_slice(l, s);
    return jl_unexpected(l, l->i);
}

/* Bracket `[sel, sel, …]` at the cursor. */
static int parse_bracket(jp_lex *l, jp_seg *s) {
    if (jl_enter(l) < 0) return -1;
    l->i++;
    for (;;) {
        jl_ws(l);
        if (parse_selector(l, s) < 0) return -1;
        jl_ws(l);
        int c = jl_peek(l);
        l->i++;
        if (c == ']') break;
        if (c != ',') return jl_unexpected(l, l->i - 1);
    }
    jl_leave(l);
    return 0;
}

/* `.member`, `..member` or `..[…]` at the cursor (on the first '.'). */
static int parse_dot(jp_lex *l, jp_query *q) {
    int descend = jl_peek2(l) == '.';
    l->i += descend ? 2 : 1;
    jl_ws(l);
    jp_seg *s = add_seg(q, descend);
    if (descend && jl_peek(l) == '[') return parse_bracket(l, s);
    return parse_member(l, s);
}

/* 1 if the query can select at most one node (names, indices, index expressions only). */
static int is_singular(const jp_query *q) {
    for (size_t i = 0; i < q->nseg; i++) {
        const jp_seg *s = &q->seg[i];
        if (s->descend || s->nsel != 1) return 0;
        jp_sel_kind k = s->sel[0].kind;
        if (k != SEL_NAME && k != SEL_INDEX && k != SEL_IDXEXPR) return 0;
    }
    return 1;
}

/* Segments after a root `$`/`@` (already consumed).  Stops before the first byte that
 * cannot continue the path (whitespace before it is left unconsumed). */
static int parse_query(jp_lex *l, jp_query *q) {
    for (;;) {
        size_t save = l->i;
        jl_ws(l);
        int c = jl_peek(l), rc;
        if (c == '.') rc = parse_dot(l, q);
        else if (c == '[') rc = parse_bracket(l, add_seg(q, 0));
        else {
            l->i = save;
            break;
        }
        if (rc < 0) return -1;
    }
    q->singular = is_singular(q);
    return 0;
}

/* ---- expressions ---------------------------------------------------------------------- */

/* New node with operands a, b (either may be NULL); NULL (freeing a and b) when too tall. */
static jp_expr *mk(jp_lex *l, jp_op op, jp_expr *a, jp_expr *b) {
    int h = 0;
    if (a && a->height > h) h = a->height;
    if (b && b->height > h) h = b->height;
    if (h + 1 > JP_MAX_NEST) {
        jp_expr_free(a);
        jp_expr_free(b);
        jl_fail(l, l->i, "expression too deeply nested");
        return NULL;
    }
    jp_expr *e = xcalloc(1, sizeof *e);
    e->op = op;
    e->height = h + 1;
    e->a = a;
    e->b = b;
    return e;
}

/* Tallest expression inside the selectors of q. */
static int query_height(const jp_query *q) {
    int h = 0;
    for (size_t i = 0; i < q->nseg; i++)
        for (size_t k = 0; k < q->seg[i].nsel; k++)
            if (q->seg[i].sel[k].expr && q->seg[i].sel[k].expr->height > h)
                h = q->seg[i].sel[k].expr->height;
    return h;
}

/* Make e at least one taller than a child of height h; fails past JP_MAX_NEST. */
static int raise_height(jp_lex *l, jp_expr *e, int h) {
    if (h + 1 > JP_MAX_NEST) return jl_fail(l, l->i, "expression too deeply nested");
    if (h + 1 > e->height) e->height = h + 1;
    return 0;
}

static jp_re_budget *re_budget_of(jp_lex *l);

/* Compile pattern bytes into an E_REGEX node; pos is reported on failure. */
static jp_expr *mk_regex(jp_lex *l, const char *pat, size_t n, uint32_t opts, size_t pos) {
    char msg[120], what[140];
    size_t off = 0;
    pcre2_code *re = jp_re_compile(pat, n, opts, re_budget_of(l), msg, sizeof msg, &off);
    if (!re) {
        snprintf(what, sizeof what, "invalid regex (%s)", msg);
        jl_fail(l, pos + (off <= n ? off : n), what);
        return NULL;
    }
    jp_expr *e = mk(l, E_REGEX, NULL, NULL);
    if (!e) {
        pcre2_code_free(re);
        return NULL;
    }
    e->lit.k = V_REGEX;
    e->lit.u.re = re;
    return e;
}

/* A regex operand: a `/re/flags` literal, or else a unary operand (after `=~`) or a whole
 * expression (function argument); a plain string literal is compiled now. */
static jp_expr *parse_regex_operand(jp_lex *l, int whole) {
    jl_ws(l);
    size_t at = l->i;
    if (jl_peek(l) == '/') {
        size_t ps, pn;
        uint32_t opts;
        if (jl_regex_literal(l, &ps, &pn, &opts) < 0) return NULL;
        return mk_regex(l, l->s + ps, pn, opts, ps);
    }
    int quoted = jl_peek(l) == '\'' || jl_peek(l) == '"';
    jp_expr *e = whole ? parse_bin(l, 1) : parse_unary(l);
    if (!e || !quoted || e->op != E_LIT || e->lit.k != V_STR) return e;
    jp_expr *r = mk_regex(l, e->lit.u.s.p, e->lit.u.s.n, 0, at + 1);
    jp_expr_free(e);
    return r;
}

/* Binary operator at the cursor: returns its length (0 if none) and sets op and prec. */
static size_t binop_at(const jp_lex *l, jp_op *op, int *prec) {
    static const struct { const char *tok; jp_op op; int prec; } ops[] = {
        {"||", E_OR, 1}, {"&&", E_AND, 2}, {"==", E_EQ, 3}, {"!=", E_NE, 3},
        {"<=", E_LE, 4}, {">=", E_GE, 4}, {"<", E_LT, 4}, {">", E_GT, 4},
        {"=~", E_MATCH, 7}, {"+", E_ADD, 5}, {"-", E_SUB, 5},
        {"*", E_MUL, 6}, {"/", E_DIV, 6}, {"%", E_MOD, 6},
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t tl = strlen(ops[k].tok);
        if (l->i + tl <= l->n && memcmp(l->s + l->i, ops[k].tok, tl) == 0) {
            *op = ops[k].op;
            *prec = ops[k].prec;
            return tl;
        }
    }
    return 0;
}

/* Precedence climbing: operators of precedence >= minprec, grouping left to right. */
static jp_expr *parse_bin(jp_lex *l, int minprec) {
    jp_expr *a = parse_unary(l);
    while (a) {
        jl_ws(l);
        jp_op op;
        int prec;
        size_t tl = binop_at(l, &op, &prec);
        if (!tl || prec < minprec) break;
        l->i += tl;
        jp_expr *b = op == E_MATCH ? parse_regex_operand(l, 0) : parse_bin(l, prec + 1);
        a = b ? mk(l, op, a, b) : (jp_expr_free(a), NULL);
    }
    return a;
}

static jp_expr *parse_primary(jp_lex *l);

/* Unary `!` / `-` (nested prefixes count as nesting), else a primary.  `-` applied to a
 * number literal is folded into the literal. */
static jp_expr *parse_unary(jp_lex *l) {
    jl_ws(l);
    int c = jl_peek(l);
    if (c != '!' && c != '-') return parse_primary(l);
    l->i++;
    if (jl_enter(l) < 0) return NULL;
    jp_expr *a = parse_unary(l);
    jl_leave(l);
    if (!a) return NULL;
    if (c == '-' && a->op == E_LIT && a->lit.k == V_INT && a->lit.u.i != INT64_MIN) {
        a->lit.u.i = -a->lit.u.i;
        return a;
    }
    if (c == '-' && a->op == E_LIT && a->lit.k == V_REAL) {
        a->lit.u.d = -a->lit.u.d;
        return a;
    }
    if (c == '-' && a->op == E_LIT && a->lit.k == V_DEC) {
        jv neg = jp_dec_negate(&a->lit);
        jv_release(&a->lit);
        a->lit = neg;
        return a;
    }
    return mk(l, c == '!' ? E_NOT : E_NEG, a, NULL);
}

static json_t *parse_json(jp_lex *l);

/* The parser's state: the lexer, first, so that the jp_lex * every parse function takes
 * leads back here, and the table where literal arrays and objects record the exact texts of
 * their numbers.  (jp_lex itself is left as it is: the client's --where rewriter builds one.) */
typedef struct jp_parser {
    jp_lex l;
    jp_numtexts *lits;
    jp_re_budget re_left; /* for all the path's regex literals together */
} jp_parser;

static jp_numtexts *lits_of(jp_lex *l) { return ((jp_parser *)l)->lits; }
static jp_re_budget *re_budget_of(jp_lex *l) { return &((jp_parser *)l)->re_left; }

/* JSON array literal body (cursor on '['). */
static json_t *parse_json_array(jp_lex *l) {
    json_t *arr = json_array();
    l->i++;
    jl_ws(l);
    if (jl_peek(l) == ']') {
        l->i++;
        return arr;
    }
    for (;;) {
        json_t *v = parse_json(l);
        if (!v) break;
        json_array_append_new(arr, v);
        jl_ws(l);
        int c = jl_peek(l);
        l->i++;
        if (c == ']') return arr;
        if (c != ',') {
            jl_unexpected(l, l->i - 1);
            break;
        }
    }
    json_decref(arr);
    return NULL;
}

/* One `"key": value` member of an object literal into obj (first duplicate wins). */
static int parse_json_member(jp_lex *l, json_t *obj) {
    jl_ws(l);
    int c = jl_peek(l);
    if (c != '"' && c != '\'') return jl_unexpected(l, l->i);
    char *key;
    size_t kn;
    if (jl_quoted(l, &key, &kn) < 0) return -1;
    jl_ws(l);
    if (jl_peek(l) != ':') {
        free(key);
        return jl_unexpected(l, l->i);
    }
    l->i++;
    json_t *v = parse_json(l);
    if (v && !json_object_getn(obj, key, kn)) json_object_setn_new(obj, key, kn, v);
    else json_decref(v);
    free(key);
    return v ? 0 : -1;
}

/* JSON object literal body (cursor on '{'). */
static json_t *parse_json_object(jp_lex *l) {
    json_t *obj = json_object();
    l->i++;
    jl_ws(l);
    if (jl_peek(l) == '}') {
        l->i++;
        return obj;
    }
    for (;;) {
        if (parse_json_member(l, obj) < 0) break;
        jl_ws(l);
        int c = jl_peek(l);
        l->i++;
        if (c == '}') return obj;
        if (c != ',') {
            jl_unexpected(l, l->i - 1);
            break;
        }
    }
    json_decref(obj);
    return NULL;
}

/* Match keyword kw at the cursor as a whole word. */
static int keyword(const jp_lex *l, const char *kw) {
    size_t n = strlen(kw);
    if (l->i + n > l->n || memcmp(l->s + l->i, kw, n) != 0) return 0;
    return l->i + n == l->n || !jl_is_name_byte((unsigned char)l->s[l->i + n]);
}

/* Number literal at the cursor as a jv, of any size: beyond the double range it is a V_DEC
 * (docs/protocol.md 1.10: numbers of any size are accepted). */
static int parse_number(jp_lex *l, jv *v) {
    if (jl_number(l, v) < 0) return -1;
    if (v->k == V_DEC) *v = jv_dec(v->u.dec.p, v->u.dec.n, v->u.dec.d); /* own the text */
    return 0;
}

/* Any JSON value literal (strings may use either quote style). */
static json_t *parse_json(jp_lex *l) {
    jl_ws(l);
    int c = jl_peek(l);
    json_t *r = NULL;
    if (c == '[' || c == '{') {
        if (jl_enter(l) < 0) return NULL;
        r = c == '[' ? parse_json_array(l) : parse_json_object(l);
        jl_leave(l);
    } else if (c == '"' || c == '\'') {
        char *s;
        size_t n;
        if (jl_quoted(l, &s, &n) < 0) return NULL;
        r = json_stringn(s, n);
        free(s);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        jv v;
        if (parse_number(l, &v) < 0) return NULL;
        if (v.k == V_DEC) { /* the nearest finite double, with the exact text beside it */
            r = json_real(isfinite(v.u.dec.d) ? v.u.dec.d : copysign(DBL_MAX, v.u.dec.d));
            jp_numtexts_add(lits_of(l), r, v.u.dec.p, v.u.dec.n);
            jv_release(&v);
        } else {
            r = v.k == V_INT ? json_integer(v.u.i) : json_real(v.u.d);
        }
    } else if (keyword(l, "true") || keyword(l, "null")) {
        r = c == 't' ? json_true() : json_null();
        l->i += 4;
    } else if (keyword(l, "false")) {
        r = json_false();
        l->i += 5;
    } else {
        jl_unexpected(l, l->i);
    }
    return r;
}

/* Arguments of a call to function fn; cursor on '('. */
static jp_expr *parse_call(jp_lex *l, int fn, size_t nargs, size_t name_pos) {
    jp_expr *e = mk(l, E_CALL, NULL, NULL);
    if (!e) return NULL;
    e->fn = fn;
    l->i++;
    jl_ws(l);
    if (jl_peek(l) == ')') l->i++;
    else for (;;) {
        if (e->nargs == JP_MAX_ARGS) goto arity;
        int re = jp_func_regex_arg(fn, e->nargs);
        jp_expr *a = re ? parse_regex_operand(l, 1) : parse_bin(l, 1);
        if (!a) goto fail;
        e->args[e->nargs++] = a;
        if (raise_height(l, e, a->height) < 0) goto fail;
        jl_ws(l);
        int c = jl_peek(l);
        if (c != ',' && c != ')') {
            jl_unexpected(l, l->i);
            goto fail;
        }
        l->i++;
        if (c == ')') break;
    }
    if (e->nargs == nargs) return e;
arity:
    jl_fail(l, name_pos, "wrong number of function arguments");
fail:
    jp_expr_free(e);
    return NULL;
}

/* Identifier at the cursor: true/false/null or a function call. */
static jp_expr *parse_word(jp_lex *l) {
    size_t start = l->i, end = l->i;
    while (end < l->n && (jl_is_name_byte((unsigned char)l->s[end]) &&
                          (unsigned char)l->s[end] < 0x80))
        end++;
    jp_expr *e = NULL;
    if (keyword(l, "true") || keyword(l, "false") || keyword(l, "null")) {
        e = mk(l, E_LIT, NULL, NULL);
        if (e) e->lit = l->s[start] == 'n' ? jv_null() : jv_bool(l->s[start] == 't');
        l->i = end;
        return e;
    }
    size_t nargs;
    int fn = jp_func_lookup(l->s + start, end - start, &nargs);
    l->i = end;
    jl_ws(l);
    if (fn < 0 || jl_peek(l) != '(') {
        if (fn < 0 && jl_peek(l) == '(') jl_fail(l, start, "unknown function");
        else jl_unexpected(l, start);
        return NULL;
    }
    if (jl_enter(l) < 0) return NULL;
    e = parse_call(l, fn, nargs, start);
    jl_leave(l);
    return e;
}

/* `(expr)` at the cursor. */
static jp_expr *parse_paren(jp_lex *l) {
    if (jl_enter(l) < 0) return NULL;
    l->i++;
    jp_expr *e = parse_bin(l, 1);
    jl_leave(l);
    if (!e) return NULL;
    jl_ws(l);
    if (jl_peek(l) != ')') {
        jl_unexpected(l, l->i);
        jp_expr_free(e);
        return NULL;
    }
    l->i++;
    return e;
}

/* `@…` or `$…` path operand at the cursor.  Its height covers the nested expressions so
 * that evaluation depth stays bounded by JP_MAX_NEST across nested filters. */
static jp_expr *parse_path_operand(jp_lex *l) {
    jp_expr *e = mk(l, l->s[l->i] == '@' ? E_AT : E_ROOT, NULL, NULL);
    if (!e) return NULL;
    l->i++;
    if (jl_enter(l) < 0 || parse_query(l, &e->q) < 0 || raise_height(l, e, query_height(&e->q))) {
        jp_expr_free(e);
        return NULL;
    }
    jl_leave(l);
    return e;
}

/* String, number or JSON container literal at the cursor. */
static jp_expr *parse_literal(jp_lex *l) {
    int c = jl_peek(l);
    jp_expr *e = mk(l, E_LIT, NULL, NULL);
    if (!e) return NULL;
    int rc;
    if (c == '\'' || c == '"') {
        char *s;
        rc = jl_quoted(l, &s, &e->lit.u.s.n);
        if (rc == 0) {
            e->lit.k = V_STR;
            e->lit.u.s.p = s;
        }
    } else if (c == '[' || c == '{') {
        json_t *j = parse_json(l);
        rc = j ? 0 : -1;
        e->lit.k = V_JSON;
        e->lit.u.j = j;
        if (!j) e->lit.k = V_NULL;
    } else {
        rc = parse_number(l, &e->lit);
    }
    if (rc == 0) return e;
    jp_expr_free(e);
    return NULL;
}

/* Primary: parenthesis, path operand, literal, keyword or function call. */
static jp_expr *parse_primary(jp_lex *l) {
    jl_ws(l);
    int c = jl_peek(l);
    if (c == '(') return parse_paren(l);
    if (c == '@' || c == '$') return parse_path_operand(l);
    if (c == '\'' || c == '"' || c == '[' || c == '{' || (c >= '0' && c <= '9'))
        return parse_literal(l);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return parse_word(l);
    if (c == '/') jl_fail(l, l->i, "regex literal allowed only after =~ or in tokenize");
    else jl_unexpected(l, l->i);
    return NULL;
}

/* ---- entry point ---------------------------------------------------------------------- */

/* (see jsonpath.h) Validates UTF-8 first, then parses `ws root segments ws`. */
jp_path *jp_compile(const char *src, size_t len, jp_error *err) {
    jp_path *p = xcalloc(1, sizeof *p);
    p->mctx = jp_re_mctx_new();
    p->lits = jp_numtexts_new();
    jp_parser parser = {{src, len, 0, 0, 0, err}, p->lits, JP_RE_BUDGET_INIT};
    jp_lex *l = &parser.l;
    size_t bad;
    if (err) {
        err->pos = 0;
        err->msg[0] = '\0';
    }
    if (!src && len) len = l->n = 0;
    if (!jl_utf8_valid(src, len, &bad)) jl_fail(l, bad, "invalid UTF-8");
    else {
        jl_ws(l);
        int c = jl_peek(l);
        if (c != '$' && c != '@') jl_unexpected(l, l->i);
        else {
            l->i++;
            if (parse_query(l, &p->q) == 0) {
                jl_ws(l);
                if (l->i < l->n) jl_unexpected(l, l->i);
            }
        }
    }
    if (!l->failed) return p;
    jp_free(p);
    return NULL;
}
