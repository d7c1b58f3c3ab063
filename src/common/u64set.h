/*
 * u64set.h — a set of nonzero 64-bit numbers (session tokens), to find
 * repeats in a list in constant time each: SH_SAVE's listed tokens, the
 * records of a session snapshot being loaded.
 */
#ifndef NDB_U64SET_H
#define NDB_U64SET_H

#include <stddef.h>
#include <stdint.h>

/* Open addressing, at most half full; 0 marks an empty slot, so 0 cannot
 * be a member.  Start it zeroed (U64SET_INIT); free with u64set_free. */
typedef struct u64set {
    uint64_t *slots;
    size_t n, cap;
} u64set;

#define U64SET_INIT {NULL, 0, 0}

/* Add v (nonzero) to s: 1 if it was not there yet, else 0. */
int u64set_add(u64set *s, uint64_t v);

void u64set_free(u64set *s);

#endif
