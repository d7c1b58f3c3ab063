/*
 * store.h — the store: the only code that changes data.
 *
 * The top-level key map, the session registry and the sessions' expiry
 * deadlines are changed here and nowhere else (tests/check_write_path.sh
 * fails the build's tests if another file calls a mutating kvmap_ or
 * sessions_ function).  Handlers validate a request, compute what it should
 * do, and ask the store to do it.  For every effect the store:
 *   1. checks limits.maxMemory against the exact size the data will have
 *      afterwards, and refuses (changing nothing) if it would pass it and
 *      grow memory (over the ceiling after a recovery under a lowered
 *      limit, a change that does not grow memory is still made);
 *   2. applies the effect, keeping the memory and key counters exact;
 *   3. emits one change record (change.h) to every registered sink — the
 *      journal, watchers — and counts it.
 * Reads never emit.  The one change a read can cause is a deadline moved by
 * extendOnGet (CH_SESSION_TOUCH, commands flagged CMDF_TOUCH).
 *
 * Expiry: store_expire() ends or resets every session that is due, emitting
 * a record for each; dispatch runs it before every command flagged
 * CMDF_SESSIONS and the timer runs it periodically, so no command observes
 * an expired session.  Top-level keys expire the same way: their deadlines
 * live in a side table (keyttl.h) that only the store changes, and
 * store_expire_keys() removes every key that is due (CH_KEY_RMV, cause
 * CAUSE_EXPIRE); dispatch runs it before every command while any key has a
 * deadline (before a command flagged NAMED, store_expire_key_if_due on the
 * keys it names and store_expire_keys_upto a slice), and the timer runs it
 * too, a slice at a time, so no command observes an expired key.  A key's deadline travels in deadline_ns of its CH_KEY_SET (a plain
 * set removes it, as Redis's SET does; KV_UPDATE, KV_ARR_APPEND and KV_INCR
 * keep it) and of CH_KEY_EXPIRE.
 *
 * Replay: store_apply() applies a record without emitting it; applying the
 * records of a run in order to an empty store rebuilds the same state.
 *
 * Time: deadlines are CLOCK_MONOTONIC ns in memory and wall-clock ns in
 * records, converted with an offset (wall minus monotonic) taken when the
 * store is created and taken again by store_clock_sync() whenever the wall
 * clock has been stepped since: a record says "due in the time it has
 * left, by the wall clock of when it was written", which a restart reads.
 */
#ifndef NDB_STORE_H
#define NDB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "json/scan.h" /* JSON_MAX_DEPTH */
#include "server/change.h"
#include "server/keyttl.h"
#include "server/kvmap.h"
#include "server/sessions.h"

typedef void (*store_sink_fn)(void *ctx, const change *ch);

#define STORE_MAX_SINKS 8

/*
 * The deepest nesting a stored value may have.  Every message that carries
 * a value wraps it in three levels (KV_SET's request, KV_GET's answer:
 * {"KV_GET_RSP":{"keys":{"k":V}}}), and JSON is refused beyond
 * JSON_MAX_DEPTH (1024) levels — by ndb's own parser, hence by its client,
 * KV_FIND/KV_UPDATE on the value, and a snapshot load.  KV_SET cannot store
 * more than this; commands that build or take a value with fewer wrapping
 * levels (KV_UPDATE, KV_ARR_APPEND, KV_CAS) check against it.
 */
#define STORE_MAX_VALUE_DEPTH (JSON_MAX_DEPTH - 3)
#define STORE_DEPTH_MSG "the value would nest deeper than 1021 levels (the most a stored value may)"

/* A stored value's length is kept in 32 bits (kvmap.h).  KV_SET cannot get near it (a
 * request is at most maxPayload), but KV_UPDATE replaces many nodes by one value and
 * KV_ARR_APPEND adds to what is there: they check the new length against this first. */
#define STORE_MAX_VALUE_LEN ((size_t)UINT32_MAX)
#define STORE_LENGTH_MSG "the value would be longer than 4294967295 bytes (the most a stored value may)"

typedef struct ndb_store {
    kvmap kv;                  /* top-level keys (read freely, change only here) */
    ttl_table ttl;             /* deadlines of the top-level keys that expire */
    session_registry sessions; /* sessions (likewise) */
    size_t max_memory;         /* limits.maxMemory; 0 = no ceiling */
    uint64_t changes;          /* records emitted since start (but see store.c, counts_as_change) */
    int64_t wall_offset_ns;    /* wall-clock minus monotonic, at creation */
    /* a top-level clear hands its entries to kvmap_clear_later, freed a
     * slice a loop turn; set only while an event loop runs to free them
     * (recovery replaying a journal of many clears would hold them all) */
    int clear_later;
    struct {
        store_sink_fn fn;
        void *ctx;
    } sinks[STORE_MAX_SINKS];
    unsigned nsinks;
} ndb_store;

void store_init(ndb_store *st, size_t max_memory, unsigned token_bits);
/* Free all data (no records are emitted). */
void store_free(ndb_store *st);

/* Register / unregister a sink; records go to sinks in registration order.
 * Returns 0, or -1 when STORE_MAX_SINKS are registered. */
int store_add_sink(ndb_store *st, store_sink_fn fn, void *ctx);
/* The same, ahead of every sink registered so far: the journal's place, so
 * that a record is in the journal before any other sink (a watcher pushing
 * an event) acts on it.  Returns 0, or -1 when STORE_MAX_SINKS are registered. */
int store_add_sink_first(ndb_store *st, store_sink_fn fn, void *ctx);
void store_remove_sink(ndb_store *st, store_sink_fn fn, void *ctx);

/* Bytes held by stored data: what SV_INFO reports as memoryBytes and what
 * limits.maxMemory bounds. */
size_t store_memory(const ndb_store *st);

/* Deadline conversions (monotonic ns <-> wall-clock ns since the epoch). */
uint64_t store_wall_ns(const ndb_store *st, uint64_t mono_ns);
uint64_t store_mono_ns(const ndb_store *st, uint64_t wall_ns);

/* A move of the wall clock against the monotonic one smaller than this is
 * taken for the jitter of reading two clocks, not for a step. */
#define STORE_CLOCK_STEP_NS 1000000

/* Read both clocks again: when the wall clock has been stepped (by NTP at
 * boot, by hand) since the offset was taken, take the new offset, so that
 * the deadlines written from now on are right by the wall clock a restart
 * will read (a key set for an hour stays an hour after a restart, not an
 * hour minus the step).  Answers the step in ns (0: none); deadlines in
 * memory, on the monotonic clock, do not move. */
int64_t store_clock_sync(ndb_store *st);

/* ----------------------------------------------------------- key maps
 * Each key operation works on the top-level map (s == NULL) or on the map
 * of session s.  Returns STORE_OOM when the change would leave the stored
 * bytes past limits.maxMemory and above what they are now; nothing is
 * changed then. */
enum { STORE_OK = 0, STORE_OOM = -1 };

/* The map a key operation works on. */
static inline kvmap *store_map(ndb_store *st, session *s) { return s ? &s->map : &st->kv; }

/* The entry of key k, or NULL. */
kv_entry *store_get(ndb_store *st, session *s, const char *k, size_t kn);

/* One key and value to store. */
typedef struct store_item {
    const char *k, *v;
    size_t kn, vn;
} store_item;

enum store_mode {
    STORE_SET,       /* every item is stored (existing keys are replaced) */
    STORE_ADD,       /* only items whose key does not exist are stored */
    STORE_CLEAR_SET, /* the map is emptied first (one CH_MAP_CLEAR), then set */
};

/* Store n items with distinct keys, in order, all or nothing: the
 * maxMemory check covers the whole batch before anything changes.  With
 * STORE_CLEAR_SET, *removed (if not NULL) receives the keys cleared.
 * Top-level keys stored lose any deadline they had (a plain set). */
int store_set_items(ndb_store *st, session *s, const store_item *items, size_t n, enum store_mode mode,
                    enum change_cause cause, uint64_t *removed);

/* What a set does to the deadlines of the top-level keys it stores
 * (ignored in sessions). */
typedef struct store_ttl {
    int keep;          /* each key keeps the deadline it has (none for a new key) */
    uint64_t deadline; /* unless keep: every key stored gets this deadline
                        * (monotonic ns; 0 = none) */
} store_ttl;

/* store_set_items with a deadline rule; ttl NULL = no deadline. */
int store_set_items_ttl(ndb_store *st, session *s, const store_item *items, size_t n, enum store_mode mode,
                        enum change_cause cause, uint64_t *removed, const store_ttl *ttl);

/* Store one key (replacing its value if it exists); a top-level key keeps
 * its deadline (KV_UPDATE, KV_ARR_APPEND change a value, not its life). */
int store_put(ndb_store *st, session *s, const char *k, size_t kn, const char *v, size_t vn,
              enum change_cause cause);

/* The deadline of top-level key k (monotonic ns), 0 when it has none. */
static inline uint64_t store_key_deadline(const ndb_store *st, const char *k, size_t kn) {
    return ttl_deadline(&st->ttl, k, kn);
}

/* Would giving deadlines to `added` top-level keys that have none, whose
 * names total key_bytes, fit under maxMemory?  STORE_OK or STORE_OOM. */
int store_ttl_fits(const ndb_store *st, uint64_t added, size_t key_bytes);

/* Give existing top-level key k the deadline `deadline` (monotonic ns), or
 * with 0 remove its deadline (one CH_KEY_EXPIRE).  Returns 1 if that
 * changed something, 0 if k does not exist or (deadline 0) had none.  The
 * caller checks memory first (store_ttl_fits). */
int store_key_expire(ndb_store *st, const char *k, size_t kn, uint64_t deadline, enum change_cause cause);

/* Remove every top-level key due at now (monotonic ns), one CH_KEY_RMV
 * with cause CAUSE_EXPIRE each.  Returns how many; O(1) when none is due. */
size_t store_expire_keys(ndb_store *st, uint64_t now);

/* The same for at most `max` keys, the earliest deadlines first (a slice
 * of a big expiry: the rest stay due, for the next call). */
size_t store_expire_keys_upto(ndb_store *st, uint64_t now, size_t max);

/* Is some top-level key due at now?  O(1). */
int store_keys_due(const ndb_store *st, uint64_t now);

/* Remove top-level key k if its deadline passed at now (one CH_KEY_RMV,
 * cause CAUSE_EXPIRE); returns 1 if it did.  k need not outlive the call
 * (the record is made from it before the key's node is freed). */
int store_expire_key_if_due(ndb_store *st, const char *k, size_t kn, uint64_t now);

/* Remove key k; returns 1 if it existed. */
int store_del(ndb_store *st, session *s, const char *k, size_t kn, enum change_cause cause);

/* Remove every key; returns how many there were. */
uint64_t store_clear(ndb_store *st, session *s, enum change_cause cause);

/* ----------------------------------------------------------- sessions */

/* The session named by token, or NULL (due expiry is not applied here:
 * dispatch applies it before commands flagged CMDF_SESSIONS). */
session *store_session(ndb_store *st, uint64_t token);

/* Create an empty session with a fresh random token and the expiry ex,
 * its period starting at now (monotonic ns).  NULL with *oom set when
 * maxMemory would be passed; NULL with *oom clear when no position is
 * left (2^32 - 1 sessions). */
session *store_session_new(ndb_store *st, const session_expiry *ex, uint64_t now, int *oom);

/* End session s now (its keys go with it). */
void store_session_end(ndb_store *st, session *s, enum change_cause cause);

/* End every session; returns how many there were (one record each). */
uint64_t store_end_all_sessions(ndb_store *st);

/* Restart s's expiry period at now (extendOnGet / extendOnSetAdd); does
 * nothing for a session that never expires. */
void store_session_extend(ndb_store *st, session *s, uint64_t now);

/* Give session s the expiry settings ex, its period starting at now
 * (monotonic ns); duration 0 makes it never expire.  One
 * CH_SESSION_EXPIRY.  STORE_OOM (nothing changed) when the deadline heap
 * would grow past maxMemory. */
int store_session_set_expiry(ndb_store *st, session *s, const session_expiry *ex, uint64_t now);

/* Apply the expiry of every session due at now (monotonic ns): a
 * deleteSession session is ended, any other loses its keys and gets its
 * next deadline (the previous one plus whole durations).  Returns how many
 * sessions were handled; O(1) when none is due. */
size_t store_expire(ndb_store *st, uint64_t now);

/* The same for at most `max` sessions, the earliest deadlines first (a
 * slice of a big expiry: the rest stay due, for the next call). */
size_t store_expire_upto(ndb_store *st, uint64_t now, size_t max);

/* Is some session due at now?  O(1). */
int store_sessions_due(const ndb_store *st, uint64_t now);

/* ----------------------------------------------------------- loads
 * A load is all or nothing: the loader first reads every record and
 * describes what it would store in a plan, the store says whether the
 * result fits under maxMemory, then the loader stores it.  A plan counts
 * each key or session absent from memory as new; one named twice in a
 * snapshot is counted twice, which only over-estimates. */
typedef struct store_plan {
    int64_t delta_bytes;   /* KV loads: change of entry bytes (new entries, replaced
                            * values); session loads: bytes of the new maps */
    uint64_t new_keys;     /* KV loads: keys not yet in the map */
    uint64_t new_sessions; /* session loads */
    uint64_t new_expiring; /* new sessions that expire (heap nodes) */
    uint64_t new_ttls;     /* KV loads: keys that will get a deadline */
    size_t ttl_key_bytes;  /* ... and the bytes of their names */
    size_t session_entries; /* session loads: entry bytes of the session being planned */
} store_plan;

/* Start a plan for a load into the top-level map or into sessions. */
void store_plan_begin(ndb_store *st, store_plan *p);
/* A KV record k = v (the value's text is vn bytes).  An existing key is
 * counted once (flagged until store_plan_end). */
void store_plan_key(ndb_store *st, store_plan *p, const char *k, size_t kn, size_t vn);
/* The KV record just planned (a kn-byte key) carries a deadline. */
void store_plan_ttl(store_plan *p, size_t kn);
/* A session record: returns 1 if it would be created (its token is free),
 * 0 if an existing session would be left untouched. */
int store_plan_session(ndb_store *st, store_plan *p, uint64_t token, const session_expiry *ex);
/* One key of the session record just planned (a fresh map). */
void store_plan_session_key(store_plan *p, size_t kn, size_t vn);
/* Close the session record just planned: n keys were added with
 * store_plan_session_key (its map's tables are counted here). */
void store_plan_session_end(store_plan *p, uint64_t n);
/* Would the plan fit under maxMemory?  STORE_OK or STORE_OOM. */
int store_plan_fits(const ndb_store *st, const store_plan *p);
/* Done planning (clears the flags store_plan_key set). */
void store_plan_end(ndb_store *st, store_plan *p);

/* Store a loaded key into the top-level map (or session s), the first
 * occurrence of a key within one load winning: what this load stored is
 * flagged until store_load_done(st, s).  Returns 1 if stored, 0 if skipped
 * as a duplicate. */
int store_load_key(ndb_store *st, session *s, const char *k, size_t kn, const char *v, size_t vn);
/* store_load_key into the top-level map, the key getting the deadline
 * `deadline` (monotonic ns; 0 = none). */
int store_load_key_ttl(ndb_store *st, const char *k, size_t kn, const char *v, size_t vn, uint64_t deadline);
/* The keys loaded into the top-level map (or session s) are complete. */
void store_load_done(ndb_store *st, session *s);

/* Create a loaded session with its token (its keys follow through
 * store_load_key); NULL if the token exists.  deadline is monotonic ns. */
session *store_load_session(ndb_store *st, uint64_t token, const session_expiry *ex, uint64_t deadline,
                            int shared);

/* ----------------------------------------------------------- replay */

/* Apply record ch without emitting it.  Returns 0, or -1 with a reason in
 * err if the record does not apply to the current state (e.g. a key
 * change in a session that does not exist). */
int store_apply(ndb_store *st, const change *ch, char *err, size_t errlen);

#endif
