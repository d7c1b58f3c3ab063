/*
 * test_key_expiry.c — expiry of top-level keys in the store, with a fake
 * clock (every function takes `now` explicitly): deadlines set, kept,
 * replaced and removed by each kind of write; expiry records; the side
 * table's memory going back to nothing; replay of the records; and a save
 * then a load keeping deadlines (a key already due at load time is not
 * loaded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/log.h"
#include "server/persist.h"
#include "server/store.h"
#include "unit.h"

#define S EXPIRY_NS_PER_S

/* ------------------------------------------------------- records */

typedef struct rec {
    change ch;
    char key[32], val[64];
} rec;
static rec recs[256];
static unsigned nrec;

static void sink(void *ctx, const change *ch) {
    (void)ctx;
    if (nrec == 256) abort();
    rec *r = &recs[nrec++];
    r->ch = *ch;
    snprintf(r->key, sizeof r->key, "%.*s", (int)ch->klen, ch->key ? ch->key : "");
    snprintf(r->val, sizeof r->val, "%.*s", (int)ch->vlen, ch->val ? ch->val : "");
    r->ch.key = r->key;
    r->ch.val = r->val;
}

static store_item item(const char *k, const char *v) { return (store_item){k, v, strlen(k), strlen(v)}; }

static void put_ttl(ndb_store *st, const char *k, const char *v, uint64_t deadline) {
    store_item it = item(k, v);
    store_ttl ttl = {0, deadline};
    CHECK_INT(store_set_items_ttl(st, NULL, &it, 1, STORE_SET, CAUSE_SET, NULL, &ttl), STORE_OK);
}

static uint64_t deadline_of(ndb_store *st, const char *k) { return store_key_deadline(st, k, strlen(k)); }
static int exists(ndb_store *st, const char *k) { return store_get(st, NULL, k, strlen(k)) != NULL; }

/* The clock starts at 1000 s: deadlines are monotonic ns. */
static const uint64_t T0 = 1000 * S;

static void test_expire_and_records(void) {
    ndb_store st;
    store_init(&st, 0, 53);
    store_add_sink(&st, sink, NULL);
    nrec = 0;
    size_t empty = store_memory(&st);
    (void)empty;
    put_ttl(&st, "otp", "\"123456\"", T0 + 30 * S);
    CHECK_INT(nrec, 1);
    CHECK_INT(recs[0].ch.kind, CH_KEY_SET);
    CHECK(recs[0].ch.deadline_ns == store_wall_ns(&st, T0 + 30 * S));
    CHECK(deadline_of(&st, "otp") == T0 + 30 * S);
    CHECK(store_memory(&st) > empty + kvmap_entry_bytes(3, 8)); /* the node is counted */

    /* nothing due: no record, O(1) */
    CHECK_INT(store_expire_keys(&st, T0 + 30 * S), 0); /* due only when now > deadline */
    CHECK_INT(nrec, 1);
    CHECK_INT(store_expire_keys(&st, T0 + 30 * S + 1), 1);
    CHECK_INT(nrec, 2);
    CHECK_INT(recs[1].ch.kind, CH_KEY_RMV);
    CHECK_INT(recs[1].ch.cause, CAUSE_EXPIRE);
    CHECK_STR(recs[1].key, "otp");
    CHECK(!exists(&st, "otp"));
    CHECK_INT(st.ttl.count, 0);
    CHECK_INT(ttl_bytes(&st.ttl), 0); /* the side table gave everything back */
    store_free(&st);
}

static void test_writes_and_deadlines(void) {
    ndb_store st;
    store_init(&st, 0, 53);
    store_add_sink(&st, sink, NULL);
    nrec = 0;
    /* overwrite: a plain set removes the deadline (as Redis's SET) */
    put_ttl(&st, "a", "1", T0 + 10 * S);
    store_item a2 = item("a", "2");
    CHECK_INT(store_set_items(&st, NULL, &a2, 1, STORE_SET, CAUSE_SET, NULL), STORE_OK);
    CHECK(deadline_of(&st, "a") == 0);
    CHECK(recs[nrec - 1].ch.deadline_ns == 0);
    CHECK_INT(st.ttl.count, 0);

    /* an update (store_put) keeps it, and its record carries it */
    put_ttl(&st, "b", "[1]", T0 + 20 * S);
    CHECK_INT(store_put(&st, NULL, "b", 1, "[1,2]", 5, CAUSE_UPDATE), STORE_OK);
    CHECK(deadline_of(&st, "b") == T0 + 20 * S);
    CHECK(recs[nrec - 1].ch.deadline_ns == store_wall_ns(&st, T0 + 20 * S));

    /* ADD with a deadline gives it to new keys only */
    store_item add[2] = {item("b", "0"), item("c", "3")};
    store_ttl ttl = {0, T0 + 5 * S};
    CHECK_INT(store_set_items_ttl(&st, NULL, add, 2, STORE_ADD, CAUSE_ADD, NULL, &ttl), STORE_OK);
    CHECK(deadline_of(&st, "b") == T0 + 20 * S);
    CHECK(deadline_of(&st, "c") == T0 + 5 * S);

    /* KV_EXPIRE / KV_PERSIST: one CH_KEY_EXPIRE each, none when nothing changes */
    unsigned before = nrec;
    CHECK_INT(store_key_expire(&st, "a", 1, T0 + 7 * S, CAUSE_TTL), 1);
    CHECK_INT(recs[nrec - 1].ch.kind, CH_KEY_EXPIRE);
    CHECK_INT(store_key_expire(&st, "nope", 4, T0 + 7 * S, CAUSE_TTL), 0);
    CHECK_INT(store_key_expire(&st, "a", 1, 0, CAUSE_TTL), 1);
    CHECK(recs[nrec - 1].ch.deadline_ns == 0);
    CHECK_INT(store_key_expire(&st, "a", 1, 0, CAUSE_TTL), 0); /* had none: no record */
    CHECK_INT(nrec, before + 2);
    CHECK(deadline_of(&st, "a") == 0);

    /* removal takes the deadline with the key; a new key of that name has none */
    CHECK_INT(store_del(&st, NULL, "c", 1, CAUSE_RMV), 1);
    CHECK(deadline_of(&st, "c") == 0);
    store_item c = item("c", "1");
    CHECK_INT(store_set_items(&st, NULL, &c, 1, STORE_ADD, CAUSE_ADD, NULL), STORE_OK);
    CHECK_INT(store_expire_keys(&st, T0 + 6 * S), 0); /* c's old deadline is gone */
    CHECK(exists(&st, "c"));

    /* expiry in deadline order, and only what is due */
    put_ttl(&st, "x", "1", T0 + 3 * S);
    put_ttl(&st, "y", "1", T0 + 1 * S);
    put_ttl(&st, "z", "1", T0 + 2 * S);
    before = nrec;
    CHECK_INT(store_expire_keys(&st, T0 + 2 * S + 1), 2);
    CHECK_STR(recs[before].key, "y");
    CHECK_STR(recs[before + 1].key, "z");
    CHECK(exists(&st, "x"));

    /* replay of every record rebuilds the same keys and deadlines */
    ndb_store re;
    store_init(&re, 0, 53);
    re.wall_offset_ns = st.wall_offset_ns;
    char err[128];
    for (unsigned i = 0; i < nrec; i++) CHECK_INT(store_apply(&re, &recs[i].ch, err, sizeof err), 0);
    CHECK_INT(re.kv.count, st.kv.count);
    CHECK_INT(re.ttl.count, st.ttl.count);
    CHECK(deadline_of(&re, "b") == T0 + 20 * S);
    CHECK(deadline_of(&re, "x") == T0 + 3 * S);
    CHECK(deadline_of(&re, "a") == 0);
    /* a record that cannot apply is refused */
    change bad = {0};
    bad.kind = CH_KEY_EXPIRE;
    bad.key = "nope";
    bad.klen = 4;
    bad.deadline_ns = 1;
    CHECK_INT(store_apply(&re, &bad, err, sizeof err), -1);
    /* records that check out but lack a field their kind needs (found by
     * tests/fuzz/fuzz_journal.c: a set with no value stored an empty text) */
    change nokey = {0}, noval = {0};
    nokey.kind = CH_KEY_RMV;
    CHECK_INT(store_apply(&re, &nokey, err, sizeof err), -1);
    CHECK_STR(err, "record of a key change names no key");
    noval.kind = CH_KEY_SET;
    noval.key = "v";
    noval.klen = 1;
    CHECK_INT(store_apply(&re, &noval, err, sizeof err), -1);
    CHECK_STR(err, "record sets a key to no value");
    noval.val = "";
    CHECK_INT(store_apply(&re, &noval, err, sizeof err), -1);
    CHECK(!exists(&re, "v"));
    store_free(&re);

    /* clear takes every deadline */
    store_clear(&st, NULL, CAUSE_CLEAR);
    CHECK_INT(st.ttl.count, 0);
    CHECK_INT(store_expire_keys(&st, T0 + 100 * S), 0);
    store_free(&st);
}

/* A million deadlines cost the timer nothing while none is due. */
static void test_many_none_due(void) {
    ndb_store st;
    store_init(&st, 0, 53);
    char k[32];
    for (unsigned i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "k%u", i);
        put_ttl(&st, k, "1", T0 + (1 + i % 97) * S);
    }
    CHECK_INT(st.ttl.count, 20000);
    CHECK_INT(store_expire_keys(&st, T0), 0);
    CHECK_INT(store_expire_keys(&st, T0 + 1 * S + 1), 20000 / 97 + 1); /* exactly those of the first second */
    for (unsigned i = 0; i < 20000; i += 2) { /* and removals keep the index right */
        snprintf(k, sizeof k, "k%u", i);
        store_del(&st, NULL, k, strlen(k), CAUSE_RMV);
    }
    unsigned left = 0;
    for (unsigned i = 1; i < 20000; i += 2) {
        snprintf(k, sizeof k, "k%u", i);
        left += deadline_of(&st, k) != 0;
    }
    CHECK_INT(left, st.ttl.count);
    CHECK_INT(store_expire_keys(&st, T0 + 200 * S), left);
    CHECK_INT(st.kv.count, 0);
    store_free(&st);
}

/* Save -> load keeps deadlines (absolute, wall clock); a key due by the
 * time of the load is not loaded. */
static void test_save_load(void) {
    char dir[] = "/tmp/ndb-key-expiry-XXXXXX";
    if (!mkdtemp(dir)) abort();
    ndb_store st;
    store_init(&st, 0, 53);
    uint64_t now = expiry_now_ns();
    put_ttl(&st, "keep", "1", now + 3600 * S);
    put_ttl(&st, "gone", "2", now + 1); /* due in a nanosecond */
    store_item plain = item("plain", "3");
    CHECK_INT(store_set_items(&st, NULL, &plain, 1, STORE_SET, CAUSE_SET, NULL), STORE_OK);
    snap_writer w;
    char err[256];
    CHECK_INT(snap_begin(&w, dir, "ttl", SNAP_KV, err, sizeof err), 0);
    CHECK_INT(persist_kv_write(&st, &w, err, sizeof err), 0);
    CHECK_INT(snap_finish(&w, 1, err, sizeof err), 0);
    usleep(2000); /* "gone" is due now */

    ndb_store ld;
    store_init(&ld, 0, 53);
    store_item old = item("keep", "0"); /* in memory before the load, without a deadline */
    CHECK_INT(store_set_items(&ld, NULL, &old, 1, STORE_SET, CAUSE_SET, NULL), STORE_OK);
    snap_found f;
    uint64_t keys = 0;
    CHECK_INT(snap_find_latest(dir, "ttl", &f, err, sizeof err), 0);
    CHECK_INT(persist_kv_read(&f, &ld, 0, 0, &keys, err, sizeof err), 0);
    CHECK_INT(keys, 2);
    CHECK(exists(&ld, "keep") && exists(&ld, "plain") && !exists(&ld, "gone"));
    /* the same wall-clock deadline, to the millisecond */
    uint64_t want = store_wall_ns(&st, deadline_of(&st, "keep")) / 1000000;
    CHECK(store_wall_ns(&ld, deadline_of(&ld, "keep")) / 1000000 == want);
    CHECK(deadline_of(&ld, "plain") == 0);
    store_free(&ld);
    store_free(&st);
    snprintf(err, sizeof err, "rm -rf %s", dir);
    if (system(err)) abort();
}

/* maxMemory covers the deadlines' nodes: a TTL that would pass it is refused. */
static void test_memory(void) {
    ndb_store st;
    store_init(&st, 0, 53);
    store_item a = item("a", "1");
    CHECK_INT(store_set_items(&st, NULL, &a, 1, STORE_SET, CAUSE_SET, NULL), STORE_OK);
    st.max_memory = store_memory(&st) + 10; /* room for no node */
    CHECK_INT(store_ttl_fits(&st, 1, 1), STORE_OOM);
    store_ttl ttl = {0, T0};
    CHECK_INT(store_set_items_ttl(&st, NULL, &a, 1, STORE_SET, CAUSE_SET, NULL, &ttl), STORE_OOM);
    CHECK_INT(st.ttl.count, 0);
    st.max_memory = 0;
    store_free(&st);
}

int main(void) {
    log_threshold = LOG_ERROR;
    hash_seed_random();
    test_expire_and_records();
    test_writes_and_deadlines();
    test_many_none_due();
    test_save_load();
    test_memory();
    return UNIT_DONE();
}
