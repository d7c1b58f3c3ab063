/*
 * kvmap.h — the key/value map behind the top-level keys and every session.
 *
 * Keys are byte strings (decoded UTF-8, may contain NUL); values are the
 * compact JSON text the client sent, kept verbatim.  Each entry is one
 * allocation holding both.
 *
 * Order is part of what clients can observe (KV_KEYS, KV_FIND, snapshots,
 * KV_SCAN): entries live in a dense array in insertion order; overwriting
 * keeps the position; removing leaves a hole that iteration skips, so the
 * order of the others never changes.  Holes are squeezed out (keeping the
 * order) when the array would grow, or when they outnumber the entries.
 * Each entry carries its insertion sequence number, which only grows: a
 * scan cursor is the last sequence number returned, so a scan resumes
 * where it stopped however the array was compacted meanwhile, and returns
 * every key that exists throughout exactly once.
 *
 * An open-addressing index (linear probing, backward-shift deletion) maps
 * key hashes to positions in the dense array.
 */
#ifndef NDB_KVMAP_H
#define NDB_KVMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct kv_entry {
    uint32_t klen : 31;
    uint32_t flag : 1; /* scratch for one operation (e.g. de-duplicating output);
                        * whoever sets it clears it before returning */
    uint32_t vlen;
    uint64_t seq;      /* insertion sequence number, from 1, never reused */
    char data[];       /* klen key bytes, then vlen value bytes; not NUL-terminated */
} kv_entry;

/* The longest key a kv_entry holds (klen is 31 bits). */
#define KVMAP_MAX_KEY 0x7fffffffu

static inline const char *kv_key(const kv_entry *e) { return e->data; }
static inline const char *kv_val(const kv_entry *e) { return e->data + e->klen; }

typedef struct kvmap {
    kv_entry **items; /* insertion order; NULL = a hole left by a removal */
    uint32_t used;    /* items[0 .. used) are entries or holes */
    uint32_t count;   /* entries */
    uint32_t cap;
    uint64_t *slots;  /* (hash high 32 bits) << 32 | (position + 1); 0 = empty */
    uint32_t nslots;  /* power of two, or 0 before the first insert */
    uint64_t next_seq; /* the last sequence number given out */
    size_t bytes;     /* memory held by entries and tables, for accounting */
} kvmap;

#define KVMAP_INIT {NULL, 0, 0, 0, NULL, 0, 0, 0}

kv_entry *kvmap_get(const kvmap *m, const char *k, size_t kn);

/* The next entry at or after position *pos (advancing *pos past it), or
 * NULL at the end: `uint32_t pos = 0; while ((e = kvmap_next(m, &pos)))`. */
static inline kv_entry *kvmap_next(const kvmap *m, uint32_t *pos) {
    while (*pos < m->used) {
        kv_entry *e = m->items[(*pos)++];
        if (e) return e;
    }
    return NULL;
}

/* The position of the first entry whose sequence number is above `seq`
 * (m->used if there is none).  O(log n) plus the holes it steps over. */
uint32_t kvmap_seek(const kvmap *m, uint64_t seq);

/* Mutating functions (kvmap_set, kvmap_del, kvmap_clear) are called only
 * by the store (server/store.c), which keeps accounting and emits change
 * records; tests/check_write_path.sh enforces it. */

void kvmap_free(kvmap *m);
/* Store v under k.  If k exists: replaced when `overwrite`, else untouched.
 * Returns 1 if the key was new, 0 if it existed. */
int kvmap_set(kvmap *m, const char *k, size_t kn, const char *v, size_t vn, int overwrite);
/* Remove k; returns 1 if it existed. */
int kvmap_del(kvmap *m, const char *k, size_t kn);
/* Remove everything (sequence numbers go on from where they were);
 * returns the number of entries removed. */
uint32_t kvmap_clear(kvmap *m);

/* Bytes one entry of a kn-byte key and a vn-byte value holds. */
static inline size_t kvmap_entry_bytes(size_t kn, size_t vn) { return sizeof(kv_entry) + kn + vn; }

/* What m->bytes will be after adding new_keys keys (its tables grown or
 * compacted as kvmap_set does it) and changing the entries' bytes by delta. */
size_t kvmap_bytes_after(const kvmap *m, uint64_t new_keys, int64_t delta);

#endif
