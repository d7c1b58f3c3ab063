/*
 * kvmap.h — the key/value map behind the top-level keys and every session.
 *
 * Keys are byte strings (decoded UTF-8, may contain NUL); values are the
 * compact JSON text the client sent, kept verbatim.  Each entry is one
 * allocation holding both.
 *
 * Order is part of what clients can observe (PROTOCOL.md section 3): entries
 * live in a dense array in insertion order; overwriting keeps the position;
 * removing moves the last entry into the hole ("swap with last").  An
 * open-addressing index (linear probing, backward-shift deletion) maps key
 * hashes to positions in the dense array.
 */
#ifndef NDB_KVMAP_H
#define NDB_KVMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct kv_entry {
    uint32_t klen, vlen;
    uint32_t mark; /* scratch for one request (e.g. de-duplicating KV_GET output) */
    char data[];   /* klen key bytes, then vlen value bytes; not NUL-terminated */
} kv_entry;

static inline const char *kv_key(const kv_entry *e) { return e->data; }
static inline const char *kv_val(const kv_entry *e) { return e->data + e->klen; }

typedef struct kvmap {
    kv_entry **items; /* dense, insertion order */
    uint32_t count, cap;
    uint64_t *slots; /* (hash high 32 bits) << 32 | (position + 1); 0 = empty */
    uint32_t nslots; /* power of two, or 0 before the first insert */
    size_t bytes;    /* memory held by entries and tables, for accounting */
} kvmap;

#define KVMAP_INIT {NULL, 0, 0, NULL, 0, 0}

/* Mutating functions (kvmap_set, kvmap_del, kvmap_clear) are called only
 * by the store (server/store.c), which keeps accounting and emits change
 * records; tests/check_write_path.sh enforces it. */

void kvmap_free(kvmap *m);
kv_entry *kvmap_get(const kvmap *m, const char *k, size_t kn);
/* Store v under k.  If k exists: replaced when `overwrite`, else untouched.
 * Returns 1 if the key was new, 0 if it existed. */
int kvmap_set(kvmap *m, const char *k, size_t kn, const char *v, size_t vn, int overwrite);
/* Remove k; returns 1 if it existed. */
int kvmap_del(kvmap *m, const char *k, size_t kn);
/* Remove everything; returns the number of entries removed. */
uint32_t kvmap_clear(kvmap *m);

/* Bytes one entry of a kn-byte key and a vn-byte value holds. */
static inline size_t kvmap_entry_bytes(size_t kn, size_t vn) { return sizeof(kv_entry) + kn + vn; }

/* What m->bytes will be after adding new_keys keys (their tables grown as
 * kvmap_set grows them) and changing the entries' bytes by delta. */
size_t kvmap_bytes_after(const kvmap *m, uint64_t new_keys, int64_t delta);

#endif
