/*
 * ndb_crash.c — the crash test of issue 15: kill -9 a journaling server
 * under load, again and again, and check after every restart that no
 * acknowledged write was lost and the state is exactly what the writes
 * made.
 *
 *   ndb_crash --ndb PATH --dir DIR --policy always|everysec [--rounds N]
 *             [--writers W] [--pipeline P] [--min-ms A] [--max-ms B] [--seed S]
 *
 * Each round starts `ndb serve --journal POLICY` on DIR (a free loopback
 * port; a small compaction threshold so the journal is compacted — a
 * background snapshot and a new journal file — every fraction of a second
 * under this load), checks the recovered state, then runs W writers with P
 * requests in flight each and one connection asking for KV_SAVE / SH_SAVE
 * now and then, and SIGKILLs the server after a random A..B ms — in a
 * third of the rounds a few ms after a save was asked for, so the kill
 * lands while a snapshot is written.  Kills that found a snapshot process
 * running are counted.
 *
 * The writers: writer w performs ops n = 1, 2, 3, ... in order, each one
 * request whose effect depends only on (w, n):
 *   n % 8 in 0..3  KV_SET {"w<w>:<n>": n, "w<w>:last": n}   (a unique key, a counter)
 *   n % 8 == 4     KV_ARR_APPEND w<w>:arr items [n]; every 64th op KV_SET w<w>:arr [n]
 *   n % 8 == 5     KV_RMV the four keys of the octet before (n-13 .. n-10)
 *   n % 8 == 6     SH_SET s:<n> = n in the writer's session (extendOnSetAdd: a
 *                  deadline move too); every 64th op SH_CLEAR_SET with it
 *   n % 8 == 7     KV_UPDATE w<w>:obj $.c = n
 * (the resets keep the values small: a journal record holds a value's
 * whole new text)
 * Every answer is compared with the exact expected text; the highest op
 * answered is the writer's acknowledged count.  Because one connection's
 * requests are applied in order, the server's state for writer w after a
 * crash must be exactly model(M) — its keys in their order, their values,
 * its session's keys — for some M between the acknowledged count and the
 * number sent: M below the acknowledged count is a lost acknowledged
 * write, no M at all is a corrupt state.  The next round goes on from M.
 *
 * Bounded: rounds ≤ 10000, every wait ≤ 30 s.  Loopback only.  Prints one
 * summary line; exit 1 on any loss, mismatch or failure (with the server's
 * log), 2 on usage errors.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/bench_conn.h"
#include "common/strbuf.h"

#define MAX_WRITERS 32
#define WAIT_MS 30000

static const char *ndb_bin, *dir, *policy = "always";
static unsigned rounds = 100, nwriters = 4, pipeline = 4, min_ms = 30, max_ms = 300;
static uint64_t seed = 1;
static char logpath[4096];

/* ---------------------------------------------------------- helpers */

static uint64_t rng;
/* xorshift64*: the test's only randomness, seeded by --seed. */
static uint64_t rnd(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1DULL;
}

/* Milliseconds on the monotonic clock. */
static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms milliseconds. */
static void sleep_ms(unsigned ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Print the server's log of this round, then fail. */
__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ndb_crash: FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    FILE *f = fopen(logpath, "r");
    if (f) {
        char line[4096];
        fprintf(stderr, "--- server log (%s) ---\n", logpath);
        while (fgets(line, sizeof line, f)) fputs(line, stderr);
        fclose(f);
    }
    exit(1);
}

/* ---------------------------------------------------------- the model */

typedef struct writer {
    bws c;
    uint64_t tkn;    /* its session */
    uint64_t base;   /* ops applied when the round started */
    uint64_t sent;   /* ops sent */
    uint64_t acked;  /* ops answered */
} writer;

static writer W[MAX_WRITERS];
static uint64_t total_acked, total_verified;

/* The request of op n of writer w. */
static void op_request(unsigned w, uint64_t n, strbuf *b) {
    sb_reset(b);
    unsigned long long x = (unsigned long long)n;
    switch (n % 8) {
    case 4:
        if (n % 64 == 4) sb_addf(b, "{\"KV_SET\":{\"keys\":{\"w%u:arr\":[%llu]}}}", w, x);
        else sb_addf(b, "{\"KV_ARR_APPEND\":{\"key\":\"w%u:arr\",\"items\":[%llu]}}", w, x);
        break;
    case 5:
        sb_addf(b, "{\"KV_RMV\":{\"keys\":[\"w%u:%lld\",\"w%u:%lld\",\"w%u:%lld\",\"w%u:%lld\"]}}", w, (long long)x - 13,
                w, (long long)x - 12, w, (long long)x - 11, w, (long long)x - 10);
        break;
    case 6:
        sb_addf(b, "{\"SH_%s\":{\"tkn\":%llu,\"keys\":{\"s:%llu\":%llu}}}", n % 64 == 6 ? "CLEAR_SET" : "SET",
                (unsigned long long)W[w].tkn, x, x);
        break;
    case 7: sb_addf(b, "{\"KV_UPDATE\":{\"key\":\"w%u:obj\",\"path\":\"$.c\",\"value\":%llu}}", w, x); break;
    default: sb_addf(b, "{\"KV_SET\":{\"keys\":{\"w%u:%llu\":%llu,\"w%u:last\":%llu}}}", w, x, x, w, x); break;
    }
}

/* The exact answer to op n. */
static const char *op_answer(uint64_t n) {
    switch (n % 8) {
    case 4: return n % 64 == 4 ? "{\"KV_SET_RSP\":{\"st\":1}}" : "{\"KV_ARR_APPEND_RSP\":{\"st\":1}}";
    case 5: return "{\"KV_RMV_RSP\":{\"st\":1}}";
    case 6: /* SH_CLEAR_SET clears the 8 keys of the 64 ops before it */
        if (n % 64 == 6) return n >= 70 ? "{\"SH_CLEAR_SET_RSP\":{\"cnt\":8,\"st\":1}}" : "{\"SH_CLEAR_SET_RSP\":{\"cnt\":0,\"st\":1}}";
        return "{\"SH_SET_RSP\":{\"st\":1}}";
    case 7: return "{\"KV_UPDATE_RSP\":{\"cnt\":1,\"st\":1}}";
    default: return "{\"KV_SET_RSP\":{\"st\":1}}";
    }
}

/* Is unique key n (n % 8 in 0..3) alive after m ops?  Op n - n%8 + 13
 * removes it. */
static int key_alive(uint64_t n, uint64_t m) { return n <= m && n % 8 <= 3 && n - n % 8 + 13 > m; }

/* Writer w's keys after m ops, in map order, as a KV_SCAN keys list
 * ("a","b"), and their values in that order as a KV_GET keys object. */
static void model_kv(unsigned w, uint64_t m, strbuf *keys, strbuf *vals) {
    sb_reset(keys);
    sb_reset(vals);
    uint64_t last = m % 8 <= 3 ? m : m - m % 8 + 3; /* the last KV_SET of a unique key */
    uint64_t c = m >= 7 ? m - (m - 7) % 8 : 0;      /* the last KV_UPDATE */
    strbuf arr = STRBUF_INIT;
    sb_addc(&arr, '[');
    uint64_t reset = m >= 4 ? m - (m - 4) % 64 : 4; /* the last KV_SET of arr */
    for (uint64_t n = reset; n <= m; n += 8) sb_addf(&arr, "%s%llu", arr.len > 1 ? "," : "", (unsigned long long)n);
    sb_addc(&arr, ']');
    sb_addf(keys, "\"w%u:arr\",\"w%u:obj\"", w, w);
    sb_addf(vals, "\"w%u:arr\":%s,\"w%u:obj\":{\"c\":%llu}", w, arr.buf, w, (unsigned long long)c);
    if (m >= 1 && key_alive(1, m)) {
        sb_addf(keys, ",\"w%u:1\"", w);
        sb_addf(vals, ",\"w%u:1\":1", w);
    }
    if (m >= 1) {
        sb_addf(keys, ",\"w%u:last\"", w);
        sb_addf(vals, ",\"w%u:last\":%llu", w, (unsigned long long)last);
    }
    /* only the last two octets can hold live keys */
    for (uint64_t n = m > 24 ? m - 24 : 2; n <= m; n++) {
        if (n < 2 || !key_alive(n, m)) continue;
        sb_addf(keys, ",\"w%u:%llu\"", w, (unsigned long long)n);
        sb_addf(vals, ",\"w%u:%llu\":%llu", w, (unsigned long long)n, (unsigned long long)n);
    }
    sb_free(&arr);
}

/* The session's keys after m ops (SH_KEYS order) and values (SH_GET). */
static void model_session(uint64_t m, strbuf *keys, strbuf *vals) {
    sb_reset(keys);
    sb_reset(vals);
    uint64_t reset = m >= 6 ? m - (m - 6) % 64 : 6; /* the last SH_CLEAR_SET */
    for (uint64_t n = reset; n <= m; n += 8) {
        sb_addf(keys, "%s\"s:%llu\"", keys->len ? "," : "", (unsigned long long)n);
        sb_addf(vals, "%s\"s:%llu\":%llu", vals->len ? "," : "", (unsigned long long)n, (unsigned long long)n);
    }
}

/* How many keys writer w has after m ops. */
static size_t model_count(uint64_t m) {
    size_t n = 2 + (m >= 1); /* arr, obj, last */
    for (uint64_t k = m > 24 ? m - 24 : 1; k <= m; k++) n += (size_t)key_alive(k, m);
    return n;
}

/* ---------------------------------------------------------- the server */

static pid_t server;
static bws_target target;

/* Start `ndb serve` on dir; sets target.  Returns the start-up time in ms. */
static int64_t start_server(void) {
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) fail("cannot open %s: %s", logpath, strerror(errno));
    int64_t t0 = now_ms();
    server = fork();
    if (server == 0) {
        dup2(logfd, 2);
        execl(ndb_bin, ndb_bin, "serve", "--ip", "127.0.0.1", "--port", "0", "--persist-path", dir, "--journal",
              policy, "--compact-min", "64K", "--keep-snapshots", "2", "--log-level", "info", (char *)NULL);
        _exit(127);
    }
    close(logfd);
    if (server < 0) fail("fork: %s", strerror(errno));
    char url[128] = "";
    while (now_ms() - t0 < WAIT_MS) {
        FILE *f = fopen(logpath, "r");
        char line[4096];
        while (f && fgets(line, sizeof line, f)) {
            char *p = strstr(line, "listening on ws://");
            if (p && sscanf(p + 13, "%127s", url) == 1) break;
        }
        if (f) fclose(f);
        if (url[0]) break;
        int st;
        if (waitpid(server, &st, WNOHANG) == server) fail("ndb serve exited at start-up (status %d)", st);
        sleep_ms(5);
    }
    if (!url[0]) fail("ndb serve did not start within %d s", WAIT_MS / 1000);
    char err[256];
    if (bws_target_parse(&target, url, err, sizeof err) || bws_target_resolve(&target, err, sizeof err))
        fail("%s: %s", url, err);
    return now_ms() - t0;
}

/* The pids of the server's children (its snapshot process). */
static int server_children(pid_t *out, int max) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)server, (int)server);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int n = 0;
    if (fgets(buf, sizeof buf, f)) {
        char *save = NULL;
        for (char *t = strtok_r(buf, " \n", &save); t && n < max; t = strtok_r(NULL, " \n", &save))
            out[n++] = (pid_t)atoi(t);
    }
    fclose(f);
    return n;
}

/* Is process p gone (or a zombie nobody reaps)? */
static int gone(pid_t p) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)p);
    FILE *f = fopen(path, "r");
    if (!f) return 1;
    int zombie = fgets(buf, sizeof buf, f) && strstr(buf, ") Z ");
    fclose(f);
    return zombie;
}

/* SIGKILL the server; wait until it and its snapshot process are gone.
 * Returns 1 if a snapshot process was running. */
static int kill_server(void) {
    pid_t kids[8];
    int n = server_children(kids, 8);
    kill(server, SIGKILL);
    int st;
    waitpid(server, &st, 0);
    int64_t t0 = now_ms();
    for (int i = 0; i < n; i++)
        while (!gone(kids[i]) && now_ms() - t0 < WAIT_MS) sleep_ms(1); /* PR_SET_PDEATHSIG kills it */
    return n > 0;
}

/* One request and its answer on c (nothing else in flight). */
static const char *call(bws *c, const char *req, size_t *len) {
    static const char *ans; /* points into c's buffer, valid until its next read */
    if (bws_call(c, req, strlen(req), WAIT_MS, &ans, len)) fail("request %.100s: %s", req, c->why);
    return ans;
}

/* One request whose answer must be exactly want. */
static void expect_call(bws *c, const char *req, const char *want) {
    size_t n;
    const char *got = call(c, req, &n);
    if (n != strlen(want) || memcmp(got, want, n))
        fail("request %.200s: got %.*s, want %.300s", req, (int)(n > 300 ? 300 : n), got, want);
}

/* ---------------------------------------------------------- checks */

/* Writer w's keys on the server, in order, via KV_SCAN with its prefix
 * (the inside of the keys arrays, joined with ","). */
static void scan_keys(bws *c, unsigned w, strbuf *out) {
    sb_reset(out);
    strbuf req = STRBUF_INIT;
    unsigned long long cursor = 0;
    for (int pages = 0; pages < 100000; pages++) {
        sb_reset(&req);
        sb_addf(&req, "{\"KV_SCAN\":{\"prefix\":\"w%u:\",\"count\":1000,\"cursor\":%llu}}", w, cursor);
        size_t n;
        const char *a = call(c, req.buf, &n);
        const char *cur = strstr(a, "\"cursor\":"), *k = strstr(a, "\"keys\":[");
        if (!cur || !k) fail("KV_SCAN answered %.*s", (int)n, a);
        cursor = strtoull(cur + 9, NULL, 10);
        const char *end = memchr(k, ']', (size_t)(a + n - k));
        if (end && end > k + 8) {
            if (out->len) sb_addc(out, ',');
            sb_add(out, k + 8, (size_t)(end - k - 8));
        }
        if (!cursor) break;
    }
    sb_free(&req);
}

/* Check every writer's state after a restart; set each one's base. */
static void verify(void) {
    bws c;
    memset(&c, 0, sizeof c);
    if (bws_open(&c, &target, WAIT_MS)) fail("checker cannot connect: %s", c.why);
    strbuf keys = STRBUF_INIT, mkeys = STRBUF_INIT, mvals = STRBUF_INIT, req = STRBUF_INIT, want = STRBUF_INIT;
    strbuf skeys = STRBUF_INIT, svals = STRBUF_INIT, got_sh = STRBUF_INIT, got_kv = STRBUF_INIT;
    size_t total = 0;
    for (unsigned w = 0; w < nwriters; w++) {
        writer *wr = &W[w];
        scan_keys(&c, w, &keys);
        sb_reset(&req);
        sb_addf(&req, "{\"KV_GET\":{\"keys\":[%s]}}", keys.buf ? keys.buf : "");
        size_t n;
        const char *a = call(&c, req.buf, &n);
        sb_reset(&got_kv);
        sb_add(&got_kv, a, n);
        sb_reset(&req);
        sb_addf(&req, "{\"SH_KEYS\":{\"tkn\":%llu}}", (unsigned long long)wr->tkn);
        a = call(&c, req.buf, &n);
        const char *k = strstr(a, "\"keys\":["), *end = k ? memchr(k, ']', (size_t)(a + n - k)) : NULL;
        if (!end) fail("writer %u: SH_KEYS answered %.*s", w, (int)n, a);
        strbuf sk = STRBUF_INIT;
        sb_add(&sk, k + 8, (size_t)(end - k - 8));
        sb_reset(&req);
        sb_addf(&req, "{\"SH_GET\":{\"tkn\":%llu,\"keys\":[%s]}}", (unsigned long long)wr->tkn, sk.buf ? sk.buf : "");
        a = call(&c, req.buf, &n);
        sb_reset(&got_sh);
        sb_add(&got_sh, a, n);
        /* the largest M, from the number sent down to the acknowledged */
        int64_t match = -1;
        for (uint64_t m = wr->sent + 1; m-- > wr->acked;) {
            model_kv(w, m, &mkeys, &mvals);
            if (strcmp(mkeys.buf, keys.buf ? keys.buf : "")) continue;
            sb_reset(&want);
            sb_addf(&want, "{\"KV_GET_RSP\":{\"keys\":{%s},\"st\":1}}", mvals.buf);
            if (strcmp(want.buf, got_kv.buf)) continue;
            model_session(m, &skeys, &svals);
            if (strcmp(skeys.buf ? skeys.buf : "", sk.buf ? sk.buf : "")) continue;
            sb_reset(&want);
            sb_addf(&want, "{\"SH_GET_RSP\":{\"keys\":{%s},\"st\":1}}", svals.buf ? svals.buf : "");
            if (strcmp(want.buf, got_sh.buf)) continue;
            match = (int64_t)m;
            break;
        }
        if (match < 0) {
            model_kv(w, wr->acked, &mkeys, &mvals);
            fail("writer %u: the state matches no op count from %llu (acknowledged) to %llu (sent)\n"
                 "  keys on the server: %.400s\n  keys after %llu ops: %.400s\n  values: %.400s\n  session keys: "
                 "%.300s",
                 w, (unsigned long long)wr->acked, (unsigned long long)wr->sent, keys.buf ? keys.buf : "",
                 (unsigned long long)wr->acked, mkeys.buf, got_kv.buf, sk.buf ? sk.buf : "");
        }
        sb_free(&sk);
        total_verified += (uint64_t)match - wr->base;
        wr->base = wr->sent = wr->acked = (uint64_t)match;
        total += model_count((uint64_t)match);
    }
    /* nothing else: no key outside the writers', no session but theirs */
    sb_reset(&want);
    sb_addf(&want, "{\"KV_COUNT_RSP\":{\"cnt\":%zu,\"st\":1}}", total);
    expect_call(&c, "{\"KV_COUNT\":{}}", want.buf);
    sb_reset(&want);
    size_t n;
    const char *a = call(&c, "{\"SH_INFO_ALL\":{}}", &n);
    char sessions[64];
    snprintf(sessions, sizeof sessions, "\"totalSessions\":%u}", nwriters);
    if (!memmem(a, n, sessions, strlen(sessions))) fail("SH_INFO_ALL answered %.*s", (int)n, a);
    bws_close(&c);
    strbuf *all[] = {&keys, &mkeys, &mvals, &req, &want, &skeys, &svals, &got_sh, &got_kv};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) sb_free(all[i]);
}

/* First round: each writer's session and its two fixed keys. */
static void init_writers(void) {
    bws c;
    memset(&c, 0, sizeof c);
    if (bws_open(&c, &target, WAIT_MS)) fail("cannot connect: %s", c.why);
    char req[256];
    for (unsigned w = 0; w < nwriters; w++) {
        size_t n;
        const char *a = call(&c, "{\"SH_NEW\":{\"expiry\":{\"duration\":86400,\"extendOnSetAdd\":true}}}", &n);
        const char *t = strstr(a, "\"tkn\":");
        if (!t || !(W[w].tkn = strtoull(t + 6, NULL, 10))) fail("SH_NEW answered %.*s", (int)n, a);
        snprintf(req, sizeof req, "{\"KV_SET\":{\"keys\":{\"w%u:arr\":[],\"w%u:obj\":{\"c\":0}}}}", w, w);
        expect_call(&c, req, "{\"KV_SET_RSP\":{\"st\":1}}");
    }
    bws_close(&c);
}

/* ---------------------------------------------------------- load */

/* Load until the deadline (or until `snap_kill_ms` after the first save
 * asked for, if set), then kill.  Returns 1 if the kill found a snapshot
 * process. */
static int load_and_kill(int64_t deadline, int kill_after_save) {
    strbuf req = STRBUF_INIT;
    bws saver;
    memset(&saver, 0, sizeof saver);
    for (unsigned w = 0; w < nwriters; w++) {
        memset(&W[w].c, 0, sizeof W[w].c);
        if (bws_open(&W[w].c, &target, WAIT_MS)) fail("writer %u cannot connect: %s", w, W[w].c.why);
    }
    if (bws_open(&saver, &target, WAIT_MS)) fail("saver cannot connect: %s", saver.why);
    int64_t next_save = now_ms() + (int64_t)(rnd() % 60), saves_sent = 0, saves_ok = 0;
    struct pollfd pfd[MAX_WRITERS + 1];
    for (;;) {
        int64_t now = now_ms();
        if (now >= deadline) break;
        for (unsigned w = 0; w < nwriters; w++) {
            writer *wr = &W[w];
            while (wr->sent - wr->acked < pipeline) {
                op_request(w, ++wr->sent, &req);
                bws_send(&wr->c, req.buf, req.len);
            }
            if (bws_flush(&wr->c) < 0) fail("writer %u: %s", w, wr->c.why);
        }
        if (now >= next_save) {
            const char *save = rnd() % 3 ? "{\"KV_SAVE\":{\"name\":\"crash\"}}" : "{\"SH_SAVE\":{\"name\":\"crashs\"}}";
            bws_send(&saver, save, strlen(save));
            if (bws_flush(&saver) < 0) fail("saver: %s", saver.why);
            saves_sent++;
            next_save = now + 30 + (int64_t)(rnd() % 120);
            if (kill_after_save && saves_sent == 1) {
                int64_t d = now + 1 + (int64_t)(rnd() % 8); /* while the snapshot is written */
                if (d < deadline) deadline = d;
            }
        }
        for (unsigned w = 0; w < nwriters; w++) pfd[w] = (struct pollfd){W[w].c.fd, POLLIN, 0};
        pfd[nwriters] = (struct pollfd){saver.fd, POLLIN, 0};
        int64_t wait = deadline - now_ms();
        if (wait > 10) wait = 10;
        if (wait < 0) wait = 0;
        if (poll(pfd, nwriters + 1, (int)wait) < 0 && errno != EINTR) fail("poll: %s", strerror(errno));
        for (unsigned w = 0; w < nwriters; w++) {
            if (!(pfd[w].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            writer *wr = &W[w];
            if (bws_fill(&wr->c) < 0) fail("writer %u lost its connection before the kill: %s", w, wr->c.why);
            const char *msg;
            size_t len;
            int r;
            while ((r = bws_next(&wr->c, &msg, &len)) == 1) {
                const char *want = op_answer(wr->acked + 1);
                if (len != strlen(want) || memcmp(msg, want, len))
                    fail("writer %u op %llu: got %.*s, want %s", w, (unsigned long long)wr->acked + 1,
                         (int)(len > 300 ? 300 : len), msg, want);
                wr->acked++;
                total_acked++;
            }
            if (r < 0) fail("writer %u: %s", w, wr->c.why);
        }
        if (pfd[nwriters].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (bws_fill(&saver) < 0) fail("saver lost its connection before the kill: %s", saver.why);
            const char *msg;
            size_t len;
            while (bws_next(&saver, &msg, &len) == 1) {
                if (!memmem(msg, len, "\"st\":121}}", 10)) fail("a save answered %.*s", (int)len, msg);
                saves_ok++;
            }
        }
    }
    int during_snapshot = kill_server();
    for (unsigned w = 0; w < nwriters; w++) bws_close(&W[w].c);
    bws_close(&saver);
    sb_free(&req);
    return during_snapshot;
}

/* ---------------------------------------------------------- main */

static void usage(void) {
    fprintf(stderr, "usage: ndb_crash --ndb PATH --dir DIR [--policy always|everysec] [--rounds N] [--writers W]\n"
                    "                 [--pipeline P] [--min-ms A] [--max-ms B] [--seed S]\n");
    exit(2);
}

/* An option's number in [lo, hi], else the usage message. */
static unsigned num(const char *s, unsigned lo, unsigned hi) {
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v < lo || v > hi) usage();
    return (unsigned)v;
}

/* Rounds of start, check, load and kill -9; then a last check and a clean stop. */
int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"ndb", 1, NULL, 'n'},     {"dir", 1, NULL, 'd'},    {"policy", 1, NULL, 'p'}, {"rounds", 1, NULL, 'r'},
        {"writers", 1, NULL, 'w'}, {"pipeline", 1, NULL, 'P'}, {"min-ms", 1, NULL, 'a'}, {"max-ms", 1, NULL, 'b'},
        {"seed", 1, NULL, 's'},    {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'n': ndb_bin = optarg; break;
        case 'd': dir = optarg; break;
        case 'p': policy = optarg; break;
        case 'r': rounds = num(optarg, 1, 10000); break;
        case 'w': nwriters = num(optarg, 1, MAX_WRITERS); break;
        case 'P': pipeline = num(optarg, 1, 64); break;
        case 'a': min_ms = num(optarg, 1, 60000); break;
        case 'b': max_ms = num(optarg, 1, 60000); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (!ndb_bin || !dir || optind != argc || max_ms < min_ms) usage();
    if (strcmp(policy, "always") && strcmp(policy, "everysec")) usage();
    rng = seed * 2654435761u + 88172645463325252ULL;
    snprintf(logpath, sizeof logpath, "%s.server.log", dir);
    if (mkdir(dir, 0755) && errno != EEXIST) fail("cannot create %s: %s", dir, strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    unsigned during_snapshot = 0;
    int64_t t0 = now_ms(), start_max = 0, start_sum = 0;
    for (unsigned r = 0; r < rounds; r++) {
        int64_t st = start_server();
        start_sum += st;
        if (st > start_max) start_max = st;
        if (r == 0) init_writers();
        verify();
        int64_t delay = min_ms + (int64_t)(rnd() % (max_ms - min_ms + 1));
        during_snapshot += (unsigned)load_and_kill(now_ms() + delay, r % 3 == 2);
    }
    start_server();
    verify(); /* after the last kill */
    kill(server, SIGTERM);
    int st;
    waitpid(server, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st)) fail("the last server did not exit 0 on SIGTERM (status %d)", st);
    printf("ndb_crash: %s: %u kill -9s (%u while a snapshot was being written), %llu writes acknowledged, "
           "%llu verified after restarts, 0 lost; restart (recovery) max %lld ms, mean %lld ms; %.1f s\n",
           policy, rounds, during_snapshot, (unsigned long long)total_acked, (unsigned long long)total_verified,
           (long long)start_max, (long long)(start_sum / rounds), (double)(now_ms() - t0) / 1000);
    return 0;
}
