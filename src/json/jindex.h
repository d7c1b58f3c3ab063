/*
 * jindex.h — constant-time member lookup in a scanned object.
 *
 * jobj_get scans an object's members from the first, so a caller that looks
 * up every member of a large object in turn (KV_UPDATE `$.*` locating each
 * match, KV_CAS comparing two objects) does quadratic work: 40,000 members
 * took seconds, during which no other client was served.  A jmembers is a
 * hash index of one object's distinct member names, built in one pass.
 * Small objects are not indexed (a scan of a few members is cheaper than
 * building a table), so the common case allocates nothing.
 *
 * First occurrence wins, exactly as in jobj_get (docs/protocol.md 1.10).
 */
#ifndef NDB_JSON_JINDEX_H
#define NDB_JSON_JINDEX_H

#include <stdint.h>

#include "json/scan.h"

/* Objects with at most this many members are scanned, not indexed. */
#define JMEMBERS_SCAN_MAX 8

typedef struct jmembers {
    const jdoc *d;
    uint32_t obj;      /* token of the object */
    uint32_t distinct; /* members with distinct names */
    uint32_t mask;     /* slots - 1; 0 when not indexed */
    uint32_t *slots;   /* token of a first-occurrence name (0: empty) */
} jmembers;

/* Index the object at token obj of d (which must outlive m). */
void jmembers_init(jmembers *m, const jdoc *d, uint32_t obj);
void jmembers_free(jmembers *m);

/* Token of the value of the first member named name[0..n) (decoded UTF-8),
 * or 0 if there is none: jobj_get's answer, in constant expected time. */
uint32_t jmembers_get(const jmembers *m, const char *name, size_t n);

/* Is the member whose name is token k the first one with its name? */
int jmembers_is_first(const jmembers *m, uint32_t k);

#endif
