/*
 * ordered.h — the two halves shared by every ordered table of the server
 * (the key map, kvmap.c, and the session registry, sessions.c):
 *
 *   - a dense array of items in insertion order, where a removal leaves a
 *     hole (NULL) so the others never move relative to each other; holes
 *     are squeezed out, order kept, when the array would grow while half of
 *     it is holes, when holes outnumber the items, or when the array
 *     shrinks (ordered_cap_shrunk); each item carries a
 *     sequence number that only grows, so a scan resumes after the last
 *     number it returned (ordered_seek) however the array was compacted;
 *   - an open-addressing index (linear probing, backward-shift deletion, no
 *     tombstones) from a 32-bit hash to a position in that array: each slot
 *     is (hash << 32 | position + 1), 0 = empty.
 * The owners keep their items' types, hashes and key comparison; these
 * functions deal in positions and void pointers only.
 */
#ifndef NDB_ORDERED_H
#define NDB_ORDERED_H

#include <stddef.h>
#include <stdint.h>

#define ORDERED_SLOT_POS(s) ((uint32_t)(s)-1)
#define ORDERED_SLOT_H32(s) ((uint32_t)((s) >> 32))
#define ORDERED_SLOT(h, pos) ((uint64_t)(h) << 32 | ((uint64_t)(pos) + 1))

/* ------------------------------------------------------- the index */

/* Rebuild the index at `nslots` slots (a power of two) from its current
 * contents; returns the new array (the old one is freed). */
uint64_t *ordered_index_resize(uint64_t *slots, uint32_t oldn, uint32_t nslots);

/* Empty slot i, shifting later members of its probe run back so every
 * entry stays reachable from its home slot. */
void ordered_index_delete(uint64_t *slots, uint32_t nslots, uint32_t i);

/* Does an insert into an index of nslots holding count entries need the
 * index doubled first (it would be more than three quarters full)? */
static inline int ordered_index_full(uint64_t count, uint64_t nslots) { return (count + 1) * 4 > nslots * 3; }

/* The size the index reaches when it holds `count` entries, grown as
 * inserts grow it (doubling from `first`). */
uint64_t ordered_index_size_for(uint64_t nslots, uint64_t first, uint64_t count);

/* After a removal: the size to rebuild an index of nslots slots holding
 * count entries at — the size inserts would have grown it to (doubling
 * from `first`) once it is at most an eighth full, else nslots.  Without
 * it a burst of keys or sessions would keep its peak's tables (and their
 * bytes in SV_INFO's memoryBytes and against limits.maxMemory) for as long
 * as one of them is left.  Shrinking at an eighth and growing at three
 * quarters, a table at either edge does not flip back and forth. */
uint32_t ordered_index_shrunk(uint32_t nslots, uint32_t first, uint32_t count);

/* ------------------------------------------------------- the array */

/* When the array is full: squeeze out the holes (rather than grow) if at
 * least half of it is holes. */
static inline int ordered_compact_when_full(uint64_t used, uint64_t count, uint64_t cap) {
    return cap && (used - count) * 2 >= cap;
}

/* After a removal: squeeze out the holes if they outnumber the items (so
 * iteration never pays more than about twice the items). */
static inline int ordered_compact_after_removal(uint64_t used, uint64_t count) { return used - count > count + 32; }

/* Squeeze the holes out of items[0 .. used), keeping the order; repoint the
 * index slots at the new positions and call moved(item, new position) for
 * each item.  Returns the new `used` (= the number of items). */
uint32_t ordered_compact(void **items, uint32_t used, uint64_t *slots, uint32_t nslots,
                         void (*moved)(void *item, uint32_t pos));

/* The capacity the array reaches after `add` inserts (doubling from
 * `first`, or compacting, as the owners do it). */
uint64_t ordered_cap_after(uint64_t used, uint64_t count, uint64_t cap, uint64_t first, uint64_t add);

/* After a removal: the capacity of an array of capacity cap holding count
 * items once at most a quarter of it is items — the capacity inserts would
 * have grown it to (doubling from `first`) — else cap.  For the arrays of
 * ordered tables (holes squeezed out first) and the expiry heaps; the
 * reason is ordered_index_shrunk's. */
uint32_t ordered_cap_shrunk(uint32_t cap, uint32_t first, uint32_t count);

/* The position of the first item whose sequence number (seq_of) is above
 * `seq`, or `used` if none: a binary search in which a probe landing on a
 * hole looks at the next item instead. */
uint32_t ordered_seek(void *const *items, uint32_t used, uint64_t seq, uint64_t (*seq_of)(const void *item));

#endif
