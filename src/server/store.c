/*
 * store.c — the one write path (see store.h).
 *
 * Every public change function has the same shape: check maxMemory
 * against the exact size afterwards (over(): one rule for all), then commit() each effect, which
 * applies it (apply()) and emits its record.  store_apply() — replay — runs
 * the same apply(), so what a record does on replay is by construction what
 * it did when it was made.
 */
#include "server/store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"

/* ----------------------------------------------------------- basics */

/* The wall clock minus the monotonic one.  Read from the coarse clocks:
 * both are the kernel's time of its last timer tick, one offset apart, so
 * their difference is the offset exactly, and reading them costs a few ns
 * (dispatch does before every write; the precise clocks cost ten times
 * that).  The monotonic one is read on both sides of the wall one: when
 * they differ, a tick came between and the pair is of two ticks, one tick
 * apart (tried again; 0 when three tries all were). */
static int read_wall_offset(int64_t *off) {
    for (int i = 0; i < 3; i++) {
        uint64_t a = clock_ns_of(CLOCK_MONOTONIC_COARSE), w = clock_ns_of(CLOCK_REALTIME_COARSE),
                 b = clock_ns_of(CLOCK_MONOTONIC_COARSE);
        if (a != b) continue;
        *off = (int64_t)w - (int64_t)a;
        return 1;
    }
    return 0;
}

void store_init(ndb_store *st, size_t max_memory, unsigned token_bits) {
    memset(st, 0, sizeof *st);
    st->max_memory = max_memory;
    sessions_init(&st->sessions, token_bits);
    if (!read_wall_offset(&st->wall_offset_ns)) st->wall_offset_ns = (int64_t)wall_ns() - (int64_t)mono_ns();
}

void store_free(ndb_store *st) {
    kvmap_free(&st->kv);
    kvmap_reap(SIZE_MAX); /* entries of a cleared map not freed yet */
    ttl_clear(&st->ttl);
    sessions_free(&st->sessions);
    st->nsinks = 0;
}

int store_add_sink(ndb_store *st, store_sink_fn fn, void *ctx) {
    if (st->nsinks == STORE_MAX_SINKS) return -1;
    st->sinks[st->nsinks].fn = fn;
    st->sinks[st->nsinks].ctx = ctx;
    st->nsinks++;
    return 0;
}

int store_add_sink_first(ndb_store *st, store_sink_fn fn, void *ctx) {
    if (st->nsinks == STORE_MAX_SINKS) return -1;
    memmove(&st->sinks[1], &st->sinks[0], st->nsinks * sizeof st->sinks[0]);
    st->sinks[0].fn = fn;
    st->sinks[0].ctx = ctx;
    st->nsinks++;
    return 0;
}

void store_remove_sink(ndb_store *st, store_sink_fn fn, void *ctx) {
    for (unsigned i = 0; i < st->nsinks; i++) {
        if (st->sinks[i].fn != fn || st->sinks[i].ctx != ctx) continue;
        memmove(&st->sinks[i], &st->sinks[i + 1], (st->nsinks - i - 1) * sizeof st->sinks[0]);
        st->nsinks--;
        return;
    }
}

size_t store_memory(const ndb_store *st) {
    return kvmap_bytes(&st->kv) + ttl_bytes(&st->ttl) + sessions_bytes(&st->sessions);
}

/* Clear the scratch flag of every entry of m. */
static void clear_flags(kvmap *m) {
    uint32_t pos = 0;
    for (kv_entry *e; (e = kvmap_next(m, &pos));) e->flag = 0;
}

uint64_t store_wall_ns(const ndb_store *st, uint64_t mono_ns) { return (uint64_t)((int64_t)mono_ns + st->wall_offset_ns); }

int64_t store_clock_sync(ndb_store *st) {
    int64_t off;
    if (!read_wall_offset(&off)) return 0;
    int64_t moved = off - st->wall_offset_ns;
    if (moved > -STORE_CLOCK_STEP_NS && moved < STORE_CLOCK_STEP_NS) return 0;
    st->wall_offset_ns = off;
    return moved;
}

uint64_t store_mono_ns(const ndb_store *st, uint64_t wall_ns) {
    int64_t m = (int64_t)wall_ns - st->wall_offset_ns;
    return m > 0 ? (uint64_t)m : 1; /* a deadline before boot: due at once */
}

/* Is a change that leaves memory at `after` refused by maxMemory?  The
 * one rule of every write: only if it leaves memory over the ceiling and
 * above what it is now.  Memory over the ceiling (a recovery under a
 * lowered limit, which keeps the data it was given) still takes every
 * change that does not grow it: a lock holder can release its lock, a
 * value can shrink. */
static int over(const ndb_store *st, size_t after) {
    return st->max_memory && after > st->max_memory && after > store_memory(st);
}

/* Memory after the map of s (or the top-level map) grows from its current
 * size to `map_after` bytes. */
static size_t memory_with_map(const ndb_store *st, const session *s, size_t map_after) {
    const kvmap *m = s ? &s->map : &st->kv;
    return store_memory(st) - kvmap_bytes(m) + map_after;
}

/* Give top-level key k the wall-clock deadline `wall` (0: none). */
static void set_key_deadline(ndb_store *st, const char *k, size_t kn, uint64_t wall) {
    if (wall) ttl_set(&st->ttl, k, kn, store_mono_ns(st, wall));
    else if (st->ttl.count) ttl_del(&st->ttl, k, kn);
}

/* ----------------------------------------------------------- apply + emit */

/* Carry out record ch on the state.  s is the session the record names
 * (in_session key changes, SESSION_RESET/TOUCH/END), already looked up. */
static void apply(ndb_store *st, session *s, const change *ch) {
    session_registry *reg = &st->sessions;
    kvmap *m = s ? &s->map : &st->kv;
    uint32_t old_count = m->count;
    size_t old_bytes = kvmap_bytes(m);
    switch ((enum change_kind)ch->kind) {
    case CH_KEY_SET:
        kvmap_set(m, ch->key, ch->klen, ch->val, ch->vlen, 1);
        if (!s && (ch->deadline_ns || st->ttl.count)) set_key_deadline(st, ch->key, ch->klen, ch->deadline_ns);
        break;
    case CH_KEY_RMV:
        kvmap_del(m, ch->key, ch->klen);
        if (!s && st->ttl.count) ttl_del(&st->ttl, ch->key, ch->klen);
        break;
    case CH_MAP_CLEAR:
        if (s || !st->clear_later) {
            kvmap_clear(m);
        } else { /* a million top-level keys took ~200 ms to free: freed later, in slices */
            kvmap_clear_later(m);
        }
        if (!s) ttl_clear(&st->ttl);
        break;
    case CH_KEY_EXPIRE: set_key_deadline(st, ch->key, ch->klen, ch->deadline_ns); return;
    case CH_SESSION_EXPIRY:
        s->ex = ch->ex;
        if (ch->ex.duration) sessions_set_deadline(reg, s, store_mono_ns(st, ch->deadline_ns));
        else sessions_clear_deadline(reg, s);
        return;
    case CH_SESSION_NEW: {
        uint64_t deadline = ch->ex.duration ? store_mono_ns(st, ch->deadline_ns) : 0;
        session *n = sessions_insert(reg, ch->tkn, &ch->ex, deadline);
        if (n) n->shared = ch->shared;
        return;
    }
    case CH_SESSION_END:
        sessions_remove(reg, s);
        if (!reg->count) sessions_clear(reg); /* the last one: free the tables too */
        return;
    case CH_SESSION_RESET:
        sessions_clear_keys(reg, s);
        sessions_set_deadline(reg, s, store_mono_ns(st, ch->deadline_ns));
        return;
    case CH_SESSION_TOUCH: sessions_set_deadline(reg, s, store_mono_ns(st, ch->deadline_ns)); return;
    }
    if (s) sessions_account(reg, s, old_count, old_bytes);
}

/* Does ch count in st->changes (changesSinceSave, the save schedule)?  Not
 * the deadline of an empty session moved to its next period by expiry
 * alone: a snapshot from before the move recovers the same rhythm
 * (recovery applies due expiry, 4.3), so counting it made a save schedule
 * write a snapshot of an idle server every period.  It is still journaled:
 * the records after it replay against the moved deadline. */
static int counts_as_change(const change *ch) { return !(ch->kind == CH_SESSION_TOUCH && ch->cause == CAUSE_EXPIRE); }

static void emit(ndb_store *st, const change *ch) {
    if (counts_as_change(ch)) st->changes++;
    for (unsigned i = 0; i < st->nsinks; i++) st->sinks[i].fn(st->sinks[i].ctx, ch);
}

static void commit(ndb_store *st, session *s, const change *ch) {
    apply(st, s, ch);
    emit(st, ch);
}

/* A record about the map of s (or the top-level map). */
static change map_change(const session *s, enum change_kind kind, enum change_cause cause) {
    change ch;
    memset(&ch, 0, sizeof ch);
    ch.kind = (uint8_t)kind;
    ch.cause = (uint8_t)cause;
    if (s) {
        ch.in_session = 1;
        ch.tkn = s->token;
    }
    return ch;
}

/* wall: the key's wall-clock deadline afterwards (top-level keys; 0 = none). */
static void commit_key_set(ndb_store *st, session *s, const char *k, size_t kn, const char *v, size_t vn,
                           enum change_cause cause, uint64_t wall) {
    change ch = map_change(s, CH_KEY_SET, cause);
    ch.key = k;
    ch.klen = kn;
    ch.val = v;
    ch.vlen = vn;
    ch.deadline_ns = s ? 0 : wall;
    commit(st, s, &ch);
}

/* The wall-clock deadline top-level key k gets from a set under rule ttl. */
static uint64_t wall_after_set(const ndb_store *st, const char *k, size_t kn, const store_ttl *ttl) {
    if (!ttl) return 0;
    uint64_t mono = ttl->keep ? ttl_deadline(&st->ttl, k, kn) : ttl->deadline;
    return mono ? store_wall_ns(st, mono) : 0;
}

/* ----------------------------------------------------------- key maps */

kv_entry *store_get(ndb_store *st, session *s, const char *k, size_t kn) {
    return kvmap_get(store_map(st, s), k, kn);
}

int store_set_items(ndb_store *st, session *s, const store_item *items, size_t n, enum store_mode mode,
                    enum change_cause cause, uint64_t *removed) {
    return store_set_items_ttl(st, s, items, n, mode, cause, removed, NULL);
}

int store_set_items_ttl(ndb_store *st, session *s, const store_item *items, size_t n, enum store_mode mode,
                        enum change_cause cause, uint64_t *removed, const store_ttl *ttl) {
    kvmap *m = store_map(st, s);
    int clearing = mode == STORE_CLEAR_SET;
    int new_deadlines = !s && ttl && !ttl->keep && ttl->deadline;
    if (st->max_memory) {
        /* the exact size afterwards: new keys bring their entry and their
         * share of the tables, replaced values the change of their size;
         * keys getting a deadline their node (an upper bound, keyttl.h).
         * The lowest entries' total along the way tells whether a session
         * map is packed at some point (kvmap_bytes_after). */
        int64_t delta = 0;
        uint64_t fresh = 0, timed = 0;
        size_t timed_bytes = 0, run = clearing ? 0 : kvmap_entries(m), low = run;
        for (size_t i = 0; i < n; i++) {
            const kv_entry *e = clearing ? NULL : kvmap_get(m, items[i].k, items[i].kn);
            int64_t d = 0;
            if (!e) {
                d = (int64_t)kvmap_entry_bytes(items[i].kn, items[i].vn);
                fresh++;
            } else if (mode == STORE_SET) {
                d = (int64_t)items[i].vn - (int64_t)e->vlen;
            }
            delta += d;
            run = (size_t)((int64_t)run + d);
            if (run < low) low = run;
            if (new_deadlines && (!e || mode != STORE_ADD) && (clearing || !ttl_get(&st->ttl, items[i].k, items[i].kn))) {
                timed++;
                timed_bytes += items[i].kn;
            }
        }
        size_t map_after = clearing ? kvmap_bytes_after_clear(m, fresh, (size_t)delta)
                                    : kvmap_bytes_after(m, fresh, delta, low);
        size_t after = memory_with_map(st, s, map_after);
        if (timed) after += ttl_bytes_after(&st->ttl, timed, timed_bytes) - ttl_bytes(&st->ttl);
        if (over(st, after)) return STORE_OOM;
    }
    if (clearing) {
        uint64_t cnt = m->count;
        change ch = map_change(s, CH_MAP_CLEAR, CAUSE_CLEAR);
        ch.count = cnt;
        if (cnt) commit(st, s, &ch); /* as store_clear: clearing nothing is no change */
        if (removed) *removed = cnt;
    }
    for (size_t i = 0; i < n; i++) {
        if (mode == STORE_ADD && kvmap_get(m, items[i].k, items[i].kn)) continue; /* no change, no record */
        /* a plain set (no ttl rule) skips the deadline lookup altogether */
        uint64_t wall = s || !ttl ? 0 : wall_after_set(st, items[i].k, items[i].kn, ttl);
        commit_key_set(st, s, items[i].k, items[i].kn, items[i].v, items[i].vn, cause, wall);
    }
    return STORE_OK;
}

int store_put(ndb_store *st, session *s, const char *k, size_t kn, const char *v, size_t vn,
              enum change_cause cause) {
    store_item it = {k, v, kn, vn};
    static const store_ttl keep = {1, 0};
    return store_set_items_ttl(st, s, &it, 1, STORE_SET, cause, NULL, &keep);
}

int store_ttl_fits(const ndb_store *st, uint64_t added, size_t key_bytes) {
    if (!st->max_memory || !added) return STORE_OK;
    size_t after = store_memory(st) - ttl_bytes(&st->ttl) + ttl_bytes_after(&st->ttl, added, key_bytes);
    return over(st, after) ? STORE_OOM : STORE_OK;
}

int store_key_expire(ndb_store *st, const char *k, size_t kn, uint64_t deadline, enum change_cause cause) {
    if (!kvmap_get(&st->kv, k, kn)) return 0;
    if (!deadline && !ttl_get(&st->ttl, k, kn)) return 0; /* nothing to remove: no record */
    change ch = map_change(NULL, CH_KEY_EXPIRE, cause);
    ch.key = k;
    ch.klen = kn;
    ch.deadline_ns = deadline ? store_wall_ns(st, deadline) : 0;
    commit(st, NULL, &ch);
    return 1;
}

size_t store_expire_keys(ndb_store *st, uint64_t now) { return store_expire_keys_upto(st, now, SIZE_MAX); }

int store_keys_due(const ndb_store *st, uint64_t now) { return ttl_peek_due(&st->ttl, now) != NULL; }

int store_expire_key_if_due(ndb_store *st, const char *k, size_t kn, uint64_t now) {
    key_ttl *t = ttl_get(&st->ttl, k, kn);
    if (!t || !(now > t->exp.deadline) || !kvmap_get(&st->kv, k, kn)) return 0;
    change ch = map_change(NULL, CH_KEY_RMV, CAUSE_EXPIRE);
    ch.key = k; /* the caller's copy: the node goes with the key */
    ch.klen = kn;
    commit(st, NULL, &ch);
    return 1;
}

size_t store_expire_keys_upto(ndb_store *st, uint64_t now, size_t max) {
    size_t n = 0;
    strbuf k = STRBUF_INIT; /* the node goes with its key: the record needs a copy of the name */
    for (key_ttl *t; n < max && (t = ttl_peek_due(&st->ttl, now)); n++) {
        sb_reset(&k);
        sb_grow(&k, t->klen);
        sb_add(&k, t->key, t->klen);
        change ch = map_change(NULL, CH_KEY_RMV, CAUSE_EXPIRE);
        ch.key = k.buf;
        ch.klen = k.len;
        if (!kvmap_get(&st->kv, k.buf, k.len)) { /* cannot happen: apply() drops a deadline with its key */
            log_error("expiry: deadline of a key that does not exist; dropped");
            ttl_del(&st->ttl, k.buf, k.len);
            continue;
        }
        commit(st, NULL, &ch);
    }
    sb_free(&k);
    return n;
}

int store_del(ndb_store *st, session *s, const char *k, size_t kn, enum change_cause cause) {
    if (!kvmap_get(store_map(st, s), k, kn)) return 0;
    change ch = map_change(s, CH_KEY_RMV, cause);
    ch.key = k;
    ch.klen = kn;
    commit(st, s, &ch);
    return 1;
}

uint64_t store_clear(ndb_store *st, session *s, enum change_cause cause) {
    change ch = map_change(s, CH_MAP_CLEAR, cause);
    ch.count = store_map(st, s)->count;
    if (ch.count) commit(st, s, &ch); /* an empty map: no change, so no record and no event */
    return ch.count;
}

/* ----------------------------------------------------------- sessions */

session *store_session(ndb_store *st, uint64_t token) { return sessions_get(&st->sessions, token); }

/* A record about session s. */
static change session_change(const session *s, enum change_kind kind, enum change_cause cause) {
    change ch = map_change(s, kind, cause);
    ch.in_session = 0; /* about the session itself, not a key in it */
    return ch;
}

/* Commit the creation of a session: token, expiry, monotonic deadline. */
static session *commit_session_new(ndb_store *st, uint64_t token, const session_expiry *ex, uint64_t deadline,
                                   int shared, enum change_cause cause) {
    change ch;
    memset(&ch, 0, sizeof ch);
    ch.kind = CH_SESSION_NEW;
    ch.cause = (uint8_t)cause;
    ch.tkn = token;
    ch.ex = *ex;
    ch.shared = (uint8_t)shared;
    ch.deadline_ns = ex->duration ? store_wall_ns(st, deadline) : 0;
    apply(st, NULL, &ch);
    session *s = sessions_get(&st->sessions, token);
    if (s) emit(st, &ch);
    return s;
}

session *store_session_new(ndb_store *st, const session_expiry *ex, uint64_t now, int *oom) {
    *oom = 0;
    if (over(st, sessions_bytes_after(&st->sessions, 1, ex->duration ? 1 : 0, 0) + kvmap_bytes(&st->kv) + ttl_bytes(&st->ttl))) {
        *oom = 1;
        return NULL;
    }
    if (st->sessions.count >= UINT32_MAX - 1) return NULL;
    uint64_t token = sessions_new_token(&st->sessions);
    return commit_session_new(st, token, ex, now + (uint64_t)ex->duration * EXPIRY_NS_PER_S, 0, CAUSE_NEW);
}

void store_session_end(ndb_store *st, session *s, enum change_cause cause) {
    change ch = session_change(s, CH_SESSION_END, cause);
    commit(st, s, &ch);
}

uint64_t store_end_all_sessions(ndb_store *st) {
    uint64_t n = st->sessions.count;
    /* from the last (never a hole: removals trim trailing holes), so no
     * compaction moves a session before its turn */
    while (st->sessions.count) store_session_end(st, st->sessions.items[st->sessions.used - 1], CAUSE_END);
    return n;
}

void store_session_extend(ndb_store *st, session *s, uint64_t now) {
    if (!s->ex.duration) return;
    change ch = session_change(s, CH_SESSION_TOUCH, CAUSE_EXTEND);
    ch.deadline_ns = store_wall_ns(st, now + (uint64_t)s->ex.duration * EXPIRY_NS_PER_S);
    commit(st, s, &ch);
}

int store_session_set_expiry(ndb_store *st, session *s, const session_expiry *ex, uint64_t now) {
    if (ex->duration && !s->ex.duration &&
        over(st, sessions_bytes_after(&st->sessions, 0, 1, 0) + kvmap_bytes(&st->kv) + ttl_bytes(&st->ttl)))
        return STORE_OOM; /* one more node in the deadline heap */
    change ch = session_change(s, CH_SESSION_EXPIRY, CAUSE_TTL);
    ch.ex = *ex;
    ch.deadline_ns = ex->duration ? store_wall_ns(st, now + (uint64_t)ex->duration * EXPIRY_NS_PER_S) : 0;
    commit(st, s, &ch);
    return STORE_OK;
}

size_t store_expire(ndb_store *st, uint64_t now) { return store_expire_upto(st, now, SIZE_MAX); }

int store_sessions_due(const ndb_store *st, uint64_t now) {
    const expiry_entry *e = expiry_peek(&st->sessions.heap);
    return e && now > e->deadline;
}

size_t store_expire_upto(ndb_store *st, uint64_t now, size_t max) {
    size_t n = 0;
    session *s;
    while (n < max && (s = sessions_pop_due(&st->sessions, now))) {
        n++;
        if (s->ex.delete_session) {
            store_session_end(st, s, CAUSE_EXPIRE);
            continue;
        }
        /* Q11: the next period starts at the previous deadline; whole
         * periods that have passed too are skipped, so it is not due */
        uint64_t d = (uint64_t)s->ex.duration * EXPIRY_NS_PER_S;
        uint64_t next = s->exp.deadline + ((now - s->exp.deadline) / d + 1) * d;
        /* An empty session only moves to its next period: nothing is
         * emptied, so its record is a deadline move (no `reset` event for
         * watchers), still journaled so that replay gives the same state. */
        change ch = session_change(s, s->map.count ? CH_SESSION_RESET : CH_SESSION_TOUCH, CAUSE_EXPIRE);
        ch.deadline_ns = store_wall_ns(st, next);
        commit(st, s, &ch);
    }
    return n;
}

/* ----------------------------------------------------------- loads */

void store_plan_begin(ndb_store *st, store_plan *p) {
    (void)st;
    memset(p, 0, sizeof *p);
}

void store_plan_key(ndb_store *st, store_plan *p, const char *k, size_t kn, size_t vn) {
    kv_entry *e = kvmap_get(&st->kv, k, kn);
    if (!e) {
        p->delta_bytes += (int64_t)kvmap_entry_bytes(kn, vn);
        p->new_keys++;
    } else if (!e->flag) { /* replaced once: its first occurrence wins */
        e->flag = 1;
        p->delta_bytes += (int64_t)vn - (int64_t)e->vlen;
    }
}

void store_plan_end(ndb_store *st, store_plan *p) {
    if (!p->new_sessions) clear_flags(&st->kv);
}

int store_plan_session(ndb_store *st, store_plan *p, uint64_t token, const session_expiry *ex) {
    if (sessions_get(&st->sessions, token)) return 0;
    p->new_sessions++;
    if (ex->duration) p->new_expiring++;
    p->new_keys = 0; /* counts the keys of this session's map */
    p->session_entries = 0;
    return 1;
}

void store_plan_ttl(store_plan *p, size_t kn) {
    p->new_ttls++;
    p->ttl_key_bytes += kn;
}

void store_plan_session_key(store_plan *p, size_t kn, size_t vn) {
    p->session_entries += kvmap_entry_bytes(kn, vn);
    p->new_keys++;
}

void store_plan_session_end(store_plan *p, uint64_t n) {
    /* a fresh session map: packed in the session's own allocation if its
     * entries fit, else with tables of its own */
    p->delta_bytes += (int64_t)kvmap_bytes_fresh(SESSION_INLINE, n, p->session_entries);
    p->session_entries = 0;
    p->new_keys = 0;
}

int store_plan_fits(const ndb_store *st, const store_plan *p) {
    if (!st->max_memory) return STORE_OK;
    size_t after;
    if (p->new_sessions)
        after = kvmap_bytes(&st->kv) + ttl_bytes(&st->ttl) +
                sessions_bytes_after(&st->sessions, p->new_sessions, p->new_expiring,
                                     (size_t)(p->delta_bytes > 0 ? p->delta_bytes : 0));
    else
        after = memory_with_map(st, NULL, kvmap_bytes_after(&st->kv, p->new_keys, p->delta_bytes, 0)) -
                ttl_bytes(&st->ttl) + ttl_bytes_after(&st->ttl, p->new_ttls, p->ttl_key_bytes);
    return over(st, after) ? STORE_OOM : STORE_OK;
}

/* Store a loaded key (deadline: monotonic ns, top-level keys only). */
static int load_key(ndb_store *st, session *s, const char *k, size_t kn, const char *v, size_t vn,
                    uint64_t deadline) {
    kvmap *m = store_map(st, s);
    kv_entry *e = kvmap_get(m, k, kn);
    if (e && e->flag) return 0; /* stored earlier by this load: the first wins */
    commit_key_set(st, s, k, kn, v, vn, CAUSE_LOAD, deadline ? store_wall_ns(st, deadline) : 0);
    kvmap_get(m, k, kn)->flag = 1;
    return 1;
}

int store_load_key(ndb_store *st, session *s, const char *k, size_t kn, const char *v, size_t vn) {
    return load_key(st, s, k, kn, v, vn, 0);
}

int store_load_key_ttl(ndb_store *st, const char *k, size_t kn, const char *v, size_t vn, uint64_t deadline) {
    return load_key(st, NULL, k, kn, v, vn, deadline);
}

void store_load_done(ndb_store *st, session *s) { clear_flags(store_map(st, s)); }

session *store_load_session(ndb_store *st, uint64_t token, const session_expiry *ex, uint64_t deadline,
                            int shared) {
    if (sessions_get(&st->sessions, token)) return NULL;
    return commit_session_new(st, token, ex, deadline, shared, CAUSE_LOAD);
}

/* ----------------------------------------------------------- replay */

int store_apply(ndb_store *st, const change *ch, char *err, size_t errlen) {
    session *s = NULL;
    /* the fields a kind needs (the format leaves absent ones out, so a
     * record that checks out can still lack them) */
    if ((ch->kind == CH_KEY_SET || ch->kind == CH_KEY_RMV || ch->kind == CH_KEY_EXPIRE) && !ch->key) {
        snprintf(err, errlen, "record of a key change names no key");
        return -1;
    }
    if (ch->kind == CH_KEY_SET && (!ch->val || !ch->vlen)) {
        snprintf(err, errlen, "record sets a key to no value");
        return -1;
    }
    switch ((enum change_kind)ch->kind) {
    case CH_KEY_EXPIRE:
        if (ch->in_session) {
            snprintf(err, errlen, "record gives a deadline to a key of session %llu", (unsigned long long)ch->tkn);
            return -1;
        }
        if (!kvmap_get(&st->kv, ch->key, ch->klen)) {
            snprintf(err, errlen, "record gives a deadline to a key that does not exist");
            return -1;
        }
        break;
    case CH_KEY_SET:
        if (ch->in_session && ch->deadline_ns) {
            snprintf(err, errlen, "record gives a deadline to a key of session %llu", (unsigned long long)ch->tkn);
            return -1;
        }
        __attribute__((fallthrough));
    case CH_KEY_RMV:
    case CH_MAP_CLEAR:
        if (!ch->in_session) break;
        __attribute__((fallthrough)); /* a key change inside a session needs the session */
    case CH_SESSION_END:
    case CH_SESSION_RESET:
    case CH_SESSION_TOUCH:
    case CH_SESSION_EXPIRY:
        if (!(s = sessions_get(&st->sessions, ch->tkn))) {
            snprintf(err, errlen, "record names session %llu, which does not exist", (unsigned long long)ch->tkn);
            return -1;
        }
        if (ch->kind == CH_SESSION_EXPIRY && ch->ex.duration > SESSION_MAX_DURATION) {
            snprintf(err, errlen, "record gives session %llu a duration over 10 years", (unsigned long long)ch->tkn);
            return -1;
        }
        if (ch->kind == CH_SESSION_RESET || ch->kind == CH_SESSION_TOUCH) {
            if (!s->ex.duration) {
                snprintf(err, errlen, "record moves the deadline of session %llu, which never expires",
                         (unsigned long long)ch->tkn);
                return -1;
            }
        }
        break;
    case CH_SESSION_NEW:
        if (sessions_get(&st->sessions, ch->tkn)) {
            snprintf(err, errlen, "record creates session %llu, which exists", (unsigned long long)ch->tkn);
            return -1;
        }
        if (ch->ex.duration > SESSION_MAX_DURATION) {
            snprintf(err, errlen, "record gives session %llu a duration over 10 years", (unsigned long long)ch->tkn);
            return -1;
        }
        break;
    default:
        snprintf(err, errlen, "unknown record kind %u", (unsigned)ch->kind);
        return -1;
    }
    apply(st, s, ch);
    return 0;
}

const char *change_cause_name(enum change_cause c) {
    switch (c) {
    case CAUSE_SET: return "set";
    case CAUSE_ADD: return "add";
    case CAUSE_RMV: return "rmv";
    case CAUSE_CLEAR: return "clear";
    case CAUSE_UPDATE: return "update";
    case CAUSE_APPEND: return "append";
    case CAUSE_LOAD: return "load";
    case CAUSE_EXPIRE: return "expire";
    case CAUSE_NEW: return "new";
    case CAUSE_END: return "end";
    case CAUSE_EXTEND: return "extend";
    case CAUSE_INCR: return "incr";
    case CAUSE_CAS: return "cas";
    case CAUSE_TTL: return "ttl";
    }
    return "?";
}
