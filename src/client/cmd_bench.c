/*
 * cmd_bench.c — `ndb bench`: load a server, verify every answer, measure.
 *
 * One thread, one epoll set, N connections (bench_conn.c: a minimal
 * RFC 6455 client over non-blocking sockets).  Each connection keeps up to
 * P requests in flight: whenever answers arrive on it, they are checked
 * against what was asked, timed, and replaced by new requests, which go out
 * together in one send().  Before anything is written, a run that writes
 * top-level keys asks how many keys the server holds and refuses to run if
 * it holds any, unless --force (bench_guard.c): the benchmark's keys would
 * overwrite or mix with someone's data.  A run has phases, all driven by
 * the same loop:
 *
 *   setup     sh_get / sh_set only: one SH_NEW per connection (its token)
 *   preload   --preload only: every key of the key space is set, many keys
 *             per request (fewer after a 1009: shrink_preload), a few
 *             requests in flight per connection
 *   run       the measured phase: --requests R requests in all, or as many
 *             as fit in --duration S; latency histogram, bytes, CPU
 *   teardown  sh_get / sh_set only: SH_END of every session (after a
 *             failure, or a Ctrl-C whose answers never came, over a
 *             connection of its own: end_sessions_left)
 *
 * Keys are "key:" + 12 decimal digits (key:000000000042), drawn uniformly
 * from 0 .. K-1 with a per-connection xorshift generator.  The value of key
 * k is a JSON string of B characters: the last min(B, 12) digits of k, then
 * a fixed a..z pattern, so that every GET answer can be checked byte for
 * byte without storing anything, and any SET writes the same value as the
 * preload did (a mixed run's GETs stay checkable).
 *
 * Checking: each answer is first compared with the exact compact text ndb
 * sends (cheap: a few memcmp); if that fails it is parsed (scan.h) and
 * checked by meaning — right response name, st 1, and for a GET after
 * --preload exactly the requested key with exactly its value (any member
 * order).  Anything else ends the run with exit status 1 and a one-line
 * reason naming the request and the answer — except a 43 (the server has
 * users and the run logged in as none), a set-up problem: exit status 2
 * and the line `ndb count` prints for it.
 *
 * Latency is the time from the loop iteration that sent a request to the
 * one that read its answer (CLOCK_MONOTONIC, taken once per ready
 * connection), recorded in a log-linear histogram (bench_hist.c).
 *
 * Bounds: --requests at most 10^12 and a 60 s cap on the run phase in
 * --requests mode; --duration at most 3600 s; opening each connection
 * (TCP, TLS, the WebSocket handshake, the login) and every wait for an
 * answer at most --timeout seconds (default 10), after which the run fails;
 * after a Ctrl-C, answers in flight are waited for BENCH_DRAIN_MS at most.
 */
#include "client/cmd_bench.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "client/bench_conn.h"
#include "client/bench_guard.h"
#include "client/bench_hist.h"
#include "client/cli.h"
#include "client/cli_auth.h"
#include "common/clock.h"
#include "common/getopt_exact.h"
#include "common/strbuf.h"
#include "json/scan.h"

#define BENCH_MAX_CONNS 4096
#define BENCH_MAX_PIPELINE 4096
#define BENCH_MAX_REQUESTS 1000000000000ULL
#define BENCH_MAX_KEYS 1000000000000ULL /* keys have 12 digits */
/* a request then fits in the largest maxPayload a server takes, 64 MiB
 * (the command, key and token around the value take under 128 bytes) */
#define BENCH_MAX_VALUE (64u * 1024 * 1024 - 128)
/* requests in flight, all connections together, with their answers: a
 * bound on what the run keeps in memory (4096 x 4096 of 16 bytes pass) */
#define BENCH_MAX_IN_FLIGHT_BYTES (2ULL << 30)
#define BENCH_DEFAULT_REQUESTS 100000
#define BENCH_DEFAULT_CONNS 50
#define BENCH_DEFAULT_KEYS 100000
#define BENCH_DEFAULT_VALUE 16
#define BENCH_DEFAULT_SET_RATIO 0.1
#define BENCH_REQUESTS_CAP_S 60     /* run-phase time cap in --requests mode */
#define BENCH_MAX_DURATION_S 3600
#define BENCH_DEFAULT_TIMEOUT_S 10
#define BENCH_PRELOAD_BYTES 65536   /* aim for preload requests about this big */
#define BENCH_PRELOAD_MAX_KEYS 4096 /* keys per preload request, at most */
#define BENCH_PRELOAD_DEPTH 4       /* preload requests in flight per connection */
#define BENCH_PROGRESS_NS 250000000ULL
#define BENCH_EXCERPT 160           /* bytes of a wrong answer quoted */
#define BENCH_KEYLEN 16             /* "key:" + 12 digits */
#define BENCH_KEYDIGITS 12
#define BENCH_EXIT_INTERRUPTED 130  /* Ctrl-C (128 + SIGINT); 143 for a SIGTERM */
#define BENCH_DRAIN_MS 1000         /* after a Ctrl-C, wait this long at most for answers in flight */

#define STR_(x) #x
#define STR(x) STR_(x)

static const char bench_usage[] =
    "usage: ndb bench [options]\n"
    "\n"
    "Load an ndb server and measure it: N connections, P requests in flight on each,\n"
    "every answer verified; prints throughput, latency percentiles and the\n"
    "benchmark's own CPU use.\n"
    "\n"
    "Options:\n"
    "  --url URL            server (default: $NDB_URL, else " CLI_DEFAULT_URL "):\n"
    "                       ws://HOST[:PORT][/PATH], wss://..., or HOST:PORT, :PORT,\n"
    "                       HOST (port " STR(WSURL_DEFAULT_PORT) ")\n"
    "  -H, --host HOST      server host, for ws://HOST:PORT/ (default 127.0.0.1)\n"
    "  -p, --port PORT      server port (default 1987)\n"
    "  --user NAME          every connection logs in as NAME (default $NDB_USER); the\n"
    "                       password is --password-file's first line, else\n"
    "                       $NDB_PASSWORD, else asked on the terminal\n"
    "  --password-file FILE  read the password of --user from FILE's\n"
    "                       first line\n"
    "  --cacert FILE        wss://: also trust the CAs in FILE (default $NDB_CACERT)\n"
    "  --client-cert FILE   wss://: a client certificate, for a server that asks\n"
    "  --client-key FILE    wss://: its private key (PEM, not encrypted; give both)\n"
    "  --insecure           wss://: do not check the server's certificate (unsafe; a\n"
    "                       warning is printed)\n"
    "  -c, --conns N        connections (default " STR(BENCH_DEFAULT_CONNS) ", at most " STR(BENCH_MAX_CONNS) ")\n"
    "  -P, --pipeline P     requests in flight per connection (default 1, at most " STR(BENCH_MAX_PIPELINE) ")\n"
    "  -n, --requests R     requests in all (default " STR(BENCH_DEFAULT_REQUESTS) "); the run stops after\n"
    "                       " STR(BENCH_REQUESTS_CAP_S) " s even if fewer are done; 0 with --preload only loads\n"
    "  --duration S         instead of a count: send requests for S seconds\n"
    "                       (0.001 to " STR(BENCH_MAX_DURATION_S) ")\n"
    "  --op OP              get (KV_GET, default), set (KV_SET), add (KV_ADD),\n"
    "                       mixed (KV_GET and KV_SET, see --set-ratio),\n"
    "                       sh_get / sh_set (SH_GET / SH_SET in one session per connection)\n"
    "  --set-ratio F        with --op mixed: fraction of requests that are SETs (default 0.1)\n"
    "  --keys K             key space: keys key:000000000000 .. K-1, drawn uniformly\n"
    "                       (default " STR(BENCH_DEFAULT_KEYS) ")\n"
    "  -d, --value-size B   values are JSON strings of B characters, B+2 bytes with the\n"
    "                       quotes (default " STR(BENCH_DEFAULT_VALUE) ", at most 67108736: a request\n"
    "                       fits in 64 MiB); conns x pipeline x (B+66) is at most 2 GiB\n"
    "  --preload            first set all K keys (in every session for sh_*), so that GETs\n"
    "                       hit; GET answers are then checked for the exact value\n"
    "  --force              write keys even into a database that holds keys (below)\n"
    "  --csv                print a CSV header line and one line of results\n"
    "  --json               print the results as one JSON object (not with --csv)\n"
    "  --timeout S          fail when no answer comes for S seconds, and when a\n"
    "                       connection (TCP, TLS, handshake) takes longer\n"
    "                       (0.001 to 3600, default " STR(BENCH_DEFAULT_TIMEOUT_S) ")\n"
    "  -q, --quiet          no progress line (it is only shown when stderr is a terminal)\n"
    "  -h, --help           show this help and exit\n"
    "\n"
    "Latency is measured from sending a request to reading its answer, in\n"
    "microseconds; throughput counts answered requests per second of the run phase\n"
    "(after connecting and preloading).  CSV/JSON fields: see ndb-bench(1).\n"
    "\n"
    "Runs that write top-level keys (--op set, add, mixed, or --preload with get)\n"
    "first ask how many keys the server holds (KV_COUNT) and refuse to run if it\n"
    "holds any: the benchmark's keys would overwrite or mix with them.  Use an empty\n"
    "server, empty it ('ndb clear'), or give --force.  The keys written stay after\n"
    "the run.  sh_get and sh_set work in sessions of their own, ended afterwards\n"
    "(also after a failure), and get without --preload only reads: these run on any\n"
    "server.\n"
    "\n"
    "Exit status: 0 when every answer was right; 1 when the run failed (a wrong or\n"
    "error answer, a disconnect, a timeout); 2 on a usage error, when the server\n"
    "cannot be reached, refuses the login or needs one (it has users: --user), the\n"
    "user's role may not run the operation (45), it holds keys and --force was not\n"
    "given, or the results could not be written (a full disk);\n"
    "130 when interrupted (the results so far are printed), 143 on SIGTERM (the same).\n";

enum bench_op { OP_GET, OP_SET, OP_ADD, OP_MIXED, OP_SH_GET, OP_SH_SET };
static const char *const op_names[] = {"get", "set", "add", "mixed", "sh_get", "sh_set"};

/* What a request in flight was. */
enum req_kind { RK_GET, RK_SET, RK_ADD, RK_LOAD, RK_NEW, RK_END, RK_COUNT };

enum phase { PH_SETUP, PH_PRELOAD, PH_RUN, PH_TEARDOWN };

enum out_fmt { FMT_TEXT, FMT_CSV, FMT_JSON };

typedef struct inflight {
    uint64_t sent_ns;
    uint64_t key;   /* the key (GET/SET/ADD) or the first key (LOAD) */
    uint32_t kind;  /* enum req_kind */
    uint32_t count; /* LOAD: number of keys */
} inflight;

/* Keys still to preload again: first, first+1, ... (count of them). */
typedef struct span {
    uint64_t first, count;
} span;

typedef struct bconn {
    bws ws;
    unsigned idx;
    int want_out;   /* EPOLLOUT is armed */
    inflight *ring; /* requests in flight, oldest at head */
    unsigned head, count;
    uint64_t rng;
    char tkn[24]; /* session token text (sh_*), "" before SH_NEW answered */
    int asked_new, asked_end;
    uint64_t load_next; /* sh_* preload: next key of this session */
    span *redo;         /* preload requests the server refused as too big, to send again smaller */
    unsigned nredo, redo_cap;
} bconn;

typedef struct bench {
    /* options */
    const char *url, *host, *port; /* --url, or -H/-p (cli_server_url) */
    unsigned conns, pipeline;
    uint64_t requests;
    double duration_s;
    int by_duration;
    int op;
    double set_ratio;
    uint64_t keys;
    size_t value_size;
    int preload, fmt, quiet;
    int force; /* --force: write even into a database that holds keys */
    int setup_failed; /* the failure is the set-up's (no login): exit 2, not 1 */
    int abandoned;    /* after a Ctrl-C, answers in flight were given up on (a stalled server) */
    const char *user, *password_file, *cacert, *cert, *key;
    int insecure;
    cli_login login; /* the password, once read (cli_auth.h) */
    double timeout_s;
    int sh; /* op is sh_get / sh_set */

    /* state */
    bws_target target;
    bconn *c;
    unsigned nopen;
    unsigned ringmask;
    int ep;
    int phase;
    uint64_t inflight_total;
    uint64_t last_answer_ns;
    uint64_t issued, answered; /* run phase */
    uint64_t run_deadline_ns;
    int capped;
    uint64_t load_next, loaded; /* preload */
    uint64_t load_batch;        /* keys per preload request */
    uint64_t n_get, n_set;
    uint64_t resp_bytes;
    bhist hist;
    char *pattern; /* value_size characters a..z */
    strbuf req;    /* the request being built */
    size_t max_req; /* the largest request sent, for a 1009 (over maxPayload) */
    jdoc doc;      /* slow-path answer checking */
    strbuf tmp, tmp2;
    const char *rsp_name[RK_COUNT];
    char ok_text[RK_COUNT][40]; /* {"NAME":{"st":1}} */
    size_t ok_len[RK_COUNT];
    char get_prefix[40]; /* {"KV_GET_RSP":{"keys":{" */
    size_t get_prefix_len;
    char get_empty[48]; /* {"KV_GET_RSP":{"keys":{},"st":1}} */
    size_t get_empty_len;

    /* progress and results */
    int tty;
    uint64_t next_progress_ns, progress_mark_ns, progress_mark_n;
    int progress_shown;
    uint64_t run_start_ns, run_end_ns;
    double preload_s;
    struct rusage ru0, ru1;
} bench;

/* The signal that stopped the run: SIGINT (Ctrl-C) or SIGTERM (kill,
 * timeout(1)); 0 while none came.  Both end it the same way: the results
 * so far, the sessions ended. */
static volatile sig_atomic_t bench_interrupted;

static void on_stop_signal(int sig) { bench_interrupted = sig; }

static void say_interrupted(void) {
    fputs(bench_interrupted == SIGTERM ? "ndb bench: terminated\n" : "ndb bench: interrupted\n", stderr);
}

static uint64_t xorshift(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in 0 .. n-1 (multiply-shift; bias below 2^-40 for n <= 10^12). */
static uint64_t below(uint64_t *s, uint64_t n) {
    return (uint64_t)(((unsigned __int128)xorshift(s) * n) >> 64);
}

/* ---------------------------------------------------------------- messages */

static void clear_progress(bench *b) {
    if (b->progress_shown) {
        fputs("\r\033[K", stderr);
        b->progress_shown = 0;
    }
}

static int fail(bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(bench *b, const char *fmt, ...) {
    va_list ap;
    clear_progress(b);
    fputs("ndb bench: ", stderr);
    va_start(ap, fmt);
    vfprintf_visible(stderr, fmt, ap); /* it may quote what was typed */
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    va_list ap;
    fputs("ndb bench: ", stderr);
    va_start(ap, fmt);
    vfprintf_visible(stderr, fmt, ap); /* it may quote what was typed */
    va_end(ap);
    fputs("\nTry 'ndb bench --help' for more information.\n", stderr);
    return 2;
}

/* Printable excerpt of a peer-supplied text for a diagnostic. */
static void excerpt(char *dst, size_t dstlen, const char *s, size_t n) {
    size_t j = 0;
    for (size_t i = 0; i < n && j + 4 < dstlen; i++) {
        unsigned char ch = (unsigned char)s[i];
        dst[j++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
        if (i + 1 == BENCH_EXCERPT && n > BENCH_EXCERPT) {
            memcpy(dst + j, "...", 3);
            j += 3;
            break;
        }
    }
    dst[j] = '\0';
}

/* ---------------------------------------------------------------- requests */

/* key:DDDDDDDDDDDD into d (16 bytes, no NUL). */
static void put_key(char *d, uint64_t k) {
    memcpy(d, "key:", 4);
    for (int i = BENCH_KEYLEN - 1; i >= 4; i--) {
        d[i] = (char)('0' + k % 10);
        k /= 10;
    }
}

/* The value characters of key k (value_size bytes, no quotes) into d. */
static void put_value(const bench *b, char *d, uint64_t k) {
    char key[BENCH_KEYLEN];
    size_t p = b->value_size < BENCH_KEYDIGITS ? b->value_size : BENCH_KEYDIGITS;
    put_key(key, k);
    memcpy(d, key + BENCH_KEYLEN - p, p);
    memcpy(d + p, b->pattern + p, b->value_size - p);
}

/* Is s (value_size bytes) exactly the value of key k? */
static int value_is(const bench *b, const char *s, uint64_t k) {
    char key[BENCH_KEYLEN];
    size_t p = b->value_size < BENCH_KEYDIGITS ? b->value_size : BENCH_KEYDIGITS;
    put_key(key, k);
    return memcmp(s, key + BENCH_KEYLEN - p, p) == 0 &&
           memcmp(s + p, b->pattern + p, b->value_size - p) == 0;
}

/* Append `"key":"value"` for key k. */
static void add_member(bench *b, strbuf *r, uint64_t k) {
    sb_grow(r, BENCH_KEYLEN + b->value_size + 6);
    char *d = r->buf + r->len;
    *d++ = '"';
    put_key(d, k);
    d += BENCH_KEYLEN;
    memcpy(d, "\":\"", 3);
    d += 3;
    put_value(b, d, k);
    d += b->value_size;
    *d++ = '"';
    r->len = (size_t)(d - r->buf);
    r->buf[r->len] = '\0';
}

/* {"KV_X":{ or {"SH_X":{"tkn":T, */
static void add_head(bench *b, bconn *c, strbuf *r, const char *cmd) {
    sb_reset(r);
    SB_ADD_LIT(r, "{\"");
    sb_adds(r, b->sh ? "SH_" : "KV_");
    sb_adds(r, cmd);
    SB_ADD_LIT(r, "\":{");
    if (b->sh) {
        SB_ADD_LIT(r, "\"tkn\":");
        sb_adds(r, c->tkn);
        sb_addc(r, ',');
    }
}

static void push(bench *b, bconn *c, uint32_t kind, uint64_t key, uint32_t count, uint64_t now) {
    inflight *f = &c->ring[(c->head + c->count) & b->ringmask];
    f->sent_ns = now;
    f->key = key;
    f->kind = kind;
    f->count = count;
    c->count++;
    b->inflight_total++;
    if (b->req.len > b->max_req) b->max_req = b->req.len;
    bws_send(&c->ws, b->req.buf, b->req.len);
}

static void send_get(bench *b, bconn *c, uint64_t k, uint64_t now) {
    strbuf *r = &b->req;
    add_head(b, c, r, "GET");
    SB_ADD_LIT(r, "\"keys\":[\"");
    sb_grow(r, BENCH_KEYLEN);
    put_key(r->buf + r->len, k);
    r->len += BENCH_KEYLEN;
    SB_ADD_LIT(r, "\"]}}");
    push(b, c, RK_GET, k, 1, now);
}

static void send_set(bench *b, bconn *c, uint32_t kind, uint64_t first, uint64_t n, uint64_t now) {
    strbuf *r = &b->req;
    add_head(b, c, r, kind == RK_ADD ? "ADD" : "SET");
    SB_ADD_LIT(r, "\"keys\":{");
    for (uint64_t i = 0; i < n; i++) {
        if (i) sb_addc(r, ',');
        add_member(b, r, first + i);
    }
    SB_ADD_LIT(r, "}}}");
    push(b, c, kind, first, (uint32_t)n, now);
}

/*
 * Queue the next request of the current phase on c, if there is one.
 * Returns 1 if a request was queued.
 */
static int next_request(bench *b, bconn *c, uint64_t now) {
    strbuf *r = &b->req;
    switch (b->phase) {
    case PH_SETUP:
        if (c->asked_new || bench_interrupted) return 0;
        c->asked_new = 1;
        sb_reset(r);
        SB_ADD_LIT(r, "{\"SH_NEW\":{}}");
        push(b, c, RK_NEW, 0, 0, now);
        return 1;
    case PH_TEARDOWN:
        if (c->asked_end || !c->tkn[0]) return 0;
        c->asked_end = 1;
        sb_reset(r);
        SB_ADD_LIT(r, "{\"SH_END\":{\"tkn\":");
        sb_adds(r, c->tkn);
        SB_ADD_LIT(r, "}}");
        push(b, c, RK_END, 0, 0, now);
        return 1;
    case PH_PRELOAD: {
        if (c->nredo && !bench_interrupted) { /* keys of requests refused as too big (shrink_preload) */
            span *sp = &c->redo[c->nredo - 1];
            uint64_t n = sp->count < b->load_batch ? sp->count : b->load_batch;
            send_set(b, c, RK_LOAD, sp->first, n, now);
            sp->first += n;
            sp->count -= n;
            if (!sp->count) c->nredo--;
            return 1;
        }
        uint64_t *next = b->sh ? &c->load_next : &b->load_next;
        if (*next >= b->keys || bench_interrupted) return 0;
        uint64_t n = b->keys - *next < b->load_batch ? b->keys - *next : b->load_batch;
        send_set(b, c, RK_LOAD, *next, n, now);
        *next += n;
        return 1;
    }
    case PH_RUN:
        break;
    }
    if (bench_interrupted) return 0;
    if (!b->by_duration && b->issued >= b->requests) return 0;
    if (now >= b->run_deadline_ns) {
        if (!b->by_duration) b->capped = 1;
        return 0;
    }
    uint64_t k = below(&c->rng, b->keys);
    int kind;
    switch (b->op) {
    case OP_SET:
    case OP_SH_SET: kind = RK_SET; break;
    case OP_ADD: kind = RK_ADD; break;
    case OP_MIXED:
        kind = (double)(xorshift(&c->rng) >> 11) * 0x1.0p-53 < b->set_ratio ? RK_SET : RK_GET;
        break;
    default: kind = RK_GET; break;
    }
    if (kind == RK_GET) send_get(b, c, k, now);
    else send_set(b, c, (uint32_t)kind, k, 1, now);
    b->issued++;
    return 1;
}

/* ---------------------------------------------------------------- answers */

static void describe_request(const bench *b, const inflight *f, char *d, size_t n) {
    char key[BENCH_KEYLEN + 1];
    static const char *const cmd[] = {"GET", "SET", "ADD", "SET", "SH_NEW", "SH_END"};
    const char *pfx = f->kind >= RK_NEW ? "" : b->sh ? "SH_" : "KV_";
    put_key(key, f->key);
    key[BENCH_KEYLEN] = '\0';
    if (f->kind == RK_LOAD)
        snprintf(d, n, "%s%s of %u keys from %s (preload)", pfx, cmd[f->kind], f->count, key);
    else if (f->kind >= RK_NEW)
        snprintf(d, n, "%s", cmd[f->kind]);
    else
        snprintf(d, n, "%s%s of %s", pfx, cmd[f->kind], key);
}

static int wrong_answer(bench *b, bconn *c, const inflight *f, const char *m, size_t n, const char *why) {
    char req[128], ans[BENCH_EXCERPT + 8];
    describe_request(b, f, req, sizeof req);
    excerpt(ans, sizeof ans, m, n);
    return fail(b, "wrong answer to %s on connection %u (%s): %s", req, c->idx + 1, why, ans);
}

/* A 43 (AuthRequired: the server has users and this run logged in as
 * none) or a 45 (RoleDenied: the user's role may not run the operation,
 * e.g. --op set as a read user).  Not a wrong answer but a set-up problem,
 * said as every client command says it (cli_status_line), exit status 2.
 * body is the token of the answer's body in d. */
static int setup_refused(bench *b, const jdoc *d, uint32_t body, unsigned st) {
    strbuf line = STRBUF_INIT;
    uint32_t mt = jobj_get(d, body, "m", 1);
    sb_reset(&b->tmp);
    if (mt && d->toks[mt].type == JT_STRING) jstr_decode(d, &d->toks[mt], &b->tmp);
    cli_status_line(st, b->tmp.buf, b->tmp.len, &line);
    b->setup_failed = 1;
    fail(b, "%s", line.buf);
    sb_free(&line);
    return -1;
}

/*
 * Check an answer by meaning (any member order, any escaping): one member
 * named after the request, an object body with st 1, and for GETs the key
 * and value rules.  Also takes the token of an SH_NEW answer.
 */
static int check_parsed(bench *b, bconn *c, const inflight *f, const char *m, size_t n) {
    jdoc *d = &b->doc;
    const char *name = b->rsp_name[f->kind];
    if (jdoc_parse(d, m, n, NULL)) return wrong_answer(b, c, f, m, n, "not JSON");
    const jtok *t = d->toks;
    if (t[0].type != JT_OBJECT || t[0].count != 1 || !jstr_equals(d, &t[1], name, strlen(name)) ||
        t[2].type != JT_OBJECT)
        return wrong_answer(b, c, f, m, n, "not the response to this request");
    uint32_t st = jobj_get(d, 2, "st", 2);
    uint64_t stv = 0;
    if (st && t[st].type == JT_NUMBER && !jnum_to_u64(d, &t[st], &stv) && (stv == 43 || stv == 45))
        return setup_refused(b, d, 2, (unsigned)stv);
    if (!st || t[st].type != JT_NUMBER || t[st].len != 1 || jtok_text(d, &t[st])[0] != '1')
        return wrong_answer(b, c, f, m, n, "status is not 1");
    if (f->kind == RK_NEW) {
        uint32_t k = jobj_get(d, 2, "tkn", 3);
        uint64_t v;
        if (!k || jnum_to_token(d, &t[k], &v, 0) || t[k].len >= sizeof c->tkn)
            return wrong_answer(b, c, f, m, n, "no token");
        memcpy(c->tkn, jtok_text(d, &t[k]), t[k].len);
        c->tkn[t[k].len] = '\0';
        return 0;
    }
    if (f->kind != RK_GET) return 0;
    uint32_t keys = jobj_get(d, 2, "keys", 4);
    if (!keys || t[keys].type != JT_OBJECT) return wrong_answer(b, c, f, m, n, "no keys object");
    if (t[keys].count == 0) {
        if (b->preload) return wrong_answer(b, c, f, m, n, "the preloaded key is missing");
        return 0;
    }
    char key[BENCH_KEYLEN];
    put_key(key, f->key);
    if (t[keys].count != 1 || !jstr_equals(d, &t[keys + 1], key, BENCH_KEYLEN))
        return wrong_answer(b, c, f, m, n, "keys other than the one asked for");
    if (!b->preload) return 0; /* someone else's value is fine */
    const jtok *v = &t[keys + 2];
    if (v->type != JT_STRING) return wrong_answer(b, c, f, m, n, "the value is not a string");
    sb_reset(&b->tmp);
    jstr_decode(d, v, &b->tmp);
    if (b->tmp.len != b->value_size || !value_is(b, b->tmp.buf, f->key))
        return wrong_answer(b, c, f, m, n, "not the value that was set");
    return 0;
}

/* The fast check: the exact compact text ndb sends. */
static int check_answer(bench *b, bconn *c, const inflight *f, const char *m, size_t n) {
    if (f->kind == RK_GET) {
        static const char suffix[] = "\"},\"st\":1}}";
        size_t pl = b->get_prefix_len, sl = sizeof suffix - 1;
        char key[BENCH_KEYLEN];
        if (n == pl + BENCH_KEYLEN + 3 + b->value_size + sl && !memcmp(m, b->get_prefix, pl)) {
            put_key(key, f->key);
            if (!memcmp(m + pl, key, BENCH_KEYLEN) && !memcmp(m + pl + BENCH_KEYLEN, "\":\"", 3) &&
                value_is(b, m + pl + BENCH_KEYLEN + 3, f->key) && !memcmp(m + n - sl, suffix, sl))
                return 0;
        }
        if (!b->preload && n == b->get_empty_len && !memcmp(m, b->get_empty, n)) return 0;
    } else if (f->kind != RK_NEW && n == b->ok_len[f->kind] && !memcmp(m, b->ok_text[f->kind], n)) {
        return 0;
    }
    return check_parsed(b, c, f, m, n);
}

/* ---------------------------------------------------------------- loop */

static void progress(bench *b, uint64_t now) {
    if (!b->tty || b->quiet || now < b->next_progress_ns) return;
    double dt = (double)(now - b->progress_mark_ns) / 1e9;
    if (b->phase == PH_RUN) {
        double rate = dt > 0 ? (double)(b->answered - b->progress_mark_n) / dt : 0;
        if (b->by_duration)
            fprintf(stderr, "\r\033[Kndb bench: %.1f s of %g, %" PRIu64 " requests, %.0f requests/s",
                    (double)(now - b->run_start_ns) / 1e9, b->duration_s, b->answered, rate);
        else
            fprintf(stderr, "\r\033[Kndb bench: %" PRIu64 " of %" PRIu64 " requests, %.0f requests/s",
                    b->answered, b->requests, rate);
        b->progress_mark_n = b->answered;
    } else if (b->phase == PH_PRELOAD) {
        uint64_t total = b->sh ? b->keys * b->conns : b->keys;
        fprintf(stderr, "\r\033[Kndb bench: preloading, %" PRIu64 " of %" PRIu64 " keys set", b->loaded,
                total);
    } else {
        return;
    }
    b->progress_shown = 1;
    b->progress_mark_ns = now;
    b->next_progress_ns = now + BENCH_PROGRESS_NS;
}

static int conn_failed(bench *b, bconn *c) {
    const char *why = c->ws.why[0] ? c->ws.why : "failed";
    if (strstr(why, "(1009")) /* a request over the server's maxPayload: say which, and what to do */
        return fail(b,
                    "connection %u to %s: %s: the %s requests (up to %zu bytes) are larger than the server "
                    "accepts; its --max-payload option (maxPayload in its config file) raises the limit",
                    c->idx + 1, b->target.u.url, why, b->phase == PH_PRELOAD ? "preload's" : "run's", b->max_req);
    return fail(b, "connection %u to %s: %s", c->idx + 1, b->target.u.url, why);
}

static void add_redo(bconn *c, uint64_t first, uint64_t count) {
    if (c->nredo == c->redo_cap) {
        c->redo_cap = c->redo_cap ? 2 * c->redo_cap : 8;
        c->redo = realloc(c->redo, c->redo_cap * sizeof *c->redo);
        if (!c->redo) abort();
    }
    c->redo[c->nredo++] = (span){first, count};
}

static int log_in(bench *b, bconn *c);

/*
 * The server closed c with 1009 during the preload: a request of many keys
 * was over its maxPayload, though one key may well fit (a server with a
 * small maxPayload).  The refused request is the oldest in flight: the
 * server answered those before it and read none after it.  So: a quarter
 * as many keys per request from now on, the keys of every request c had
 * in flight to be sent again, over a new connection.  Returns 0, or -1
 * (said) when the refused request held one key, or c cannot be opened
 * again.
 */
static int shrink_preload(bench *b, bconn *c) {
    uint64_t refused = c->count ? c->ring[c->head].count : 1;
    if (refused <= 1) return conn_failed(b, c);
    uint64_t fewer = refused / 4 ? refused / 4 : 1;
    if (fewer < b->load_batch) b->load_batch = fewer;
    b->max_req = 0; /* for a message about the smaller requests */
    for (; c->count; c->count--, b->inflight_total--) {
        add_redo(c, c->ring[c->head].key, c->ring[c->head].count);
        c->head = (c->head + 1) & b->ringmask;
    }
    bws_close(&c->ws); /* leaves the epoll set with its descriptor */
    c->want_out = 0;
    if (bws_open(&c->ws, &b->target, (int)(b->timeout_s * 1000)))
        return fail(b, "connection %u to %s: cannot connect again after a 1009: %s", c->idx + 1, b->target.u.url,
                    c->ws.why);
    if (b->login.user && log_in(b, c)) return -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(b->ep, EPOLL_CTL_ADD, c->ws.fd, &ev)) return fail(b, "epoll_ctl failed: %s", strerror(errno));
    return 0;
}

/* Write c's queued frames; arm or disarm EPOLLOUT to match. */
static int flush_conn(bench *b, bconn *c) {
    int r = bws_flush(&c->ws);
    if (r < 0) return conn_failed(b, c);
    int want = r == 0;
    if (want != c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
        if (epoll_ctl(b->ep, EPOLL_CTL_MOD, c->ws.fd, &ev))
            return fail(b, "epoll_ctl failed: %s", strerror(errno));
        c->want_out = want;
    }
    return 0;
}

static void refill(bench *b, bconn *c, uint64_t now) {
    unsigned limit = b->phase == PH_RUN ? b->pipeline : b->phase == PH_PRELOAD ? BENCH_PRELOAD_DEPTH : 1;
    while (c->count < limit && next_request(b, c, now)) {
    }
}

/* Read what c has, check and time every complete answer, send more. */
static int on_readable(bench *b, bconn *c) {
    long r = bws_fill(&c->ws);
    if (r < 0) return conn_failed(b, c);
    if (r == 0 && !bws_buffered(&c->ws)) return 0;
    uint64_t now = mono_ns();
    const char *m;
    size_t n;
    int k;
    while ((k = bws_next(&c->ws, &m, &n)) == 1) {
        if (!c->count) {
            char ans[BENCH_EXCERPT + 8];
            excerpt(ans, sizeof ans, m, n);
            return fail(b, "connection %u: an answer to no request: %s", c->idx + 1, ans);
        }
        inflight *f = &c->ring[c->head];
        c->head = (c->head + 1) & b->ringmask;
        c->count--;
        b->inflight_total--;
        if (check_answer(b, c, f, m, n)) return -1;
        if (f->kind == RK_END) c->tkn[0] = '\0'; /* ended: nothing left to end on a failure */
        b->last_answer_ns = now;
        if (b->phase == PH_RUN) {
            bhist_record(&b->hist, now - f->sent_ns);
            b->answered++;
            b->resp_bytes += n;
            if (f->kind == RK_GET) b->n_get++;
            else b->n_set++;
        } else if (f->kind == RK_LOAD) {
            b->loaded += f->count;
        }
    }
    if (k < 0) {
        if (b->phase != PH_PRELOAD || !strstr(c->ws.why, "(1009")) return conn_failed(b, c);
        if (shrink_preload(b, c)) return -1;
    }
    refill(b, c, now);
    return flush_conn(b, c);
}

/* Run one phase to completion: every connection issues what the phase has
 * for it, until nothing is in flight and nothing more is to be sent. */
static int run_phase(bench *b, int phase) {
    struct epoll_event evs[256];
    uint64_t timeout_ns = (uint64_t)(b->timeout_s * 1e9);
    uint64_t now = mono_ns(), interrupted_ns = 0;
    b->phase = phase;
    b->last_answer_ns = now;
    b->progress_mark_ns = now;
    b->next_progress_ns = now + BENCH_PROGRESS_NS;
    for (unsigned i = 0; i < b->nopen; i++) {
        refill(b, &b->c[i], now);
        if (flush_conn(b, &b->c[i])) return -1;
        /* a close frame that came with the handshake response waits in the
         * buffer, and epoll would not tell: the run waited for --timeout */
        if (bws_buffered(&b->c[i].ws) && on_readable(b, &b->c[i])) return -1;
    }
    while (b->inflight_total) {
        int n = epoll_wait(b->ep, evs, (int)(sizeof evs / sizeof evs[0]), 100);
        if (n < 0 && errno != EINTR) return fail(b, "epoll_wait failed: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            bconn *c = evs[i].data.ptr;
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                if (on_readable(b, c)) return -1;
            } else if (evs[i].events & EPOLLOUT) {
                if (flush_conn(b, c)) return -1;
            }
        }
        now = mono_ns();
        if (bench_interrupted && !interrupted_ns) interrupted_ns = now;
        /* Ctrl-C promises the results so far: a server that stopped
         * answering must not hold them back until --timeout (or fail them) */
        if (interrupted_ns && b->inflight_total && now - interrupted_ns > BENCH_DRAIN_MS * 1000000ULL) {
            b->abandoned = 1;
            break;
        }
        if (!interrupted_ns && b->inflight_total && now - b->last_answer_ns > timeout_ns)
            return fail(b, "no answer from %s for %g s (%" PRIu64 " request%s in flight)", b->target.u.url,
                        b->timeout_s, b->inflight_total, b->inflight_total == 1 ? "" : "s");
        progress(b, now);
    }
    clear_progress(b);
    return 0;
}

/* ---------------------------------------------------------------- setup */

/* Log connection c in as the --user (SV_AUTH).  0, or -1 after saying why
 * as every client command says it (cli_login_answer); the caller exits 2:
 * the server refused us, like a failed connect. */
static int log_in(bench *b, bconn *c) {
    const char *ans;
    size_t n;
    strbuf req = STRBUF_INIT;
    SB_ADD_LIT(&req, "{\"SV_AUTH\":{\"password\":");
    sb_add_json_string(&req, b->login.password.buf ? b->login.password.buf : "", b->login.password.len);
    SB_ADD_LIT(&req, ",\"user\":");
    sb_add_json_string(&req, b->login.user, strlen(b->login.user));
    SB_ADD_LIT(&req, "}}");
    int r = bws_call(&c->ws, req.buf, req.len, (int)(b->timeout_s * 1000), &ans, &n);
    memset(req.buf, 0, req.len); /* the password */
    sb_free(&req);
    if (r) {
        if (!bench_interrupted) fail(b, "connection %u to %s: %s", c->idx + 1, b->target.u.url, c->ws.why);
        return -1;
    }
    char why[400];
    if (!cli_login_answer(&b->login, ans, n, why, sizeof why)) return 0;
    fail(b, "%s", why); /* the words of every client command */
    return -1;
}

/* Open every connection.  Returns 0; 2 when the server cannot be reached
 * (a name that does not resolve, a refused or timed-out connection, a
 * failed handshake), like every other client command; -1 on a local
 * failure, each after printing its reason; BENCH_EXIT_INTERRUPTED after a
 * Ctrl-C, which stops a wait for a slow server at once. */
static int connect_all(bench *b) {
    char err[WSURL_MAX_HOST + 200];
    if (bws_target_resolve(&b->target, err, sizeof err)) {
        fail(b, "cannot connect to %s: %s", b->target.u.url, err);
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)b->conns + 64 &&
        rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    b->ep = epoll_create1(EPOLL_CLOEXEC);
    if (b->ep < 0) return fail(b, "epoll_create1 failed: %s", strerror(errno));
    unsigned ring = 1;
    while (ring < b->pipeline || ring < BENCH_PRELOAD_DEPTH) ring <<= 1;
    b->ringmask = ring - 1;
    b->c = calloc(b->conns, sizeof *b->c);
    if (!b->c) abort();
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed) seed = mono_ns();
    for (unsigned i = 0; i < b->conns; i++) {
        bconn *c = &b->c[i];
        if (bench_interrupted) return BENCH_EXIT_INTERRUPTED; /* Ctrl-C while connecting: nothing to report */
        c->idx = i;
        c->rng = (seed + 0x9E3779B97F4A7C15ULL * (i + 1)) | 1;
        c->ring = calloc(ring, sizeof *c->ring);
        if (!c->ring) abort();
        if (bws_open(&c->ws, &b->target, (int)(b->timeout_s * 1000))) { /* --timeout bounds connecting too */
            bws_close(&c->ws);
            if (bench_interrupted) return BENCH_EXIT_INTERRUPTED;
            fail(b, "cannot connect to %s: %s", b->target.u.url, c->ws.why);
            return 2;
        }
        b->nopen++;
        if (b->login.user && log_in(b, c)) return bench_interrupted ? BENCH_EXIT_INTERRUPTED : 2;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(b->ep, EPOLL_CTL_ADD, c->ws.fd, &ev))
            return fail(b, "epoll_ctl failed: %s", strerror(errno));
    }
    return 0;
}

/*
 * After a failed sh_get / sh_set run: end the sessions it opened, which
 * never expire and hold what the preload put in them, so that a failure
 * (a wrong or error answer, a timeout, a dropped connection) does not
 * leave them behind.  SH_END goes over a connection of its own: the run's
 * may be closed, or hold answers still in flight.  Best effort: sessions
 * that cannot be ended are named, for `ndb session end`.
 */
static void end_sessions_left(bench *b, int timeout_ms) {
    unsigned left = 0, ended = 0;
    for (unsigned i = 0; i < b->nopen; i++) left += b->c[i].tkn[0] != '\0';
    if (!left) return;
    bconn extra = {.idx = b->conns}; /* "connection N+1" in messages */
    int ok = !bws_open(&extra.ws, &b->target, timeout_ms) && !(b->login.user && log_in(b, &extra));
    for (unsigned i = 0; ok && i < b->nopen; i++) {
        bconn *c = &b->c[i];
        const char *ans;
        size_t n;
        if (!c->tkn[0]) continue;
        sb_reset(&b->req);
        SB_ADD_LIT(&b->req, "{\"SH_END\":{\"tkn\":");
        sb_adds(&b->req, c->tkn);
        SB_ADD_LIT(&b->req, "}}");
        /* any answer will do: st 1, or 100 for a session already gone */
        ok = !bws_call(&extra.ws, b->req.buf, b->req.len, timeout_ms, &ans, &n);
        if (ok) {
            c->tkn[0] = '\0';
            ended++;
        }
    }
    if (ended < left) {
        /* every token left, for one command to paste (the man page says
         * they are named); past 20 the rest are counted */
        strbuf tkns = STRBUF_INIT;
        unsigned named = 0;
        for (unsigned i = 0; i < b->nopen; i++) {
            if (!b->c[i].tkn[0]) continue;
            if (named++ < 20) {
                sb_addc(&tkns, ' ');
                sb_adds(&tkns, b->c[i].tkn);
            }
        }
        if (named > 20) sb_addf(&tkns, "' (and %u more)", named - 20);
        else sb_addc(&tkns, '\'');
        fail(b, "could not end %u of the run's %u sessions: %s; while the server keeps them, end them with "
             "'ndb session end%s",
             left - ended, left, extra.ws.why[0] ? extra.ws.why : "the login was refused", tkns.buf);
        sb_free(&tkns);
    }
    bws_close(&extra.ws);
}

/* Does this run write top-level keys (see the usage)? */
static int writes_keys(const bench *b) {
    return !b->sh && (b->op != OP_GET || b->preload);
}

/* Before a run that writes keys: refuse a database that holds keys, unless
 * --force.  Returns 0 to go on, 2 after refusing (or after the server
 * asked for a login), -1 after a failure, BENCH_EXIT_INTERRUPTED after a
 * Ctrl-C. */
static int check_empty(bench *b) {
    if (b->force || !writes_keys(b)) return 0;
    uint64_t keys;
    char why[300];
    int r = bench_count_keys(&b->c[0].ws, (int)(b->timeout_s * 1000), &keys, why, sizeof why);
    if (r && bench_interrupted) return BENCH_EXIT_INTERRUPTED;
    if (r == -1) return fail(b, "connection 1 to %s: %s", b->target.u.url, why);
    if (r == -3) { /* no login where one is needed */
        fail(b, "%s", why);
        return 2;
    }
    if (r < 0) return fail(b, "%s", why);
    if (keys == 0) return 0;
    char last[BENCH_KEYLEN + 1];
    put_key(last, b->keys - 1);
    last[BENCH_KEYLEN] = '\0';
    fail(b,
         "%s holds %" PRIu64 " key%s; this run writes key:000000000000 .. %s and would overwrite or mix "
         "with them: use an empty server, or --force to write anyway",
         b->target.u.url, keys, keys == 1 ? "" : "s", last);
    return 2;
}

static void prepare_texts(bench *b) {
    const char *pfx = b->sh ? "SH_" : "KV_";
    static const char *const base[RK_COUNT] = {"GET_RSP", "SET_RSP", "ADD_RSP", "SET_RSP", "NEW_RSP", "END_RSP"};
    static char names[RK_COUNT][16];
    for (int k = 0; k < RK_COUNT; k++) {
        snprintf(names[k], sizeof names[k], "%s%s", k >= RK_NEW ? "SH_" : pfx, base[k]);
        b->rsp_name[k] = names[k];
        b->ok_len[k] = (size_t)snprintf(b->ok_text[k], sizeof b->ok_text[k], "{\"%s\":{\"st\":1}}", names[k]);
    }
    b->get_prefix_len =
        (size_t)snprintf(b->get_prefix, sizeof b->get_prefix, "{\"%s\":{\"keys\":{\"", names[RK_GET]);
    b->get_empty_len =
        (size_t)snprintf(b->get_empty, sizeof b->get_empty, "{\"%s\":{\"keys\":{},\"st\":1}}", names[RK_GET]);
    b->pattern = malloc(b->value_size + 1);
    if (!b->pattern) abort();
    for (size_t i = 0; i < b->value_size; i++) b->pattern[i] = (char)('a' + i % 26);
    uint64_t per = BENCH_PRELOAD_BYTES / (BENCH_KEYLEN + b->value_size + 6);
    b->load_batch = per < 1 ? 1 : per > BENCH_PRELOAD_MAX_KEYS ? BENCH_PRELOAD_MAX_KEYS : per;
}

static void cleanup(bench *b) {
    for (unsigned i = 0; i < b->conns && b->c; i++) {
        if (i < b->nopen) bws_close(&b->c[i].ws);
        free(b->c[i].ring);
        free(b->c[i].redo);
    }
    free(b->c);
    if (b->ep >= 0) close(b->ep);
    free(b->pattern);
    sb_free(&b->req);
    sb_free(&b->tmp);
    sb_free(&b->tmp2);
    jdoc_free(&b->doc);
}

/* ---------------------------------------------------------------- output */

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static void report(bench *b) {
    double secs = (double)(b->run_end_ns - b->run_start_ns) / 1e9;
    double rps = secs > 0 ? (double)b->answered / secs : 0;
    double bps = secs > 0 ? (double)b->resp_bytes / secs : 0;
    double cpu = tv_s(b->ru1.ru_utime) - tv_s(b->ru0.ru_utime) + tv_s(b->ru1.ru_stime) - tv_s(b->ru0.ru_stime);
    double cpu_pct = secs > 0 ? 100.0 * cpu / secs : 0;
    double cpu_us = b->answered ? cpu * 1e6 / (double)b->answered : 0;
    const bhist *h = &b->hist;
    double p50 = (double)bhist_percentile(h, 50) / 1e3, p90 = (double)bhist_percentile(h, 90) / 1e3,
           p99 = (double)bhist_percentile(h, 99) / 1e3, p999 = (double)bhist_percentile(h, 99.9) / 1e3,
           mx = (double)h->max / 1e3, mean = bhist_mean(h) / 1e3;
    const char *op = op_names[b->op];
    double ratio = b->op == OP_MIXED ? b->set_ratio : b->op == OP_SET || b->op == OP_SH_SET || b->op == OP_ADD;

    if (b->fmt == FMT_CSV) {
        printf("op,conns,pipeline,keys,value_size,set_ratio,preload,requests,gets,sets,seconds,rps,"
               "resp_bytes_per_s,p50_us,p90_us,p99_us,p999_us,max_us,mean_us,cpu_s,cpu_pct,"
               "cpu_us_per_req,preload_s\n");
        printf("%s,%u,%u,%" PRIu64 ",%zu,%g,%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64
               ",%.6f,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.6f,%.1f,%.3f,%.6f\n",
               op, b->conns, b->pipeline, b->keys, b->value_size, ratio, b->preload, b->answered, b->n_get,
               b->n_set, secs, rps, bps, p50, p90, p99, p999, mx, mean, cpu, cpu_pct, cpu_us, b->preload_s);
    } else if (b->fmt == FMT_JSON) {
        printf("{\"op\":\"%s\",\"conns\":%u,\"pipeline\":%u,\"keys\":%" PRIu64 ",\"value_size\":%zu,"
               "\"set_ratio\":%g,\"preload\":%s,\"requests\":%" PRIu64 ",\"gets\":%" PRIu64
               ",\"sets\":%" PRIu64 ",\"seconds\":%.6f,\"rps\":%.1f,\"resp_bytes_per_s\":%.1f,"
               "\"p50_us\":%.3f,\"p90_us\":%.3f,\"p99_us\":%.3f,\"p999_us\":%.3f,\"max_us\":%.3f,"
               "\"mean_us\":%.3f,\"cpu_s\":%.6f,\"cpu_pct\":%.1f,\"cpu_us_per_req\":%.3f,"
               "\"preload_s\":%.6f}\n",
               op, b->conns, b->pipeline, b->keys, b->value_size, ratio, b->preload ? "true" : "false",
               b->answered, b->n_get, b->n_set, secs, rps, bps, p50, p90, p99, p999, mx, mean, cpu, cpu_pct,
               cpu_us, b->preload_s);
    } else {
        printf("ndb bench: %s on %s: %u connection%s, pipeline %u, %" PRIu64 " keys, %zu-character values%s\n",
               op, b->target.u.url, b->conns, b->conns == 1 ? "" : "s", b->pipeline, b->keys, b->value_size,
               b->preload ? ", preloaded" : "");
        if (b->preload) {
            uint64_t total = b->sh ? b->keys * b->conns : b->keys;
            printf("  preload     %" PRIu64 " keys", b->loaded);
            if (b->loaded < total) printf(" of %" PRIu64 " (interrupted)", total);
            printf(" in %.3f s\n", b->preload_s);
        }
        if (b->answered || !b->preload) {
            printf("  requests    %" PRIu64 " in %.3f s", b->answered, secs);
            if (b->op == OP_MIXED) printf(" (%" PRIu64 " GET, %" PRIu64 " SET)", b->n_get, b->n_set);
            printf("\n  throughput  %.0f requests/s, %.2f MB/s of answers\n", rps, bps / 1e6);
            printf("  latency us  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (mean %.1f)\n", p50, p90,
                   p99, p999, mx, mean);
            printf("  client CPU  %.3f s user+sys = %.0f%% of one core, %.2f us per request\n", cpu, cpu_pct,
                   cpu_us);
        }
    }
    fflush(stdout);
}

/* ---------------------------------------------------------------- options */

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v) {
    char *end;
    if (!*s || *s == '-' || *s == '+') return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end || x < lo || x > hi) return -1;
    *v = x;
    return 0;
}

static int parse_double(const char *s, double lo, double hi, double *v) {
    char *end;
    errno = 0;
    if (!cli_plain_number(s)) return -1; /* not 0x1, " 5" or inf */
    double x = strtod(s, &end);
    if (errno || end == s || *end || !(x >= lo && x <= hi)) return -1;
    *v = x;
    return 0;
}

enum {
    BOPT_URL = 256,
    BOPT_DURATION,
    BOPT_OP,
    BOPT_SET_RATIO,
    BOPT_KEYS,
    BOPT_PRELOAD,
    BOPT_FORCE,
    BOPT_CSV,
    BOPT_JSON,
    BOPT_TIMEOUT,
    BOPT_USER,
    BOPT_PASSWORD_FILE,
    BOPT_CACERT,
    BOPT_CLIENT_CERT,
    BOPT_CLIENT_KEY,
    BOPT_INSECURE
};

static const struct option bench_options[] = {
    {"url", required_argument, NULL, BOPT_URL},
    {"host", required_argument, NULL, 'H'},
    {"port", required_argument, NULL, 'p'},
    {"conns", required_argument, NULL, 'c'},
    {"pipeline", required_argument, NULL, 'P'},
    {"requests", required_argument, NULL, 'n'},
    {"duration", required_argument, NULL, BOPT_DURATION},
    {"op", required_argument, NULL, BOPT_OP},
    {"set-ratio", required_argument, NULL, BOPT_SET_RATIO},
    {"keys", required_argument, NULL, BOPT_KEYS},
    {"value-size", required_argument, NULL, 'd'},
    {"preload", no_argument, NULL, BOPT_PRELOAD},
    {"force", no_argument, NULL, BOPT_FORCE},
    {"csv", no_argument, NULL, BOPT_CSV},
    {"json", no_argument, NULL, BOPT_JSON},
    {"timeout", required_argument, NULL, BOPT_TIMEOUT},
    {"user", required_argument, NULL, BOPT_USER},
    {"password-file", required_argument, NULL, BOPT_PASSWORD_FILE},
    {"cacert", required_argument, NULL, BOPT_CACERT},
    {"client-cert", required_argument, NULL, BOPT_CLIENT_CERT},
    {"client-key", required_argument, NULL, BOPT_CLIENT_KEY},
    {"insecure", no_argument, NULL, BOPT_INSECURE},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Returns 0, 1 after --help, or 2 after a usage error. */
static int parse_args(bench *b, int argc, char **argv) {
    int have_requests = 0, have_ratio = 0;
    uint64_t v;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long_exact(argc, argv, ":c:P:n:d:H:p:qh", bench_options)) != -1) {
        switch (opt) {
        case BOPT_URL: b->url = optarg; break;
        case 'H': b->host = optarg; break;
        case 'p': b->port = optarg; break;
        case 'c':
            if (parse_u64(optarg, 1, BENCH_MAX_CONNS, &v))
                return usage_error("--conns must be 1..%d, not '%s'", BENCH_MAX_CONNS, optarg);
            b->conns = (unsigned)v;
            break;
        case 'P':
            if (parse_u64(optarg, 1, BENCH_MAX_PIPELINE, &v))
                return usage_error("--pipeline must be 1..%d, not '%s'", BENCH_MAX_PIPELINE, optarg);
            b->pipeline = (unsigned)v;
            break;
        case 'n':
            if (parse_u64(optarg, 0, BENCH_MAX_REQUESTS, &b->requests))
                return usage_error("--requests must be 0..%llu, not '%s'", BENCH_MAX_REQUESTS, optarg);
            have_requests = 1;
            break;
        case BOPT_DURATION:
            if (parse_double(optarg, 0.001, BENCH_MAX_DURATION_S, &b->duration_s))
                return usage_error("--duration must be a number of seconds from 0.001 to %d, not '%s'",
                                   BENCH_MAX_DURATION_S, optarg);
            b->by_duration = 1;
            break;
        case BOPT_OP: {
            int found = -1;
            for (int i = 0; i < (int)(sizeof op_names / sizeof op_names[0]); i++)
                if (!strcmp(optarg, op_names[i])) found = i;
            if (found < 0)
                return usage_error("unknown --op '%s' (get, set, add, mixed, sh_get, sh_set)", optarg);
            b->op = found;
            break;
        }
        case BOPT_SET_RATIO:
            if (parse_double(optarg, 0, 1, &b->set_ratio))
                return usage_error("--set-ratio must be a number from 0 to 1, not '%s'", optarg);
            have_ratio = 1;
            break;
        case BOPT_KEYS:
            if (parse_u64(optarg, 1, BENCH_MAX_KEYS, &b->keys))
                return usage_error("--keys must be 1..%llu, not '%s'", BENCH_MAX_KEYS, optarg);
            break;
        case 'd':
            if (parse_u64(optarg, 0, BENCH_MAX_VALUE, &v))
                return usage_error("--value-size must be 0..%u (a request fits in 64 MiB), not '%s'", BENCH_MAX_VALUE,
                                   optarg);
            b->value_size = (size_t)v;
            break;
        case BOPT_PRELOAD: b->preload = 1; break;
        case BOPT_FORCE: b->force = 1; break;
        case BOPT_CSV:
        case BOPT_JSON: {
            /* one output format: a script that asks for both would get one
             * it did not expect (the synopsis says [--csv | --json]) */
            int fmt = opt == BOPT_CSV ? FMT_CSV : FMT_JSON;
            if (b->fmt != FMT_TEXT && b->fmt != fmt) return usage_error("--csv and --json exclude each other");
            b->fmt = fmt;
            break;
        }
        case BOPT_TIMEOUT:
            if (parse_double(optarg, 0.001, 3600, &b->timeout_s))
                return usage_error("--timeout must be a number of seconds from 0.001 to 3600, not '%s'",
                                   optarg);
            break;
        case 'q': b->quiet = 1; break;
        case BOPT_USER: b->user = optarg; break;
        case BOPT_PASSWORD_FILE: b->password_file = optarg; break;
        case BOPT_CACERT: b->cacert = optarg; break;
        case BOPT_CLIENT_CERT: b->cert = optarg; break;
        case BOPT_CLIENT_KEY: b->key = optarg; break;
        case BOPT_INSECURE: b->insecure = 1; break;
        case 'h': fputs(bench_usage, stdout); return 1;
        case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return usage_error("unexpected argument '%s'", argv[optind]);
    if (have_requests && b->by_duration) return usage_error("give --requests or --duration, not both");
    if (have_ratio && b->op != OP_MIXED) return usage_error("--set-ratio applies to --op mixed only");
    if (b->requests == 0 && !b->by_duration && !b->preload)
        return usage_error("--requests 0 does nothing without --preload");
    if ((unsigned long long)b->conns * b->pipeline * (b->value_size + 2 + 64) > BENCH_MAX_IN_FLIGHT_BYTES)
        return usage_error("--conns %u x --pipeline %u of %zu-byte values would keep over 2 GiB in flight: "
                           "lower one of them", b->conns, b->pipeline, b->value_size);
    b->sh = b->op == OP_SH_GET || b->op == OP_SH_SET;
    return 0;
}

/* ---------------------------------------------------------------- main */

int cmd_bench(int argc, char **argv) {
    bench B;
    bench *b = &B;
    memset(b, 0, sizeof *b);
    b->conns = BENCH_DEFAULT_CONNS;
    b->pipeline = 1;
    b->requests = BENCH_DEFAULT_REQUESTS;
    b->keys = BENCH_DEFAULT_KEYS;
    b->value_size = BENCH_DEFAULT_VALUE;
    b->set_ratio = BENCH_DEFAULT_SET_RATIO;
    b->timeout_s = BENCH_DEFAULT_TIMEOUT_S;
    b->op = OP_GET;
    b->ep = -1;
    int rc = parse_args(b, argc, argv);
    if (rc) return rc == 1 ? cli_output_finish() : rc; /* 1: --help was printed */
    char err[600], urlbuf[320];
    /* say where a bad URL came from: --url, or $NDB_URL (as ndb repl does) */
    int from_env = !b->url && !b->host && !b->port;
    const char *what = b->url ? "--url" : "URL";
    if (cli_server_url(b->url, b->host, b->port, urlbuf, sizeof urlbuf, &b->url)) return usage_error("%s", urlbuf);
    if (bws_target_parse(&b->target, b->url, err, sizeof err)) {
        char shown[4096];
        return usage_error("invalid %s '%s'%s: %s", what, ws_url_shown(b->url, shown, sizeof shown),
                           from_env ? " (NDB_URL)" : "", err);
    }
    cli_login_command(&b->login, b->user, b->password_file, b->cacert, b->cert, b->key, b->insecure);
    if (cli_login_password_unused(&b->login, b->password_file)) {
        bws_target_free(&b->target);
        cli_login_free(&b->login);
        return usage_error("%s", CLI_LOGIN_NO_USER);
    }
    if (bws_target_tls(&b->target, &b->login.tls, err, sizeof err) || cli_login_password(&b->login, err, sizeof err)) {
        fprintf(stderr, "ndb bench: %s\n", err);
        bws_target_free(&b->target);
        cli_login_free(&b->login);
        return 2;
    }
    cli_login_warn(&b->login, b->url, "ndb bench"); /* what every client command warns of */
    b->tty = isatty(STDERR_FILENO);
    bench_interrupted = 0;
    struct sigaction sa, old_int, old_term, old_pipe;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills */
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    sigaction(SIGPIPE, &sa, &old_pipe);
    bhist_reset(&b->hist);
    prepare_texts(b);

    rc = 1;
    if ((rc = connect_all(b)) || (rc = check_empty(b))) {
        if (rc == BENCH_EXIT_INTERRUPTED) say_interrupted();
        if (rc < 0) rc = 1;
        goto out;
    }
    rc = 1;
    if (b->sh && run_phase(b, PH_SETUP)) goto out;
    if (b->preload && !b->abandoned) {
        uint64_t t0 = mono_ns();
        if (run_phase(b, PH_PRELOAD)) goto out;
        b->preload_s = (double)(mono_ns() - t0) / 1e9;
    }
    if (!bench_interrupted && (b->requests || b->by_duration)) {
        getrusage(RUSAGE_SELF, &b->ru0);
        b->run_start_ns = mono_ns();
        b->run_deadline_ns =
            b->run_start_ns + (uint64_t)((b->by_duration ? b->duration_s : BENCH_REQUESTS_CAP_S) * 1e9);
        int r = run_phase(b, PH_RUN);
        b->run_end_ns = b->abandoned ? b->last_answer_ns : mono_ns(); /* not the wait given up on */
        getrusage(RUSAGE_SELF, &b->ru1);
        if (r) goto out;
    }
    /* answers given up on would come before SH_END's: end the sessions over
     * a connection of their own, without waiting long for a stalled server */
    if (b->sh && !b->abandoned && run_phase(b, PH_TEARDOWN)) goto out;
    if (b->sh && b->abandoned) end_sessions_left(b, BENCH_DRAIN_MS);
    report(b);
    if (bench_interrupted) {
        say_interrupted();
        rc = BENCH_EXIT_INTERRUPTED;
    } else {
        if (b->capped)
            fprintf(stderr, "ndb bench: stopped at the %d s limit after %" PRIu64 " of %" PRIu64 " requests\n",
                    BENCH_REQUESTS_CAP_S, b->answered, b->requests);
        /* the results are what was asked for: a run whose report was not
         * written (`--json > r.json` on a full disk) fails as every
         * command's output does (2); a reader that has gone ends it quietly */
        rc = cli_output_finish();
    }
out:
    if (rc && rc != BENCH_EXIT_INTERRUPTED && b->sh && b->c) end_sessions_left(b, (int)(b->timeout_s * 1000));
    if (rc == 1 && b->setup_failed) rc = 2;
    if (rc == BENCH_EXIT_INTERRUPTED) rc = 128 + bench_interrupted; /* 130 for Ctrl-C, 143 for SIGTERM */
    cleanup(b);
    bws_target_free(&b->target);
    cli_login_free(&b->login);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    return rc;
}
