/*
 * u64set.c — see u64set.h.
 */
#include "common/u64set.h"

#include <stdlib.h>

#include "common/hash.h"

int u64set_add(u64set *s, uint64_t v) {
    if (2 * (s->n + 1) > s->cap) {
        u64set g = {NULL, 0, s->cap ? 2 * s->cap : 64};
        g.slots = calloc(g.cap, sizeof *g.slots);
        if (!g.slots) abort();
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i]) u64set_add(&g, s->slots[i]);
        free(s->slots);
        *s = g;
    }
    size_t mask = s->cap - 1, i = (size_t)hash_u64(v) & mask;
    for (; s->slots[i]; i = (i + 1) & mask)
        if (s->slots[i] == v) return 0;
    s->slots[i] = v;
    s->n++;
    return 1;
}

void u64set_free(u64set *s) {
    free(s->slots);
    *s = (u64set)U64SET_INIT;
}
