/*
 * bench_scan.c — what a whole KV_SCAN costs next to one KV_KEYS (issue 16:
 * scanning 1,000,000 keys 1,000 at a time should cost less than twice the
 * time of one KV_KEYS).
 *
 *   bench_scan URL PID [KEYS [COUNT [RUNS]]]   (defaults 1000000 1000 5)
 *
 * URL is a running, empty ndb serve (tests/bench/scan_bench.sh starts one
 * on loopback) and PID its process id, whose CPU time is read from
 * /proc/PID/schedstat around each operation.  The program stores KEYS keys
 * ("key:0000000" ... with small string values), then alternates RUNS times:
 *   - one KV_KEYS, its whole answer received;
 *   - a full scan: KV_SCAN pages of COUNT keys, each page requested when
 *     the previous one arrived (a cursor needs the previous answer), until
 *     the cursor is 0;
 *   - as many KV_COUNT round trips as the scan had pages: the fixed cost
 *     of that many requests with no work in them, which is what a scan
 *     adds to KV_KEYS's work.
 * Every answer is checked (KEYS keys in all, each exactly once in the scan:
 * the keys are consecutive numbers in insertion order).  It prints the
 * median wall time and server CPU time of each, and their ratio.  The
 * client is ndb bench's minimal connection (client/bench_conn.h: a plain
 * socket with TCP_NODELAY, answers parsed in place), so what is measured is
 * the server and the wire, not a client library.  Over loopback only;
 * every wait is bounded (60 s per answer).
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/bench_conn.h"
#include "common/strbuf.h"
#include "bench_args.h"

#define WAIT_MS 60000

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Seconds process pid has run on a CPU (/proc/PID/schedstat: nanoseconds,
 * unlike /proc/PID/stat's 10 ms ticks). */
static double cpu_s(long pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/schedstat", pid);
    FILE *f = fopen(path, "r");
    unsigned long long ns = 0;
    if (f) {
        if (fscanf(f, "%llu", &ns) != 1) ns = 0;
        fclose(f);
    }
    return (double)ns / 1e9;
}

static void die(const char *what, const char *why) {
    fprintf(stderr, "bench_scan: %s: %s\n", what, why);
    exit(1);
}

/* An answer: len bytes at buf (valid until the next request). */
typedef struct answer {
    const char *buf;
    size_t len;
} answer;

/* Send one request (len bytes) and wait for its answer. */
static answer ask_n(bws *c, const char *req, size_t len) {
    answer a;
    if (bws_call(c, req, len, WAIT_MS, &a.buf, &a.len)) die(req, c->why);
    return a;
}

static answer ask(bws *c, const char *req) { return ask_n(c, req, strlen(req)); }

/* Where the n bytes at hay hold needle, or NULL. */
static const char *find(const char *hay, size_t n, const char *needle) {
    return memmem(hay, n, needle, strlen(needle));
}

/* How many keys "key:NNNNNNN" an answer lists; checks they are consecutive
 * from *next (the scan's order), advancing it. */
static size_t count_keys(answer a, size_t *next) {
    size_t n = 0;
    const char *end = a.buf + a.len;
    for (const char *p = a.buf; (p = find(p, (size_t)(end - p), "\"key:")) != NULL; p += 5) {
        if (next) {
            if (strtoull(p + 5, NULL, 10) != *next) die("scan", "a key out of order, missing or repeated");
            (*next)++;
        }
        n++;
    }
    return n;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_scan URL PID [KEYS [COUNT [RUNS]]]\n");
        return 2;
    }
    long pid = (long)bench_arg_whole("bench_scan", "PID", argv[2], 1, 4194304);
    size_t keys = argc > 3 ? bench_arg_whole("bench_scan", "KEYS", argv[3], 1, 100000000) : 1000000;
    unsigned count = argc > 4 ? (unsigned)bench_arg_whole("bench_scan", "COUNT", argv[4], 1, 10000) : 1000;
    int runs = argc > 5 ? (int)bench_arg_whole("bench_scan", "RUNS", argv[5], 1, 100) : 5;
    char err[256];
    bws_target t;
    bws c;
    if (bws_target_parse(&t, argv[1], err, sizeof err) || bws_target_resolve(&t, err, sizeof err)) die(argv[1], err);
    if (bws_open(&c, &t, 5000)) die(argv[1], c.why);
    strbuf req = STRBUF_INIT, all = STRBUF_INIT;
    answer ans = ask(&c, "{\"KV_COUNT\":{}}");
    if (!find(ans.buf, ans.len, "\"cnt\":0,")) die("KV_COUNT", "the server is not empty");
    /* store the keys, 10,000 per request */
    static const char set_ok[] = "{\"KV_SET_RSP\":{\"st\":1}}";
    for (size_t b = 0; b * 10000 < keys; b++) {
        sb_reset(&req);
        SB_ADD_LIT(&req, "{\"KV_SET\":{\"keys\":{");
        for (size_t k = b * 10000; k < keys && k < (b + 1) * 10000; k++)
            sb_addf(&req, "%s\"key:%07zu\":\"value-%07zu\"", k % 10000 ? "," : "", k, k);
        SB_ADD_LIT(&req, "}}}");
        ans = ask_n(&c, req.buf, req.len);
        if (ans.len != sizeof set_ok - 1 || memcmp(ans.buf, set_ok, ans.len)) die("KV_SET", "unexpected answer");
    }

    double *kw = calloc((size_t)runs, sizeof *kw), *kc = calloc((size_t)runs, sizeof *kc);
    double *sw = calloc((size_t)runs, sizeof *sw), *sc = calloc((size_t)runs, sizeof *sc);
    double *rw = calloc((size_t)runs, sizeof *rw), *rc = calloc((size_t)runs, sizeof *rc);
    size_t pages = 0, keys_bytes = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s(), c0 = cpu_s(pid);
        ans = ask(&c, "{\"KV_KEYS\":{}}");
        kw[r] = now_s() - t0;
        kc[r] = cpu_s(pid) - c0;
        if (count_keys(ans, NULL) != keys) die("KV_KEYS", "wrong number of keys");
        keys_bytes = ans.len;

        size_t next = 0;
        unsigned long long cursor = 0;
        pages = 0;
        sb_reset(&all); /* the answers, checked once the clock stops (as KV_KEYS's is) */
        t0 = now_s();
        c0 = cpu_s(pid);
        do {
            sb_reset(&req);
            sb_addf(&req, "{\"KV_SCAN\":{\"cursor\":%llu,\"count\":%u}}", cursor, count);
            ans = ask_n(&c, req.buf, req.len);
            const char *p = find(ans.buf, ans.len, "\"cursor\":");
            if (!p) die("KV_SCAN", "no cursor in the answer");
            cursor = strtoull(p + 9, NULL, 10);
            sb_add(&all, ans.buf, ans.len);
            pages++;
        } while (cursor != 0);
        sw[r] = now_s() - t0;
        sc[r] = cpu_s(pid) - c0;
        count_keys((answer){all.buf, all.len}, &next);
        if (next != keys) die("KV_SCAN", "the scan did not return every key");

        t0 = now_s();
        c0 = cpu_s(pid);
        for (size_t i = 0; i < pages; i++) ans = ask(&c, "{\"KV_COUNT\":{}}");
        rw[r] = now_s() - t0;
        rc[r] = cpu_s(pid) - c0;
    }
    double mkw = median(kw, runs), mkc = median(kc, runs), msw = median(sw, runs), msc = median(sc, runs);
    double mrw = median(rw, runs), mrc = median(rc, runs);
    printf("%zu keys; the answer of KV_KEYS is %zu bytes; the scan takes %zu pages of %u\n", keys, keys_bytes, pages,
           count);
    printf("medians of %d alternated runs\n", runs);
    printf("| operation | wall time, ms | server CPU, ms |\n|---|---|---|\n");
    printf("| one KV_KEYS | %.1f | %.1f |\n", mkw * 1e3, mkc * 1e3);
    printf("| full KV_SCAN, count %u | %.1f | %.1f |\n", count, msw * 1e3, msc * 1e3);
    printf("| scan / KV_KEYS | %.2f | %.2f |\n", msw / mkw, mkc > 0 ? msc / mkc : 0.0);
    printf("| %zu x KV_COUNT (round trips alone) | %.1f | %.1f |\n", pages, mrw * 1e3, mrc * 1e3);
    printf("| (scan - round trips) / KV_KEYS | %.2f | %.2f |\n", (msw - mrw) / mkw, mkc > 0 ? (msc - mrc) / mkc : 0.0);
    printf("target: scan < 2 x KV_KEYS (wall time): %s\n", msw < 2 * mkw ? "met" : "NOT met");
    free(kw);
    free(kc);
    free(sw);
    free(sc);
    free(rw);
    free(rc);
    sb_free(&req);
    sb_free(&all);
    bws_close(&c);
    return 0;
}
