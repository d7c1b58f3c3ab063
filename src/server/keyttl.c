/*
 * keyttl.c — deadlines of expiring top-level keys (see keyttl.h).
 */
#include "server/keyttl.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "server/ordered.h"

/* The index starts at this many slots and doubles at three quarters full. */
#define TTL_FIRST_SLOTS 16u
/* The heap's node array starts at this many (expiry.c doubles it). */
#define TTL_FIRST_HEAP 16u

static uint32_t hash_of(const char *k, size_t kn) { return (uint32_t)(hash_bytes(k, kn) >> 32); }

/* The slot holding key k, or the empty slot where it would go.  The index
 * must have slots. */
static uint32_t find_slot(const ttl_table *t, const char *k, size_t kn, uint32_t h) {
    uint32_t mask = t->nslots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        const key_ttl *n = t->slots[i];
        if (!n || (n->hash == h && n->klen == kn && memcmp(n->key, k, kn) == 0)) return i;
    }
}

key_ttl *ttl_get(const ttl_table *t, const char *k, size_t kn) {
    if (!t->count) return NULL;
    return t->slots[find_slot(t, k, kn, hash_of(k, kn))];
}

/* Rebuild the index at n slots (a power of two, more than the nodes). */
static void resize_index(ttl_table *t, uint32_t n) {
    key_ttl **slots = calloc(n, sizeof *slots);
    if (!slots) abort();
    for (uint32_t j = 0; j < t->nslots; j++) {
        key_ttl *node = t->slots[j];
        if (!node) continue;
        uint32_t i = node->hash & (n - 1);
        while (slots[i]) i = (i + 1) & (n - 1);
        slots[i] = node;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
}

void ttl_set(ttl_table *t, const char *k, size_t kn, uint64_t deadline) {
    uint32_t h = hash_of(k, kn);
    if (t->nslots) {
        key_ttl *n = t->slots[find_slot(t, k, kn, h)];
        if (n) {
            expiry_set(&t->heap, &n->exp, deadline);
            return;
        }
    }
    if ((uint64_t)(t->count + 1) * 4 > (uint64_t)t->nslots * 3)
        resize_index(t, t->nslots ? t->nslots * 2 : TTL_FIRST_SLOTS);
    key_ttl *n = malloc(ttl_node_bytes(kn));
    if (!n) abort();
    n->exp.pos = 0;
    n->hash = h;
    n->klen = (uint32_t)kn;
    memcpy(n->key, k, kn);
    t->slots[find_slot(t, k, kn, h)] = n;
    t->count++;
    t->node_bytes += ttl_node_bytes(kn);
    expiry_set(&t->heap, &n->exp, deadline);
}

int ttl_del(ttl_table *t, const char *k, size_t kn) {
    if (!t->count) return 0;
    uint32_t i = find_slot(t, k, kn, hash_of(k, kn));
    key_ttl *n = t->slots[i];
    if (!n) return 0;
    expiry_remove(&t->heap, &n->exp);
    t->node_bytes -= ttl_node_bytes(n->klen);
    free(n);
    t->slots[i] = NULL;
    t->count--;
    if (!t->count) { /* the last one: give the arrays back */
        ttl_clear(t);
        return 1;
    }
    /* backward-shift deletion: pull later members of the probe run into
     * the gap when their home slot allows it, so no tombstones exist */
    uint32_t mask = t->nslots - 1;
    for (uint32_t j = (i + 1) & mask; t->slots[j]; j = (j + 1) & mask) {
        uint32_t home = t->slots[j]->hash & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i] = NULL;
    /* a burst of deadlines does not keep its peak's index (the heap
     * shrinks by itself): see ordered_index_shrunk */
    uint32_t nslots = ordered_index_shrunk(t->nslots, TTL_FIRST_SLOTS, t->count);
    if (nslots != t->nslots) resize_index(t, nslots);
    return 1;
}

void ttl_clear(ttl_table *t) {
    for (uint32_t i = 0; i < t->nslots; i++) free(t->slots[i]);
    free(t->slots);
    expiry_free(&t->heap);
    *t = (ttl_table)TTL_TABLE_INIT;
}

size_t ttl_bytes(const ttl_table *t) {
    return t->node_bytes + (size_t)t->nslots * sizeof *t->slots + (size_t)t->heap.cap * sizeof *t->heap.nodes;
}

size_t ttl_bytes_after(const ttl_table *t, uint64_t added, size_t added_key_bytes) {
    if (!added) return ttl_bytes(t);
    uint64_t count = t->count + added;
    uint64_t nslots = t->nslots ? t->nslots : TTL_FIRST_SLOTS;
    while (count * 4 > nslots * 3) nslots *= 2;
    uint64_t cap = t->heap.cap ? t->heap.cap : TTL_FIRST_HEAP;
    while (cap < count) cap *= 2;
    return t->node_bytes + (size_t)added * sizeof(key_ttl) + added_key_bytes + (size_t)nslots * sizeof(key_ttl *) +
           (size_t)cap * sizeof(expiry_node);
}
