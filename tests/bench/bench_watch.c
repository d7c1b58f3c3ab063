/*
 * bench_watch.c — event delivery to many watchers (issue 17).
 *
 *   bench_watch URL SERVER_PID [WATCHERS [WRITES_PER_S [SECONDS]]]
 *                          (defaults 1000 watchers, 10000 writes/s, 3 s)
 *
 * WATCHERS connections each send {"KV_WATCH":{"prefix":"bw:","values":true}};
 * one more connection then writes {"KV_SET":{"keys":{"bw:<i>":<t>}}} at
 * WRITES_PER_S for SECONDS, t being the CLOCK_MONOTONIC ns at which the
 * write was sent.  Every watcher reads its events as they come (one thread,
 * epoll) and records now − t per event: the delivery latency from the
 * writer's send to the watcher's read, including the server's queueing.
 * Reported: events delivered and expected, overflow events, latency
 * percentiles, and the server's CPU (utime+stime of SERVER_PID from /proc)
 * per event delivered.  The writer pipelines freely (it does not wait for
 * its answers), so a server that cannot keep up shows as latency growing
 * and, past limits.watchOutputBytes, as overflows.
 *
 * Only loopback servers should be measured (the URL is taken as given);
 * every wait is bounded (SECONDS + 10 s in all).
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "client/bench_conn.h"
#include "bench_args.h"

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* utime + stime of pid, in clock ticks. */
static unsigned long long cpu_ticks(int pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (p) sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st);
    return ut + st;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_watch URL SERVER_PID [WATCHERS [WRITES_PER_S [SECONDS]]]\n");
        return 2;
    }
    int pid = (int)bench_arg_whole("bench_watch", "SERVER_PID", argv[2], 1, 4194304);
    int nw = argc > 3 ? (int)bench_arg_whole("bench_watch", "WATCHERS", argv[3], 1, 100000) : 1000;
    double rate = argc > 4 ? bench_arg_real("bench_watch", "WRITES_PER_S", argv[4], 1, 1e6) : 10000;
    double secs = argc > 5 ? bench_arg_real("bench_watch", "SECONDS", argv[5], 0.1, 600) : 3;
    char err[256];
    bws_target t;
    if (bws_target_parse(&t, argv[1], err, sizeof err) || bws_target_resolve(&t, err, sizeof err)) {
        fprintf(stderr, "bench_watch: %s\n", err);
        return 2;
    }
    struct rlimit rl; /* a descriptor per connection */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    bws *w = calloc((size_t)nw + 1, sizeof *w);
    int ep = epoll_create1(0);
    if (!w || ep < 0) return 2;
    const char watch[] = "{\"KV_WATCH\":{\"prefix\":\"bw:\",\"values\":true}}";
    for (int i = 0; i <= nw; i++) {
        const char *ans;
        size_t n;
        if (bws_open(&w[i], &t, 5000)) {
            fprintf(stderr, "bench_watch: connection %d: %s\n", i, w[i].why);
            return 2;
        }
        if (i < nw && (bws_call(&w[i], watch, sizeof watch - 1, 5000, &ans, &n) || !memmem(ans, n, "\"st\":1", 6))) {
            fprintf(stderr, "bench_watch: watch %d failed: %s\n", i, w[i].why);
            return 2;
        }
        struct epoll_event ev = {EPOLLIN, {.u32 = (uint32_t)i}};
        epoll_ctl(ep, EPOLL_CTL_ADD, w[i].fd, &ev);
    }
    bws *wr = &w[nw];
    uint64_t writes = (uint64_t)(rate * secs), sent = 0, events = 0, overflows = 0;
    size_t cap = (size_t)writes * (size_t)nw;
    if (cap > 200000000) cap = 200000000; /* samples kept (the rest are counted only) */
    uint64_t *lat = malloc(cap * sizeof *lat);
    if (!lat) return 2;
    size_t nlat = 0;
    unsigned long long cpu0 = cpu_ticks(pid);
    uint64_t t0 = now_ns(), interval = (uint64_t)(1e9 / rate), end = t0 + (uint64_t)((secs + 10) * 1e9);
    char msg[128];
    struct epoll_event evs[256];
    while (now_ns() < end && (sent < writes || events < writes * (uint64_t)nw)) {
        uint64_t now = now_ns();
        while (sent < writes && now >= t0 + sent * interval) { /* paced writes */
            int len = snprintf(msg, sizeof msg, "{\"KV_SET\":{\"keys\":{\"bw:%llu\":%llu}}}",
                               (unsigned long long)(sent % 1000), (unsigned long long)now_ns());
            bws_send(wr, msg, (size_t)len);
            sent++;
        }
        bws_flush(wr);
        int k = epoll_wait(ep, evs, 256, 1);
        for (int e = 0; e < k; e++) {
            uint32_t i = evs[e].data.u32;
            if (bws_fill(&w[i]) < 0) {
                fprintf(stderr, "bench_watch: connection %u: %s\n", i, w[i].why);
                return 1;
            }
            const char *m;
            size_t n;
            while (bws_next(&w[i], &m, &n) == 1) {
                if (i == (uint32_t)nw) continue; /* the writer's answers */
                const char *v = memmem(m, n, "\"value\":", 8);
                if (v) {
                    uint64_t sent_at = strtoull(v + 8, NULL, 10), got = now_ns();
                    if (nlat < cap) lat[nlat++] = got - sent_at;
                    events++;
                } else if (memmem(m, n, "overflow", 8)) {
                    overflows++;
                }
            }
            bws_flush(&w[i]);
        }
        if (overflows == (uint64_t)nw) break; /* every watch dropped */
    }
    double wall = (now_ns() - t0) / 1e9;
    double cpu = (double)(cpu_ticks(pid) - cpu0) / (double)sysconf(_SC_CLK_TCK);
    qsort(lat, nlat, sizeof *lat, cmp_u64);
    printf("watchers %d, writes %llu at %.0f/s, events %llu of %llu, overflows %llu, wall %.2f s\n", nw,
           (unsigned long long)sent, rate, (unsigned long long)events, (unsigned long long)(writes * (uint64_t)nw),
           (unsigned long long)overflows, wall);
    if (nlat)
        printf("delivery latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms; %.2f M events/s\n", lat[nlat / 2] / 1e6,
               lat[nlat * 99 / 100] / 1e6, lat[nlat - 1] / 1e6, events / wall / 1e6);
    printf("server CPU: %.2f s, %.3f us per event delivered\n", cpu, events ? cpu * 1e6 / (double)events : 0);
    for (int i = 0; i <= nw; i++) bws_close(&w[i]);
    free(w);
    free(lat);
    return 0;
}
