/*
 * test_store.c — the store's contract, operation by operation: the change
 * records each operation emits (and those it must not), and the exact
 * limits.maxMemory check: an operation whose result is exactly at the
 * ceiling is accepted, one byte less refuses it and changes nothing.
 */
#include <stdlib.h>
#include <time.h>

#include "common/hash.h"
#include "server/store.h"
#include "unit.h"

/* ------------------------------------------------------- records */

static change last;
static unsigned nrec;
static char lastkey[64], lastval[256];

static void sink(void *ctx, const change *ch) {
    (void)ctx;
    nrec++;
    last = *ch;
    snprintf(lastkey, sizeof lastkey, "%.*s", (int)ch->klen, ch->key ? ch->key : "");
    snprintf(lastval, sizeof lastval, "%.*s", (int)ch->vlen, ch->val ? ch->val : "");
}

static store_item item(const char *k, const char *v) { return (store_item){k, v, strlen(k), strlen(v)}; }

static void test_records(void) {
    ndb_store st;
    store_init(&st, 0, 53);
    store_add_sink(&st, sink, NULL);
    store_item a = item("a", "0.10"), b = item("b", "{\"x\":1}");
    store_item both[2] = {a, b};
    CHECK_INT(store_set_items(&st, NULL, both, 2, STORE_SET, CAUSE_SET, NULL), STORE_OK);
    CHECK_INT(nrec, 2);
    CHECK_INT(last.kind, CH_KEY_SET);
    CHECK_INT(last.cause, CAUSE_SET);
    CHECK_INT(last.in_session, 0);
    CHECK_STR(lastkey, "b");
    CHECK_STR(lastval, "{\"x\":1}");
    /* KV_ADD of an existing key changes nothing: no record */
    CHECK_INT(store_set_items(&st, NULL, &a, 1, STORE_ADD, CAUSE_ADD, NULL), STORE_OK);
    CHECK_INT(nrec, 2);
    /* removing a missing key: no record; an existing one: one */
    CHECK_INT(store_del(&st, NULL, "zz", 2, CAUSE_RMV), 0);
    CHECK_INT(nrec, 2);
    CHECK_INT(store_del(&st, NULL, "a", 1, CAUSE_RMV), 1);
    CHECK_INT(nrec, 3);
    CHECK_INT(last.kind, CH_KEY_RMV);
    CHECK_STR(lastkey, "a");
    /* clear-set: one clear (with its count), then the sets */
    uint64_t removed = 99;
    CHECK_INT(store_set_items(&st, NULL, &a, 1, STORE_CLEAR_SET, CAUSE_SET, &removed), STORE_OK);
    CHECK_INT(removed, 1);
    CHECK_INT(nrec, 5);
    CHECK_INT(st.kv.count, 1);
    /* sessions: new (with its token and wall-clock deadline), touch, keys, end */
    int oom;
    session_expiry ex = {60, 1, 1, 0};
    uint64_t now = expiry_now_ns();
    session *s = store_session_new(&st, &ex, now, &oom);
    CHECK(s != NULL);
    CHECK_INT(last.kind, CH_SESSION_NEW);
    CHECK(last.tkn == s->token);
    CHECK_INT(last.ex.duration, 60);
    CHECK(last.deadline_ns == store_wall_ns(&st, now + 60 * EXPIRY_NS_PER_S));
    CHECK(store_mono_ns(&st, last.deadline_ns) == now + 60 * EXPIRY_NS_PER_S);
    store_session_extend(&st, s, now + EXPIRY_NS_PER_S);
    CHECK_INT(last.kind, CH_SESSION_TOUCH);
    CHECK(s->exp.deadline == now + 61 * EXPIRY_NS_PER_S);
    CHECK_INT(store_put(&st, s, "k", 1, "1", 1, CAUSE_SET), STORE_OK);
    CHECK_INT(last.kind, CH_KEY_SET);
    CHECK_INT(last.in_session, 1);
    CHECK(last.tkn == s->token);
    CHECK_INT(st.sessions.total_keys, 1);
    /* expiry: a deleteSession session is ended with cause "expire" */
    unsigned before = nrec;
    CHECK_INT(store_expire(&st, now + 62 * EXPIRY_NS_PER_S), 1);
    CHECK_INT(nrec, before + 1);
    CHECK_INT(last.kind, CH_SESSION_END);
    CHECK_INT(last.cause, CAUSE_EXPIRE);
    CHECK_INT(st.sessions.count, 0);
    CHECK_INT(st.sessions.total_keys, 0);
    CHECK_INT(st.changes, nrec);
    store_free(&st);
}

/* ------------------------------------------------------- exact maxMemory */

/* One operation on a store; returns STORE_OK or STORE_OOM. */
typedef int (*op_fn)(ndb_store *st);

static int op_set_new(ndb_store *st) {
    store_item it = item("newkey", "[1,2,3]");
    return store_set_items(st, NULL, &it, 1, STORE_SET, CAUSE_SET, NULL);
}
static int op_grow_value(ndb_store *st) {
    return store_put(st, NULL, "k3", 2, "\"a much longer value than before\"", 33, CAUSE_UPDATE);
}
static int op_many(ndb_store *st) { /* enough new keys to grow the tables */
    char k[40][8];
    store_item its[40];
    for (int i = 0; i < 40; i++) {
        snprintf(k[i], sizeof k[i], "m%d", i);
        its[i] = item(k[i], "true");
    }
    return store_set_items(st, NULL, its, 40, STORE_ADD, CAUSE_ADD, NULL);
}
static int op_shrink_value(ndb_store *st) { return store_put(st, NULL, "k2", 2, "2", 1, CAUSE_SET); }
static int op_clear_set_small(ndb_store *st) { /* leaves less than the 3 keys it clears */
    store_item it = item("x", "1");
    return store_set_items(st, NULL, &it, 1, STORE_CLEAR_SET, CAUSE_SET, NULL);
}
static int op_clear_set(ndb_store *st) {
    store_item its[2] = {item("x", "\"0123456789012345678901234567890123456789\""), item("y", "2")};
    return store_set_items(st, NULL, its, 2, STORE_CLEAR_SET, CAUSE_SET, NULL);
}
static int op_session_new(ndb_store *st) {
    int oom;
    session_expiry ex = {100, 0, 0, 0};
    return store_session_new(st, &ex, expiry_now_ns(), &oom) ? STORE_OK : STORE_OOM;
}
static int op_session_key(ndb_store *st) {
    uint32_t pos = 0;
    return store_put(st, sessions_next(&st->sessions, &pos), "sk", 2, "{\"a\":[1,2]}", 11, CAUSE_SET);
}
static int op_session_overflow(ndb_store *st) { /* past the session's inline area: the indexed layout */
    uint32_t pos = 0;
    session *s = sessions_next(&st->sessions, &pos);
    store_item its[2] = {item("q", "\"a value longer than a session's inline area holds, by far\""), item("r", "2")};
    return store_set_items(st, s, its, 2, STORE_SET, CAUSE_SET, NULL);
}
static void prep_session_indexed(ndb_store *st) { /* the session's map in the indexed layout */
    uint32_t pos = 0;
    session *s = sessions_next(&st->sessions, &pos);
    store_item big = item("q", "\"a value longer than a session's inline area holds, by far\"");
    CHECK_INT(store_set_items(st, s, &big, 1, STORE_SET, CAUSE_SET, NULL), STORE_OK);
    char k[12][4];
    for (int i = 0; i < 12; i++) { /* tables grown past their first size, then the keys gone */
        snprintf(k[i], sizeof k[i], "t%d", i);
        CHECK_INT(store_put(st, s, k[i], strlen(k[i]), "1", 1, CAUSE_SET), STORE_OK);
    }
    for (int i = 0; i < 12; i++) CHECK_INT(store_del(st, s, k[i], strlen(k[i]), CAUSE_RMV), 1);
    CHECK(s->map.ix != NULL && s->map.ix->cap == 8); /* the tables shrank back with them */
}
static int op_session_shrink_grow(ndb_store *st) { /* packed on the way (q shrinks), then indexed again */
    uint32_t pos = 0;
    session *s = sessions_next(&st->sessions, &pos);
    store_item its[2] = {item("q", "1"), item("z", "\"another value longer than the inline area holds\"")};
    return store_set_items(st, s, its, 2, STORE_SET, CAUSE_SET, NULL);
}
static int op_load_plan(ndb_store *st) { /* a KV load of 3 keys, one replacing k1 */
    store_plan p;
    store_plan_begin(st, &p);
    store_plan_key(st, &p, "k1", 2, 20);
    store_plan_key(st, &p, "l1", 2, 5);
    store_plan_key(st, &p, "l2", 2, 5);
    store_plan_key(st, &p, "k1", 2, 30); /* a duplicate: the first wins, counted once */
    int fits = store_plan_fits(st, &p);
    store_plan_end(st, &p);
    if (fits != STORE_OK) return STORE_OOM;
    CHECK_INT(store_load_key(st, NULL, "k1", 2, "\"01234567890123456\"", 20), 1);
    CHECK_INT(store_load_key(st, NULL, "l1", 2, "12345", 5), 1);
    CHECK_INT(store_load_key(st, NULL, "l2", 2, "12345", 5), 1);
    CHECK_INT(store_load_key(st, NULL, "k1", 2, "\"0123456789012345678901234567\"", 30), 0);
    store_load_done(st, NULL);
    CHECK_INT(store_get(st, NULL, "k1", 2)->vlen, 20);
    return STORE_OK;
}
static int op_load_sessions(ndb_store *st) { /* a session load: 2 sessions of 2 keys */
    store_plan p;
    session_expiry ex = {50, 0, 0, 0}, never = {0, 0, 0, 0};
    store_plan_begin(st, &p);
    for (uint64_t t = 777; t <= 778; t++) {
        store_plan_session(st, &p, t, t == 777 ? &ex : &never);
        store_plan_session_key(&p, 1, 4);
        store_plan_session_key(&p, 1, 6);
        store_plan_session_end(&p, 2);
    }
    int fits = store_plan_fits(st, &p);
    store_plan_end(st, &p);
    if (fits != STORE_OK) return STORE_OOM;
    for (uint64_t t = 777; t <= 778; t++) {
        session *s = store_load_session(st, t, t == 777 ? &ex : &never, expiry_now_ns(), 0);
        store_load_key(st, s, "a", 1, "1234", 4);
        store_load_key(st, s, "b", 1, "123456", 6);
        store_load_done(st, s);
    }
    return STORE_OK;
}
static int op_load_big_session(ndb_store *st) { /* a loaded session past its inline area */
    store_plan p;
    session_expiry never = {0, 0, 0, 0};
    static const char v[] = "\"0123456789012345678901234567890123456789\"";
    store_plan_begin(st, &p);
    store_plan_session(st, &p, 999, &never);
    for (int i = 0; i < 3; i++) store_plan_session_key(&p, 1, sizeof v - 1);
    store_plan_session_end(&p, 3);
    int fits = store_plan_fits(st, &p);
    store_plan_end(st, &p);
    if (fits != STORE_OK) return STORE_OOM;
    session *s = store_load_session(st, 999, &never, 0, 0);
    store_load_key(st, s, "a", 1, v, sizeof v - 1);
    store_load_key(st, s, "b", 1, v, sizeof v - 1);
    store_load_key(st, s, "c", 1, v, sizeof v - 1);
    store_load_done(st, s);
    CHECK(s->map.ix != NULL);
    return STORE_OK;
}

/* Run after fill (before anything is measured), or NULL. */
static void (*prep)(ndb_store *st);

/* The same starting state every time: 3 keys and one session with a key. */
static void fill(ndb_store *st, size_t max_memory) {
    store_init(st, 0, 53);
    store_item its[3] = {item("k1", "1"), item("k2", "\"two\""), item("k3", "3")};
    store_set_items(st, NULL, its, 3, STORE_SET, CAUSE_SET, NULL);
    int oom;
    session_expiry never = {0, 0, 0, 0};
    session *s = store_session_new(st, &never, 0, &oom);
    store_put(st, s, "q", 1, "1", 1, CAUSE_SET);
    if (prep) prep(st);
    st->max_memory = max_memory;
}

static void check_exact(const char *name, op_fn op) {
    ndb_store st;
    fill(&st, 0);
    size_t before = store_memory(&st);
    CHECK_INT(op(&st), STORE_OK);
    size_t after = store_memory(&st);
    store_free(&st);
    if (after <= before) { /* an operation that does not grow memory always fits, */
        fill(&st, before);
        CHECK_INT(op(&st), STORE_OK);
        store_free(&st);
        fill(&st, 1); /* even with memory far over the ceiling (a recovery under a lowered one) */
        int rc = op(&st);
        if (rc != STORE_OK) fprintf(stderr, "%s: refused over the ceiling, though it does not grow memory\n", name);
        CHECK_INT(rc, STORE_OK);
        CHECK_INT(store_memory(&st), after);
        store_free(&st);
        return;
    }
    fill(&st, 1); /* over the ceiling already: growing is refused */
    CHECK_INT(op(&st), STORE_OOM);
    CHECK_INT(store_memory(&st), before);
    store_free(&st);
    fill(&st, after); /* exactly at the ceiling afterwards: accepted */
    int rc = op(&st);
    if (rc != STORE_OK) fprintf(stderr, "%s: refused at its exact size %zu\n", name, after);
    CHECK_INT(rc, STORE_OK);
    CHECK_INT(store_memory(&st), after);
    store_free(&st);
    fill(&st, after - 1); /* one byte short: refused, nothing changed */
    uint64_t changes = st.changes;
    rc = op(&st);
    if (rc != STORE_OOM) fprintf(stderr, "%s: accepted one byte over the ceiling\n", name);
    CHECK_INT(rc, STORE_OOM);
    CHECK_INT(store_memory(&st), before);
    CHECK(st.changes == changes);
    store_free(&st);
}

/* A burst of keys, key deadlines, sessions and session keys gives the room
 * of its tables back once it is gone, though one of each stays: the memory
 * the store counts (SV_INFO's memoryBytes, what limits.maxMemory applies
 * to) comes back to what it was before the burst, whichever way the burst
 * went (removed, expired, ended). */
#define BURST 5000
static void test_burst_gives_back(void) {
    ndb_store st;
    store_init(&st, 0, 53);
    uint64_t now = expiry_now_ns(), hour = (uint64_t)3600 * EXPIRY_NS_PER_S;
    session_expiry never = {0, 0, 0, 0}, brief = {1, 1, 0, 0};
    int oom;
    CHECK_INT(store_put(&st, NULL, "keep", 4, "1", 1, CAUSE_SET), STORE_OK);
    CHECK_INT(store_key_expire(&st, "keep", 4, now + hour, CAUSE_TTL), 1);
    session *kept = store_session_new(&st, &never, now, &oom); /* (no deadline heap) */
    CHECK(kept != NULL);
    CHECK_INT(store_put(&st, kept, "sk", 2, "1", 1, CAUSE_SET), STORE_OK);
    size_t before = store_memory(&st);
    char k[16];
    for (int i = 0; i < BURST; i++) {
        int n = snprintf(k, sizeof k, "k%d", i);
        CHECK_INT(store_put(&st, NULL, k, (size_t)n, "[1,2,3]", 7, CAUSE_SET), STORE_OK);
        if (i % 2) CHECK_INT(store_key_expire(&st, k, (size_t)n, now + 1, CAUSE_TTL), 1);
        CHECK_INT(store_put(&st, kept, k, (size_t)n, "2", 1, CAUSE_SET), STORE_OK);
        CHECK(store_session_new(&st, &brief, now, &oom) != NULL);
    }
    CHECK(store_memory(&st) > before + BURST * 64);
    CHECK_INT(store_expire_keys(&st, now + 2), BURST / 2);          /* the odd keys expire */
    for (int i = 0; i < BURST; i += 2) {                            /* the even ones are removed */
        int n = snprintf(k, sizeof k, "k%d", i);
        CHECK_INT(store_del(&st, NULL, k, (size_t)n, CAUSE_RMV), 1);
    }
    for (int i = 0; i < BURST; i++) {
        int n = snprintf(k, sizeof k, "k%d", i);
        CHECK_INT(store_del(&st, kept, k, (size_t)n, CAUSE_RMV), 1);
    }
    CHECK_INT(store_expire(&st, now + 2 * EXPIRY_NS_PER_S), BURST); /* the brief sessions end */
    CHECK_INT(st.kv.count, 1);
    CHECK_INT(st.ttl.count, 1);
    CHECK_INT(st.sessions.count, 1);
    CHECK_INT(store_memory(&st), before);
    store_free(&st);
}

/* Sinks get each record in order; one added "first" gets it before the
 * others (the journal, ahead of watchers). */
static char order[16];
static void sink_a(void *ctx, const change *ch) { (void)ctx, (void)ch, strcat(order, "a"); }
static void sink_b(void *ctx, const change *ch) { (void)ctx, (void)ch, strcat(order, "b"); }
static void sink_j(void *ctx, const change *ch) { (void)ctx, (void)ch, strcat(order, "j"); }

static void test_sink_order(void) {
    ndb_store st;
    store_init(&st, 0, 53);
    store_add_sink(&st, sink_a, NULL);
    store_add_sink(&st, sink_b, NULL);
    CHECK_INT(store_add_sink_first(&st, sink_j, NULL), 0);
    store_put(&st, NULL, "k", 1, "1", 1, CAUSE_SET);
    CHECK_STR(order, "jab");
    store_remove_sink(&st, sink_j, NULL);
    order[0] = 0;
    store_put(&st, NULL, "k", 1, "2", 1, CAUSE_SET);
    CHECK_STR(order, "ab");
    for (int i = 2; i < STORE_MAX_SINKS; i++) CHECK_INT(store_add_sink(&st, sink_a, NULL), 0);
    CHECK_INT(store_add_sink_first(&st, sink_j, NULL), -1);
    store_free(&st);
}

/* A step of the wall clock since the offset was taken (here: the offset
 * made 5 s off by hand) is found, answered and taken in: a deadline of
 * now + 60 s is then written as the wall clock now + 60 s, within the
 * reading's jitter; no step: nothing moves. */
static void test_clock_sync(void) {
    ndb_store st;
    store_init(&st, 0, 53);
    (void)store_clock_sync(&st); /* store_init's own reading may have been preempted */
    int64_t was = st.wall_offset_ns;
    CHECK(store_clock_sync(&st) == 0);
    CHECK(st.wall_offset_ns == was);
    st.wall_offset_ns -= 5 * (int64_t)EXPIRY_NS_PER_S;
    int64_t moved = store_clock_sync(&st);
    CHECK(moved > 5 * (int64_t)EXPIRY_NS_PER_S - STORE_CLOCK_STEP_NS && moved < 5 * (int64_t)EXPIRY_NS_PER_S + STORE_CLOCK_STEP_NS);
    uint64_t mono = expiry_now_ns() + 60 * EXPIRY_NS_PER_S;
    struct timespec w;
    clock_gettime(CLOCK_REALTIME, &w);
    int64_t want = (int64_t)w.tv_sec * (int64_t)EXPIRY_NS_PER_S + w.tv_nsec + 60 * (int64_t)EXPIRY_NS_PER_S;
    int64_t off = (int64_t)store_wall_ns(&st, mono) - want;
    CHECK(off > -100 * 1000000 && off < 100 * 1000000); /* 100 ms: two reads apart on a busy machine */
    store_free(&st);
}

int main(void) {
    hash_seed_random();
    test_clock_sync();
    test_records();
    test_sink_order();
    test_burst_gives_back();
    check_exact("set a new key", op_set_new);
    check_exact("grow a value", op_grow_value);
    check_exact("add 40 keys", op_many);
    check_exact("clear-set", op_clear_set);
    check_exact("shrink a value", op_shrink_value);
    check_exact("clear-set leaving less", op_clear_set_small);
    check_exact("new session", op_session_new);
    check_exact("session key", op_session_key);
    check_exact("KV load", op_load_plan);
    check_exact("session load", op_load_sessions);
    check_exact("session key past the inline area", op_session_overflow);
    prep = prep_session_indexed;
    check_exact("session packed on the way, then indexed", op_session_shrink_grow);
    prep = NULL;
    check_exact("session load past the inline area", op_load_big_session);
    return UNIT_DONE();
}
