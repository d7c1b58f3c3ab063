/*
 * test_write_path.c — the guard test of the one write path (issue 13).
 *
 * A seeded random stream of requests — every command, valid and invalid,
 * on a handful of keys and sessions, with saves and loads — is driven
 * through dispatch_message() without sockets, with a sink recording every
 * change record.  For each request:
 *   - a command flagged WRITE that changed the state emitted at least one
 *     record; one that failed emitted none and changed nothing;
 *   - any other command emitted nothing and changed nothing, except that
 *     a command flagged TOUCH may move deadlines (CH_SESSION_TOUCH only);
 *   - with limits.maxMemory set (a second run), memoryBytes never passes
 *     the ceiling, and a request refused with 42 changed nothing.
 * Now and then the stream also runs the expiry timer at a time past every
 * deadline, so expiry records are in the log too.  At the end the records
 * are replayed into an empty store, whose state must equal the final
 * state byte for byte: values, key order, sessions in order with their
 * expiry settings, deadlines and keys.  The journal (issue 15) is a sink
 * of the same run, flushed after every request as the event loop does:
 * recovering its file into an empty store must give that state too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/log.h"
#include "server/dispatch.h"
#include "server/auto_layout.h"
#include "server/durability.h"
#include "server/journal.h"
#include "server/recovery.h"
#include "server/server.h"
#include "support/local_client.h"
#include "unit.h"

/* ------------------------------------------------------- recorded records */

typedef struct rec {
    change ch; /* key and val point into `bytes` */
    char *bytes;
} rec;

static rec *recs;
static size_t nrecs, recs_cap;

static void record_sink(void *ctx, const change *ch) {
    (void)ctx;
    if (nrecs == recs_cap) {
        recs_cap = recs_cap ? recs_cap * 2 : 1024;
        recs = realloc(recs, recs_cap * sizeof *recs);
        if (!recs) abort();
    }
    rec *r = &recs[nrecs++];
    r->ch = *ch;
    r->bytes = malloc(ch->klen + ch->vlen + 1);
    if (!r->bytes) abort();
    if (ch->klen) memcpy(r->bytes, ch->key, ch->klen);
    if (ch->vlen) memcpy(r->bytes + ch->klen, ch->val, ch->vlen);
    r->ch.key = r->bytes;
    r->ch.val = r->bytes + ch->klen;
}

static void free_recs(void) {
    for (size_t i = 0; i < nrecs; i++) free(recs[i].bytes);
    free(recs);
    recs = NULL;
    nrecs = recs_cap = 0;
}

/* ------------------------------------------------------- state digest */

static void add_map(strbuf *d, const kvmap *m) {
    sb_addf(d, "map %u\n", m->count);
    uint32_t pos = 0;
    for (const kv_entry *e; (e = kvmap_next(m, &pos));) {
        sb_addf(d, "%u:", (unsigned)e->klen);
        sb_add(d, kv_key(e), e->klen);
        sb_addf(d, "=%u:", e->vlen);
        sb_add(d, kv_val(e), e->vlen);
        sb_addc(d, '\n');
    }
}

/* Everything a client or a snapshot can observe, in order; deadlines only
 * when `deadlines` is set. */
static void digest(const ndb_store *st, strbuf *d, int deadlines) {
    sb_reset(d);
    add_map(d, &st->kv);
    if (deadlines) { /* the keys' deadlines, in key order */
        uint32_t pos = 0;
        for (const kv_entry *e; (e = kvmap_next(&st->kv, &pos));) {
            uint64_t dl = store_key_deadline(st, kv_key(e), e->klen);
            if (dl) sb_addf(d, "ttl %u %llu\n", pos, (unsigned long long)dl);
        }
        sb_addf(d, "ttls %u\n", st->ttl.count);
    }
    const session_registry *r = &st->sessions;
    sb_addf(d, "sessions %u keys %llu\n", r->count, (unsigned long long)r->total_keys);
    uint32_t pos = 0;
    for (const session *s; (s = sessions_next(r, &pos));) {
        sb_addf(d, "tkn %llu dur %u del %u eog %u eosa %u shared %u", (unsigned long long)s->token, s->ex.duration,
                s->ex.delete_session, s->ex.extend_on_get, s->ex.extend_on_set_add, s->shared);
        if (deadlines && s->ex.duration) sb_addf(d, " deadline %llu", (unsigned long long)s->exp.deadline);
        sb_addc(d, '\n');
        add_map(d, &s->map);
    }
}

/* ------------------------------------------------------- the stream */

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static unsigned pick(unsigned n) { return (unsigned)(next_rand() % n); }

static const char *const keys[] = {"a", "b", "c", "user:1", "user:2", "\\u00e9", "d\\\"q", ""};
static const char *const values[] = {
    "1", "0.1", "18446744073709551616", "\"text\"", "null", "true", "[1,2,3]", "[]",
    "{\"n\":[1,{\"x\":2}],\"s\":\"v\"}", "{\"age\":30,\"name\":\"Bob\"}", "[{\"v\":1},{\"v\":2}]",
    "\"a fairly long string value, so that memory limits are reached sooner rather than later\"",
};
#define NKEYS (sizeof keys / sizeof keys[0])
#define NVALUES (sizeof values / sizeof values[0])

static uint64_t tokens[16];
static unsigned ntokens;

static const char *rkey(void) { return keys[pick(NKEYS)]; }
static const char *rval(void) { return values[pick(NVALUES)]; }
static uint64_t rtoken(void) { return ntokens && pick(8) ? tokens[pick(ntokens)] : 12345; }

/* A `keys` object of 0-3 members (possibly duplicated names). */
static void add_keys_object(strbuf *b) {
    unsigned n = pick(4);
    sb_addc(b, '{');
    for (unsigned i = 0; i < n; i++) sb_addf(b, "%s\"%s\":%s", i ? "," : "", rkey(), rval());
    sb_addc(b, '}');
}

static void add_keys_array(strbuf *b) {
    unsigned n = pick(4);
    sb_addc(b, '[');
    for (unsigned i = 0; i < n; i++) sb_addf(b, "%s\"%s\"", i ? "," : "", rkey());
    sb_addc(b, ']');
}

/* One random request into b. */
static void random_request(strbuf *b) {
    static const char *const expiry[] = {
        "", "\"expiry\":{\"duration\":100}", "\"expiry\":{\"duration\":100,\"deleteSession\":true}",
        "\"expiry\":{\"duration\":200,\"extendOnGet\":true,\"extendOnSetAdd\":true}",
        "\"expiry\":{\"duration\":-1}", "\"expiry\":{\"duration\":999999999999}",
    };
    static const char *const paths[] = {"$", "$.n[0]", "$..x", "$[*].v", "$.age", "$[(1.0)]", "bad((", "$.s"};
    sb_reset(b);
    static const char *const ttls[] = {"100", "250.5", "120.125", "-1", "0", "\"x\"", "315360001", "1.0001"};
    static const char *const nums[] = {"1", "-2", "0.5", "9223372036854775807", "\"s\"", "1e2"};
    unsigned t = pick(42);
    switch (t) {
    case 0: case 1: case 2: sb_adds(b, "{\"KV_SET\":{\"keys\":"); add_keys_object(b); sb_adds(b, "}}"); break;
    case 3: sb_adds(b, "{\"KV_ADD\":{\"keys\":"); add_keys_object(b); sb_adds(b, "}}"); break;
    case 4: sb_adds(b, "{\"KV_GET\":{\"keys\":"); add_keys_array(b); sb_adds(b, "}}"); break;
    case 5: sb_adds(b, "{\"KV_RMV\":{\"keys\":"); add_keys_array(b); sb_adds(b, "}}"); break;
    case 6: sb_adds(b, pick(4) ? "{\"KV_COUNT\":{}}" : "{\"KV_CLEAR\":{}}"); break;
    case 7: sb_adds(b, "{\"KV_CLEAR_SET\":{\"keys\":"); add_keys_object(b); sb_adds(b, "}}"); break;
    case 8: sb_addf(b, "{\"KV_FIND\":{\"path\":\"%s\",\"rsp\":\"kv\"}}", paths[pick(8)]); break;
    case 9: case 10:
        sb_addf(b, "{\"KV_UPDATE\":{\"key\":\"%s\",\"path\":\"%s\",\"value\":%s}}", rkey(), paths[pick(8)], rval());
        break;
    case 11:
        sb_addf(b, "{\"KV_ARR_APPEND\":{\"key\":\"%s\",%s\"items\":[%s,%s]}}", rkey(), pick(2) ? "\"name\":\"n\"," : "",
                rval(), rval());
        break;
    case 12: sb_adds(b, pick(4) ? "{\"KV_LOAD\":{\"name\":\"g\"}}" : "{\"KV_SAVE\":{\"name\":\"g\"}}"); break;
    case 13: case 14: sb_addf(b, "{\"SH_NEW\":{%s}}", expiry[pick(6)]); break;
    case 15: case 16:
        sb_addf(b, "{\"SH_SET\":{\"tkn\":%llu,\"keys\":", (unsigned long long)rtoken());
        add_keys_object(b);
        sb_adds(b, "}}");
        break;
    case 17:
        sb_addf(b, "{\"SH_ADD\":{\"tkn\":%llu,\"keys\":", (unsigned long long)rtoken());
        add_keys_object(b);
        sb_adds(b, "}}");
        break;
    case 18:
        sb_addf(b, "{\"SH_GET\":{\"tkn\":%llu,\"keys\":", (unsigned long long)rtoken());
        add_keys_array(b);
        sb_adds(b, "}}");
        break;
    case 19:
        sb_addf(b, "{\"SH_RMV\":{\"tkn\":%llu,\"keys\":", (unsigned long long)rtoken());
        add_keys_array(b);
        sb_adds(b, "}}");
        break;
    case 20:
        sb_addf(b, "{\"SH_CLEAR_SET\":{\"tkn\":%llu,\"keys\":", (unsigned long long)rtoken());
        add_keys_object(b);
        sb_adds(b, "}}");
        break;
    case 21: sb_addf(b, "{\"SH_%s\":{\"tkn\":%llu}}", pick(2) ? "CLEAR" : "COUNT", (unsigned long long)rtoken()); break;
    case 22: sb_addf(b, "{\"SH_END\":{\"tkn\":%llu}}", (unsigned long long)rtoken()); break;
    case 23: sb_adds(b, pick(6) ? "{\"SH_INFO_ALL\":{}}" : "{\"SH_END_ALL\":{}}"); break;
    case 24: sb_addf(b, "{\"SH_INFO\":{\"tkn\":%llu}}", (unsigned long long)rtoken()); break;
    case 25: sb_adds(b, pick(4) ? "{\"SH_LOAD\":{\"name\":\"s\"}}" : "{\"SH_SAVE\":{\"name\":\"s\"}}"); break;
    case 26: sb_addf(b, "{\"SH_KEYS\":{\"tkn\":%llu}}", (unsigned long long)rtoken()); break;
    case 27: sb_adds(b, pick(2) ? "{\"SV_INFO\":{}}" : "{\"KV_KEYS\":{}}"); break;
    case 28: sb_addf(b, "{\"SH_EXISTS\":{\"tkns\":[%llu,1]}}", (unsigned long long)rtoken()); break;
    case 30: case 31:
        sb_adds(b, pick(2) ? "{\"KV_SET\":{\"keys\":" : "{\"KV_ADD\":{\"keys\":");
        add_keys_object(b);
        sb_addf(b, ",\"ttl\":%s}}", ttls[pick(3) ? pick(2) : pick(8)]);
        break;
    case 32: sb_addf(b, "{\"KV_EXPIRE\":{\"keys\":{\"%s\":%s,\"%s\":%s}}}", rkey(), ttls[pick(2)], rkey(), ttls[pick(8)]); break;
    case 33: sb_adds(b, pick(2) ? "{\"KV_PERSIST\":{\"keys\":" : "{\"KV_TTL\":{\"keys\":"); add_keys_array(b); sb_adds(b, "}}"); break;
    case 34: sb_addf(b, "{\"KV_INCR\":{\"keys\":{\"%s\":%s,\"%s\":%s}}}", rkey(), nums[pick(6)], rkey(), nums[pick(4)]); break;
    case 35:
        sb_addf(b, "{\"SH_INCR\":{\"tkn\":%llu,\"keys\":{\"%s\":%s}}}", (unsigned long long)rtoken(), rkey(), nums[pick(6)]);
        break;
    case 36:
        sb_addf(b, "{\"KV_CAS\":{\"key\":\"%s\",\"expect\":%s", rkey(), pick(3) ? rval() : "null");
        if (pick(4)) {
            sb_addf(b, ",\"value\":%s", rval());
            if (!pick(3)) sb_addf(b, ",\"ttl\":%s", ttls[pick(3)]);
        }
        sb_adds(b, "}}");
        break;
    case 37: sb_addf(b, "{\"SH_EXPIRE\":{\"tkn\":%llu,%s}}", (unsigned long long)rtoken(), pick(5) ? expiry[1 + pick(5)] : "\"expiry\":{\"duration\":0}"); break;
    case 38: sb_addf(b, "{\"KV_WATCH\":{\"prefix\":\"%s\",\"values\":true}}", rkey()); break;
    case 39: sb_adds(b, pick(2) ? "{\"SH_WATCH\":{\"all\":true}}" : "{\"KV_UNWATCH\":{\"id\":1}}"); break;
    default: /* malformed requests of write commands */
        sb_adds(b, pick(2) ? "{\"KV_SET\":{\"keys\":[]}}" : "{\"SH_SET\":{\"tkn\":1}}");
        break;
    }
}

/* The status of a response, and the token of an SH_NEW answer. */
static unsigned status_of(const char *rsp, uint64_t *tkn) {
    const char *p = strstr(rsp, "\"st\":");
    unsigned st = p ? (unsigned)strtoul(p + 5, NULL, 10) : 0;
    const char *t = strstr(rsp, "\"tkn\":");
    *tkn = t && t[6] != 'n' ? strtoull(t + 6, NULL, 10) : 0;
    return st;
}

static int success(unsigned st) { return st == 1 || st == 121 || st == 141; }

/* ------------------------------------------------------- the run */

static ndb_server srv;
static local_client lc;

/* Run n requests; with max_memory, also check the ceiling. */
static void run_stream(unsigned n, size_t max_memory, const char *dir) {
    ndb_config cfg;
    config_defaults(&cfg);
    cfg.persist_enabled = 1;
    snprintf(cfg.persist_path, sizeof cfg.persist_path, "%s", dir);
    cfg.max_memory = max_memory;
    server_init(&srv, &cfg);
    store_add_sink(&srv.store, record_sink, NULL);
    ntokens = 0;
    auto_layout L;
    journal jn;
    char err[PATH_MAX + 256];
    auto_layout_init(&L, dir);
    auto_remove_tree(L.root);
    CHECK_INT(auto_layout_create(&L, err, sizeof err), 0);
    CHECK_INT(journal_open(&jn, L.journal, JOURNAL_NO, 1, NULL, err, sizeof err), 0);
    store_add_sink(&srv.store, journal_sink, &jn);

    strbuf req = STRBUF_INIT, out = STRBUF_INIT, before = STRBUF_INIT, after = STRBUF_INIT;
    strbuf before_nd = STRBUF_INIT, after_nd = STRBUF_INIT;
    unsigned bad_write = 0, bad_read = 0, bad_fail = 0, bad_mem = 0, writes_seen = 0, reported = 0;
    for (unsigned i = 0; i < n; i++) {
        if (pick(50) == 0) { /* the expiry timer, past every deadline */
            store_expire(&srv.store, expiry_now_ns() + 400 * EXPIRY_NS_PER_S);
            store_expire_keys(&srv.store, expiry_now_ns() + 400 * EXPIRY_NS_PER_S);
            continue;
        }
        random_request(&req);
        digest(&srv.store, &before, 1);
        digest(&srv.store, &before_nd, 0);
        size_t first = nrecs;
        sb_reset(&out);
        dispatch_message(&srv, &lc.cl, req.buf, req.len, 0, &out);
        if (lc.slot) { /* a save answers when its background snapshot is written */
            durability_wait_saves(&srv);
            sb_add(&out, lc.pushed.buf, lc.pushed.len ? lc.pushed.len - 1 : 0);
            sb_reset(&lc.pushed);
        }
        sb_addc(&out, 0);
        digest(&srv.store, &after, 1);
        digest(&srv.store, &after_nd, 0);
        uint64_t tkn;
        unsigned st = status_of(out.buf, &tkn);
        if (strstr(req.buf, "SH_NEW") && st == 1 && ntokens < 16) tokens[ntokens++] = tkn;
        const cmd_info *ci = cmd_lookup(req.buf + 2, strcspn(req.buf + 2, "\""));
        int changed = strcmp(before.buf, after.buf) != 0;
        size_t emitted = nrecs - first;
        if (ci->flags & CMDF_WRITE) {
            writes_seen += changed;
            if (success(st) && changed && !emitted) bad_write++;
            if (!success(st) && (emitted || changed)) bad_fail++;
        } else {
            int touches_only = 1;
            for (size_t k = first; k < nrecs; k++) touches_only &= recs[k].ch.kind == CH_SESSION_TOUCH;
            if (emitted && !(touches_only && (ci->flags & CMDF_TOUCH))) bad_read++;
            if (strcmp(before_nd.buf, after_nd.buf) != 0 || (changed && !emitted)) bad_read++;
        }
        if (bad_write + bad_fail + bad_read && !reported++) /* show the first offender */
            fprintf(stderr, "request %u: %s -> %s (records %zu, changed %d)\n", i, req.buf, out.buf, emitted, changed);
        if (getenv("WRITE_PATH_TRACE")) fprintf(stderr, "%s -> %s\n", req.buf, out.buf);
        CHECK_INT(journal_flush(&jn), 0); /* the end of an event-loop turn */
        if (max_memory && server_memory(&srv) > max_memory) bad_mem++;
        if (max_memory && st == 42 && strstr(out.buf, "maxMemory") && changed) bad_mem++;
    }
    CHECK_INT(bad_write, 0);
    CHECK_INT(bad_fail, 0);
    CHECK_INT(bad_read, 0);
    CHECK_INT(bad_mem, 0);
    CHECK(writes_seen > n / 10); /* the stream did change things */

    /* Replay every record into an empty store: the same state. */
    ndb_store replay;
    store_init(&replay, 0, 53);
    replay.wall_offset_ns = srv.store.wall_offset_ns; /* same clock mapping: deadlines compare exactly */
    unsigned failed = 0;
    for (size_t k = 0; k < nrecs; k++)
        if (store_apply(&replay, &recs[k].ch, err, sizeof err)) {
            if (!failed++) fprintf(stderr, "record %zu does not apply: %s\n", k, err);
        }
    CHECK_INT(failed, 0);
    digest(&srv.store, &before, 1);
    digest(&replay, &after, 1);
    CHECK_STR(after.buf, before.buf);
    CHECK(nrecs > 100);
    store_free(&replay);

    /* Recover the journal file into an empty store: the same state too. */
    store_remove_sink(&srv.store, journal_sink, &jn);
    journal_close(&jn);
    ndb_store recovered;
    recovery_report rep;
    store_init(&recovered, 0, 53);
    recovered.wall_offset_ns = srv.store.wall_offset_ns;
    CHECK_INT(recovery_run(&recovered, &L, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK_INT(rep.records, nrecs);
    CHECK(!rep.torn && !rep.damaged);
    digest(&recovered, &after, 1);
    CHECK_STR(after.buf, before.buf);
    store_free(&recovered);

    server_free(&srv);
    free_recs();
    sb_free(&req);
    sb_free(&out);
    sb_free(&before);
    sb_free(&after);
    sb_free(&before_nd);
    sb_free(&after_nd);
}

int main(void) {
    log_threshold = LOG_ERROR;
    hash_seed_random();
    char dir[] = "/tmp/ndb-write-path-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    local_client_init(&lc, ROLE_ADMIN);
    run_stream(20000, 0, dir);
    run_stream(20000, 6000, dir);
    local_client_free(&lc);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    return UNIT_DONE();
}
