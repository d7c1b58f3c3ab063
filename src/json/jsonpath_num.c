/*
 * jsonpath_num.c — exact number texts of a tree's number nodes (see jp_numtexts in
 * jsonpath.h).
 *
 * A map from a node's address to its text, by open addressing.  Most values have no number
 * that needs one, and then evaluation only checks that the map is empty; lookups happen only
 * for real (non-integer) nodes.
 */
#include <stdlib.h>

#include "common/hash.h"
#include "json/decimal.h"
#include "json/jsonpath_internal.h"

typedef struct slot {
    const json_t *node; /* NULL: empty */
    size_t off, len;    /* the text in `text` */
    double d;           /* the nearest double */
} slot;

struct jp_numtexts {
    slot *slots;
    size_t cap, n; /* cap: a power of two, or 0 */
    strbuf text;
};

jp_numtexts *jp_numtexts_new(void) {
    jp_numtexts *t = calloc(1, sizeof *t);
    if (!t) abort();
    return t;
}

void jp_numtexts_free(jp_numtexts *t) {
    if (!t) return;
    free(t->slots);
    sb_free(&t->text);
    free(t);
}

static size_t find(const jp_numtexts *t, const json_t *node) {
    size_t i = (size_t)hash_u64((uint64_t)(uintptr_t)node) & (t->cap - 1);
    while (t->slots[i].node && t->slots[i].node != node) i = (i + 1) & (t->cap - 1);
    return i;
}

void jp_numtexts_add(jp_numtexts *t, const json_t *node, const char *text, size_t n) {
    if (2 * (t->n + 1) > t->cap) { /* keep it at most half full */
        slot *old = t->slots;
        size_t oldcap = t->cap;
        t->cap = oldcap ? 2 * oldcap : 16;
        t->slots = calloc(t->cap, sizeof *t->slots);
        if (!t->slots) abort();
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].node) t->slots[find(t, old[i].node)] = old[i];
        free(old);
    }
    size_t i = find(t, node);
    if (!t->slots[i].node) t->n++;
    t->slots[i] = (slot){node, t->text.len, n, 0};
    (void)dec_short(text, n, &t->slots[i].d);
    sb_add(&t->text, text, n);
}

/* The slot recorded for node, or NULL. */
static const slot *lookup(const jp_numtexts *t, const json_t *node) {
    if (!t || !t->n) return NULL;
    size_t i = find(t, node);
    return t->slots[i].node ? &t->slots[i] : NULL;
}

jv jv_of_real(const jp_ctx *c, json_t *j) {
    const slot *s = c ? lookup(c->texts, j) : NULL;
    const jp_numtexts *in = c ? c->texts : NULL;
    if (!s && c) s = lookup(in = c->path->lits, j);
    if (!s) { /* a number of at most 15 digits: the double stands for its text */
        jv v = jv_real(json_real_value(j));
        v.from_text = 1;
        return v;
    }
    jv v = jv_null();
    v.k = V_DEC;
    v.u.dec.p = in->text.buf + s->off;
    v.u.dec.n = s->len;
    v.u.dec.d = s->d;
    return v;
}
