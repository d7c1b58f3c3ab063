/*
 * expiry.c — indexed binary min-heap of deadlines (see expiry.h).
 *
 * Node i has children 2i+1 and 2i+2.  Every time a node lands in slot i,
 * its entry's `pos` is set to i+1, which is what makes update and removal
 * of an arbitrary entry O(log n).  Sifting moves a "hole" instead of
 * swapping pairs, so each level costs one node copy.
 */
#include "server/expiry.h"

#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "server/ordered.h"

static void place(expiry_heap *h, uint32_t i, expiry_node n) {
    h->nodes[i] = n;
    n.e->pos = i + 1;
}

/* Put n into the hole at i, moving it towards the root as needed. */
static void sift_up(expiry_heap *h, uint32_t i, expiry_node n) {
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (h->nodes[parent].deadline <= n.deadline) break;
        place(h, i, h->nodes[parent]);
        i = parent;
    }
    place(h, i, n);
}

/* Put n into the hole at i, moving it towards the leaves as needed. */
static void sift_down(expiry_heap *h, uint32_t i, expiry_node n) {
    for (;;) {
        uint64_t l = 2 * (uint64_t)i + 1;
        if (l >= h->count) break;
        uint32_t c = (uint32_t)l;
        if (c + 1 < h->count && h->nodes[c + 1].deadline < h->nodes[c].deadline) c++;
        if (n.deadline <= h->nodes[c].deadline) break;
        place(h, i, h->nodes[c]);
        i = c;
    }
    place(h, i, n);
}

/* Re-seat n at hole i, in whichever direction its deadline requires. */
static void reseat(expiry_heap *h, uint32_t i, expiry_node n) {
    if (i > 0 && n.deadline < h->nodes[(i - 1) / 2].deadline) sift_up(h, i, n);
    else sift_down(h, i, n);
}

void expiry_set(expiry_heap *h, expiry_entry *e, uint64_t deadline) {
    e->deadline = deadline;
    expiry_node n = {deadline, e};
    if (e->pos) {
        reseat(h, e->pos - 1, n);
        return;
    }
    if (h->count == h->cap) {
        if (h->cap > UINT32_MAX / 2) abort();
        uint32_t cap = h->cap ? h->cap * 2 : 16;
        expiry_node *nodes = realloc(h->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes) abort();
        h->nodes = nodes;
        h->cap = cap;
    }
    sift_up(h, h->count++, n);
}

/* After a removal: give back the room that a burst of deadlines left
 * (ordered_cap_shrunk), all of it once none is left: the session registry
 * keeps its heap while sessions that never expire remain. */
static void shrink(expiry_heap *h) {
    if (!h->count) {
        expiry_free(h);
        return;
    }
    uint32_t cap = ordered_cap_shrunk(h->cap, 16, h->count);
    if (cap == h->cap) return;
    expiry_node *nodes = realloc(h->nodes, (size_t)cap * sizeof *nodes);
    if (!nodes) abort();
    h->nodes = nodes;
    h->cap = cap;
}

void expiry_remove(expiry_heap *h, expiry_entry *e) {
    if (!e->pos) return;
    uint32_t i = e->pos - 1;
    e->pos = 0;
    uint32_t last = --h->count;
    if (i != last) reseat(h, i, h->nodes[last]);
    shrink(h);
}

expiry_entry *expiry_pop_due(expiry_heap *h, uint64_t now) {
    if (!h->count || !(now > h->nodes[0].deadline)) return NULL;
    expiry_entry *e = h->nodes[0].e;
    expiry_remove(h, e);
    return e;
}

void expiry_clear(expiry_heap *h) {
    for (uint32_t i = 0; i < h->count; i++) h->nodes[i].e->pos = 0;
    h->count = 0;
}

void expiry_free(expiry_heap *h) {
    free(h->nodes);
    *h = (expiry_heap)EXPIRY_HEAP_INIT;
}

uint64_t expiry_now_ns(void) { return mono_ns(); }
