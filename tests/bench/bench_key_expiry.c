/*
 * bench_key_expiry.c — what key expiry costs, and what it costs keys that
 * never expire.
 *
 *   bench_key_expiry [KEYS]          (default 1000000)
 *
 * 1. Memory: heap bytes in use (mallinfo2) for KEYS keys without a TTL,
 *    then the extra bytes per key once every key has one (its node in the
 *    side table, an index slot and a heap node).
 * 2. The timer's tick with KEYS expiring keys of which none is due (read
 *    CLOCK_MONOTONIC, then store_expire_keys), for 1,000 and for KEYS keys:
 *    the cost must not grow with the keys.
 * 3. For contrast, ticks that each expire 1,000 keys.
 * 4. A plain set (STORE_SET of one 16-byte value over existing keys), with
 *    no deadline anywhere and then with every other key expiring: the cost
 *    a TTL-free write pays for the feature.
 * Medians of many repetitions; the machine is shared, so read ratios rather
 * than absolute figures.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "server/store.h"
#include "bench_args.h"

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t heap_in_use(void) {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static uint64_t median(uint64_t *ns, int n) {
    qsort(ns, (size_t)n, sizeof *ns, cmp_u64);
    return ns[n / 2];
}

static void key_of(char *k, uint32_t i) { snprintf(k, 32, "key:%012u", i); }

/* Fill st with n keys (16-byte values); every `every`-th gets a deadline
 * at base + i ns (0: none). */
static void fill(ndb_store *st, uint32_t n, uint32_t every, uint64_t base) {
    char k[32];
    for (uint32_t i = 0; i < n; i++) {
        key_of(k, i);
        store_item it = {k, "\"0123456789abcd\"", strlen(k), 16};
        store_ttl ttl = {0, every && i % every == 0 ? base + i : 0};
        store_set_items_ttl(st, NULL, &it, 1, STORE_SET, CAUSE_SET, NULL, &ttl);
    }
}

/* Median ns of an idle tick. */
static uint64_t idle_tick(ndb_store *st) {
    enum { TICKS = 20001 };
    static uint64_t ns[TICKS];
    for (int i = 0; i < TICKS; i++) {
        uint64_t t0 = expiry_now_ns();
        store_expire_keys(st, expiry_now_ns());
        ns[i] = expiry_now_ns() - t0;
    }
    return median(ns, TICKS);
}

/* Median ns of a plain set over an existing key (random keys of n). */
static uint64_t plain_set(ndb_store *st, uint32_t n) {
    enum { SETS = 200001 };
    static uint64_t ns[SETS];
    char k[32];
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < SETS; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        key_of(k, (uint32_t)(x % n) | 1); /* odd keys: never the expiring ones */
        store_item it = {k, "\"abcdefghijklmn\"", strlen(k), 16};
        uint64_t t0 = expiry_now_ns();
        store_set_items(st, NULL, &it, 1, STORE_SET, CAUSE_SET, NULL);
        ns[i] = expiry_now_ns() - t0;
    }
    return median(ns, SETS);
}

int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)bench_arg_whole("bench_key_expiry", "N (keys)", argv[1], 1, 100000000) : 1000000;
    hash_seed_random();
    uint64_t far = expiry_now_ns() + 3600 * EXPIRY_NS_PER_S;
    ndb_store st;

    store_init(&st, 0, 53);
    size_t h0 = heap_in_use();
    fill(&st, n, 0, 0);
    size_t h1 = heap_in_use();
    uint64_t set_plain = plain_set(&st, n);
    fill(&st, n, 2, far); /* every other key expires (the even ones) */
    uint64_t set_mixed = plain_set(&st, n);
    fill(&st, n, 1, far); /* now every key */
    size_t h2 = heap_in_use();
    printf("memory: %.1f bytes per key without a TTL; a TTL adds %.1f bytes per key (%u keys)\n",
           (double)(h1 - h0) / n, (double)(h2 - h1) / n, n);
    printf("plain set of an existing key: %.0f ns with no TTL anywhere, %.0f ns while half the keys expire\n",
           (double)set_plain, (double)set_mixed);
    uint64_t tick_big = idle_tick(&st);
    store_free(&st);

    store_init(&st, 0, 53);
    fill(&st, 1000, 1, far);
    uint64_t tick_small = idle_tick(&st);
    store_free(&st);
    printf("idle timer tick (none due): %.0f ns with 1000 expiring keys, %.0f ns with %u\n", (double)tick_small,
           (double)tick_big, n);

    /* ticks that expire 1000 keys each */
    store_init(&st, 0, 53);
    uint64_t base = expiry_now_ns();
    fill(&st, 100000, 1, base); /* deadlines base + i ns */
    enum { ROUNDS = 99 };
    uint64_t ns[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = expiry_now_ns();
        size_t got = store_expire_keys(&st, base + (uint64_t)(r + 1) * 1000);
        ns[r] = expiry_now_ns() - t0;
        if (got != 1000) fprintf(stderr, "round %d expired %zu keys\n", r, got);
    }
    printf("tick expiring 1000 keys: median %.1f us (%.0f ns per key)\n", median(ns, ROUNDS) / 1e3,
           (double)median(ns, ROUNDS) / 1000);
    store_free(&st);
    return 0;
}
