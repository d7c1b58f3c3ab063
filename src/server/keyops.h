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
/* KV_SET, KV_ADD and KV_CLEAR_SET: the session forms plus the ndb
 * extension "ttl". */
extern const keycmd keycmd_kv_set, keycmd_kv_add, keycmd_kv_clear_set;

/* Free the per-request scratch of the key commands (srv->key, keys, vals,
 * refs, items, listed) that holds more than keep bytes, after a request
 * (server_release_big_scratch); returns 1 if any was freed. */
int keyops_release_big_scratch(ndb_server *s, size_t keep);

/* The members of the object at token obj with distinct names (a later
 * duplicate dropped: the first occurrence wins, docs/protocol.md 1.10), in
 * request order, as store items in r->srv->items (v: the value's text).
 * Returns how many. */
size_t keyops_members(request *r, uint32_t obj);

/* A TTL in seconds (cmd_ttl.c): a JSON number > 0 with at most three
 * decimals (milliseconds), at most 315360000 (10 years).  keyops_ttl_check
 * answers 41 (not a number) or 42 (out of range) and returns -1 when token
 * t is not one; keyops_ttl_ns only converts (t already checked).  *ns is
 * the TTL in nanoseconds. */
int keyops_ttl_check(request *r, uint32_t t, uint64_t *ns);
int keyops_ttl_ns(request *r, uint32_t t, uint64_t *ns);

/* A command that takes no "ttl" (the SH_ key writes, KV_INCR, SH_INCR,
 * KV_UPDATE, KV_ARR_APPEND) refuses one with 13 and message `why`, rather
 * than ignoring it as other unknown members are (1.9): a client must not be
 * told st 1 about a key it believes expires.  Returns -1 after answering,
 * else 0. */
int keyops_refuse_ttl(request *r, const char *why);

/* The message of keyops_refuse_ttl for a session's keys. */
#define KEYOPS_SESSION_TTL_MSG                                                                                        \
    "'ttl' applies to top-level keys only: session keys have no TTL, the session expires as a whole (SH_EXPIRE)"

/* cmd_sh.c: the session named by the body's `tkn`, or NULL after answering
 * 101 (missing or malformed) or 100 (no such session). */
session *body_session(request *r);

/* cmd_sh.c: read the SH_NEW `expiry` object at token obj into *ex (1.9
 * over its members, 42 for a duration over 10 years).  Returns 0, or -1
 * after answering. */
int sh_expiry_param(request *r, uint32_t obj, session_expiry *ex);

/* Listing each entry once in a response: keyops_remember(r, e) flags e as
 * listed by this request (test e->flag before listing); keyops_forget(r)
 * clears every flag it set.  Call it before the handler returns. */
void keyops_remember(request *r, kv_entry *e);
void keyops_forget(request *r);

/* Validate the body against kc (1.9 + extra check).  Returns 0 and fills p,
 * or -1 after answering. */
int keycmd_validate(request *r, const keycmd *kc, uint32_t *p);


#endif
