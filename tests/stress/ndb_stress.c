/*
 * ndb_stress.c — soak and model test against a running ndb server.
 *
 *   ndb_stress --url ws://127.0.0.1:PORT/ [-c CONNS] [-t SECONDS] [-p PIPELINE] [-s SEED]
 *
 * CONNS connections (default 50) issue random KV_ and SH_ commands for
 * SECONDS (default 30), each keeping up to PIPELINE requests (default 4) in
 * flight.  The tool keeps an exact model of what the server must hold and
 * compares EVERY response, byte for byte, with the one the model predicts.
 *
 * Why the model stays exact under concurrency: each connection works only
 * on its own part of the data — top-level keys named "s<conn>_<n>" and
 * sessions it created itself — and the protocol answers one connection's
 * requests in order, so the expected answer of a request depends only on
 * that connection's earlier requests.  The expected answer is computed when
 * the request is sent and queued until its response arrives.
 *
 * Commands: KV_SET, KV_ADD, KV_GET, KV_RMV, KV_CONTAINS on the connection's
 * keys; SH_NEW, SH_SET, SH_ADD, SH_GET, SH_RMV, SH_CONTAINS, SH_COUNT,
 * SH_KEYS (exact map order), SH_CLEAR, SH_CLEAR_SET, SH_END on its two
 * session slots, plus a few requests that must fail (KV_RMV with empty
 * keys, invalid JSON, an ended session's token).  Values cover numbers of
 * any size and precision, escapes, raw UTF-8 and nesting; some requests
 * carry whitespace and comments, some key names are sent \u-escaped, some
 * requests repeat a key (first occurrence wins).  At the end every
 * connection reads back all its keys and sessions once more.
 *
 * Bounded: at most 1000 connections and 3600 s; every wait for an answer
 * is at most 10 s (a timeout is an error).  Loopback only: the URL's host
 * must be 127.0.0.1, ::1 or localhost.  Prints the number of requests,
 * mismatches and errors; exit status 1 if there was any mismatch or error,
 * 2 for usage errors.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client/wsclient.h"
#include "common/strbuf.h"
#include "common/wsurl.h"

#define NKEYS 48      /* top-level keys per connection */
#define NSKEYS 24     /* key names used inside a session */
#define NSLOTS 2      /* sessions per connection */
#define MAX_PIPE 64
#define RECV_TIMEOUT_MS 10000

/* ---- random numbers (xorshift64*, seeded) ---- */
static uint64_t rng_state;
static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static unsigned rn(unsigned n) { return (unsigned)(rnd() % n); }

/* ---- the model of one map, in the server's order ---- */
typedef struct mentry {
    int key;   /* key number */
    char *val; /* compact JSON text */
} mentry;

typedef struct mmap {
    mentry items[NKEYS > NSKEYS ? NKEYS : NSKEYS];
    int count;
    int pos[NKEYS > NSKEYS ? NKEYS : NSKEYS]; /* key → index + 1, 0 = absent */
} mmap;

static const char *mget(const mmap *m, int k) { return m->pos[k] ? m->items[m->pos[k] - 1].val : NULL; }

static void mset(mmap *m, int k, const char *v, int overwrite) {
    if (m->pos[k]) {
        if (!overwrite) return;
        mentry *e = &m->items[m->pos[k] - 1];
        free(e->val);
        e->val = strdup(v);
        return;
    }
    m->items[m->count].key = k;
    m->items[m->count].val = strdup(v);
    m->pos[k] = ++m->count;
}

/* Remove k: the others keep their order (insertion order). */
static void mdel(mmap *m, int k) {
    if (!m->pos[k]) return;
    int at = m->pos[k] - 1;
    free(m->items[at].val);
    for (int i = at; i + 1 < m->count; i++) {
        m->items[i] = m->items[i + 1];
        m->pos[m->items[i].key] = i + 1;
    }
    m->pos[k] = 0;
    m->count--;
}

static int mclear(mmap *m) {
    int n = m->count;
    for (int i = 0; i < n; i++) {
        m->pos[m->items[i].key] = 0;
        free(m->items[i].val);
    }
    m->count = 0;
    return n;
}

/* ---- connections ---- */
typedef struct slot {
    uint64_t token; /* 0: no session */
    int pending;    /* SH_NEW in flight */
    uint64_t ended; /* a token this slot ended, for a 100 check */
    mmap map;
} slot;

typedef struct expect {
    char *text;   /* exact expected response, or NULL for SH_NEW */
    int new_slot; /* SH_NEW: which slot gets the token */
    char *req;    /* the request, for reports */
} expect;

typedef struct conn {
    int id;
    ws_client *ws;
    mmap kv;
    slot slots[NSLOTS];
    expect q[MAX_PIPE];
    int qhead, qlen;
} conn;

static uint64_t n_requests, n_mismatch, n_errors;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...) {
    if (n_mismatch + n_errors > 20) return; /* the first few are enough */
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* ---- request text ---- */
static void key_name(strbuf *b, const conn *c, int top, int k, int escaped) {
    /* top-level: s<conn>_<k>; in a session: k<k> (sessions are private) */
    if (escaped) sb_adds(b, top ? "\\u0073" : "\\u006b");
    else sb_addc(b, top ? 's' : 'k');
    if (top) sb_addf(b, "%d_%d", c->id, k);
    else sb_addf(b, "%d", k);
}

static void plain_key(strbuf *b, const conn *c, int top, int k) {
    sb_addc(b, '"');
    key_name(b, c, top, k, 0);
    sb_addc(b, '"');
}

/* A random JSON value in compact form. */
static void gen_value(strbuf *b, int depth) {
    static const char *const scalars[] = {
        "0", "-17", "42", "18446744073709551615", "18446744073709551616", "-9223372036854775809",
        "123456789012345678901234567890", "0.1", "1e400", "-2.5E-3", "1.0", "-0", "true", "false", "null",
        "\"plain\"", "\"\"", "\"esc\\n\\t\\\"q\\\\ /\"", "\"\\u00e9\\ud83d\\ude00\\u0000\"",
        "\"caf\xc3\xa9 \xe2\x82\xac\"", "\"\\/\\b\\f\\r\"",
    };
    unsigned r = rn(depth >= 3 ? 10 : 14);
    if (r < 10) {
        sb_adds(b, scalars[rn(sizeof scalars / sizeof scalars[0])]);
        return;
    }
    if (r < 12) {
        unsigned n = rn(4);
        sb_addc(b, '[');
        for (unsigned i = 0; i < n; i++) {
            if (i) sb_addc(b, ',');
            gen_value(b, depth + 1);
        }
        sb_addc(b, ']');
        return;
    }
    unsigned n = rn(4);
    sb_addc(b, '{');
    for (unsigned i = 0; i < n; i++) {
        if (i) sb_addc(b, ',');
        sb_addf(b, "\"m%u\":", i);
        gen_value(b, depth + 1);
    }
    sb_addc(b, '}');
    if (rn(8) == 0) { /* a long string now and then */
        b->len--;
        sb_addf(b, "%s\"long\":\"", n ? "," : "");
        for (unsigned i = 0, m = rn(3000); i < m; i++) sb_addc(b, (char)('a' + i % 26));
        SB_ADD_LIT(b, "\"}");
    }
}

/* Optional insignificant text a request may carry. */
static const char *noise(void) {
    switch (rn(12)) {
    case 0: return " ";
    case 1: return "\n\t";
    case 2: return " /* c */ ";
    default: return "";
    }
}

/* ---- sending ---- */
static void push(conn *c, strbuf *req, strbuf *want, int new_slot) {
    expect *e = &c->q[(c->qhead + c->qlen) % MAX_PIPE];
    e->text = want ? sb_detach(want, NULL) : NULL;
    e->new_slot = new_slot;
    e->req = strdup(req->buf ? req->buf : "");
    c->qlen++;
    if (wsc_send(c->ws, req->buf, req->len)) {
        report("conn %d: send failed (connection closed)\n", c->id);
        n_errors++;
    }
    n_requests++;
}

/* Members to store: pick 1–4 keys (sometimes one twice: first wins). */
typedef struct setop {
    int n;
    int key[5];
    strbuf val[5];
} setop;

static void gen_setop(setop *s, int nkeys) {
    s->n = 1 + (int)rn(4);
    for (int i = 0; i < s->n; i++) {
        s->key[i] = (int)rn((unsigned)nkeys);
        s->val[i] = (strbuf)STRBUF_INIT;
        gen_value(&s->val[i], 0);
    }
    if (rn(6) == 0) { /* a duplicate name: the first occurrence wins */
        s->key[s->n] = s->key[0];
        s->val[s->n] = (strbuf)STRBUF_INIT;
        SB_ADD_LIT(&s->val[s->n], "\"dup loses\"");
        s->n++;
    }
}

static void free_setop(setop *s) {
    for (int i = 0; i < s->n; i++) sb_free(&s->val[i]);
}

/* Apply a set to model m: new keys are inserted in byte order of their
 * names (docs/protocol.md section 3), the first occurrence of a name wins. */
static void apply_setop(mmap *m, const conn *c, int top, setop *s, int overwrite) {
    int order[5];
    char names[5][48];
    for (int i = 0; i < s->n; i++) {
        strbuf nb = STRBUF_INIT;
        key_name(&nb, c, top, s->key[i], 0);
        snprintf(names[i], sizeof names[i], "%s", nb.buf);
        sb_free(&nb);
        order[i] = i;
    }
    for (int i = 1; i < s->n; i++) /* stable insertion sort by name */
        for (int j = i; j > 0 && strcmp(names[order[j - 1]], names[order[j]]) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int seen[NKEYS] = {0};
    for (int i = 0; i < s->n; i++) {
        int x = order[i];
        if (seen[s->key[x]]) continue;
        seen[s->key[x]] = 1;
        mset(m, s->key[x], s->val[x].buf, overwrite);
    }
}

static void add_keys_object(strbuf *b, const conn *c, int top, const setop *s) {
    sb_addc(b, '{');
    for (int i = 0; i < s->n; i++) {
        if (i) sb_addc(b, ',');
        sb_adds(b, noise());
        sb_addc(b, '"');
        key_name(b, c, top, s->key[i], rn(5) == 0);
        sb_addc(b, '"');
        sb_addc(b, ':');
        sb_adds(b, noise());
        sb_add(b, s->val[i].buf, s->val[i].len);
    }
    sb_addc(b, '}');
}

static void rsp_open(strbuf *w, const char *cmd) { sb_addf(w, "{\"%s_RSP\":{", cmd); }

/* KV_GET / SH_GET / KV_CONTAINS / SH_CONTAINS / KV_RMV / SH_RMV key lists */
static void gen_key_list(int nkeys, int *keys, int *n) {
    *n = 1 + (int)rn(5);
    for (int i = 0; i < *n; i++) keys[i] = (int)rn((unsigned)nkeys);
}

static void add_key_array(strbuf *b, const conn *c, int top, const int *keys, int n, int with_junk) {
    sb_addc(b, '[');
    for (int i = 0; i < n; i++) {
        if (i) sb_addc(b, ',');
        sb_addc(b, '"');
        key_name(b, c, top, keys[i], rn(5) == 0);
        sb_addc(b, '"');
    }
    if (with_junk) SB_ADD_LIT(b, ",5,null"); /* non-strings are skipped */
    sb_addc(b, ']');
}

static void want_get(strbuf *w, const char *cmd, const conn *c, int top, const mmap *m, const int *keys, int n) {
    rsp_open(w, cmd);
    SB_ADD_LIT(w, "\"keys\":{");
    int listed[NKEYS] = {0}, first = 1;
    for (int i = 0; i < n; i++) {
        const char *v = mget(m, keys[i]);
        if (!v || listed[keys[i]]) continue;
        listed[keys[i]] = 1;
        if (!first) sb_addc(w, ',');
        first = 0;
        plain_key(w, c, top, keys[i]);
        sb_addc(w, ':');
        sb_adds(w, v);
    }
    SB_ADD_LIT(w, "},\"st\":1}}");
}

static void want_contains(strbuf *w, const char *cmd, const conn *c, int top, const mmap *m, const int *keys, int n) {
    rsp_open(w, cmd);
    SB_ADD_LIT(w, "\"contains\":[");
    int first = 1;
    for (int i = 0; i < n; i++) {
        if (!mget(m, keys[i])) continue;
        if (!first) sb_addc(w, ',');
        first = 0;
        plain_key(w, c, top, keys[i]);
    }
    SB_ADD_LIT(w, "],\"st\":1}}");
}

/* One random KV_ request on the connection's own keys. */
static void gen_kv(conn *c, strbuf *r, strbuf *w) {
    int keys[6], n;
    setop s;
    switch (rn(7)) {
    case 0:
    case 1:
    case 2: {
        int add = rn(3) == 0;
        const char *cmd = add ? "KV_ADD" : "KV_SET";
        gen_setop(&s, NKEYS);
        sb_addf(r, "{%s\"%s\":{\"keys\":", noise(), cmd);
        add_keys_object(r, c, 1, &s);
        sb_addf(r, "}%s}", noise());
        apply_setop(&c->kv, c, 1, &s, !add);
        free_setop(&s);
        sb_addf(w, "{\"%s_RSP\":{\"st\":1}}", cmd);
        return;
    }
    case 3:
    case 4:
        gen_key_list(NKEYS, keys, &n);
        SB_ADD_LIT(r, "{\"KV_GET\":{\"keys\":");
        add_key_array(r, c, 1, keys, n, rn(4) == 0);
        SB_ADD_LIT(r, "}}");
        want_get(w, "KV_GET", c, 1, &c->kv, keys, n);
        return;
    case 5:
        gen_key_list(NKEYS, keys, &n);
        SB_ADD_LIT(r, "{\"KV_RMV\":{\"keys\":");
        add_key_array(r, c, 1, keys, n, 0);
        SB_ADD_LIT(r, "}}");
        for (int i = 0; i < n; i++) mdel(&c->kv, keys[i]);
        SB_ADD_LIT(w, "{\"KV_RMV_RSP\":{\"st\":1}}");
        return;
    default:
        gen_key_list(NKEYS, keys, &n);
        SB_ADD_LIT(r, "{\"KV_CONTAINS\":{\"keys\":");
        add_key_array(r, c, 1, keys, n, rn(4) == 0);
        SB_ADD_LIT(r, "}}");
        want_contains(w, "KV_CONTAINS", c, 1, &c->kv, keys, n);
        return;
    }
}

static void want_keys(strbuf *w, const conn *c, const mmap *m) {
    SB_ADD_LIT(w, "{\"SH_KEYS_RSP\":{\"keys\":[");
    for (int i = 0; i < m->count; i++) {
        if (i) sb_addc(w, ',');
        plain_key(w, c, 0, m->items[i].key);
    }
    SB_ADD_LIT(w, "],\"st\":1}}");
}

/* One random SH_ request on session slot `sl`.  Returns 0 if nothing could
 * be sent (the slot waits for its SH_NEW answer). */
static int gen_sh(conn *c, int sl, strbuf *r, strbuf *w, int *new_slot) {
    slot *s = &c->slots[sl];
    if (s->pending) return 0;
    if (!s->token) {
        if (s->ended && rn(3) == 0) { /* an ended session is gone: 100 */
            sb_addf(r, "{\"SH_GET\":{\"tkn\":%" PRIu64 ",\"keys\":[\"k1\"]}}", s->ended);
            SB_ADD_LIT(w, "{\"SH_GET_RSP\":{\"m\":\"\",\"st\":100,\"tkn\":null}}");
            return 1;
        }
        SB_ADD_LIT(r, "{\"SH_NEW\":{}}");
        s->pending = 1;
        *new_slot = sl;
        return 1;
    }
    uint64_t t = s->token;
    int keys[6], n;
    setop so;
    switch (rn(12)) {
    case 0:
    case 1:
    case 2: {
        int add = rn(3) == 0;
        const char *cmd = add ? "SH_ADD" : "SH_SET";
        gen_setop(&so, NSKEYS);
        sb_addf(r, "{\"%s\":{\"tkn\":%" PRIu64 ",\"keys\":", cmd, t);
        add_keys_object(r, c, 0, &so);
        SB_ADD_LIT(r, "}}");
        apply_setop(&s->map, c, 0, &so, !add);
        free_setop(&so);
        sb_addf(w, "{\"%s_RSP\":{\"st\":1}}", cmd);
        return 1;
    }
    case 3:
    case 4:
        gen_key_list(NSKEYS, keys, &n);
        sb_addf(r, "{\"SH_GET\":{\"keys\":");
        add_key_array(r, c, 0, keys, n, rn(4) == 0);
        sb_addf(r, ",\"tkn\":%" PRIu64 "}}", t);
        want_get(w, "SH_GET", c, 0, &s->map, keys, n);
        return 1;
    case 5:
        gen_key_list(NSKEYS, keys, &n);
        sb_addf(r, "{\"SH_RMV\":{\"tkn\":%" PRIu64 ",\"keys\":", t);
        add_key_array(r, c, 0, keys, n, 0);
        SB_ADD_LIT(r, "}}");
        for (int i = 0; i < n; i++) mdel(&s->map, keys[i]);
        SB_ADD_LIT(w, "{\"SH_RMV_RSP\":{\"st\":1}}");
        return 1;
    case 6:
        gen_key_list(NSKEYS, keys, &n);
        sb_addf(r, "{\"SH_CONTAINS\":{\"tkn\":%" PRIu64 ",\"keys\":", t);
        add_key_array(r, c, 0, keys, n, 0);
        SB_ADD_LIT(r, "}}");
        want_contains(w, "SH_CONTAINS", c, 0, &s->map, keys, n);
        return 1;
    case 7:
        sb_addf(r, "{\"SH_COUNT\":{\"tkn\":%" PRIu64 "}}", t);
        sb_addf(w, "{\"SH_COUNT_RSP\":{\"cnt\":%d,\"st\":1}}", s->map.count);
        return 1;
    case 8:
        sb_addf(r, "{\"SH_KEYS\":{\"tkn\":%" PRIu64 "}}", t);
        want_keys(w, c, &s->map);
        return 1;
    case 9:
        gen_setop(&so, NSKEYS);
        sb_addf(r, "{\"SH_CLEAR_SET\":{\"tkn\":%" PRIu64 ",\"keys\":", t);
        add_keys_object(r, c, 0, &so);
        SB_ADD_LIT(r, "}}");
        sb_addf(w, "{\"SH_CLEAR_SET_RSP\":{\"cnt\":%d,\"st\":1}}", mclear(&s->map));
        apply_setop(&s->map, c, 0, &so, 1);
        free_setop(&so);
        return 1;
    case 10:
        if (rn(2)) {
            sb_addf(r, "{\"SH_CLEAR\":{\"tkn\":%" PRIu64 "}}", t);
            sb_addf(w, "{\"SH_CLEAR_RSP\":{\"cnt\":%d,\"st\":1}}", mclear(&s->map));
            return 1;
        }
        /* fall through */
    default:
        if (rn(3)) { /* end the session now and then */
            sb_addf(r, "{\"SH_COUNT\":{\"tkn\":%" PRIu64 "}}", t);
            sb_addf(w, "{\"SH_COUNT_RSP\":{\"cnt\":%d,\"st\":1}}", s->map.count);
            return 1;
        }
        sb_addf(r, "{\"SH_END\":{\"tkn\":%" PRIu64 "}}", t);
        sb_addf(w, "{\"SH_END_RSP\":{\"st\":1,\"tkn\":%" PRIu64 "}}", t);
        mclear(&s->map);
        s->ended = t;
        s->token = 0;
        return 1;
    }
}

/* Requests that must fail in a known way. */
static void gen_bad(conn *c, strbuf *r, strbuf *w) {
    switch (rn(3)) {
    case 0:
        SB_ADD_LIT(r, "{\"KV_RMV\":{\"keys\":[]}}");
        SB_ADD_LIT(w, "{\"KV_RMV_RSP\":{\"m\":\"keys\",\"st\":42,\"tkn\":null}}");
        break;
    case 1:
        SB_ADD_LIT(r, "{\"KV_GET\":{\"keys\":[\"x\"]");
        SB_ADD_LIT(w, "{\"ERR\":{\"m\":\"\",\"st\":3}}");
        break;
    default:
        SB_ADD_LIT(r, "{\"SH_SET\":{\"keys\":{}}}");
        SB_ADD_LIT(w, "{\"SH_SET_RSP\":{\"m\":\"\",\"st\":101,\"tkn\":null}}");
        break;
    }
}

static void send_one(conn *c) {
    strbuf r = STRBUF_INIT, w = STRBUF_INIT;
    int new_slot = -1;
    unsigned x = rn(100);
    if (x < 3) {
        gen_bad(c, &r, &w);
    } else if (x < 50 || !gen_sh(c, (int)rn(NSLOTS), &r, &w, &new_slot)) {
        sb_reset(&r);
        sb_reset(&w);
        gen_kv(c, &r, &w);
    }
    push(c, &r, new_slot >= 0 ? NULL : &w, new_slot);
    sb_free(&r);
    sb_free(&w);
}

/* ---- receiving ---- */
static void check_one(conn *c, const strbuf *got) {
    expect *e = &c->q[c->qhead];
    c->qhead = (c->qhead + 1) % MAX_PIPE;
    c->qlen--;
    if (!e->text) { /* SH_NEW: {"SH_NEW_RSP":{"st":1,"tkn":N}} */
        slot *s = &c->slots[e->new_slot];
        uint64_t t = 0;
        const char *p = "{\"SH_NEW_RSP\":{\"st\":1,\"tkn\":";
        s->pending = 0;
        if (got->len > strlen(p) && memcmp(got->buf, p, strlen(p)) == 0) t = strtoull(got->buf + strlen(p), NULL, 10);
        if (!t) {
            n_mismatch++;
            report("conn %d: mismatch\n  request : %s\n  expected: SH_NEW success\n  got     : %s\n", c->id, e->req,
                   got->buf);
        }
        s->token = t;
    } else if (got->len != strlen(e->text) || memcmp(got->buf, e->text, got->len) != 0) {
        n_mismatch++;
        report("conn %d: mismatch\n  request : %.600s\n  expected: %.600s\n  got     : %.600s\n", c->id, e->req,
               e->text, got->buf);
    }
    free(e->text);
    free(e->req);
}

/* Wait for one answer on c, then take whatever else has arrived. */
static int drain(conn *c, int wait_first) {
    strbuf msg = STRBUF_INIT;
    char err[256];
    int got = 0;
    while (c->qlen) {
        int rc = wsc_recv(c->ws, &msg, got || !wait_first ? 0 : RECV_TIMEOUT_MS, err, sizeof err);
        if (rc == 0) {
            if (!got && wait_first) {
                n_errors++;
                report("conn %d: no answer within %d ms\n", c->id, RECV_TIMEOUT_MS);
                sb_free(&msg);
                return -1;
            }
            break;
        }
        if (rc < 0) {
            n_errors++;
            report("conn %d: %s\n", c->id, err);
            sb_free(&msg);
            return -1;
        }
        check_one(c, &msg);
        got++;
    }
    sb_free(&msg);
    return 0;
}

/* Start from an empty key space: remove whatever an earlier run left. */
static void clear_own_keys(conn *c) {
    strbuf r = STRBUF_INIT, w = STRBUF_INIT;
    SB_ADD_LIT(&r, "{\"KV_RMV\":{\"keys\":[");
    for (int i = 0; i < NKEYS; i++) {
        if (i) sb_addc(&r, ',');
        plain_key(&r, c, 1, i);
    }
    SB_ADD_LIT(&r, "]}}");
    SB_ADD_LIT(&w, "{\"KV_RMV_RSP\":{\"st\":1}}");
    push(c, &r, &w, -1);
    sb_free(&r);
    sb_free(&w);
    drain(c, 1);
}

/* Final read-back of everything the connection holds. */
static void verify_all(conn *c) {
    strbuf r = STRBUF_INIT, w = STRBUF_INIT;
    int keys[NKEYS];
    for (int i = 0; i < NKEYS; i++) keys[i] = i;
    SB_ADD_LIT(&r, "{\"KV_GET\":{\"keys\":");
    sb_addc(&r, '[');
    for (int i = 0; i < NKEYS; i++) {
        if (i) sb_addc(&r, ',');
        plain_key(&r, c, 1, i);
    }
    SB_ADD_LIT(&r, "]}}");
    want_get(&w, "KV_GET", c, 1, &c->kv, keys, NKEYS);
    push(c, &r, &w, -1);
    for (int sl = 0; sl < NSLOTS; sl++) {
        if (!c->slots[sl].token) continue;
        sb_reset(&r);
        sb_reset(&w);
        sb_addf(&r, "{\"SH_KEYS\":{\"tkn\":%" PRIu64 "}}", c->slots[sl].token);
        want_keys(&w, c, &c->slots[sl].map);
        push(c, &r, &w, -1);
    }
    sb_free(&r);
    sb_free(&w);
    while (c->qlen)
        if (drain(c, 1)) break;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(void) {
    fprintf(stderr, "usage: ndb_stress --url ws://127.0.0.1:PORT/ [-c CONNS(1-1000)] [-t SECONDS(1-3600)] "
                    "[-p PIPELINE(1-%d)] [-s SEED]\n", MAX_PIPE);
    return 2;
}

/* Is url a valid address (common/wsurl.h) whose host is 127.0.0.1, ::1 or
 * localhost? */
static int loopback_url(const char *url) {
    ws_url u;
    char err[200];
    if (ws_url_parse(&u, url, err, sizeof err)) return 0;
    return !strcmp(u.host, "127.0.0.1") || !strcmp(u.host, "::1") || !strcasecmp(u.host, "localhost");
}

int main(int argc, char **argv) {
    const char *url = NULL;
    long nconns = 50, secs = 30, pipe = 4;
    uint64_t seed = (uint64_t)time(NULL);
    static const struct option opts[] = {{"url", required_argument, NULL, 'u'}, {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "u:c:t:p:s:", opts, NULL)) != -1) {
        switch (o) {
        case 'u': url = optarg; break;
        case 'c': nconns = strtol(optarg, NULL, 10); break;
        case 't': secs = strtol(optarg, NULL, 10); break;
        case 'p': pipe = strtol(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        default: return usage();
        }
    }
    if (!url || nconns < 1 || nconns > 1000 || secs < 1 || secs > 3600 || pipe < 1 || pipe > MAX_PIPE)
        return usage();
    if (!loopback_url(url)) {
        fprintf(stderr, "ndb_stress: only loopback URLs (127.0.0.1, [::1], localhost) are allowed\n");
        return 2;
    }
    rng_state = seed ? seed : 1;
    printf("ndb_stress: %ld connections, %ld s, pipeline %ld, seed %" PRIu64 "\n", nconns, secs, pipe, seed);
    fflush(stdout);

    conn *conns = calloc((size_t)nconns, sizeof *conns);
    char err[256];
    for (long i = 0; i < nconns; i++) {
        conns[i].id = (int)i;
        conns[i].ws = wsc_connect(url, 5000, err, sizeof err);
        if (!conns[i].ws) {
            fprintf(stderr, "ndb_stress: connection %ld: %s\n", i, err);
            return 1;
        }
        clear_own_keys(&conns[i]);
    }
    double t0 = now_s(), end = t0 + (double)secs;
    while (now_s() < end && n_errors == 0) {
        for (long i = 0; i < nconns; i++)
            while (conns[i].qlen < pipe) send_one(&conns[i]);
        for (long i = 0; i < nconns; i++) wsc_flush(conns[i].ws, 0);
        for (long i = 0; i < nconns && n_errors == 0; i++) drain(&conns[i], 1);
    }
    for (long i = 0; i < nconns && n_errors == 0; i++)
        while (conns[i].qlen)
            if (drain(&conns[i], 1)) break;
    for (long i = 0; i < nconns && n_errors == 0; i++) verify_all(&conns[i]);
    double took = now_s() - t0;

    for (long i = 0; i < nconns; i++) {
        wsc_close(conns[i].ws);
        mclear(&conns[i].kv);
        for (int s = 0; s < NSLOTS; s++) mclear(&conns[i].slots[s].map);
        while (conns[i].qlen) {
            free(conns[i].q[conns[i].qhead].text);
            free(conns[i].q[conns[i].qhead].req);
            conns[i].qhead = (conns[i].qhead + 1) % MAX_PIPE;
            conns[i].qlen--;
        }
    }
    free(conns);
    printf("ndb_stress: %" PRIu64 " requests in %.1f s (%.0f/s), %" PRIu64 " mismatches, %" PRIu64 " errors\n",
           n_requests, took, (double)n_requests / took, n_mismatch, n_errors);
    return n_mismatch || n_errors ? 1 : 0;
}
