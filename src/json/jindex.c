/*
 * jindex.c — hash index of an object's member names (see jindex.h).
 *
 * Open addressing with linear probing over a power-of-two table at most
 * half full.  Names are hashed decoded (hash_bytes is keyed, so a client
 * cannot choose names that all collide), and compared with jstr_equals, so
 * "a" and "\u0061" are one name, as for jobj_get.
 */
#include "json/jindex.h"

#include <stdlib.h>

#include "common/hash.h"

/* The decoded name of string token k: decoded into scratch only when the
 * token has escapes, else a view of the text inside the quotes. */
static void name_of(const jdoc *d, uint32_t k, strbuf *scratch, const char **name, size_t *n) {
    const jtok *t = &d->toks[k];
    if (t->flags & JF_ESCAPED) {
        sb_reset(scratch);
        jstr_decode(d, t, scratch);
        *name = scratch->buf ? scratch->buf : "";
        *n = scratch->len;
    } else {
        *name = jtok_text(d, t) + 1;
        *n = t->len - 2;
    }
}

/* Slot holding the name name[0..n) (hash h), or the empty slot where it
 * would go. */
static uint32_t probe(const jmembers *m, uint64_t h, const char *name, size_t n) {
    uint32_t i = (uint32_t)h & m->mask;
    while (m->slots[i] && !jstr_equals(m->d, &m->d->toks[m->slots[i]], name, n)) i = (i + 1) & m->mask;
    return i;
}

void jmembers_init(jmembers *m, const jdoc *d, uint32_t obj) {
    const jtok *o = &d->toks[obj];
    m->d = d;
    m->obj = obj;
    m->distinct = 0;
    m->mask = 0;
    m->slots = NULL;
    if (o->count <= JMEMBERS_SCAN_MAX) {
        for (uint32_t i = 0, k = obj + 1; i < o->count; i++, k = d->toks[k + 1].next)
            m->distinct += jmembers_is_first(m, k);
        return;
    }
    uint32_t cap = 16;
    while (cap < 2 * (uint64_t)o->count) cap *= 2;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) abort();
    m->mask = cap - 1;
    strbuf scratch = STRBUF_INIT;
    for (uint32_t i = 0, k = obj + 1; i < o->count; i++, k = d->toks[k + 1].next) {
        const char *name;
        size_t n;
        name_of(d, k, &scratch, &name, &n);
        uint32_t s = probe(m, hash_bytes(name, n), name, n);
        if (m->slots[s]) continue; /* a later duplicate: the first one stays */
        m->slots[s] = k;
        m->distinct++;
    }
    sb_free(&scratch);
}

void jmembers_free(jmembers *m) {
    free(m->slots);
    m->slots = NULL;
}

uint32_t jmembers_get(const jmembers *m, const char *name, size_t n) {
    if (!m->slots) return jobj_get(m->d, m->obj, name, n);
    uint32_t s = probe(m, hash_bytes(name, n), name, n);
    return m->slots[s] ? m->slots[s] + 1 : 0;
}

int jmembers_is_first(const jmembers *m, uint32_t k) {
    strbuf scratch = STRBUF_INIT;
    const char *name;
    size_t n;
    name_of(m->d, k, &scratch, &name, &n);
    int first = jmembers_get(m, name, n) == k + 1;
    sb_free(&scratch);
    return first;
}
