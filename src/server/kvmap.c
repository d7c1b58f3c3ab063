/*
 * kvmap.c — insertion-ordered hash map (see kvmap.h).
 */
#include "server/kvmap.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

#define SLOT_POS(s) ((uint32_t)(s)-1)
#define SLOT_H32(s) ((uint32_t)((s) >> 32))

static uint32_t h32_of(const char *k, size_t kn) { return (uint32_t)(hash_bytes(k, kn) >> 32); }

/* Index of the slot holding key k, or of the empty slot where it would go. */
static uint32_t find_slot(const kvmap *m, const char *k, size_t kn, uint32_t h) {
    uint32_t mask = m->nslots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t s = m->slots[i];
        if (!s) return i;
        if (SLOT_H32(s) == h) {
            const kv_entry *e = m->items[SLOT_POS(s)];
            if (e->klen == kn && memcmp(e->data, k, kn) == 0) return i;
        }
    }
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) abort();
    return p;
}

static void resize_index(kvmap *m, uint32_t nslots) {
    uint64_t *old = m->slots;
    uint32_t oldn = m->nslots;
    m->slots = calloc(nslots, sizeof *m->slots);
    if (!m->slots) abort();
    m->nslots = nslots;
    uint32_t mask = nslots - 1;
    for (uint32_t j = 0; j < oldn; j++) {
        uint64_t s = old[j];
        if (!s) continue;
        uint32_t i = SLOT_H32(s) & mask;
        while (m->slots[i]) i = (i + 1) & mask;
        m->slots[i] = s;
    }
    m->bytes += ((size_t)nslots - oldn) * sizeof *m->slots;
    free(old);
}

static kv_entry *new_entry(const char *k, size_t kn, const char *v, size_t vn) {
    kv_entry *e = malloc(sizeof *e + kn + vn);
    if (!e) abort();
    e->klen = (uint32_t)kn;
    e->vlen = (uint32_t)vn;
    e->mark = 0;
    memcpy(e->data, k, kn);
    memcpy(e->data + kn, v, vn);
    return e;
}

kv_entry *kvmap_get(const kvmap *m, const char *k, size_t kn) {
    if (!m->count) return NULL;
    uint64_t s = m->slots[find_slot(m, k, kn, h32_of(k, kn))];
    return s ? m->items[SLOT_POS(s)] : NULL;
}

/* The index grows (doubling from 8) before an insert would fill more than
 * three quarters of it; the dense array doubles from 8 when full. */
static int index_full(uint64_t count, uint32_t nslots) { return (count + 1) * 4 > (uint64_t)nslots * 3; }

size_t kvmap_bytes_after(const kvmap *m, uint64_t new_keys, int64_t delta) {
    uint64_t count = m->count, cap = m->cap, nslots = m->nslots;
    size_t bytes = (size_t)((int64_t)m->bytes + delta);
    if (!new_keys) return bytes;
    uint64_t want = count + new_keys;
    uint64_t c2 = cap ? cap : 8;
    while (c2 < want) c2 *= 2;
    if (want > cap) bytes += (size_t)(c2 - cap) * sizeof(kv_entry *);
    /* kvmap_set doubles the index whenever the next insert would overfill
     * it, so it ends as the first doubling that holds `want` keys */
    uint64_t n2 = nslots ? nslots : 8;
    while (want * 4 > n2 * 3) n2 *= 2;
    return bytes + (size_t)(n2 - nslots) * sizeof(uint64_t);
}

int kvmap_set(kvmap *m, const char *k, size_t kn, const char *v, size_t vn, int overwrite) {
    uint32_t h = h32_of(k, kn);
    uint32_t i = m->nslots ? find_slot(m, k, kn, h) : 0;
    if (!m->nslots || !m->slots[i]) {
        if (index_full(m->count, m->nslots)) {
            resize_index(m, m->nslots ? m->nslots * 2 : 8);
            i = find_slot(m, k, kn, h);
        }
    } else {
        if (!overwrite) return 0;
        uint32_t pos = SLOT_POS(m->slots[i]);
        kv_entry *e = m->items[pos];
        if (e->vlen != vn) {
            e = xrealloc(e, sizeof *e + kn + vn);
            m->bytes = m->bytes - e->vlen + vn;
            e->vlen = (uint32_t)vn;
            m->items[pos] = e;
        }
        memcpy(e->data + kn, v, vn);
        return 0;
    }
    if (m->count == m->cap) {
        uint32_t old = m->cap;
        m->cap = old ? old * 2 : 8;
        m->items = xrealloc(m->items, (size_t)m->cap * sizeof *m->items);
        m->bytes += (size_t)(m->cap - old) * sizeof *m->items;
    }
    m->items[m->count] = new_entry(k, kn, v, vn);
    m->slots[i] = (uint64_t)h << 32 | (m->count + 1);
    m->count++;
    m->bytes += sizeof(kv_entry) + kn + vn;
    return 1;
}

/* Empty slot i and shift later members of its probe run back so that every
 * key stays reachable from its home slot without tombstones. */
static void delete_slot(kvmap *m, uint32_t i) {
    uint32_t mask = m->nslots - 1;
    for (uint32_t j = (i + 1) & mask; m->slots[j]; j = (j + 1) & mask) {
        uint32_t home = SLOT_H32(m->slots[j]) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i] = 0;
}

int kvmap_del(kvmap *m, const char *k, size_t kn) {
    if (!m->count) return 0;
    uint32_t i = find_slot(m, k, kn, h32_of(k, kn));
    if (!m->slots[i]) return 0;
    uint32_t pos = SLOT_POS(m->slots[i]);
    kv_entry *e = m->items[pos];
    m->bytes -= sizeof *e + e->klen + e->vlen;
    free(e);
    delete_slot(m, i);
    uint32_t last = m->count - 1;
    if (pos != last) { /* move the last entry into the hole and repoint its slot */
        kv_entry *mv = m->items[last];
        uint32_t j = find_slot(m, mv->data, mv->klen, h32_of(mv->data, mv->klen));
        m->slots[j] = (m->slots[j] & 0xffffffff00000000ULL) | (pos + 1);
        m->items[pos] = mv;
    }
    m->count--;
    return 1;
}

uint32_t kvmap_clear(kvmap *m) {
    uint32_t n = m->count;
    for (uint32_t i = 0; i < n; i++) free(m->items[i]);
    free(m->items);
    free(m->slots);
    *m = (kvmap)KVMAP_INIT;
    return n;
}

void kvmap_free(kvmap *m) { kvmap_clear(m); }
