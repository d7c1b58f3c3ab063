/*
 * bench_expiry.c — what session expiry costs with many live sessions.
 *
 *   bench_expiry [SESSIONS]          (default 1000000)
 *
 * 1. Memory per empty session: heap bytes in use (mallinfo2) before and
 *    after creating SESSIONS never-expiring sessions, then the same for
 *    expiring ones (which also take a heap node), divided by SESSIONS.
 * 2. A check tick with SESSIONS live expiring sessions of which none is
 *    due: the exact work of the server's timer (read CLOCK_MONOTONIC, then
 *    store_expire), timed over many ticks; median and maximum.
 * 3. For contrast, ticks that each expire 1000 sessions (keep-session mode,
 *    so the population stays constant): cost grows with what expires.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "server/store.h"
#include "bench_args.h"

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t heap_in_use(void) {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd; /* small blocks + mmapped big arrays */
}

static void report(const char *what, uint64_t *ns, int n) {
    qsort(ns, (size_t)n, sizeof *ns, cmp_u64);
    printf("%s: median %.3f us, p99 %.3f us, max %.3f us over %d ticks\n", what, ns[n / 2] / 1e3,
           ns[n * 99 / 100] / 1e3, ns[n - 1] / 1e3, n);
}

int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)bench_arg_whole("bench_expiry", "N (sessions)", argv[1], 1, 100000000) : 1000000;
    ndb_store st;
    session_registry *r = &st.sessions;
    int oom;

    /* 1. memory per empty session */
    store_init(&st, 0, 53);
    session_expiry never = {0, 0, 0, 0};
    size_t before = heap_in_use();
    for (uint32_t i = 0; i < n; i++) store_session_new(&st, &never, 0, &oom);
    size_t after = heap_in_use();
    printf("sessions: %u; sizeof(session) = %zu bytes\n", n, sizeof(session));
    printf("memory per empty never-expiring session: %.1f bytes (malloc'd, incl. index and array)\n",
           (double)(after - before) / n);
    store_free(&st);

    store_init(&st, 0, 53);
    uint64_t now = expiry_now_ns();
    before = heap_in_use();
    for (uint32_t i = 0; i < n; i++) {
        /* durations of 1 to 10 hours: deadlines spread, none due soon */
        session_expiry ex = {3600 + i % 32400, 0, 0, 0};
        store_session_new(&st, &ex, now, &oom);
    }
    after = heap_in_use();
    printf("memory per empty expiring session: %.1f bytes (also a heap node)\n", (double)(after - before) / n);

    /* 2. ticks with nothing due */
    enum { TICKS = 2001 };
    static uint64_t ns[TICKS];
    size_t expired = 0;
    for (int t = 0; t < TICKS; t++) {
        uint64_t t0 = expiry_now_ns();
        expired += store_expire(&st, expiry_now_ns());
        ns[t] = expiry_now_ns() - t0;
    }
    printf("live sessions %u, expired during the ticks: %zu\n", r->count, expired);
    report("tick, nothing due (clock read + store_expire)", ns, TICKS);

    /* 3. ticks that each expire 1000 sessions: a fake "now" just past the
     * 1000 earliest deadlines; keep mode reschedules them. */
    enum { DUE_TICKS = 201 };
    static uint64_t ns2[DUE_TICKS];
    expired = 0;
    for (int t = 0; t < DUE_TICKS; t++) {
        /* collect the 1000 earliest by popping them from a copy is too
         * costly; instead step the fake clock until ~1000 become due */
        uint64_t fake = r->heap.nodes[0].deadline;
        size_t got = 0;
        uint64_t t0 = expiry_now_ns();
        while (got < 1000) {
            got += store_expire(&st, fake + 1);
            fake = r->heap.nodes[0].deadline;
        }
        ns2[t] = expiry_now_ns() - t0;
        expired += got;
    }
    printf("live sessions %u after %zu expiries (keep mode)\n", r->count, expired);
    report("tick expiring ~1000 sessions", ns2, DUE_TICKS);
    store_free(&st);
    return 0;
}
