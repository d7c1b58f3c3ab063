/*
 * sessions.h — the session registry: token → session (docs/protocol.md 4.1–4.3).
 *
 * A session is a private kvmap plus expiry settings, named by a 64-bit
 * token.  The registry keeps sessions the way kvmap keeps keys (ordered.h):
 * a dense array in creation order where a removal leaves a hole, each
 * session with a sequence number that only grows (for SH_SCAN cursors),
 * so "map order" exists for SH_SAVE and SH_SCAN, plus an open-addressing
 * index from token to position.  Each session is one allocation whose
 * address never changes, so the expiry heap can point into it.
 *
 * Expiry (decisions 1/Q11 and 7): sessions with a non-zero duration sit in
 * an expiry heap keyed by deadline (CLOCK_MONOTONIC ns).  sessions_pop_due()
 * hands out exactly the sessions that are due, so a check when nothing is
 * due costs O(1) whatever the number of sessions; the store decides what
 * expiry does to them (store_expire).
 *
 * Counters (number of sessions, keys over all sessions, bytes) are kept up
 * to date as sessions change, so SH_INFO_ALL and SV_INFO never recount.
 * Only the store changes sessions and their maps, and it reports every
 * change of a session's map with sessions_account().
 */
#ifndef NDB_SESSIONS_H
#define NDB_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "server/expiry.h"
#include "server/kvmap.h"

/* The expiry settings of SH_NEW (4.3).  duration 0 = never expires, and
 * then the flags are all 0. */
typedef struct session_expiry {
    uint32_t duration; /* seconds, at most SESSION_MAX_DURATION */
    uint8_t delete_session, extend_on_get, extend_on_set_add;
} session_expiry;

/* Q10 fixed: durations above 10 years are refused (42). */
#define SESSION_MAX_DURATION 315360000u

typedef struct session {
    uint64_t token;
    uint64_t seq;     /* creation sequence number, from 1, never reused */
    expiry_entry exp; /* in the registry's heap iff ex.duration > 0 */
    session_expiry ex;
    uint32_t index;   /* position in the registry's dense array */
    uint8_t shared;   /* always 0 for SH_NEW; kept for loaded sessions */
    kvmap map;        /* last: its packed keys live in inl[] (kvmap.h) */
    char inl[];
} session;

/* Issue 18: a session is one allocation of SESSION_ALLOC bytes (a malloc
 * size class: 128-byte chunks with glibc) — the struct above and an inline
 * area for its map, where a few small keys (a user name and a one-time
 * password, say) are packed with no index.  A session whose keys outgrow
 * the area gets the indexed layout (kvmap.h) beside it. */
#define SESSION_ALLOC 120u
#define SESSION_INLINE (SESSION_ALLOC - sizeof(session))

typedef struct session_registry {
    session **items; /* creation order; NULL = a hole left by a removal */
    uint32_t used;   /* items[0 .. used) are sessions or holes */
    uint32_t count, cap;
    uint64_t *slots; /* (hash high 32 bits) << 32 | (index + 1); 0 = empty */
    uint32_t nslots; /* power of two, or 0 */
    uint64_t next_seq; /* the last sequence number given out */
    expiry_heap heap;
    uint64_t total_keys; /* sum of map.count over all sessions */
    size_t key_bytes;    /* sum of kvmap_bytes(&map) over all sessions */
    unsigned token_bits; /* 53 or 64 */
    uint64_t pool[32];   /* random words from getrandom, used from the end */
    unsigned pool_left;
} session_registry;

void sessions_init(session_registry *r, unsigned token_bits);
/* Free every session and the registry's tables. */
void sessions_free(session_registry *r);

/* The session named by token, or NULL.  Does not look at expiry. */
session *sessions_get(const session_registry *r, uint64_t token);

/* The next session at or after position *pos (advancing *pos past it), or
 * NULL at the end: `uint32_t pos = 0; while ((s = sessions_next(r, &pos)))`. */
static inline session *sessions_next(const session_registry *r, uint32_t *pos) {
    while (*pos < r->used) {
        session *s = r->items[(*pos)++];
        if (s) return s;
    }
    return NULL;
}

/* The position of the first session whose sequence number is above seq
 * (r->used if there is none). */
uint32_t sessions_seek(const session_registry *r, uint64_t seq);

/* The functions below change the registry; only the store
 * (server/store.c) calls them (tests/check_write_path.sh enforces it). */

/* Create an empty session with a chosen token; `deadline` is used when
 * ex->duration > 0.  Returns NULL if the token is taken or no position is
 * left. */
session *sessions_insert(session_registry *r, uint64_t token, const session_expiry *ex, uint64_t deadline);

/* End session s now: its keys and the session are freed. */
void sessions_remove(session_registry *r, session *s);

/* End every session; returns how many there were. */
uint32_t sessions_clear(session_registry *r);

/* Free s's keys, keeping the registry's counters exact; returns how many
 * keys there were. */
uint32_t sessions_clear_keys(session_registry *r, session *s);

/* Report that s->map changed from (old_count, old_bytes) to its current
 * state, to keep the registry's counters exact. */
static inline void sessions_account(session_registry *r, const session *s, uint32_t old_count, size_t old_bytes) {
    r->total_keys = r->total_keys - old_count + s->map.count;
    r->key_bytes = r->key_bytes - old_bytes + kvmap_bytes(&s->map);
}

/* Give s (which expires) the deadline `deadline`. */
void sessions_set_deadline(session_registry *r, session *s, uint64_t deadline);
/* Take s out of the deadline heap (it no longer expires). */
void sessions_clear_deadline(session_registry *r, session *s);

/* Take the session with the earliest deadline out of the expiry heap if it
 * is due at now (now > deadline), else NULL.  O(1) when none is due.  The
 * caller ends it or gives it a new deadline. */
session *sessions_pop_due(session_registry *r, uint64_t now);

/* Whole seconds until s's deadline, truncated, never negative. */
uint64_t sessions_remaining_s(const session *s, uint64_t now);

/* Append the members "deleteSession":B,"duration":N,"extendOnGet":B,
 * "extendOnSetAdd":B (the expiry object of SH_INFO and of session data
 * files, in that sorted order; no braces). */
void session_expiry_json(strbuf *out, const session_expiry *ex);

/* Append the members of an SH_INFO answer for s, in sorted order and
 * without braces: "expires":B,["expiry":{...,"remaining":N},]"keyCnt":N,
 * "shared":B,["st":1,]"tkn":T (remaining as at `now`). */
void session_info_json(strbuf *out, const session *s, uint64_t now, int with_st);

/* Memory held by the registry and every session (O(1)). */
size_t sessions_bytes(const session_registry *r);

/* What sessions_bytes will be after adding n sessions (of which `expiring`
 * expire) whose maps hold key_bytes (kvmap_bytes of each), with the
 * registry's tables grown as sessions_insert grows them. */
size_t sessions_bytes_after(const session_registry *r, uint64_t n, uint64_t expiring, size_t key_bytes);

/* A fresh token (1 … 2^53−1, or 1 … 2^64−1 with 64 token bits) that names
 * no session yet. */
uint64_t sessions_new_token(session_registry *r);

#endif
