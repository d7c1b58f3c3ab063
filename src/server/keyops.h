/*
 * keyops.h — the key commands shared by the top-level map (KV_*) and
 * sessions (SH_*).
 *
 * docs/protocol.md 4.6: each SH_ key command behaves exactly like its KV_
 * counterpart on the session's map.  So each is described once here, as
 * parameters + an optional extra check + an executor over a map (the
 * top-level one, or a session's), and the KV and SH front ends only differ
 * in how they find the map.  Executors change data only through the store.
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
    /* Run the command on the map of session s (NULL: the top-level map)
     * and write the response. */
    void (*exec)(request *r, session *s, const uint32_t *p);
    enum extend_on extend; /* for sessions: which expiry flag extends */
} keycmd;

#define KEYCMD_MAX_PARAMS 4

extern const keycmd keycmd_set, keycmd_add, keycmd_get, keycmd_rmv, keycmd_clear, keycmd_count,
    keycmd_contains, keycmd_keys, keycmd_clear_set;

/* Listing each entry once in a response: keyops_remember(r, e) flags e as
 * listed by this request (test e->flag before listing); keyops_forget(r)
 * clears every flag it set.  Call it before the handler returns. */
void keyops_remember(request *r, kv_entry *e);
void keyops_forget(request *r);

/* Validate the body against kc (1.9 + extra check).  Returns 0 and fills p,
 * or -1 after answering. */
int keycmd_validate(request *r, const keycmd *kc, uint32_t *p);


#endif
