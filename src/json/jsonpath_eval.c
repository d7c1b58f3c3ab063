/*
 * jsonpath_eval.c — running a compiled path over a jansson tree (docs/protocol.md 3.14.2-3.14.6).
 *
 * A working set (jp_list) of nodes flows through the segments; each selector appends its
 * matches.  Every match carries a path record (jp_rec): records form a tree by parent id
 * and carry a hash of the whole path, so de-duplication by normalised path is a hash-set
 * lookup plus, on a hash hit, a walk up both chains.  Duplicates can only appear after a
 * union, so only those segments are de-duplicated; recursive descent from several start
 * nodes skips containers already visited (by node), which keeps `..` linear in the tree
 * size and the order of first occurrences unchanged.  Descent uses an explicit stack,
 * never recursion.
 * At the end the records of the final matches are copied into a self-contained jp_results.
 *
 * Filter path operands are evaluated here too (jp_eval_operand): singular paths walk the
 * tree directly without records; others run the same machinery and return an array.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/plural.h"
#include "common/u64set.h"
#include "json/jsonpath_internal.h"

#define NO_PARENT UINT32_MAX
#define ROOT_KIND 2 /* jp_rec.is_index value of the root record */

struct jp_results {
    size_t n;
    jp_match *m;
    jp_step *steps;
    char *names;
};

/* Number of UTF-8 code points in s[0..n). */
size_t jp_utf8_count(const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* Mark the evaluation failed (first failure wins) with a step-limit message. */
void jp_fail_limit(jp_ctx *c, const char *what, unsigned limit) {
    if (!c->failed && c->err) {
        c->err->pos = 0;
        snprintf(c->err->msg, sizeof c->err->msg, "%s exceeded its step limit (%u step%s)",
                 what, limit, plural_s(limit));
    }
    c->failed = 1;
}

/* ---- path records --------------------------------------------------------------------- */

/* splitmix64 finaliser. */
static uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Hash of the path parent + step. */
static uint64_t step_hash(uint64_t parent, int is_index, size_t index, const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    if (is_index) return mix(parent ^ mix((uint64_t)index * 2 + 1));
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return mix(parent ^ mix(h * 2));
}

/* Append a record for step (is_index ? [index] : ['name']) under parent; returns its id. */
static uint32_t rec_add(jp_ctx *c, uint32_t parent, int is_index, size_t index,
                        const char *name, size_t n) {
    if (c->nrec == c->caprec) {
        c->caprec = c->caprec ? c->caprec * 2 : 64;
        if (c->caprec >= UINT32_MAX) abort();
        c->rec = realloc(c->rec, c->caprec * sizeof *c->rec);
        if (!c->rec) abort();
    }
    jp_tick(c, 1); /* every match and every visited container makes a record */
    jp_tick_bytes(c, n); /* step_hash reads the whole name */
    jp_rec *r = &c->rec[c->nrec];
    r->parent = parent;
    r->is_index = is_index;
    r->index = index;
    r->name = name;
    r->name_len = n;
    r->hash = parent == NO_PARENT ? 0x9e3779b97f4a7c15ULL
                                  : step_hash(c->rec[parent].hash, is_index, index, name, n);
    return (uint32_t)c->nrec++;
}

/* 1 if records a and b describe the same path. */
static int rec_equal(const jp_ctx *c, uint32_t a, uint32_t b) {
    while (a != b) {
        const jp_rec *x = &c->rec[a], *y = &c->rec[b];
        if (x->hash != y->hash || x->is_index != y->is_index || x->is_index == ROOT_KIND)
            return 0;
        if (x->is_index ? x->index != y->index
                        : x->name_len != y->name_len || memcmp(x->name, y->name, x->name_len))
            return 0;
        a = x->parent;
        b = y->parent;
    }
    return 1;
}

/* ---- sets of paths -------------------------------------------------------------------- */

typedef struct jp_set { uint32_t *slot; size_t cap, n; } jp_set; /* slot = rec id + 1 */

/* Insert rec into s; returns 1 if added, 0 if an equal path is already there. */
static int set_add(const jp_ctx *c, jp_set *s, uint32_t rec);

/* Double the table (or create it) and re-insert everything. */
static void set_grow(const jp_ctx *c, jp_set *s) {
    jp_set old = *s;
    s->cap = old.cap ? old.cap * 2 : 64;
    s->n = 0;
    s->slot = calloc(s->cap, sizeof *s->slot);
    if (!s->slot) abort();
    for (size_t i = 0; i < old.cap; i++)
        if (old.slot[i]) set_add(c, s, old.slot[i] - 1);
    free(old.slot);
}

/* (see the declaration above) */
static int set_add(const jp_ctx *c, jp_set *s, uint32_t rec) {
    if ((s->n + 1) * 2 > s->cap) set_grow(c, s);
    size_t mask = s->cap - 1, i = (size_t)c->rec[rec].hash & mask;
    for (; s->slot[i]; i = (i + 1) & mask)
        if (rec_equal(c, s->slot[i] - 1, rec)) return 0;
    s->slot[i] = rec + 1;
    s->n++;
    return 1;
}

/* Keep the first occurrence of every path in l. */
static void dedup(const jp_ctx *c, jp_list *l) {
    jp_set s = {NULL, 0, 0};
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        if (set_add(c, &s, l->v[i].rec)) l->v[k++] = l->v[i];
    l->n = k;
    free(s.slot);
}

/* ---- working sets ---------------------------------------------------------------------- */

/* Append an item to a working set (growing it as needed). */
static void list_push(jp_list *l, json_t *node, json_t *parent, uint32_t rec, size_t synth) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) abort();
    }
    jp_item *it = &l->v[l->n++];
    it->node = node;
    it->parent = parent;
    it->rec = rec;
    it->synth = synth;
}

/* Emit element i of the array in->node. */
static void emit_index(jp_ctx *c, const jp_item *in, size_t i, jp_list *out) {
    list_push(out, json_array_get(in->node, i), in->node, rec_add(c, in->rec, 1, i, NULL, 0), 0);
}

/* Emit member (key, kn) = v of the object in->node. */
static void emit_member(jp_ctx *c, const jp_item *in, const char *key, size_t kn, json_t *v,
                        jp_list *out) {
    list_push(out, v, in->node, rec_add(c, in->rec, 0, 0, key, kn), 0);
}

/* Emit the synthetic `length` pseudo-member of in->node. */
static void emit_length(jp_ctx *c, const jp_item *in, size_t len, jp_list *out) {
    list_push(out, NULL, in->node, rec_add(c, in->rec, 0, 0, "length", 6), len);
}

/* Resolve index literal v against length len (negative from the end); 0 if out of range. */
static int resolve(jp_int v, size_t len, size_t *out) {
    if (v.neg ? v.mag > len : v.mag >= len) return 0;
    *out = v.neg ? len - (size_t)v.mag : (size_t)v.mag;
    return 1;
}

/* ---- selectors ------------------------------------------------------------------------- */

/* Name: object member; array index (canonical decimal) or `length`; string `length`. */
static void sel_name(jp_ctx *c, const jp_sel *s, const jp_item *in, jp_list *out) {
    json_t *n = in->node, *v;
    if (json_is_object(n)) {
        if (!jp_tick_bytes(c, s->name_len) && (v = json_object_getn(n, s->name, s->name_len)))
            emit_member(c, in, s->name, s->name_len, v, out);
    } else if (json_is_array(n)) {
        if (s->name_is_idx && s->name_idx < json_array_size(n)) emit_index(c, in, s->name_idx, out);
        else if (s->name_is_length) emit_length(c, in, json_array_size(n), out);
    } else if (json_is_string(n) && s->name_is_length && !jp_tick_bytes(c, json_string_length(n))) {
        emit_length(c, in, jp_utf8_count(json_string_value(n), json_string_length(n)), out);
    }
}

/* Slice bound: explicit value v (negative has L added, capped at L) or the default. */
static int64_t slice_bound(const jp_sel *s, int k, int64_t L, int64_t dflt) {
    if (!s->has[k]) return dflt;
    int64_t m = s->sl[k].mag > (uint64_t)L ? L + 1 : (int64_t)s->sl[k].mag;
    return s->sl[k].neg ? L - m : (m > L ? L : m);
}

/* Python-like slice of an array (3.14.2). */
static void sel_slice(jp_ctx *c, const jp_sel *s, const jp_item *in, jp_list *out) {
    if (!json_is_array(in->node) || json_array_size(in->node) == 0) return;
    int64_t L = (int64_t)json_array_size(in->node);
    int64_t t = 1;
    if (s->has[2]) {
        t = s->sl[2].mag > (uint64_t)L ? L + 1 : (int64_t)s->sl[2].mag;
        if (s->sl[2].neg) t = -t;
    }
    if (t > 0) {
        int64_t b = slice_bound(s, 0, L, 0), e = slice_bound(s, 1, L, L);
        for (int64_t i = b < 0 ? 0 : b; i < e; i += t) emit_index(c, in, (size_t)i, out);
    } else {
        int64_t b = slice_bound(s, 0, L, L - 1), e = slice_bound(s, 1, L, -1);
        for (int64_t i = b > L - 1 ? L - 1 : b; i > (e < -1 ? -1 : e); i += t)
            emit_index(c, in, (size_t)i, out);
    }
}

/* Wildcard: every member value / element. */
static void sel_wild(jp_ctx *c, const jp_item *in, jp_list *out) {
    if (json_is_array(in->node)) {
        for (size_t i = 0; i < json_array_size(in->node); i++) emit_index(c, in, i, out);
    } else if (json_is_object(in->node)) {
        const char *k;
        size_t kn;
        json_t *v;
        json_object_keylen_foreach(in->node, k, kn, v) emit_member(c, in, k, kn, v, out);
    }
}

/* Evaluate a filter for one candidate; 1 if it is selected.  An evaluation error for the
 * candidate unselects it without disturbing an enclosing filter's error state. */
static int filter_true(jp_ctx *c, const jp_expr *e, json_t *at) {
    int saved = c->elem_err;
    c->elem_err = 0;
    jv v = jp_expr_eval(c, e, at);
    int t = !c->elem_err && !c->failed && jv_truthy(&v);
    jv_release(&v);
    c->elem_err = saved;
    return t;
}

/* Filter: members / elements for which the expression is truthy. */
static void sel_filter(jp_ctx *c, const jp_sel *s, const jp_item *in, jp_list *out) {
    if (json_is_array(in->node)) {
        for (size_t i = 0; i < json_array_size(in->node) && !c->failed; i++)
            if (filter_true(c, s->expr, json_array_get(in->node, i))) emit_index(c, in, i, out);
    } else if (json_is_object(in->node)) {
        const char *k;
        size_t kn;
        json_t *v;
        json_object_keylen_foreach(in->node, k, kn, v) {
            if (c->failed) break;
            if (filter_true(c, s->expr, v)) emit_member(c, in, k, kn, v, out);
        }
    }
}

/* Evaluate index expression e on node.  Returns 1 with *idx for an array element, 2 with
 * *key (an object member name whose bytes stay valid until the end of the evaluation) and
 * *child, or 0 when it selects nothing. */
static int idxexpr_target(jp_ctx *c, const jp_expr *e, json_t *node, size_t *idx,
                          jv *key, json_t **child) {
    int saved = c->elem_err, r = 0;
    c->elem_err = 0;
    jv v = jp_expr_eval(c, e, node);
    if (c->elem_err || c->failed) {
        r = 0;
    } else if (json_is_array(node) && v.k == V_INT) { /* an integer, never a double (3.14.7) */
        int64_t i = v.u.i;
        jp_int ji = {i < 0, i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i};
        r = resolve(ji, json_array_size(node), idx);
    } else if (json_is_object(node) && v.k == V_STR && !jp_tick_bytes(c, v.u.s.n) &&
               (*child = json_object_getn(node, v.u.s.p, v.u.s.n))) {
        if (v.hold) {
            if (!c->keep) c->keep = json_array();
            json_array_append(c->keep, v.hold);
        }
        *key = v;
        r = 2;
    }
    jv_release(&v);
    c->elem_err = saved;
    return r;
}

/* Index expression `[(expr)]`. */
static void sel_idxexpr(jp_ctx *c, const jp_sel *s, const jp_item *in, jp_list *out) {
    size_t idx;
    jv key;
    json_t *child;
    int r = idxexpr_target(c, s->expr, in->node, &idx, &key, &child);
    if (r == 1) emit_index(c, in, idx, out);
    else if (r == 2) emit_member(c, in, key.u.s.p, key.u.s.n, child, out);
}

/* Apply every selector of seg to one node. */
static void apply_seg(jp_ctx *c, const jp_seg *seg, const jp_item *in, jp_list *out) {
    if (!in->node) return; /* a synthetic length has no children */
    /* The node's own record paid for one selector.  Each further selector of a union is
     * work of its own even where it selects nothing: `$..[9,9,…]` with 20,000 of them
     * over 100,000 containers held the server for seconds without a step counted. */
    if (seg->nsel > 1 && jp_tick(c, seg->nsel - 1)) return;
    for (size_t k = 0; k < seg->nsel && !c->failed; k++) {
        const jp_sel *s = &seg->sel[k];
        size_t i;
        switch (s->kind) {
        case SEL_NAME: sel_name(c, s, in, out); break;
        case SEL_INDEX:
            if (json_is_array(in->node) && resolve(s->index, json_array_size(in->node), &i))
                emit_index(c, in, i, out);
            break;
        case SEL_SLICE: sel_slice(c, s, in, out); break;
        case SEL_WILD: sel_wild(c, in, out); break;
        case SEL_FILTER: sel_filter(c, s, in, out); break;
        case SEL_IDXEXPR: sel_idxexpr(c, s, in, out); break;
        }
    }
}

/* ---- recursive descent ----------------------------------------------------------------- */

/* Push the array/object children of it onto the stack so that the first child is on top. */
static void push_children(jp_ctx *c, jp_list *stack, const jp_item *it) {
    size_t base = stack->n;
    json_t *n = it->node, *v;
    if (json_is_array(n)) {
        for (size_t i = 0; i < json_array_size(n); i++) {
            v = json_array_get(n, i);
            if (json_is_array(v) || json_is_object(v))
                list_push(stack, v, n, rec_add(c, it->rec, 1, i, NULL, 0), 0);
        }
    } else {
        const char *k;
        size_t kn;
        json_object_keylen_foreach(n, k, kn, v) {
            if (json_is_array(v) || json_is_object(v))
                list_push(stack, v, n, rec_add(c, it->rec, 0, 0, k, kn), 0);
        }
    }
    for (size_t a = base, b = stack->n; a + 1 < b; a++, b--) {
        jp_item t = stack->v[a];
        stack->v[a] = stack->v[b - 1];
        stack->v[b - 1] = t;
    }
}

/* `..X`: apply X to each start node and every descendant container, pre-order.  With
 * several start nodes, a container already visited is skipped with its subtree:
 * everything it would produce has been produced already.  A container of the tree has
 * one path, so "already visited" is its node: comparing the paths instead walked both
 * record chains to the root for each start node (`$..*..*…` over 100,000 containers a
 * thousand levels down took 0.3 s a segment, uncounted). */
static void descend(jp_ctx *c, const jp_seg *seg, const jp_list *cur, jp_list *out) {
    u64set seen = U64SET_INIT;
    jp_list stack = {NULL, 0, 0};
    for (size_t i = 0; i < cur->n && !c->failed; i++) {
        if (!json_is_array(cur->v[i].node) && !json_is_object(cur->v[i].node)) continue;
        list_push(&stack, cur->v[i].node, cur->v[i].parent, cur->v[i].rec, 0);
        while (stack.n && !c->failed) {
            jp_item it = stack.v[--stack.n];
            if (cur->n > 1 && !u64set_add(&seen, (uint64_t)(uintptr_t)it.node)) continue;
            apply_seg(c, seg, &it, out);
            push_children(c, &stack, &it);
        }
    }
    free(stack.v);
    u64set_free(&seen);
}

/* ---- queries --------------------------------------------------------------------------- */

/* Run q from `start` (whose record is rec); the de-duplicated matches end up in *res
 * (caller frees res->v).  Returns -1 if the evaluation failed fatally. */
static int run_query(jp_ctx *c, const jp_query *q, json_t *start, uint32_t rec, jp_list *res) {
    jp_list a = {NULL, 0, 0}, b = {NULL, 0, 0};
    list_push(&a, start, NULL, rec, 0);
    for (size_t s = 0; s < q->nseg && a.n && !c->failed; s++) {
        const jp_seg *seg = &q->seg[s];
        b.n = 0;
        if (seg->descend) descend(c, seg, &a, &b);
        else for (size_t i = 0; i < a.n && !c->failed; i++) apply_seg(c, seg, &a.v[i], &b);
        if (seg->nsel > 1) dedup(c, &b);
        jp_list t = a;
        a = b;
        b = t;
    }
    free(b.v);
    *res = a;
    return c->failed ? -1 : 0;
}

/* One step of a singular path operand: the child of n, or NULL.  A `length` pseudo-member
 * sets *len and returns NULL. */
static json_t *singular_step(jp_ctx *c, const jp_sel *s, json_t *n, int64_t *len) {
    size_t i;
    jv key;
    json_t *child;
    switch (s->kind) {
    case SEL_NAME:
        if (json_is_object(n))
            return jp_tick_bytes(c, s->name_len) ? NULL : json_object_getn(n, s->name, s->name_len);
        if (json_is_array(n) && s->name_is_idx) return json_array_get(n, s->name_idx);
        if (json_is_array(n) && s->name_is_length) *len = (int64_t)json_array_size(n);
        if (json_is_string(n) && s->name_is_length && !jp_tick_bytes(c, json_string_length(n)))
            *len = (int64_t)jp_utf8_count(json_string_value(n), json_string_length(n));
        return NULL;
    case SEL_INDEX:
        return json_is_array(n) && resolve(s->index, json_array_size(n), &i)
                   ? json_array_get(n, i) : NULL;
    default: /* SEL_IDXEXPR */
        switch (idxexpr_target(c, s->expr, n, &i, &key, &child)) {
        case 1: return json_array_get(n, i);
        case 2: return child;
        default: return NULL;
        }
    }
}

/* Value of a singular path: the node, a `length` integer, or null. */
static jv eval_singular(jp_ctx *c, const jp_query *q, json_t *n) {
    for (size_t s = 0; s < q->nseg && n; s++) {
        int64_t len = -1;
        /* every node walked through is a visit: `$.a.a.a…` a thousand levels down, tested
         * for each of 40,000 elements, was 40,000,000 lookups for 120,000 steps */
        if (jp_tick(c, 1)) return jv_null();
        n = singular_step(c, &q->seg[s].sel[0], n, &len);
        if (len >= 0) return s + 1 == q->nseg ? jv_int(len) : jv_null();
    }
    return jv_of(c, n);
}

/* (see jsonpath_internal.h) Record ids created for a non-singular operand are dropped
 * again before returning; the matches are copied into the returned array. */
jv jp_eval_operand(jp_ctx *c, const jp_query *q, json_t *start) {
    if (q->singular) return eval_singular(c, q, start);
    size_t mark = c->nrec;
    jp_list res;
    run_query(c, q, start, 0, &res);
    json_t *arr = json_array();
    for (size_t i = 0; i < res.n && !c->failed; i++) {
        json_t *v = res.v[i].node;
        json_array_append_new(arr, v ? json_incref(v) : json_integer((json_int_t)res.v[i].synth));
    }
    free(res.v);
    c->nrec = mark;
    jv r = jv_null();
    r.k = V_JSON;
    r.u.j = r.hold = arr;
    return r;
}

/* ---- results --------------------------------------------------------------------------- */

/* Steps and name bytes needed for the path of record r. */
static void rec_size(const jp_ctx *c, uint32_t r, size_t *steps, size_t *bytes) {
    for (; c->rec[r].parent != NO_PARENT; r = c->rec[r].parent) {
        (*steps)++;
        if (!c->rec[r].is_index) *bytes += c->rec[r].name_len + 1;
    }
}

/* Fill m from item it: steps written backwards from the leaf, names copied to *names. */
static void fill_match(const jp_ctx *c, const jp_item *it, jp_match *m, jp_step *steps,
                       char **names) {
    size_t d = 0, b = 0;
    rec_size(c, it->rec, &d, &b);
    m->node = it->node ? it->node : json_integer((json_int_t)it->synth);
    m->parent = it->parent;
    m->synthetic = it->node == NULL;
    m->steps = steps;
    m->nsteps = d;
    for (uint32_t r = it->rec; d > 0; r = c->rec[r].parent) {
        const jp_rec *x = &c->rec[r];
        jp_step *st = &steps[--d];
        st->is_index = x->is_index;
        st->index = x->index;
        st->name = NULL;
        st->name_len = x->name_len;
        if (!x->is_index) {
            memcpy(*names, x->name, x->name_len);
            (*names)[x->name_len] = '\0';
            st->name = *names;
            *names += x->name_len + 1;
        } else {
            st->name_len = 0;
        }
    }
}

/* Count the steps and name bytes of every result's path into *nsteps and *bytes; fails the
 * evaluation (returning -1) as soon as they would pass JP_RESULT_BYTES_LIMIT, so the walk
 * itself stays bounded too. */
static int results_size(jp_ctx *c, const jp_list *l, size_t *nsteps, size_t *bytes) {
    size_t fixed = l->n * sizeof(jp_match);
    for (size_t i = 0; i < l->n; i++) {
        rec_size(c, l->v[i].rec, nsteps, bytes);
        if (fixed + *nsteps * sizeof(jp_step) + *bytes <= JP_RESULT_BYTES_LIMIT) continue;
        if (c->err) {
            c->err->pos = 0;
            snprintf(c->err->msg, sizeof c->err->msg,
                     "path results exceeded their size limit (%zu MiB of paths)", JP_RESULT_BYTES_LIMIT >> 20);
        }
        c->failed = 1;
        return -1;
    }
    return 0;
}

/* Build the self-contained result set from the final working set; NULL (c failed) when it
 * would be too big. */
static jp_results *materialise(jp_ctx *c, const jp_list *l) {
    size_t nsteps = 0, bytes = 0;
    if (results_size(c, l, &nsteps, &bytes)) return NULL;
    jp_results *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->n = l->n;
    r->m = calloc(l->n ? l->n : 1, sizeof *r->m);
    r->steps = calloc(nsteps ? nsteps : 1, sizeof *r->steps);
    r->names = malloc(bytes ? bytes : 1);
    if (!r->m || !r->steps || !r->names) abort();
    jp_step *steps = r->steps;
    char *names = r->names;
    for (size_t i = 0; i < l->n; i++) {
        fill_match(c, &l->v[i], &r->m[i], steps, &names);
        steps += r->m[i].nsteps;
    }
    return r;
}

/* (see jsonpath.h) */
int jp_eval(const jp_path *p, json_t *root, jp_results **out, jp_error *err) {
    jp_budget b = {0, 0};
    return jp_eval_in(p, root, &b, out, err);
}

int jp_budget_charge(jp_budget *b, uint64_t steps, jp_error *err) {
    jp_ctx c;
    memset(&c, 0, sizeof c);
    c.err = err;
    c.steps = b->steps;
    int rc = jp_tick(&c, steps);
    b->steps = c.steps;
    return rc;
}

int jp_eval_in(const jp_path *p, json_t *root, jp_budget *b, jp_results **out, jp_error *err) {
    return jp_eval_exact(p, root, NULL, b, out, err);
}

/* jp_eval_exact and jp_eval_count: with out, the results are materialised; else only
 * their number goes to *count. */
static int evaluate(const jp_path *p, json_t *root, const jp_numtexts *texts, jp_budget *b,
                    jp_results **out, size_t *count, jp_error *err) {
    jp_ctx c;
    memset(&c, 0, sizeof c);
    c.path = p;
    c.root = root;
    c.texts = texts;
    c.err = err;
    c.steps = b->steps; /* the request's budget goes on where its last evaluation left it */
    c.regex_ns = b->regex_ns;
    rec_add(&c, NO_PARENT, ROOT_KIND, 0, NULL, 0);
    jp_list res = {NULL, 0, 0};
    if (root) run_query(&c, &p->q, root, 0, &res);
    b->steps = c.steps;
    b->regex_ns = c.regex_ns;
    if (out) *out = c.failed ? NULL : materialise(&c, &res);
    else *count = c.failed ? 0 : res.n;
    free(res.v);
    free(c.rec);
    pcre2_match_data_free(c.md);
    pcre2_code_free(c.dyn_re);
    free(c.dyn_pat);
    json_decref(c.keep);
    return c.failed ? -1 : 0;
}

int jp_eval_exact(const jp_path *p, json_t *root, const jp_numtexts *texts, jp_budget *b,
                  jp_results **out, jp_error *err) {
    return evaluate(p, root, texts, b, out, NULL, err);
}

int jp_eval_count(const jp_path *p, json_t *root, const jp_numtexts *texts, jp_budget *b,
                  size_t *count, jp_error *err) {
    return evaluate(p, root, texts, b, NULL, count, err);
}

/* Public accessors and the normalised path printer: see jsonpath.h. */
size_t jp_results_count(const jp_results *r) { return r ? r->n : 0; }

const jp_match *jp_results_get(const jp_results *r, size_t i) {
    return r && i < r->n ? &r->m[i] : NULL;
}

void jp_results_free(jp_results *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++)
        if (r->m[i].synthetic) json_decref(r->m[i].node);
    free(r->m);
    free(r->steps);
    free(r->names);
    free(r);
}

void jp_normalised_path(const jp_match *m, strbuf *out) {
    sb_addc(out, '$');
    for (size_t i = 0; i < m->nsteps; i++) {
        const jp_step *s = &m->steps[i];
        if (s->is_index) {
            sb_addc(out, '[');
            sb_add_u64(out, s->index);
            sb_addc(out, ']');
            continue;
        }
        SB_ADD_LIT(out, "['");
        for (size_t k = 0; k < s->name_len; k++) {
            char ch = s->name[k];
            const char *e = ch == '\'' ? "\\'" : ch == '\\' ? "\\\\" : ch == '\b' ? "\\b"
                          : ch == '\f' ? "\\f" : ch == '\n' ? "\\n" : ch == '\r' ? "\\r"
                          : ch == '\t' ? "\\t" : NULL;
            if (e) sb_add(out, e, 2);
            else sb_addc(out, ch);
        }
        SB_ADD_LIT(out, "']");
    }
}
