/*
 * kvmap.c — insertion-ordered hash map with a packed layout for small maps
 * (see kvmap.h).
 */
#include "server/kvmap.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "server/ordered.h"

#define SLOT_POS ORDERED_SLOT_POS
#define SLOT_H32 ORDERED_SLOT_H32

/* First sizes of the indexed layout's tables. */
#define FIRST_CAP 8
#define FIRST_SLOTS 8

static uint32_t h32_of(const char *k, size_t kn) { return (uint32_t)(hash_bytes(k, kn) >> 32); }

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) abort();
    return p;
}

/* ------------------------------------------------------- indexed layout */

/* Index of the slot holding key k, or of the empty slot where it would go.
 * The slot holds the hash's high half, so a different key is passed over
 * without touching its entry unless the halves collide. */
static uint32_t find_slot(const kvmap_index *ix, const char *k, size_t kn, uint32_t h) {
    uint32_t mask = ix->nslots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t s = ix->slots[i];
        if (!s) return i;
        if (SLOT_H32(s) == h) {
            const kv_entry *e = ix->items[SLOT_POS(s)];
            if (e->klen == kn && memcmp(e->data, k, kn) == 0) return i;
        }
    }
}

static void resize_index(kvmap_index *ix, uint32_t nslots) {
    ix->slots = ordered_index_resize(ix->slots, ix->nslots, nslots);
    ix->bytes += ((size_t)nslots - ix->nslots) * sizeof *ix->slots;
    ix->nslots = nslots;
}

/* Squeeze the holes out of items, keeping the order. */
static void compact(kvmap_index *ix) {
    ix->used = ordered_compact((void **)ix->items, ix->used, ix->slots, ix->nslots, NULL);
}

/* After a removal from a map of `count` keys: give back the tables' room
 * that a burst of keys left (ordered_index_shrunk, ordered_cap_shrunk). */
static void shrink(kvmap_index *ix, uint32_t count) {
    uint32_t nslots = ordered_index_shrunk(ix->nslots, FIRST_SLOTS, count);
    if (nslots != ix->nslots) resize_index(ix, nslots);
    uint32_t cap = ordered_cap_shrunk(ix->cap, FIRST_CAP, count);
    if (cap == ix->cap) return;
    if (ix->used > cap) compact(ix);
    ix->items = xrealloc(ix->items, (size_t)cap * sizeof *ix->items);
    ix->bytes -= (size_t)(ix->cap - cap) * sizeof *ix->items;
    ix->cap = cap;
}

/* In the indexed layout each entry is one allocation: the kv_entry, then
 * its sequence number (SEQ_BYTES, unaligned: read and written with memcpy)
 * — as big as the number kept beside the entry would be, and nothing to
 * look up.  After the entry, not in front of it: the pointers kept (items)
 * are to the start of the allocation; a forked snapshot process, which
 * exits without freeing, would otherwise leave valgrind only pointers into
 * the middle of every entry, each block reported as possibly lost. */
#define SEQ_BYTES sizeof(uint64_t)

/* Where e's sequence number is (the entry's length must be current). */
static char *seq_at(const kv_entry *e) { return (char *)e + kvmap_entry_bytes(e->klen, e->vlen); }

static uint64_t seq_of_entry(const kv_entry *e) {
    uint64_t seq;
    memcpy(&seq, seq_at(e), sizeof seq);
    return seq;
}

static void free_entry(kv_entry *e) { free(e); }

static kv_entry *new_entry(const char *k, size_t kn, const char *v, size_t vn, int flag, uint64_t seq) {
    kv_entry *e = malloc(kvmap_entry_bytes(kn, vn) + SEQ_BYTES);
    if (!e) abort();
    e->klen = (uint32_t)kn;
    e->flag = (uint32_t)(flag != 0);
    e->vlen = (uint32_t)vn;
    memcpy(e->data, k, kn);
    memcpy(e->data + kn, v, vn);
    memcpy(seq_at(e), &seq, sizeof seq);
    return e;
}

/* The index struct is counted for a map with an inline area (a session's:
 * it exists only while the session outgrew its area); the top-level map's
 * is a fixed part of the server, as the kvmap struct itself is. */
static size_t ix_struct_bytes(const kvmap *m) { return m->inl_cap ? sizeof(kvmap_index) : 0; }

static kvmap_index *index_new(const kvmap *m) {
    kvmap_index *ix = calloc(1, sizeof *ix);
    if (!ix) abort();
    ix->bytes = ix_struct_bytes(m);
    return ix;
}

/* Append a new entry for key k (absent from ix; hash h) to a map of `count`
 * entries (the count lives in the kvmap). */
static void ix_insert(kvmap_index *ix, uint32_t count, const char *k, size_t kn, uint32_t h, const char *v,
                      size_t vn, int flag) {
    if (ordered_index_full(count, ix->nslots)) resize_index(ix, ix->nslots ? ix->nslots * 2 : FIRST_SLOTS);
    uint32_t i = find_slot(ix, k, kn, h);
    if (ix->used == ix->cap) {
        if (ordered_compact_when_full(ix->used, count, ix->cap)) {
            compact(ix);
        } else {
            uint32_t old = ix->cap;
            ix->cap = old ? old * 2 : FIRST_CAP;
            ix->items = xrealloc(ix->items, (size_t)ix->cap * sizeof *ix->items);
            ix->bytes += (size_t)(ix->cap - old) * sizeof *ix->items;
        }
    }
    ix->items[ix->used] = new_entry(k, kn, v, vn, flag, ++ix->next_seq);
    ix->slots[i] = ORDERED_SLOT(h, ix->used);
    ix->used++;
    ix->entries += kvmap_entry_bytes(kn, vn);
    ix->bytes += SEQ_BYTES + kvmap_entry_bytes(kn, vn);
}

/* Free every entry and table of ix, and ix. */
static void ix_free(kvmap_index *ix) {
    if (!ix) return;
    for (uint32_t i = 0; i < ix->used; i++) free_entry(ix->items[i]);
    free(ix->items);
    free(ix->slots);
    free(ix);
}

/* ------------------------------------------------------- packed layout */

static size_t rec_bytes(const kv_entry *e) { return kvmap_entry_bytes(e->klen, e->vlen); }

/* Offset of key k's entry in m's inline area, or -1. */
static long packed_find(const kvmap *m, const char *k, size_t kn) {
    const char *a = kvmap_inline(m);
    for (uint32_t off = 0; off < m->used;) {
        const kv_entry *e = (const kv_entry *)(a + off);
        if (e->klen == kn && memcmp(e->data, k, kn) == 0) return (long)off;
        off += (uint32_t)rec_bytes(e);
    }
    return -1;
}

/* Move m's packed entries into a fresh indexed layout (order and flags kept). */
static void unpack(kvmap *m) {
    kvmap_index *ix = index_new(m);
    const char *a = kvmap_inline(m);
    uint32_t n = 0;
    for (uint32_t off = 0; off < m->used; n++) {
        const kv_entry *e = (const kv_entry *)(a + off);
        ix_insert(ix, n, e->data, e->klen, h32_of(e->data, e->klen), kv_val(e), e->vlen, e->flag);
        off += (uint32_t)rec_bytes(e);
    }
    m->ix = ix;
    m->used = 0;
}

/* m (indexed, with an inline area) fits it again: move its entries back. */
static void repack(kvmap *m) {
    kvmap_index *ix = m->ix;
    char *a = kvmap_inline(m);
    uint32_t off = 0;
    for (uint32_t i = 0; i < ix->used; i++) {
        kv_entry *e = ix->items[i];
        if (!e) continue;
        memcpy(a + off, e, rec_bytes(e));
        off += (uint32_t)rec_bytes(e);
    }
    ix_free(ix);
    m->ix = NULL;
    m->used = (uint16_t)off;
}

/* After a change: a map with an inline area is packed iff its entries fit. */
static void settle(kvmap *m) {
    if (m->ix && m->inl_cap && m->ix->entries <= m->inl_cap) repack(m);
}

/* ------------------------------------------------------- the API */

kv_entry *kvmap_get(const kvmap *m, const char *k, size_t kn) {
    if (!m->count) return NULL;
    const kvmap_index *ix = m->ix;
    if (!ix) {
        long off = packed_find(m, k, kn);
        return off < 0 ? NULL : (kv_entry *)(kvmap_inline(m) + off);
    }
    uint64_t s = ix->slots[find_slot(ix, k, kn, h32_of(k, kn))];
    return s ? ix->items[SLOT_POS(s)] : NULL;
}

static uint64_t seq_of(const void *e) { return seq_of_entry(e); }

uint32_t kvmap_seek(const kvmap *m, uint64_t seq) {
    const kvmap_index *ix = m->ix;
    if (!ix) return seq ? m->used : 0;
    return ordered_seek((void *const *)ix->items, ix->used, seq, seq_of);
}

uint64_t kvmap_seq_before(const kvmap *m, uint32_t pos) {
    return m->ix && pos ? seq_of_entry(m->ix->items[pos - 1]) : 0;
}

/* Replace the value of the entry at `off` in the packed area (vn bytes). */
static void packed_replace(kvmap *m, uint32_t off, const char *v, size_t vn) {
    char *a = kvmap_inline(m);
    kv_entry *e = (kv_entry *)(a + off);
    size_t old = rec_bytes(e), now = kvmap_entry_bytes(e->klen, vn);
    uint32_t tail = off + (uint32_t)old;
    memmove(a + off + now, a + tail, m->used - tail);
    e->vlen = (uint32_t)vn;
    memcpy(e->data + e->klen, v, vn);
    m->used = (uint16_t)(m->used - old + now);
}

int kvmap_set(kvmap *m, const char *k, size_t kn, const char *v, size_t vn, int overwrite) {
    if (!m->ix && m->inl_cap) {
        long off = m->count ? packed_find(m, k, kn) : -1;
        if (off >= 0) {
            if (!overwrite) return 0;
            const kv_entry *e = (const kv_entry *)(kvmap_inline(m) + off);
            if (m->used - rec_bytes(e) + kvmap_entry_bytes(kn, vn) <= m->inl_cap) {
                packed_replace(m, (uint32_t)off, v, vn);
                return 0;
            }
        } else if (m->used + kvmap_entry_bytes(kn, vn) <= m->inl_cap) {
            kv_entry *e = (kv_entry *)(kvmap_inline(m) + m->used);
            e->klen = (uint32_t)kn;
            e->flag = 0;
            e->vlen = (uint32_t)vn;
            memcpy(e->data, k, kn);
            memcpy(e->data + kn, v, vn);
            m->used = (uint16_t)(m->used + kvmap_entry_bytes(kn, vn));
            m->count++;
            return 1;
        }
        unpack(m); /* it no longer fits: on in the indexed layout */
    }
    if (!m->ix) m->ix = index_new(m);
    kvmap_index *ix = m->ix;
    uint32_t h = h32_of(k, kn);
    uint32_t i = ix->nslots ? find_slot(ix, k, kn, h) : 0;
    if (ix->nslots && ix->slots[i]) {
        if (!overwrite) return 0;
        uint32_t pos = SLOT_POS(ix->slots[i]);
        kv_entry *e = ix->items[pos];
        if (e->vlen != vn) {
            size_t old = e->vlen;
            uint64_t seq = seq_of_entry(e); /* it moves with the entry's end */
            e = xrealloc(e, kvmap_entry_bytes(kn, vn) + SEQ_BYTES);
            ix->bytes = ix->bytes - old + vn;
            ix->entries = ix->entries - old + vn;
            e->vlen = (uint32_t)vn;
            memcpy(seq_at(e), &seq, sizeof seq);
            ix->items[pos] = e;
        }
        memcpy(e->data + kn, v, vn);
        settle(m);
        return 0;
    }
    ix_insert(ix, m->count, k, kn, h, v, vn, 0);
    m->count++;
    return 1;
}

int kvmap_del(kvmap *m, const char *k, size_t kn) {
    if (!m->count) return 0;
    kvmap_index *ix = m->ix;
    if (!ix) {
        long off = packed_find(m, k, kn);
        if (off < 0) return 0;
        char *a = kvmap_inline(m);
        size_t n = rec_bytes((const kv_entry *)(a + off));
        memmove(a + off, a + off + n, m->used - (size_t)off - n);
        m->used = (uint16_t)(m->used - n);
        m->count--;
        return 1;
    }
    uint32_t i = find_slot(ix, k, kn, h32_of(k, kn));
    if (!ix->slots[i]) return 0;
    uint32_t pos = SLOT_POS(ix->slots[i]);
    kv_entry *e = ix->items[pos];
    ix->bytes -= SEQ_BYTES + rec_bytes(e);
    ix->entries -= rec_bytes(e);
    free_entry(e);
    ordered_index_delete(ix->slots, ix->nslots, i);
    ix->items[pos] = NULL;
    m->count--;
    if (!m->count) { /* the last key: give the tables back, as kvmap_clear does, so an
                      * emptied map holds 0 bytes however it was emptied */
        kvmap_clear(m);
        return 1;
    }
    if (pos == ix->used - 1) /* the last one: no hole to keep */
        while (ix->used && !ix->items[ix->used - 1]) ix->used--;
    else if (ordered_compact_after_removal(ix->used, m->count))
        compact(ix);
    shrink(ix, m->count);
    settle(m);
    return 1;
}

/* The entries of cleared maps not freed yet (kvmap_clear_later), the
 * oldest map first: freeing a million entries of 900 B at once took
 * ~220 ms. */
typedef struct parked {
    kv_entry **items;
    uint32_t left; /* items[0..left) are still to free, the last first */
    struct parked *next;
} parked;
static parked *parked_head, *parked_tail;
static size_t parked_left;

/* A map with fewer entries than this is freed at once (it is quick). */
#define PARK_MIN 16384

size_t kvmap_parked(void) { return parked_left; }

/* The newest entries go first: freed in the order they were made, they
 * gave the heap back to the kernel in one trim of it all at the end (most
 * of the ~200 ms); newest first, the heap's top shrinks a little at a
 * time. */
size_t kvmap_reap(size_t max) {
    size_t done = 0;
    while (parked_head && done < max) {
        parked *p = parked_head;
        for (; p->left && done < max; done++) free_entry(p->items[--p->left]);
        if (p->left) break;
        parked_head = p->next;
        if (!parked_head) parked_tail = NULL;
        free(p->items);
        free(p);
    }
    parked_left -= done;
    return parked_left;
}

uint32_t kvmap_clear_later(kvmap *m) {
    kvmap_index *ix = m->ix;
    if (!ix || m->inl_cap || ix->used < PARK_MIN) return kvmap_clear(m);
    parked *p = malloc(sizeof *p);
    if (!p) abort();
    *p = (parked){ix->items, ix->used, NULL};
    if (parked_tail) parked_tail->next = p;
    else parked_head = p;
    parked_tail = p;
    parked_left += ix->used;
    ix->used = 0; /* kvmap_clear has nothing left to free but the index */
    ix->items = NULL;
    return kvmap_clear(m);
}

uint32_t kvmap_clear(kvmap *m) {
    uint32_t n = m->count;
    kvmap_index *ix = m->ix;
    m->count = 0;
    m->used = 0;
    if (!ix) return n;
    if (m->inl_cap) { /* packed (and empty) again */
        ix_free(ix);
        m->ix = NULL;
        return n;
    }
    uint64_t seq = ix->next_seq; /* the numbers go on */
    for (uint32_t i = 0; i < ix->used; i++) free_entry(ix->items[i]);
    free(ix->items);
    free(ix->slots);
    memset(ix, 0, sizeof *ix);
    ix->next_seq = seq;
    return n;
}

void kvmap_free(kvmap *m) {
    ix_free(m->ix);
    uint16_t cap = m->inl_cap;
    *m = (kvmap)KVMAP_INIT;
    m->inl_cap = cap;
}

/* ------------------------------------------------------- accounting */

/* Bytes of a fresh indexed layout (of a map with an inline area of
 * inl_cap bytes, 0: none) after n keys of `entries` bytes. */
static size_t fresh_indexed(size_t inl_cap, uint64_t n, size_t entries) {
    uint64_t cap = ordered_cap_after(0, 0, 0, FIRST_CAP, n);
    uint64_t nslots = ordered_index_size_for(0, FIRST_SLOTS, n);
    return (inl_cap ? sizeof(kvmap_index) : 0) + entries + (size_t)n * SEQ_BYTES + (size_t)cap * sizeof(kv_entry *) +
           (size_t)nslots * sizeof(uint64_t);
}

size_t kvmap_bytes_fresh(size_t inl_cap, uint64_t n, size_t entries) {
    if (!n || (inl_cap && entries <= inl_cap)) return 0;
    return fresh_indexed(inl_cap, n, entries);
}

size_t kvmap_bytes_after(const kvmap *m, uint64_t new_keys, int64_t delta, size_t low) {
    size_t entries = (size_t)((int64_t)kvmap_entries(m) + delta);
    uint64_t n = m->count + new_keys;
    if (m->inl_cap && entries <= m->inl_cap) return 0;      /* packed at the end */
    if (!m->ix || (m->inl_cap && low <= m->inl_cap)) return kvmap_bytes_fresh(m->inl_cap, n, entries);
    const kvmap_index *ix = m->ix;
    size_t bytes = (size_t)((int64_t)ix->bytes + delta);
    if (!new_keys) return bytes;
    uint64_t cap = ordered_cap_after(ix->used, m->count, ix->cap, FIRST_CAP, new_keys);
    uint64_t nslots = ordered_index_size_for(ix->nslots, FIRST_SLOTS, n);
    return bytes + (size_t)new_keys * SEQ_BYTES + (size_t)(cap - ix->cap) * sizeof(kv_entry *) +
           (size_t)(nslots - ix->nslots) * sizeof(uint64_t);
}

size_t kvmap_bytes_after_clear(const kvmap *m, uint64_t n, size_t entries) {
    if (m->inl_cap) return kvmap_bytes_fresh(m->inl_cap, n, entries);
    return kvmap_bytes_fresh(0, n, entries); /* (a cleared map keeps its index struct, not counted) */
}
