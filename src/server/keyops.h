/*
 * keyops.h — the key commands shared by the top-level map (KV_*) and
 * sessions (SH_*).
 *
 * PROTOCOL.md 4.6: each SH_ key command behaves exactly like its KV_
 * counterpart on the session's map.  So each is described once here, as
 * parameters + an optional extra check + an executor over a kvmap, and the
 * KV and SH front ends only differ in how they find the map.
 */
#ifndef NDB_KEYOPS_H
#define NDB_KEYOPS_H

#include "server/params.h"

enum extend_on { EXTEND_NEVER, EXTEND_ON_SET, EXTEND_ON_GET };

typedef struct keycmd {
    const param_spec *params;
    size_t nparams;
    /* Extra validation after 1.9 (e.g. empty `keys` → 42); answers and
     * returns -1 on failure.  May be NULL. */
    int (*check)(request *r, const uint32_t *p);
    /* Run the command on m and write the success response. */
    void (*exec)(request *r, kvmap *m, const uint32_t *p);
    enum extend_on extend; /* for sessions: which expiry flag extends */
} keycmd;

#define KEYCMD_MAX_PARAMS 4

extern const keycmd keycmd_set, keycmd_add, keycmd_get, keycmd_rmv, keycmd_clear, keycmd_count,
    keycmd_contains, keycmd_keys, keycmd_clear_set;

/* Validate the body against kc (1.9 + extra check).  Returns 0 and fills p,
 * or -1 after answering. */
int keycmd_validate(request *r, const keycmd *kc, uint32_t *p);

/* Set every member of object token `obj` into m, first occurrence of a
 * duplicated name winning, inserting new keys in byte order of their names
 * (PROTOCOL.md section 3, key order). */
void keyops_set_members(request *r, kvmap *m, uint32_t obj, int overwrite);

#endif
