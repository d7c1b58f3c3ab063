/*
 * cmd_counter.c — atomic updates (ndb extensions): counters and
 * compare-and-set, so that clients need no read-modify-write round trip
 * that races with other writers.
 *
 *   {"KV_INCR":{"keys":{"hits":1,"score":-2.5}}}
 *     -> {"KV_INCR_RSP":{"keys":{"hits":1,"score":-2.5},"st":1}}
 *   {"SH_INCR":{"tkn":T,"keys":{"hits":1}}}       the same in a session
 *   {"KV_CAS":{"key":"lock","expect":null,"value":"me","ttl":30}}
 *     -> {"KV_CAS_RSP":{"ok":true,"st":1}}
 *
 * INCR: a missing key starts at 0; integers (no fraction, no exponent)
 * stay exact in signed 64 bits and an overflow answers 42; if either side
 * has a fraction or an exponent the sum is a double, written in the
 * shortest form that reads back the same (an integral one as 1.0, so that
 * it stays a double).  A value that is not a number
 * answers 41.  All keys or none: every sum is computed, then the store
 * checks maxMemory for the whole batch.  A key keeps its deadline
 * (KV_EXPIRE), as Redis's INCR does.  A sum whose text is the stored one
 * (an increment of 0, read as "create at 0 or tell me the count") is not
 * written: like KV_UPDATE of the same text it sends no event, is not
 * journaled and does not count as a change to save.
 *
 * CAS: `expect` null matches an absent key only; any other value matches a
 * stored value equal to it as JSON (json/jvalue.h: 1 equals 1.0, member
 * order does not matter).  On a match `value` is stored as KV_SET would
 * (with the optional `ttl`; without it any deadline goes), or, without
 * `value`, the key is removed.  ok:false changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/plural.h"
#include "json/jvalue.h"
#include "json/scan.h"
#include "server/commands.h"
#include "server/keyops.h"

/* Answer 41 or 42 with "<what> of key "<k>" <why>". */
static void fail_key(request *r, unsigned st, const char *what, const char *k, size_t kn, const char *why) {
    strbuf m = STRBUF_INIT;
    sb_adds(&m, what);
    SB_ADD_LIT(&m, " of key ");
    sb_add_json_string(&m, k, utf8_cut(k, kn, 200));
    sb_addc(&m, ' ');
    sb_adds(&m, why);
    rsp_fail(r, st, m.buf);
    sb_free(&m);
}

static int is_number_text(const char *v) { return *v == '-' || (*v >= '0' && *v <= '9'); }

/* Why a number text jnum_read refused is out of range: an integer past
 * signed 64 bits, or a fraction/exponent past the doubles (1e400). */
static const char *range_why(const jnum *n) {
    return n->is_int ? "is outside the 64-bit integer range" : "is outside the range of a 64-bit double";
}

/* The increments, checked with the rest of the request (4.6: before the
 * token of SH_INCR): each a number that jnum_read can hold. */
static int check_increments(request *r, const uint32_t *p) {
    size_t n = keyops_members(r, p[0]);
    const store_item *it = r->srv->items;
    for (size_t i = 0; i < n; i++) {
        jnum inc;
        if (!is_number_text(it[i].v)) {
            fail_key(r, ST_VALUE_TYPE_INVALID, "the increment", it[i].k, it[i].kn, "is not a number");
            return -1;
        }
        if (jnum_read(it[i].v, it[i].vn, &inc)) {
            fail_key(r, ST_VALUE_SIZE, "the increment", it[i].k, it[i].kn, range_why(&inc));
            return -1;
        }
    }
    return 0;
}

/* The sums of the n increments in r->srv->items (keyops_members) on the
 * map of session s (NULL: the top-level map): each item ends up holding
 * its key with its new value's text, which lives in r->srv->vals, and
 * same[i] says whether key i already holds exactly that text.  Returns n,
 * or -1 after answering. */
static long sums(request *r, session *s, size_t n, unsigned char *same) {
    store_item *it = r->srv->items;
    strbuf *vals = &r->srv->vals;
    sb_reset(vals);
    for (size_t i = 0; i < n; i++) {
        jnum inc, cur = {1, 0, 0}, sum;
        jnum_read(it[i].v, it[i].vn, &inc); /* checked by check_increments */
        const kv_entry *e = store_get(&r->srv->store, s, it[i].k, it[i].kn);
        if (e && !is_number_text(kv_val(e))) {
            fail_key(r, ST_VALUE_TYPE_INVALID, "the value", it[i].k, it[i].kn, "is not a number");
            return -1;
        }
        if (e && jnum_read(kv_val(e), e->vlen, &cur)) {
            fail_key(r, ST_VALUE_SIZE, "the value", it[i].k, it[i].kn, range_why(&cur));
            return -1;
        }
        if (jnum_add(&cur, &inc, &sum)) {
            fail_key(r, ST_VALUE_SIZE, "the sum", it[i].k, it[i].kn, "would overflow");
            return -1;
        }
        size_t start = vals->len;
        jnum_write(vals, &sum);
        it[i].vn = vals->len - start; /* the increment is read: the item now holds the sum's length */
        same[i] = e && e->vlen == it[i].vn && memcmp(kv_val(e), vals->buf + start, e->vlen) == 0;
    }
    /* only now point at the sums: vals may have moved while it grew */
    for (size_t i = 0, start = 0; i < n; start += it[i++].vn)
        it[i].v = vals->buf + start;
    return (long)n;
}

/* Store the sums that change a value (same: sums's flags); the others are
 * left alone.  The usual batch changes every key and is stored as it is;
 * only a mixed one is copied.  Returns the store's answer. */
static int store_changed(request *r, session *s, size_t n, const unsigned char *same) {
    static const store_ttl keep = {1, 0};
    ndb_store *st = &r->srv->store;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) w += !same[i];
    if (w == 0) return STORE_OK;
    if (w == n) return store_set_items_ttl(st, s, r->srv->items, n, STORE_SET, CAUSE_INCR, NULL, &keep);
    store_item *writes = malloc(w * sizeof *writes);
    if (!writes) abort();
    w = 0;
    for (size_t i = 0; i < n; i++)
        if (!same[i]) writes[w++] = r->srv->items[i];
    int rc = store_set_items_ttl(st, s, writes, w, STORE_SET, CAUSE_INCR, NULL, &keep);
    free(writes);
    return rc;
}

static void exec_incr(request *r, session *s, const uint32_t *p) {
    /* a request of a few counters allocates nothing here */
    unsigned char few[64];
    size_t members = keyops_members(r, p[0]);
    unsigned char *same = members <= sizeof few ? few : malloc(members);
    if (!same) abort();
    long n = sums(r, s, members, same);
    if (n >= 0 && store_changed(r, s, (size_t)n, same) == STORE_OOM) {
        rsp_fail(r, ST_VALUE_SIZE, NDB_MAXMEMORY_MSG);
        n = -1;
    }
    if (same != few) free(same);
    /* extendOnSetAdd as SH_SET: once the write succeeded */
    if (n >= 0 && s && s->ex.extend_on_set_add) store_session_extend(&r->srv->store, s, request_now(r));
    if (n < 0) return;
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"keys\":{");
    for (long i = 0; i < n; i++) {
        const store_item *it = &r->srv->items[i];
        if (i) sb_addc(r->out, ',');
        sb_add_json_string(r->out, it->k, it->kn);
        sb_addc(r->out, ':');
        sb_add(r->out, it->v, it->vn);
    }
    sb_addc(r->out, '}');
    rsp_end_st(r, ST_OK, 0);
}

static const param_spec keys_object[] = {{"keys", P_OBJECT, 1}};
/* keycmd_validate also applies limits.maxKeyLength to the names */
static const keycmd incr_cmd = {keys_object, 1, check_increments, exec_incr, EXTEND_ON_SET};

/* A counter keeps its TTL; one given here would be ignored (keyops.h). */
void cmd_KV_INCR(request *r) {
    uint32_t p[KEYCMD_MAX_PARAMS];
    if (keycmd_validate(r, &incr_cmd, p) == 0 &&
        keyops_refuse_ttl(r, "KV_INCR takes no 'ttl': the key keeps its TTL (set one with KV_EXPIRE)") == 0)
        exec_incr(r, NULL, p);
}

/* As the other SH_ key commands (4.6): validation, token, extension. */
void cmd_SH_INCR(request *r) {
    uint32_t p[KEYCMD_MAX_PARAMS];
    if (keycmd_validate(r, &incr_cmd, p) || keyops_refuse_ttl(r, KEYOPS_SESSION_TTL_MSG)) return;
    session *s = body_session(r);
    if (s) exec_incr(r, s, p);
}

static const param_spec cas_params[] = {
    {"expect", P_ANY, 1},
    {"key", P_STRING, 1},
    {"ttl", P_ANY, 0},
    {"value", P_ANY, 0},
};

/* Does the stored value e equal the request's token t as JSON? */
static int stored_equals(request *r, const kv_entry *e, uint32_t t) {
    jdoc d = JDOC_INIT;
    int eq = jdoc_parse(&d, kv_val(e), e->vlen, NULL) == 0 && jvalue_equal(r->doc, t, &d, 0);
    jdoc_free(&d);
    return eq;
}

void cmd_KV_CAS(request *r) {
    uint32_t p[4];
    if (params_check(r, r->body, cas_params, 4, p)) return;
    uint64_t ns = 0;
    if (p[2] && !p[3]) return rsp_fail(r, ST_COMMAND_SYNTAX, "'ttl' needs 'value'");
    if (p[2] && keyops_ttl_check(r, p[2], &ns)) return;
    strbuf k = STRBUF_INIT;
    jstr_decode(r->doc, req_tok(r, p[1]), &k);
    sb_grow(&k, 0);
    if (p[3] && k.len > r->srv->cfg.max_key_length) {
        char m[96];
        size_t max = r->srv->cfg.max_key_length;
        snprintf(m, sizeof m, "key longer than %zu byte%s (limits.maxKeyLength)", max, plural_s(max));
        rsp_fail(r, ST_VALUE_SIZE, m);
        sb_free(&k);
        return;
    }
    if (p[3] && jdoc_depth(r->doc, p[3]) > STORE_MAX_VALUE_DEPTH) {
        rsp_fail(r, ST_VALUE_SIZE, STORE_DEPTH_MSG);
        sb_free(&k);
        return;
    }
    ndb_store *st = &r->srv->store;
    const kv_entry *e = store_get(st, NULL, k.buf, k.len);
    int ok = req_tok(r, p[0])->type == JT_NULL ? !e : e && stored_equals(r, e, p[0]);
    if (ok && p[3]) {
        const jtok *v = req_tok(r, p[3]);
        store_item it = {k.buf, jtok_text(r->doc, v), k.len, v->len};
        store_ttl ttl = {0, ns ? request_now(r) + ns : 0};
        if (store_set_items_ttl(st, NULL, &it, 1, STORE_SET, CAUSE_CAS, NULL, &ttl) == STORE_OOM) {
            rsp_fail(r, ST_VALUE_SIZE, NDB_MAXMEMORY_MSG);
            sb_free(&k);
            return;
        }
    } else if (ok && e) {
        store_del(st, NULL, k.buf, k.len, CAUSE_CAS);
    }
    sb_free(&k);
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"ok\":");
    sb_add_bool(r->out, ok);
    rsp_end_st(r, ST_OK, 0);
}
