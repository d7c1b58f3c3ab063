/*
 * test_kvmap.c — the ordered key map: lookups, overwrite, the protocol's
 * key order (insertion order, swap-last on removal), and a randomised run
 * against a simple model.
 */
#include <stdlib.h>

#include "server/kvmap.h"
#include "unit.h"

static char *keys_of(const kvmap *m) {
    static char buf[4096];
    size_t n = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < m->count; i++) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%.*s", i ? "," : "", (int)m->items[i]->klen,
                              kv_key(m->items[i]));
    }
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
    CHECK_STR(keys_of(&m), "k1,k4,k3"); /* PROTOCOL 3.8 example */
    CHECK_INT(kvmap_del(&m, "k2", 2), 0);
    CHECK_INT(kvmap_set(&m, "k1", 2, "\"longer value\"", 14, 1), 0);
    kv_entry *e = kvmap_get(&m, "k1", 2);
    CHECK(e && e->vlen == 14 && memcmp(kv_val(e), "\"longer value\"", 14) == 0);
    CHECK_STR(keys_of(&m), "k1,k4,k3"); /* overwrite keeps the position */
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
    kvmap_free(&m);
}

/* Random operations checked against a plain array model. */
static void test_random_model(void) {
    enum { NKEYS = 2000, OPS = 200000 };
    static int present[NKEYS];
    static int value[NKEYS];
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
    test_random_model();
    return UNIT_DONE();
}
