/*
 * keyttl.h — the deadlines of top-level keys that expire (KV_SET "ttl",
 * KV_EXPIRE), kept beside the key map rather than in it.
 *
 * Why a side table: most keys never expire, and the key map is the hot
 * path (kvmap.h: a 16-byte entry header).  A key without a deadline costs
 * nothing here — no byte in its entry, no probe when the table is empty —
 * and a key with one costs one node (its deadline, its heap position and a
 * copy of its name) plus a slot of the index and of the heap.
 *
 * Structure: an open-addressing index (linear probing, backward-shift
 * deletion) from the key's hash to its node, and the indexed min-heap of
 * expiry.h ordered by deadline, so the expiry timer costs O(1) when nothing
 * is due and O(log n) per key that is.  The nodes hold their own copy of
 * the key because key-map entries move (a value that changes size is
 * reallocated), and so that expiry can name the key without the map.
 *
 * Deadlines are CLOCK_MONOTONIC ns (as the sessions'), always passed in by
 * the caller, so everything can be tested with a fake clock.  A key is due
 * when now > deadline.  Only the store (store.c) calls the functions that
 * change the table (tests/check_write_path.sh enforces it).
 */
#ifndef NDB_KEYTTL_H
#define NDB_KEYTTL_H

#include <stddef.h>
#include <stdint.h>

#include "server/expiry.h"

typedef struct key_ttl {
    expiry_entry exp; /* deadline + heap position */
    uint32_t hash;    /* of the key: probing and rehashing compare this first */
    uint32_t klen;
    char key[];       /* klen bytes, not NUL-terminated */
} key_ttl;

typedef struct ttl_table {
    key_ttl **slots;  /* NULL = empty */
    uint32_t nslots;  /* power of two, or 0 while the table is empty */
    uint32_t count;
    expiry_heap heap;
    size_t node_bytes; /* sum of the nodes' sizes */
} ttl_table;

#define TTL_TABLE_INIT {NULL, 0, 0, EXPIRY_HEAP_INIT, 0}

/* The node of key k, or NULL when k has no deadline.  O(1) when the table
 * is empty. */
key_ttl *ttl_get(const ttl_table *t, const char *k, size_t kn);

/* The deadline of key k, 0 when it has none. */
static inline uint64_t ttl_deadline(const ttl_table *t, const char *k, size_t kn) {
    if (!t->count) return 0;
    const key_ttl *n = ttl_get(t, k, kn);
    return n ? n->exp.deadline : 0;
}

/* Give key k the deadline `deadline` (> 0): a new node, or the existing
 * one moved in the heap. */
void ttl_set(ttl_table *t, const char *k, size_t kn, uint64_t deadline);

/* Forget key k's deadline; returns 1 if it had one.  The table's arrays
 * are freed with its last node, so a map whose keys stopped expiring
 * holds nothing here. */
int ttl_del(ttl_table *t, const char *k, size_t kn);

/* Forget every deadline and free the table's arrays. */
void ttl_clear(ttl_table *t);

/* The node with the earliest deadline if it is due at now, else NULL; it
 * stays in the table (the store removes the key, and with it the node).
 * O(1). */
static inline key_ttl *ttl_peek_due(const ttl_table *t, uint64_t now) {
    expiry_entry *e = expiry_peek(&t->heap);
    return e && now > e->deadline ? (key_ttl *)((char *)e - offsetof(key_ttl, exp)) : NULL;
}

/* Bytes held by the table: nodes, index and heap (what limits.maxMemory
 * counts). */
size_t ttl_bytes(const ttl_table *t);

/* An upper bound of ttl_bytes after `added` keys of `added_key_bytes`
 * bytes of names in all get a deadline (keys that lose theirs are not
 * subtracted: the bound only errs high). */
size_t ttl_bytes_after(const ttl_table *t, uint64_t added, size_t added_key_bytes);

/* Bytes of the node of a kn-byte key. */
static inline size_t ttl_node_bytes(size_t kn) { return sizeof(key_ttl) + kn; }

#endif
