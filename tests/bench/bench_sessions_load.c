/*
 * bench_sessions_load.c — fill a running ndb server with sessions, the case
 * ndb exists for (issue 18): N sessions, each with a one-hour expiry
 * (deleteSession) and two small keys, "username" and "otp".
 *
 *   bench_sessions_load URL [N]      (default 1000000)
 *
 * Session i gets {"username":"user%07d","otp":"%06d"} (i, i % 1000000):
 * the same names and values tests/bench/session_memory.sh gives Redis's
 * hashes.  Requests are pipelined in batches of BATCH: BATCH SH_NEWs, their
 * tokens read back, then BATCH SH_SETs; every answer is checked.  Prints
 * the number of sessions created.  Over loopback only; every wait is
 * bounded (60 s per batch).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/bench_conn.h"
#include "common/strbuf.h"
#include "bench_args.h"

#define BATCH 1000
#define WAIT_MS 60000

static void die(const char *what, const char *why) {
    fprintf(stderr, "bench_sessions_load: %s: %s\n", what, why);
    exit(1);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write what is queued on c and read `n` answers, passing each to check
 * (with its index); all within WAIT_MS. */
static void exchange(bws *c, size_t n, void (*check)(size_t i, const char *msg, size_t len, void *ctx), void *ctx) {
    int64_t deadline = now_ms() + WAIT_MS;
    size_t got = 0;
    while (got < n) {
        if (now_ms() > deadline) die("batch", "no answer within 60 s");
        int f = bws_flush(c);
        if (f < 0) die("send", c->why);
        const char *msg;
        size_t len;
        int r = 0;
        while (got < n && (r = bws_next(c, &msg, &len)) == 1) check(got++, msg, len, ctx);
        if (got == n) break;
        if (r < 0) die("receive", c->why);
        if (bws_fill(c) < 0) die("receive", c->why);
    }
}

static void take_token(size_t i, const char *msg, size_t len, void *ctx) {
    static const char head[] = "{\"SH_NEW_RSP\":{\"st\":1,\"tkn\":";
    unsigned long long *tkns = ctx;
    if (len <= sizeof head - 1 || memcmp(msg, head, sizeof head - 1)) die("SH_NEW", "unexpected answer");
    tkns[i] = strtoull(msg + sizeof head - 1, NULL, 10);
    if (!tkns[i]) die("SH_NEW", "no token in the answer");
}

static void check_set(size_t i, const char *msg, size_t len, void *ctx) {
    static const char ok[] = "{\"SH_SET_RSP\":{\"st\":1}}";
    (void)i;
    (void)ctx;
    if (len != sizeof ok - 1 || memcmp(msg, ok, len)) die("SH_SET", "unexpected answer");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_sessions_load URL [N]\n");
        return 2;
    }
    size_t n = argc > 2 ? bench_arg_whole("bench_sessions_load", "N", argv[2], 1, 100000000) : 1000000;
    char err[256];
    bws_target t;
    bws c;
    if (bws_target_parse(&t, argv[1], err, sizeof err) || bws_target_resolve(&t, err, sizeof err)) die(argv[1], err);
    if (bws_open(&c, &t, 5000)) die(argv[1], c.why);
    static const char new_req[] = "{\"SH_NEW\":{\"expiry\":{\"duration\":3600,\"deleteSession\":true}}}";
    unsigned long long tkns[BATCH];
    char req[256];
    for (size_t done = 0; done < n;) {
        size_t b = n - done < BATCH ? n - done : BATCH;
        for (size_t i = 0; i < b; i++) bws_send(&c, new_req, sizeof new_req - 1);
        exchange(&c, b, take_token, tkns);
        for (size_t i = 0; i < b; i++) {
            size_t k = done + i;
            int len = snprintf(req, sizeof req,
                               "{\"SH_SET\":{\"tkn\":%llu,\"keys\":{\"username\":\"user%07zu\",\"otp\":\"%06zu\"}}}",
                               tkns[i], k, k % 1000000);
            bws_send(&c, req, (size_t)len);
        }
        exchange(&c, b, check_set, NULL);
        done += b;
    }
    printf("%zu\n", n);
    bws_close(&c);
    return 0;
}
