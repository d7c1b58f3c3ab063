/*
 * expiry.h — deadlines kept in an indexed binary min-heap.
 *
 * docs/protocol.md 0.1 decision 7 and DESIGN.md: expiry must cost time in
 * proportion to what actually expires, never a scan of every session.  A
 * min-heap ordered by deadline gives that: the earliest deadline is at the
 * root, so a check that finds nothing due looks at one node, and each due
 * entry costs O(log n) to take out.  Each entry remembers its own position
 * in the heap, so an extension (new deadline) or a removal of an arbitrary
 * entry is O(log n) too.
 *
 * Entries are intrusive: the owner embeds an `expiry_entry` (a session does)
 * and the heap points at it; the owner finds itself again with offsetof.
 * The heap never allocates or frees entries, only its own node array.
 *
 * Time is whatever unit the caller uses (ndb uses CLOCK_MONOTONIC
 * nanoseconds, see expiry_now_ns) and is always passed in explicitly, so the
 * structure can be tested with a fake clock.  An entry is due when
 * now > deadline (docs/protocol.md 4.3: "expires when now > expiry time").
 */
#ifndef NDB_EXPIRY_H
#define NDB_EXPIRY_H

#include <stddef.h>
#include <stdint.h>

typedef struct expiry_entry {
    uint64_t deadline;
    uint32_t pos; /* index in the heap + 1; 0 = not in the heap */
} expiry_entry;

typedef struct expiry_node {
    uint64_t deadline; /* copy of e->deadline: sifting compares without touching e */
    expiry_entry *e;
} expiry_node;

typedef struct expiry_heap {
    expiry_node *nodes;
    uint32_t count, cap;
} expiry_heap;

#define EXPIRY_HEAP_INIT {NULL, 0, 0}

/* Release the node array (entries belong to their owners). */
void expiry_free(expiry_heap *h);

/* Give e the deadline `deadline`: inserts e if it is not in the heap,
 * otherwise moves it to its new place (earlier or later).  O(log n). */
void expiry_set(expiry_heap *h, expiry_entry *e, uint64_t deadline);

/* Take e out of the heap if it is in it.  O(log n). */
void expiry_remove(expiry_heap *h, expiry_entry *e);

/* Remove and return the entry with the earliest deadline if it is due
 * (now > deadline), else NULL.  O(1) when nothing is due. */
expiry_entry *expiry_pop_due(expiry_heap *h, uint64_t now);

/* The earliest entry (not removed), or NULL when the heap is empty. */
static inline expiry_entry *expiry_peek(const expiry_heap *h) { return h->count ? h->nodes[0].e : NULL; }

static inline int expiry_contains(const expiry_entry *e) { return e->pos != 0; }

/* Forget every entry at once (their `pos` is reset); keeps the array. */
void expiry_clear(expiry_heap *h);

/* CLOCK_MONOTONIC in nanoseconds: the clock of session deadlines. */
uint64_t expiry_now_ns(void);

#define EXPIRY_NS_PER_S 1000000000ULL

#endif
