/*
 * kvmap.c — insertion-ordered hash map (see kvmap.h).
 */
#include "server/kvmap.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "server/ordered.h"

#define SLOT_POS ORDERED_SLOT_POS
#define SLOT_H32 ORDERED_SLOT_H32

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
    m->slots = ordered_index_resize(m->slots, m->nslots, nslots);
    m->bytes += ((size_t)nslots - m->nslots) * sizeof *m->slots;
    m->nslots = nslots;
}

static void compact(kvmap *m) { m->used = ordered_compact((void **)m->items, m->used, m->slots, m->nslots, NULL); }

size_t kvmap_bytes_after(const kvmap *m, uint64_t new_keys, int64_t delta) {
    size_t bytes = (size_t)((int64_t)m->bytes + delta);
    if (!new_keys) return bytes;
    uint64_t cap = ordered_cap_after(m->used, m->count, m->cap, 8, new_keys);
    uint64_t nslots = ordered_index_size_for(m->nslots, 8, m->count + new_keys);
    return bytes + (size_t)(cap - m->cap) * sizeof(kv_entry *) + (size_t)(nslots - m->nslots) * sizeof(uint64_t);
}

static kv_entry *new_entry(const char *k, size_t kn, const char *v, size_t vn, uint64_t seq) {
    kv_entry *e = malloc(sizeof *e + kn + vn);
    if (!e) abort();
    e->klen = (uint32_t)kn;
    e->flag = 0;
    e->vlen = (uint32_t)vn;
    e->seq = seq;
    memcpy(e->data, k, kn);
    memcpy(e->data + kn, v, vn);
    return e;
}

kv_entry *kvmap_get(const kvmap *m, const char *k, size_t kn) {
    if (!m->count) return NULL;
    uint64_t s = m->slots[find_slot(m, k, kn, h32_of(k, kn))];
    return s ? m->items[SLOT_POS(s)] : NULL;
}

static uint64_t seq_of(const void *e) { return ((const kv_entry *)e)->seq; }

uint32_t kvmap_seek(const kvmap *m, uint64_t seq) { return ordered_seek((void *const *)m->items, m->used, seq, seq_of); }

int kvmap_set(kvmap *m, const char *k, size_t kn, const char *v, size_t vn, int overwrite) {
    uint32_t h = h32_of(k, kn);
    uint32_t i = m->nslots ? find_slot(m, k, kn, h) : 0;
    if (m->nslots && m->slots[i]) {
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
    if (ordered_index_full(m->count, m->nslots)) {
        resize_index(m, m->nslots ? m->nslots * 2 : 8);
        i = find_slot(m, k, kn, h);
    }
    if (m->used == m->cap) {
        if (ordered_compact_when_full(m->used, m->count, m->cap)) {
            compact(m);
        } else {
            uint32_t old = m->cap;
            m->cap = old ? old * 2 : 8;
            m->items = xrealloc(m->items, (size_t)m->cap * sizeof *m->items);
            m->bytes += (size_t)(m->cap - old) * sizeof *m->items;
        }
    }
    m->items[m->used] = new_entry(k, kn, v, vn, ++m->next_seq);
    m->slots[i] = ORDERED_SLOT(h, m->used);
    m->used++;
    m->count++;
    m->bytes += sizeof(kv_entry) + kn + vn;
    return 1;
}

int kvmap_del(kvmap *m, const char *k, size_t kn) {
    if (!m->count) return 0;
    uint32_t i = find_slot(m, k, kn, h32_of(k, kn));
    if (!m->slots[i]) return 0;
    uint32_t pos = SLOT_POS(m->slots[i]);
    kv_entry *e = m->items[pos];
    m->bytes -= sizeof *e + e->klen + e->vlen;
    free(e);
    ordered_index_delete(m->slots, m->nslots, i);
    m->items[pos] = NULL;
    m->count--;
    if (pos == m->used - 1) /* the last one: no hole to keep */
        while (m->used && !m->items[m->used - 1]) m->used--;
    else if (ordered_compact_after_removal(m->used, m->count))
        compact(m);
    return 1;
}

uint32_t kvmap_clear(kvmap *m) {
    uint32_t n = m->count;
    for (uint32_t i = 0; i < m->used; i++) free(m->items[i]);
    free(m->items);
    free(m->slots);
    uint64_t seq = m->next_seq;
    *m = (kvmap)KVMAP_INIT;
    m->next_seq = seq;
    return n;
}

void kvmap_free(kvmap *m) { kvmap_clear(m); }
