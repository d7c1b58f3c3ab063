/*
 * test_kvmap.c — the ordered key map: lookups, overwrite, key order
 * (insertion order; a removal leaves the others in place), sequence
 * numbers and kvmap_seek, the exact size prediction of kvmap_bytes_after,
 * the packed layout of maps with an inline area (issue 18: moving to the
 * indexed layout and back, order and flags kept, predictions exact), and
 * randomised runs against a simple model (order included), with and
 * without an inline area.
 */
#include <stdlib.h>

#include "server/kvmap.h"
#include "unit.h"

static char *keys_of(const kvmap *m) {
    static char buf[4096];
    size_t n = 0;
    buf[0] = '\0';
    uint32_t pos = 0;
    for (const kv_entry *e; (e = kvmap_next(m, &pos));)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%.*s", n ? "," : "", (int)e->klen, kv_key(e));
    return buf;
}

/* The sequence number of key k (0 if absent). */
static uint64_t seq_of(const kvmap *m, const char *k) {
    uint32_t pos = 0;
    for (const kv_entry *e; (e = kvmap_next(m, &pos));)
        if (e->klen == strlen(k) && memcmp(kv_key(e), k, e->klen) == 0) return kvmap_seq_before(m, pos);
    return 0;
}

/* A map with an inline area of INL bytes, as a session holds one. */
enum { INL = 48 };
typedef struct inline_map {
    kvmap m;
    char area[INL];
} inline_map;

static void test_basic(void) {
    kvmap m = KVMAP_INIT;
    CHECK(kvmap_get(&m, "a", 1) == NULL);
    CHECK_INT(kvmap_set(&m, "k1", 2, "1", 1, 1), 1);
    CHECK_INT(kvmap_set(&m, "k2", 2, "2", 1, 1), 1);
    CHECK_INT(kvmap_set(&m, "k3", 2, "3", 1, 1), 1);
    CHECK_INT(kvmap_set(&m, "k4", 2, "4", 1, 1), 1);
    CHECK_STR(keys_of(&m), "k1,k2,k3,k4");
    CHECK_INT(kvmap_del(&m, "k2", 2), 1);
    CHECK_STR(keys_of(&m), "k1,k3,k4"); /* the others keep their order */
    CHECK_INT(kvmap_del(&m, "k2", 2), 0);
    CHECK_INT(kvmap_set(&m, "k1", 2, "\"longer value\"", 14, 1), 0);
    kv_entry *e = kvmap_get(&m, "k1", 2);
    CHECK(e && e->vlen == 14 && memcmp(kv_val(e), "\"longer value\"", 14) == 0);
    CHECK_STR(keys_of(&m), "k1,k3,k4"); /* overwrite keeps the position */
    CHECK_INT(seq_of(&m, "k1"), 1);
    CHECK_INT(seq_of(&m, "k4"), 4);
    CHECK_INT(kvmap_seek(&m, 0), 0);
    CHECK_INT(kvmap_seek(&m, 1), 2); /* k2's hole is skipped: position 2 holds k3 */
    CHECK_INT(kvmap_seek(&m, 2), 2);
    CHECK_INT(kvmap_seek(&m, 4), m.ix->used);
    CHECK_INT(kvmap_set(&m, "k2", 2, "2", 1, 1), 1); /* re-added: a new, last place */
    CHECK_STR(keys_of(&m), "k1,k3,k4,k2");
    CHECK_INT(seq_of(&m, "k2"), 5);
    CHECK_INT(kvmap_del(&m, "k2", 2), 1);
    CHECK_INT(kvmap_set(&m, "k1", 2, "9", 1, 0), 0); /* add: no overwrite */
    e = kvmap_get(&m, "k1", 2);
    CHECK(e && e->vlen == 14);
    CHECK_INT(kvmap_set(&m, "", 0, "0", 1, 1), 1); /* empty key is a key */
    CHECK(kvmap_get(&m, "", 0) != NULL);
    CHECK_INT(kvmap_set(&m, "a\0b", 3, "1", 1, 1), 1); /* NUL inside a key */
    CHECK(kvmap_get(&m, "a\0b", 3) != NULL);
    CHECK(kvmap_get(&m, "a", 1) == NULL);
    CHECK_INT(kvmap_clear(&m), 5);
    CHECK_INT(m.count, 0);
    CHECK(kvmap_get(&m, "k1", 2) == NULL);
    CHECK_INT(kvmap_set(&m, "z", 1, "1", 1, 1), 1);
    CHECK_INT(seq_of(&m, "z"), 8); /* numbers go on after a clear */
    CHECK(kvmap_bytes(&m) > 0);
    CHECK_INT(kvmap_del(&m, "z", 1), 1); /* the last key: the tables go too, as after a clear */
    CHECK_INT(kvmap_bytes(&m), 0);
    CHECK_INT(kvmap_set(&m, "y", 1, "1", 1, 1), 1);
    CHECK_INT(seq_of(&m, "y"), 9); /* and the numbers still go on */
    kvmap_free(&m);
}

/* kvmap_bytes_after predicts exactly what inserts do, whatever the holes. */
static void test_bytes_after(void) {
    int bad = 0;
    for (int holes = 0; holes < 60; holes += 7) {
        for (uint64_t add = 1; add < 300; add += 13) {
            kvmap m = KVMAP_INIT;
            char key[32];
            for (int i = 0; i < 100; i++) kvmap_set(&m, key, (size_t)snprintf(key, sizeof key, "b%d", i), "1", 1, 1);
            for (int i = 0; i < holes; i++) kvmap_del(&m, key, (size_t)snprintf(key, sizeof key, "b%d", i * 1));
            size_t want = kvmap_bytes_after(&m, add, (int64_t)(add * kvmap_entry_bytes(4, 1)), kvmap_entries(&m));
            for (uint64_t i = 0; i < add; i++) kvmap_set(&m, key, (size_t)snprintf(key, sizeof key, "n%03d", (int)i), "1", 1, 1);
            if (kvmap_bytes(&m) != want) bad++;
            kvmap_free(&m);
        }
    }
    CHECK_INT(bad, 0);
}

/* Random operations checked against a plain array model: nkeys keys (at
 * most 2000), on a map with an inline area of inl bytes (0: none). */
static void random_model(int nkeys, int inl, int ops) {
    enum { NKEYS = 2000 };
    static int present[NKEYS];
    static int value[NKEYS];
    static uint64_t born[NKEYS]; /* the op that inserted it: the model's order */
    memset(present, 0, sizeof present);
    inline_map im;
    memset(&im, 0, sizeof im);
    kvmap_init_inline(&im.m, (uint16_t)inl);
    kvmap *mp = &im.m;
#define m (*mp)
    unsigned seed = 12345;
    uint32_t count = 0;
    int bad = 0;
    for (int op = 0; op < ops; op++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 8) % (unsigned)nkeys);
        char key[16], val[16];
        int kn = snprintf(key, sizeof key, "key%d", k);
        int r = (int)((seed >> 4) % 10);
        if (r < 5) {
            int vn = snprintf(val, sizeof val, "%d", op);
            int isnew = kvmap_set(&m, key, (size_t)kn, val, (size_t)vn, 1);
            if (isnew != !present[k]) bad++;
            if (!present[k]) count++;
            if (!present[k]) born[k] = (uint64_t)op + 1;
            present[k] = 1;
            value[k] = op;
        } else if (r < 8) {
            if (kvmap_del(&m, key, (size_t)kn) != present[k]) bad++;
            if (present[k]) count--;
            present[k] = 0;
        } else {
            kv_entry *e = kvmap_get(&m, key, (size_t)kn);
            if (!!e != present[k]) bad++;
            if (e) {
                char v[16];
                snprintf(v, sizeof v, "%.*s", (int)e->vlen, kv_val(e));
                if (atoi(v) != value[k]) bad++;
            }
        }
        if (m.count != count) bad++;
        if (op % 997 == 0) { /* iteration order = insertion order, sequence numbers rising */
            uint32_t pos = 0, n = 0;
            uint64_t last_seq = 0, last_born = 0;
            for (const kv_entry *e; (e = kvmap_next(&m, &pos)); n++) {
                char kbuf[16];
                snprintf(kbuf, sizeof kbuf, "%.*s", (int)e->klen - 3, kv_key(e) + 3);
                int kk = atoi(kbuf);
                uint64_t sq = kvmap_seq_before(&m, pos);
                if ((m.ix && sq <= last_seq) || born[kk] <= last_born) bad++;
                last_seq = sq;
                last_born = born[kk];
            }
            if (n != count || (m.ix && m.ix->used - m.count > m.count + 32)) bad++;
            /* a map with an inline area is packed exactly when its entries fit */
            if (inl && (m.ix == NULL) != (kvmap_entries(&m) <= (size_t)inl)) bad++;
        }
    }
    for (int k = 0; k < nkeys; k++) {
        char key[16];
        int kn = snprintf(key, sizeof key, "key%d", k);
        if (!!kvmap_get(&m, key, (size_t)kn) != present[k]) bad++;
    }
    CHECK_INT(bad, 0);
    kvmap_free(&m);
#undef m
}

/* The packed layout: keys in the inline area, in order, without an index;
 * past its size the indexed layout, back when the keys fit again; order,
 * values and flags kept across the moves. */
static void test_packed(void) {
    inline_map im;
    memset(&im, 0, sizeof im);
    kvmap *m = &im.m;
    kvmap_init_inline(m, INL);
    CHECK_INT(kvmap_set(m, "username", 8, "\"ann\"", 5, 1), 1); /* 21 bytes */
    CHECK_INT(kvmap_set(m, "otp", 3, "\"123456\"", 8, 1), 1);    /* 19: 40 */
    CHECK(m->ix == NULL);
    CHECK_INT(m->used, 40);
    CHECK_INT(kvmap_bytes(m), 0);
    CHECK_STR(keys_of(m), "username,otp");
    kvmap_get(m, "otp", 3)->flag = 1;
    CHECK_INT(kvmap_set(m, "username", 8, "\"annabel\"", 9, 1), 0); /* 44: still packed */
    CHECK(m->ix == NULL);
    CHECK_STR(keys_of(m), "username,otp");
    kv_entry *e = kvmap_get(m, "otp", 3);
    CHECK(e && e->flag && e->vlen == 8 && memcmp(kv_val(e), "\"123456\"", 8) == 0);
    CHECK_INT(kvmap_set(m, "n", 1, "1", 1, 0), 1); /* 54: indexed */
    CHECK(m->ix != NULL);
    CHECK_INT(kvmap_entries(m), 54);
    CHECK_INT(kvmap_bytes(m), kvmap_bytes_fresh(INL, 3, 54));
    CHECK_STR(keys_of(m), "username,otp,n");
    CHECK(kvmap_get(m, "otp", 3)->flag); /* the flag went along */
    CHECK_INT(kvmap_set(m, "otp", 3, "1", 1, 0), 0); /* add: untouched */
    CHECK_INT(kvmap_del(m, "username", 8), 1); /* 33: packed again */
    CHECK(m->ix == NULL);
    CHECK_INT(kvmap_bytes(m), 0);
    CHECK_STR(keys_of(m), "otp,n");
    CHECK(kvmap_get(m, "otp", 3)->flag);
    CHECK(kvmap_get(m, "username", 8) == NULL);
    CHECK_INT(kvmap_seek(m, 0), 0);
    CHECK_INT(kvmap_del(m, "otp", 3), 1);
    CHECK_STR(keys_of(m), "n");
    CHECK_INT(kvmap_set(m, "big", 3, "\"0123456789012345678901234567890123456789\"", 42, 1), 1);
    CHECK(m->ix != NULL);
    CHECK_STR(keys_of(m), "n,big");
    CHECK_INT(kvmap_clear(m), 2);
    CHECK(m->ix == NULL);
    CHECK_INT(m->count, 0);
    CHECK_INT(kvmap_set(m, "a", 1, "1", 1, 1), 1);
    CHECK(m->ix == NULL);
    kvmap_free(m);
    CHECK_INT(m->inl_cap, INL); /* still a map with an inline area */
}

/* kvmap_bytes_after / _after_clear predict a run of sets exactly, for a
 * map with an inline area too, whatever it went through along the way. */
static void test_bytes_after_inline(void) {
    int bad = 0;
    unsigned seed = 7;
    for (int round = 0; round < 3000; round++) {
        inline_map im;
        memset(&im, 0, sizeof im);
        kvmap_init_inline(&im.m, INL);
        kvmap *m = &im.m;
        char key[16], val[64];
        for (int i = 0; i < round % 7; i++) { /* a starting state, sometimes indexed with holes */
            seed = seed * 1103515245u + 12345u;
            int vn = (int)(seed >> 8) % 30 + 1;
            memset(val, '7', (size_t)vn);
            kvmap_set(m, key, (size_t)snprintf(key, sizeof key, "k%d", (int)(seed >> 4) % 6), val, (size_t)vn, 1);
        }
        if (round % 3 == 0) kvmap_del(m, "k1", 2);
        int clear = round % 5 == 0;
        int n = (int)((seed >> 3) % 5) + 1;
        struct { char k[16]; int kn, vn; } its[6];
        int64_t delta = 0;
        size_t run = clear ? 0 : kvmap_entries(m), low = run;
        uint64_t fresh = 0;
        for (int i = 0; i < n; i++) { /* distinct keys, as the store's runs have */
            seed = seed * 1103515245u + 12345u;
            its[i].kn = snprintf(its[i].k, sizeof its[i].k, "k%d", i + (int)(seed >> 20) % 3 * 2);
            for (int j = 0; j < i; j++)
                if (!strcmp(its[i].k, its[j].k)) its[i].kn = snprintf(its[i].k, sizeof its[i].k, "x%d", i);
            its[i].vn = (int)(seed >> 8) % 40 + 1;
            const kv_entry *e = clear ? NULL : kvmap_get(m, its[i].k, (size_t)its[i].kn);
            int64_t d = e ? its[i].vn - (int64_t)e->vlen : (int64_t)kvmap_entry_bytes((size_t)its[i].kn, (size_t)its[i].vn);
            if (!e) fresh++;
            delta += d;
            run = (size_t)((int64_t)run + d);
            if (run < low) low = run;
        }
        size_t want = clear ? kvmap_bytes_after_clear(m, fresh, (size_t)delta) : kvmap_bytes_after(m, fresh, delta, low);
        if (clear) kvmap_clear(m);
        for (int i = 0; i < n; i++) {
            memset(val, 'v', (size_t)its[i].vn);
            kvmap_set(m, its[i].k, (size_t)its[i].kn, val, (size_t)its[i].vn, 1);
        }
        if (kvmap_bytes(m) != want) bad++;
        kvmap_free(m);
    }
    CHECK_INT(bad, 0);
}

int main(void) {
    test_basic();
    test_bytes_after();
    test_packed();
    test_bytes_after_inline();
    random_model(2000, 0, 200000);
    random_model(6, INL, 100000);
    random_model(40, INL, 100000);
    return UNIT_DONE();
}
