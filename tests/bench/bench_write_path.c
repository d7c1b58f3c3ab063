/*
 * bench_write_path.c — the cost of one write through the whole request
 * path, without sockets: dispatch_message() of KV_SET (and KV_GET) on
 * 100,000 keys with 16-byte values, driven by a local client.
 *
 *   bench_write_path [ROUNDS]        (default 15)
 *
 * Each round times 200,000 requests; the median round is reported in ns per
 * request.  The program uses only APIs that the code before issue 17 had as
 * well, so the same file built against an older tree measures the same
 * path: that is how "a write with no watchers and no TTLs costs what it did"
 * is checked (tests/bench/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/hash.h"
#include "common/log.h"
#include "server/dispatch.h"
#include "server/server.h"
#include "support/local_client.h"
#include "bench_args.h"

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Median ns per request of `rounds` rounds of n requests made by fmt. */
static double measure(ndb_server *srv, local_client *lc, const char *fmt, int rounds, int n) {
    uint64_t *ns = calloc((size_t)rounds, sizeof *ns), x = 88172645463325252ULL;
    strbuf out = STRBUF_INIT;
    char req[128];
    for (int r = 0; r < rounds; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int len = snprintf(req, sizeof req, fmt, (unsigned long long)(x % 100000));
            sb_reset(&out);
            dispatch_message(srv, &lc->cl, req, (size_t)len, 0, &out);
        }
        ns[r] = now_ns() - t0;
    }
    qsort(ns, (size_t)rounds, sizeof *ns, cmp_u64);
    double med = (double)ns[rounds / 2] / n;
    free(ns);
    sb_free(&out);
    return med;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? (int)bench_arg_whole("bench_write_path", "ROUNDS", argv[1], 1, 1000) : 15;
    log_threshold = LOG_ERROR;
    hash_seed_random();
    ndb_config cfg;
    config_defaults(&cfg);
    static ndb_server srv;
    server_init(&srv, &cfg);
    local_client lc;
    local_client_init(&lc, ROLE_ADMIN);
    measure(&srv, &lc, "{\"KV_SET\":{\"keys\":{\"key:%012llu\":\"0123456789abcdef\"}}}", 1, 300000); /* fill, warm */
    double set = measure(&srv, &lc, "{\"KV_SET\":{\"keys\":{\"key:%012llu\":\"fedcba9876543210\"}}}", rounds, 200000);
    double get = measure(&srv, &lc, "{\"KV_GET\":{\"keys\":[\"key:%012llu\"]}}", rounds, 200000);
    printf("KV_SET %.1f ns/request, KV_GET %.1f ns/request (median of %d rounds of 200000)\n", set, get, rounds);
    local_client_free(&lc);
    server_free(&srv);
    return 0;
}
