/*
 * ordered.c — the dense array with holes and the position index shared by
 * the key map and the session registry (see ordered.h).
 */
#include "server/ordered.h"

#include <stdlib.h>

uint64_t *ordered_index_resize(uint64_t *old, uint32_t oldn, uint32_t nslots) {
    uint64_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) abort();
    uint32_t mask = nslots - 1;
    for (uint32_t j = 0; j < oldn; j++) {
        if (!old[j]) continue;
        uint32_t i = ORDERED_SLOT_H32(old[j]) & mask;
        while (slots[i]) i = (i + 1) & mask;
        slots[i] = old[j];
    }
    free(old);
    return slots;
}

void ordered_index_delete(uint64_t *slots, uint32_t nslots, uint32_t i) {
    uint32_t mask = nslots - 1;
    for (uint32_t j = (i + 1) & mask; slots[j]; j = (j + 1) & mask) {
        uint32_t home = ORDERED_SLOT_H32(slots[j]) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            slots[i] = slots[j];
            i = j;
        }
    }
    slots[i] = 0;
}

uint64_t ordered_index_size_for(uint64_t nslots, uint64_t first, uint64_t count) {
    uint64_t n = nslots ? nslots : first;
    while (count * 4 > n * 3) n *= 2;
    return count || nslots ? n : 0;
}

uint32_t ordered_index_shrunk(uint32_t nslots, uint32_t first, uint32_t count) {
    if (nslots <= first || (uint64_t)count * 8 > nslots) return nslots;
    return count ? (uint32_t)ordered_index_size_for(0, first, count) : first;
}

uint32_t ordered_cap_shrunk(uint32_t cap, uint32_t first, uint32_t count) {
    if (cap <= first || (uint64_t)count * 4 > cap) return cap;
    uint32_t c = first;
    while (c < count) c *= 2;
    return c;
}

uint32_t ordered_compact(void **items, uint32_t used, uint64_t *slots, uint32_t nslots,
                         void (*moved)(void *item, uint32_t pos)) {
    uint32_t *to = malloc((size_t)used * sizeof *to + 1); /* old position -> new */
    if (!to) abort();
    uint32_t n = 0;
    for (uint32_t i = 0; i < used; i++) {
        to[i] = n;
        if (!items[i]) continue;
        items[n] = items[i];
        if (moved) moved(items[n], n);
        n++;
    }
    for (uint32_t j = 0; j < nslots; j++)
        if (slots[j]) slots[j] = ORDERED_SLOT(ORDERED_SLOT_H32(slots[j]), to[ORDERED_SLOT_POS(slots[j])]);
    free(to);
    return n;
}

uint64_t ordered_cap_after(uint64_t used, uint64_t count, uint64_t cap, uint64_t first, uint64_t add) {
    while (add) {
        if (used == cap) {
            if (ordered_compact_when_full(used, count, cap)) used = count;
            else cap = cap ? cap * 2 : first;
        }
        uint64_t take = cap - used < add ? cap - used : add;
        used += take;
        count += take;
        add -= take;
    }
    return cap;
}

uint32_t ordered_seek(void *const *items, uint32_t used, uint64_t seq, uint64_t (*seq_of)(const void *item)) {
    uint32_t lo = 0, hi = used;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2, j = mid;
        while (j < hi && !items[j]) j++;
        if (j == hi || seq_of(items[j]) > seq) hi = mid; /* [mid, j) are holes */
        else lo = j + 1;
    }
    while (lo < used && !items[lo]) lo++;
    return lo;
}
