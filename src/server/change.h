/*
 * change.h — change records: what the store emits for every effect on data.
 *
 * Every change to the top-level keys or the sessions is made by the store
 * (store.h), and each effect is described by one record handed to the
 * store's sinks — the journal, watchers, counters — after it has been
 * applied.  A record describes the *effect*, not the request that caused
 * it: a KV_UPDATE emits the new text of the value, SH_NEW the token it
 * drew, the expiry timer the sessions it ended.  Applying the records of a
 * run, in order, to an empty store (store_apply) rebuilds the same state:
 * the same values byte for byte, the same key order, the same sessions
 * with the same expiry settings and deadlines.
 *
 * Pointers in a record (key, val) are valid only during the sink call.
 */
#ifndef NDB_CHANGE_H
#define NDB_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "server/sessions.h"

enum change_kind {
    CH_KEY_SET = 1,   /* key now holds val (a new key, or a replaced value);
                       * top-level keys: its deadline is now deadline_ns
                       * (0 = it does not expire) */
    CH_KEY_RMV,       /* key was removed */
    CH_MAP_CLEAR,     /* every key of the map was removed (count of them) */
    CH_SESSION_NEW,   /* session tkn was created: ex, deadline_ns, shared */
    CH_SESSION_END,   /* session tkn was removed with its keys */
    CH_SESSION_RESET, /* keep-alive session tkn expired: its keys were removed,
                       * its next deadline is deadline_ns */
    CH_SESSION_TOUCH, /* session tkn's deadline moved to deadline_ns */
    CH_KEY_EXPIRE,    /* top-level key's deadline is now deadline_ns
                       * (0 = it no longer expires); its value is unchanged */
    CH_SESSION_EXPIRY, /* session tkn's expiry settings are now ex and its
                        * deadline deadline_ns (0 when ex.duration is 0) */
    CH_KIND_LAST = CH_SESSION_EXPIRY /* a journal record of a later kind was
                                      * written by a newer ndb (recovery.c) */
};

/* Why a change happened: what watchers are told; replay ignores it. */
enum change_cause {
    CAUSE_SET = 1, /* KV_SET, SH_SET, the set part of *_CLEAR_SET */
    CAUSE_ADD,     /* KV_ADD, SH_ADD */
    CAUSE_RMV,     /* KV_RMV, SH_RMV */
    CAUSE_CLEAR,   /* KV_CLEAR, SH_CLEAR, the clear part of *_CLEAR_SET */
    CAUSE_UPDATE,  /* KV_UPDATE */
    CAUSE_APPEND,  /* KV_ARR_APPEND */
    CAUSE_LOAD,    /* KV_LOAD, SH_LOAD, the start-up load */
    CAUSE_EXPIRE,  /* the expiry timer or a lazy expiry check */
    CAUSE_NEW,     /* SH_NEW */
    CAUSE_END,     /* SH_END, SH_END_ALL */
    CAUSE_EXTEND,  /* extendOnGet / extendOnSetAdd */
    CAUSE_INCR,    /* KV_INCR, SH_INCR */
    CAUSE_CAS,     /* KV_CAS */
    CAUSE_TTL,     /* KV_EXPIRE, KV_PERSIST, SH_EXPIRE: a deadline was set or removed */
};

typedef struct change {
    uint8_t kind;       /* enum change_kind */
    uint8_t cause;      /* enum change_cause */
    uint8_t in_session; /* 0: the top-level map; 1: the map of session tkn */
    uint8_t shared;     /* CH_SESSION_NEW: the session's shared flag */
    uint64_t tkn;       /* session token (in_session, and every CH_SESSION_*) */
    const char *key;    /* CH_KEY_*: the key (klen bytes, may contain NUL) */
    size_t klen;
    const char *val;    /* CH_KEY_SET: the value's exact stored text */
    size_t vlen;
    session_expiry ex;  /* CH_SESSION_NEW, CH_SESSION_EXPIRY: expiry settings */
    uint64_t deadline_ns; /* CH_SESSION_NEW/RESET/TOUCH/EXPIRY, CH_KEY_SET and
                           * CH_KEY_EXPIRE of top-level keys: wall-clock
                           * deadline, ns since the Unix epoch; 0 = never
                           * expires */
    uint64_t count;     /* CH_MAP_CLEAR: keys removed */
} change;

/* "set", "rmv", "clear", ... — the name of a cause, for events and logs. */
const char *change_cause_name(enum change_cause c);

#endif
