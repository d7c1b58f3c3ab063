/*
 * test_kvmap.c — the ordered key map: lookups, overwrite, key order
 * (insertion order; a removal leaves the others in place), sequence
 * numbers and kvmap_seek, the exact size prediction of kvmap_bytes_after,
 * and a randomised run against a simple model (order included).
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
    CHECK_INT(kvmap_get(&m, "k1", 2)->seq, 1);
    CHECK_INT(kvmap_get(&m, "k4", 2)->seq, 4);
    CHECK_INT(kvmap_seek(&m, 0), 0);
    CHECK_INT(kvmap_seek(&m, 1), 2); /* k2's hole is skipped: position 2 holds k3 */
    CHECK_INT(kvmap_seek(&m, 2), 2);
    CHECK_INT(kvmap_seek(&m, 4), m.used);
    CHECK_INT(kvmap_set(&m, "k2", 2, "2", 1, 1), 1); /* re-added: a new, last place */
    CHECK_STR(keys_of(&m), "k1,k3,k4,k2");
    CHECK_INT(kvmap_get(&m, "k2", 2)->seq, 5);
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
    CHECK_INT(kvmap_get(&m, "z", 1)->seq, 8); /* numbers go on after a clear */
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
            size_t want = kvmap_bytes_after(&m, add, (int64_t)(add * kvmap_entry_bytes(4, 1)));
            for (uint64_t i = 0; i < add; i++) kvmap_set(&m, key, (size_t)snprintf(key, sizeof key, "n%03d", (int)i), "1", 1, 1);
            if (m.bytes != want) bad++;
            kvmap_free(&m);
        }
    }
    CHECK_INT(bad, 0);
}

/* Random operations checked against a plain array model. */
static void test_random_model(void) {
    enum { NKEYS = 2000, OPS = 200000 };
    static int present[NKEYS];
    static int value[NKEYS];
    static uint64_t born[NKEYS]; /* the op that inserted it: the model's order */
    kvmap m = KVMAP_INIT;
    unsigned seed = 12345;
    uint32_t count = 0;
    int bad = 0;
    for (int op = 0; op < OPS; op++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 8) % NKEYS);
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
                if (e->seq <= last_seq || born[kk] <= last_born) bad++;
                last_seq = e->seq;
                last_born = born[kk];
            }
            if (n != count || m.used - m.count > m.count + 32) bad++;
        }
    }
    for (int k = 0; k < NKEYS; k++) {
        char key[16];
        int kn = snprintf(key, sizeof key, "key%d", k);
        if (!!kvmap_get(&m, key, (size_t)kn) != present[k]) bad++;
    }
    CHECK_INT(bad, 0);
    kvmap_free(&m);
}

int main(void) {
    test_basic();
    test_bytes_after();
    test_random_model();
    return UNIT_DONE();
}
