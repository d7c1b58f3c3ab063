/*
 * kvmap.h — the key/value map behind the top-level keys and every session.
 *
 * Keys are byte strings (decoded UTF-8, may contain NUL); values are the
 * compact JSON text the client sent, kept verbatim.  An entry (kv_entry) is
 * an 8-byte header followed by the key's and the value's bytes.
 *
 * Order is part of what clients can observe (KV_KEYS, KV_FIND, snapshots,
 * KV_SCAN): iteration is in insertion order; overwriting keeps the
 * position; removing a key leaves the order of the others unchanged.
 *
 * Two layouts (issue 18: memory for sessions):
 *   - packed: the entries lie back to back, in order, in an inline area the
 *     owner provides right behind the kvmap struct (a session's allocation
 *     holds its map and room for a few small keys).  No index: a lookup
 *     compares the few keys there.  A removal closes the gap (memmove).
 *     Used while the entries fit the inline area.
 *   - indexed: each entry is its own allocation; a dense array of them in
 *     insertion order where a removal leaves a hole (squeezed out, keeping
 *     the order, when the array would grow, or when holes outnumber the
 *     entries), each entry with its sequence number, and an
 *     open-addressing index (linear probing, backward-shift deletion) from
 *     key hashes to positions (ordered.h).  Used by maps without an inline
 *     area (the top-level keys) and by session maps that outgrew theirs.
 * A map with an inline area is packed exactly when its entries' bytes
 * (kvmap_entry_bytes of each) fit the area: it moves to the indexed layout
 * on the change that makes them overflow, and back on the change that makes
 * them fit again.  So the layout, and the memory a map holds, follow from
 * its contents and the order of changes, and kvmap_bytes_after predicts it.
 *
 * Sequence numbers (indexed layout): each entry's insertion number, which
 * only grows: a scan cursor is the last number returned, so a scan resumes
 * where it stopped however the array was compacted meanwhile, and returns
 * every key that exists throughout exactly once.  Only maps without an
 * inline area (the top-level keys, which KV_SCAN walks) keep them across
 * clears; a packed map has none (kvmap_seek treats it as one block).
 *
 * Pointers to entries (kvmap_get, kvmap_next) stay valid until the map is
 * next changed.
 */
#ifndef NDB_KVMAP_H
#define NDB_KVMAP_H

#include <stddef.h>
#include <stdint.h>

/* packed (alignment 1): in the packed layout entries follow each other
 * with no padding; field access is unaligned-safe. */
typedef struct __attribute__((packed)) kv_entry {
    uint32_t klen : 31;
    uint32_t flag : 1; /* scratch for one operation (e.g. de-duplicating output);
                        * whoever sets it clears it before returning */
    uint32_t vlen;
    char data[];       /* klen key bytes, then vlen value bytes; not NUL-terminated */
} kv_entry;

/* The longest key a kv_entry holds (klen is 31 bits). */
#define KVMAP_MAX_KEY 0x7fffffffu

static inline const char *kv_key(const kv_entry *e) { return e->data; }
static inline const char *kv_val(const kv_entry *e) { return e->data + e->klen; }

/* The indexed layout's tables (one allocation, counted in bytes). */
typedef struct kvmap_index {
    kv_entry **items;  /* insertion order; NULL = a hole left by a removal; each
                        * entry's allocation starts with its sequence number */
    uint64_t *slots;   /* (hash high 32 bits) << 32 | (position + 1); 0 = empty */
    uint32_t used;     /* items[0 .. used) are entries or holes */
    uint32_t cap;
    uint32_t nslots;   /* power of two, or 0 */
    uint64_t next_seq; /* the last sequence number given out */
    size_t entries;    /* bytes of the entries (kvmap_entry_bytes of each) */
    size_t bytes;      /* everything held: entries with their sequence
                        * numbers, tables, and this struct if the map has an
                        * inline area (the top-level map's is not counted) */
} kvmap_index;

typedef struct kvmap {
    kvmap_index *ix;  /* the indexed layout, or NULL (packed, or empty) */
    uint32_t count;   /* entries */
    uint16_t used;    /* packed: bytes of entries in the inline area */
    uint16_t inl_cap; /* bytes of the inline area behind this struct; 0 = none */
} kvmap;

#define KVMAP_INIT {NULL, 0, 0, 0}

/* A map whose packed entries go to the `cap` bytes that follow *m in
 * memory (the owner allocates them).  Call on a zeroed or fresh map. */
static inline void kvmap_init_inline(kvmap *m, uint16_t cap) {
    *m = (kvmap)KVMAP_INIT;
    m->inl_cap = cap;
}

/* The inline area of m (only meaningful when m->inl_cap > 0). */
static inline char *kvmap_inline(const kvmap *m) { return (char *)(uintptr_t)(m + 1); }

kv_entry *kvmap_get(const kvmap *m, const char *k, size_t kn);

/* The next entry at or after position *pos (advancing *pos past it), or
 * NULL at the end: `uint32_t pos = 0; while ((e = kvmap_next(m, &pos)))`. */
static inline kv_entry *kvmap_next(const kvmap *m, uint32_t *pos) {
    const kvmap_index *ix = m->ix;
    if (ix) {
        while (*pos < ix->used) {
            kv_entry *e = ix->items[(*pos)++];
            if (e) return e;
        }
        return NULL;
    }
    if (*pos >= m->used) return NULL;
    kv_entry *e = (kv_entry *)(kvmap_inline(m) + *pos);
    *pos += (uint32_t)(sizeof *e + e->klen + e->vlen);
    return e;
}

/* The position of the first entry whose sequence number is above `seq`
 * (the end if there is none).  O(log n) plus the holes it steps over.  A
 * packed map has no numbers: 0 gives its start, anything else its end. */
uint32_t kvmap_seek(const kvmap *m, uint64_t seq);

/* The sequence number of the entry kvmap_next just returned, having left
 * *pos at `pos` (0 for a packed map). */
uint64_t kvmap_seq_before(const kvmap *m, uint32_t pos);

/* Bytes m holds (entries and tables) beyond the kvmap struct and its
 * inline area, which are its owner's: 0 while packed. */
static inline size_t kvmap_bytes(const kvmap *m) { return m->ix ? m->ix->bytes : 0; }

/* Bytes of m's entries (kvmap_entry_bytes of each), whatever the layout. */
static inline size_t kvmap_entries(const kvmap *m) { return m->ix ? m->ix->entries : m->used; }

/* Mutating functions (kvmap_set, kvmap_del, kvmap_clear) are called only
 * by the store (server/store.c), which keeps accounting and emits change
 * records; tests/check_write_path.sh enforces it. */

void kvmap_free(kvmap *m);
/* Store v under k.  If k exists: replaced when `overwrite`, else untouched.
 * Returns 1 if the key was new, 0 if it existed. */
int kvmap_set(kvmap *m, const char *k, size_t kn, const char *v, size_t vn, int overwrite);
/* Remove k; returns 1 if it existed.  Removing the last key gives the
 * tables back (as kvmap_clear): an empty map holds 0 bytes. */
int kvmap_del(kvmap *m, const char *k, size_t kn);
/* Remove everything; returns the number of entries removed.  A map without
 * an inline area keeps its sequence numbers going from where they were; a
 * map with one is packed (and empty) again. */
uint32_t kvmap_clear(kvmap *m);

/* The same, but a map of many entries hands them to a list of parked
 * entries instead of freeing them now (kvmap_reap frees them later, a
 * slice at a time): the map is empty at once and counts 0 bytes. */
uint32_t kvmap_clear_later(kvmap *m);

/* Free at most max parked entries, oldest first; returns how many are
 * left.  kvmap_parked: how many there are (0: nothing to do). */
size_t kvmap_reap(size_t max);
size_t kvmap_parked(void);

/* Bytes one entry of a kn-byte key and a vn-byte value holds. */
static inline size_t kvmap_entry_bytes(size_t kn, size_t vn) { return sizeof(kv_entry) + kn + vn; }

/* What kvmap_bytes(m) will be after a run of kvmap_set calls (no removals)
 * that adds new_keys keys and changes the entries' bytes by delta in all,
 * where `low` is the smallest entries' total (kvmap_entries) the map has at
 * any point of the run, now included: a map with an inline area that is
 * packed at some point starts its tables afresh after it. */
size_t kvmap_bytes_after(const kvmap *m, uint64_t new_keys, int64_t delta, size_t low);

/* What kvmap_bytes(m) will be after kvmap_clear(m) and then a run of
 * kvmap_set calls adding n keys whose entries total `entries` bytes. */
size_t kvmap_bytes_after_clear(const kvmap *m, uint64_t n, size_t entries);

/* What kvmap_bytes is for a fresh map with an inline area of inl_cap bytes
 * (0: none) after n keys whose entries total `entries` bytes were set. */
size_t kvmap_bytes_fresh(size_t inl_cap, uint64_t n, size_t entries);

#endif
