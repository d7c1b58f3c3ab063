/*
 * hash.h — keyed hashing for every hash table in ndb.
 *
 * Keys come from clients, so an unkeyed hash would let a hostile client
 * pick keys that all collide and turn each lookup into a scan (hash
 * flooding).  SipHash-1-3 with a per-process random key, as Redis and
 * Python do, makes collisions unpredictable at a small cost per byte.
 */
#ifndef NDB_HASH_H
#define NDB_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Seed the hash key from the kernel's random source (call once at start;
 * until then a fixed key is used, which is fine for tests and tools). */
void hash_seed_random(void);
uint64_t hash_bytes(const void *p, size_t n);
uint64_t hash_u64(uint64_t v);

#endif
