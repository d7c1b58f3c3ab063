/*
 * jsonpath_internal.h — shared types of the JSONPath engine (not part of the public API).
 *
 * A compiled path is a jp_query: a list of segments, each a list of selectors (a union).
 * Filters and index expressions hold a jp_expr tree.  Evaluation state lives in a jp_ctx
 * created by jp_eval; expression values are jv (a small tagged value that avoids building
 * jansson nodes for scalars).
 */
#ifndef NDB_JSONPATH_INTERNAL_H
#define NDB_JSONPATH_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>

#include "json/jsonpath.h"

/* ---- values -------------------------------------------------------------------------- */

typedef enum { V_NULL, V_BOOL, V_INT, V_REAL, V_DEC, V_STR, V_JSON, V_REGEX } jv_kind;

/* An expression value.  V_JSON holds only arrays and objects.  Everything is borrowed (from
 * the tree or the compiled path) except what `hold` keeps alive: when hold is not NULL the
 * value owns that one reference (e.g. an array built for a multi-match path, or the array a
 * string element was taken from) and jv_release drops it.  V_REGEX only comes from a regex
 * literal.  V_DEC is a number no int64 or double holds exactly (0.1, 2^64, 1e400): its JSON
 * text (borrowed, or kept alive by hold) and the nearest double (±inf beyond the range). */
typedef struct jv {
    jv_kind k;
    json_t *hold;
    int from_text; /* V_REAL: read from a number text of at most 15 significant digits
                    * (dec_short), whose value it stands for ("%.15g"); 0: computed, its
                    * value is the double's exact binary value */
    union {
        int b;
        int64_t i;
        double d;
        struct { const char *p; size_t n; } s;
        struct { const char *p; size_t n; double d; } dec;
        json_t *j;
        pcre2_code *re;
    } u;
} jv;

/* ---- compiled form ------------------------------------------------------------------- */

typedef struct jp_expr jp_expr;

typedef struct jp_int { int neg; uint64_t mag; } jp_int; /* sign + 64-bit magnitude */

typedef enum { SEL_NAME, SEL_INDEX, SEL_SLICE, SEL_WILD, SEL_FILTER, SEL_IDXEXPR } jp_sel_kind;

typedef struct jp_sel {
    jp_sel_kind kind;
    char *name;          /* SEL_NAME: decoded, owned */
    size_t name_len;
    int name_is_idx;     /* SEL_NAME: canonical non-negative decimal → array index */
    size_t name_idx;
    int name_is_length;  /* SEL_NAME: the name is "length" */
    jp_int index;        /* SEL_INDEX */
    int has[3];          /* SEL_SLICE: start, end, step present */
    jp_int sl[3];
    jp_expr *expr;       /* SEL_FILTER, SEL_IDXEXPR */
} jp_sel;

typedef struct jp_seg {
    int descend;         /* `..` */
    size_t nsel;
    jp_sel *sel;
} jp_seg;

typedef struct jp_query {
    int singular;        /* every segment is one name / index / index expression */
    size_t nseg;
    jp_seg *seg;
} jp_query;

typedef enum {
    E_LIT, E_AT, E_ROOT, E_REGEX, E_CALL,
    E_NOT, E_NEG, E_MATCH,
    E_MUL, E_DIV, E_MOD, E_ADD, E_SUB,
    E_LT, E_LE, E_GT, E_GE, E_EQ, E_NE, E_AND, E_OR
} jp_op;

#define JP_MAX_ARGS 2

struct jp_expr {
    jp_op op;
    int height;          /* 1 + height of the tallest child; capped at JP_MAX_NEST */
    jp_expr *a, *b;      /* operands of unary/binary operators */
    jv lit;              /* E_LIT (strings/containers owned by the node), E_REGEX */
    jp_query q;          /* E_AT, E_ROOT */
    int fn;              /* E_CALL: index into the function table */
    size_t nargs;
    jp_expr *args[JP_MAX_ARGS];
};

struct jp_path {
    jp_query q;
    jp_numtexts *lits;         /* exact texts of numbers in literal arrays/objects */
    pcre2_match_context *mctx; /* shared, read-only during evaluation */
};

/* ---- evaluation state ---------------------------------------------------------------- */

/* One step of a path under construction: records form a tree by `parent`; record 0 is the
 * root.  `hash` covers the whole path so equal paths have equal hashes. */
typedef struct jp_rec {
    uint32_t parent;
    int is_index;
    size_t index;
    const char *name;
    size_t name_len;
    uint64_t hash;
} jp_rec;

/* A node in a working set.  node == NULL marks a synthetic `length` whose value is synth. */
typedef struct jp_item {
    json_t *node;
    json_t *parent;
    uint32_t rec;
    size_t synth;
} jp_item;

typedef struct jp_list { jp_item *v; size_t n, cap; } jp_list;

typedef struct jp_ctx {
    const jp_path *path;
    json_t *root;
    const jp_numtexts *texts;  /* exact number texts of root's tree (may be NULL) */
    jp_rec *rec;
    size_t nrec, caprec;
    pcre2_match_data *md;   /* lazily created */
    char *dyn_pat;          /* one-entry cache of a run-time compiled pattern */
    size_t dyn_len;
    pcre2_code *dyn_re;
    int failed;             /* fatal: a step limit was exceeded; err is filled */
    uint64_t steps;         /* work done so far (the request's), bounded by JP_EVAL_STEP_LIMIT */
    uint64_t regex_ns;      /* regex matching and run-time compiles so far (the request's), bounded by JP_RE_TIME_LIMIT_NS */
    int elem_err;           /* evaluation error for the element under test */
    json_t *keep;           /* values whose bytes records point into (lazily created) */
    jp_error *err;
} jp_ctx;

/* ---- lexer / parser helpers (jsonpath_lex.c) ----------------------------------------- */

typedef struct jp_lex {
    const char *s;
    size_t n, i;
    int depth;              /* current nesting, capped at JP_MAX_NEST */
    int failed;
    jp_error *err;
} jp_lex;

int jl_fail(jp_lex *l, size_t pos, const char *what);
int jl_unexpected(jp_lex *l, size_t pos);
int jl_peek(const jp_lex *l);
int jl_peek2(const jp_lex *l);
void jl_ws(jp_lex *l);
int jl_is_name_byte(int c);
int jl_enter(jp_lex *l);
void jl_leave(jp_lex *l);
int jl_utf8_valid(const char *s, size_t n, size_t *bad);
int jl_quoted(jp_lex *l, char **out, size_t *outlen);
int jl_int(jp_lex *l, jp_int *v);
int jl_number(jp_lex *l, jv *out);
int jl_canonical_index(const char *s, size_t n, size_t *idx);
int jl_regex_literal(jp_lex *l, size_t *pstart, size_t *plen, uint32_t *opts);

/* ---- parser (jsonpath_parse.c) ------------------------------------------------------- */

void jp_query_clear(jp_query *q);
void jp_expr_free(jp_expr *e);

/* ---- regex (jsonpath_regex.c) -------------------------------------------------------- */

/* Code points that the ranges of case-insensitive classes may span in one pattern (and in
 * all the regex literals of one path together): PCRE2 compiles them one at a time. */
#define JP_RE_CASELESS_SPAN (1u << 22)
/* Named groups times named groups and name references, in one pattern (and in all the regex
 * literals of one path together): PCRE2 compares each new name with every earlier one and
 * looks each reference up name by name. */
#define JP_RE_NAME_PAIRS (1u << 21)
/* What the regex literals of one path, or one run-time pattern, may still cost to compile. */
typedef struct jp_re_budget {
    uint64_t span_left;  /* of JP_RE_CASELESS_SPAN */
    uint64_t pairs_left; /* of JP_RE_NAME_PAIRS */
} jp_re_budget;
#define JP_RE_BUDGET_INIT {JP_RE_CASELESS_SPAN, JP_RE_NAME_PAIRS}
pcre2_code *jp_re_compile(const char *pat, size_t n, uint32_t opts, jp_re_budget *left, char *msg,
                          size_t msgcap, size_t *erroff);
int jp_re_flags(const char *f, size_t n, uint32_t *opts);
int jp_re_search(jp_ctx *c, const pcre2_code *re, const char *s, size_t n, size_t from,
                 size_t *ms, size_t *me);
pcre2_code *jp_re_dynamic(jp_ctx *c, const char *pat, size_t n);
pcre2_match_context *jp_re_mctx_new(void);

/* ---- values and expressions (jsonpath_expr.c) ---------------------------------------- */

jv jv_null(void);
jv jv_bool(int b);
jv jv_int(int64_t i);
jv jv_real(double d);
jv jv_dec(const char *p, size_t n, double d);
jv jv_of(const jp_ctx *c, json_t *j);
jv jv_of_real(const jp_ctx *c, json_t *j); /* jsonpath_num.c */
void jv_release(jv *v);
int jv_truthy(const jv *v);
int jv_equal(jp_ctx *c, const jv *a, const jv *b);
int jv_is_num(const jv *v);
int jv_num_cmp(const jv *a, const jv *b);
/* Charge comparing numbers a and b to the budget (their kept texts' length); -1 past it. */
int jp_tick_dec(jp_ctx *c, const jv *a, const jv *b);
jv jp_dec_negate(const jv *a);
double jv_to_double(const jv *v);
size_t jp_utf8_count(const char *s, size_t n);
jv jp_expr_eval(jp_ctx *c, const jp_expr *e, json_t *at);

/* ---- functions (jsonpath_func.c) ----------------------------------------------------- */

/* Look up a function; returns its index and sets *nargs, or -1 if unknown. */
int jp_func_lookup(const char *name, size_t n, size_t *nargs);
/* 1 if argument `arg` of function fn may be a regex literal. */
int jp_func_regex_arg(int fn, size_t arg);
jv jp_func_call(jp_ctx *c, int fn, jv *args);

/* ---- evaluation (jsonpath_eval.c) ---------------------------------------------------- */

/* Work budget of one jp_eval: matches produced, containers visited, expression nodes
 * evaluated, elements scanned by functions, each further selector of a union applied
 * to a node and each node a singular path operand walks through all count. */
#define JP_EVAL_STEP_LIMIT 20000000u

/* Memory the results of one evaluation may take: each selected node's path is copied whole
 * (its steps and member names), so `$..*` over a deep value with long member names would
 * copy every long name into the path of each node below it, for gigabytes. */
#define JP_RESULT_BYTES_LIMIT ((size_t)128 << 20)

/* Fail the evaluation with "<what> exceeded its step limit (<limit> steps)" ("1 step"). */
void jp_fail_limit(jp_ctx *c, const char *what, unsigned limit);

/* Account for n units of work; returns -1 (and fails the evaluation) past the budget. */
static inline int jp_tick(jp_ctx *c, uint64_t n) {
    c->steps += n;
    if (c->steps <= JP_EVAL_STEP_LIMIT) return 0;
    jp_fail_limit(c, "path evaluation", JP_EVAL_STEP_LIMIT);
    return -1;
}

/* Bytes of string or name work that count as one step (JP_EVAL_STEP_LIMIT): comparing,
 * hashing or scanning a string costs in proportion to its length, so a filter repeating
 * `==` of two long strings, or a lookup of a long member name, over many elements must draw
 * on the budget accordingly, or one request could hold the server for minutes within it. */
#define JP_BYTES_PER_STEP 16u

/* Account for the work of handling n bytes of strings (short ones are free: their cost is
 * in the step of the operation that handles them). */
static inline int jp_tick_bytes(jp_ctx *c, size_t n) {
    return n < JP_BYTES_PER_STEP ? 0 : jp_tick(c, n / JP_BYTES_PER_STEP);
}

/* Evaluate a path operand of a filter starting at `start`; returns a borrowed node / scalar
 * value (singular path) or an owned array of the matches. */
jv jp_eval_operand(jp_ctx *c, const jp_query *q, json_t *start);

#endif
