/*
 * cmd_ttl.c — expiry of top-level keys and of sessions (ndb extensions):
 *
 *   {"KV_EXPIRE":{"keys":{"otp:42":30}}}
 *     -> {"KV_EXPIRE_RSP":{"keys":{"otp:42":true},"st":1}}   false: no such key
 *   {"KV_TTL":{"keys":["otp:42","plain","nope"]}}
 *     -> {"KV_TTL_RSP":{"keys":{"otp:42":29.5,"plain":null},"st":1}}
 *   {"KV_PERSIST":{"keys":["otp:42","plain","nope"]}}
 *     -> {"KV_PERSIST_RSP":{"keys":{"otp:42":true,"plain":false},"st":1}}
 *   {"SH_EXPIRE":{"tkn":T,"expiry":{<as SH_NEW>}}}
 *     -> {"SH_EXPIRE_RSP":{"st":1,"tkn":T}}
 *
 * A TTL is seconds, a JSON number > 0 with at most three decimals (the
 * deadline is kept to the millisecond), at most 10 years like a session's
 * duration.  KV_TTL answers the time left rounded up to the millisecond,
 * so a key set with "ttl":30 reads 30 at once; null means the key never
 * expires, and missing keys are left out (as KV_GET does).  KV_PERSIST
 * answers true where it removed a deadline, false for a key that had none.
 * Each key is listed once, in request order.  Changes go through the store
 * (store_key_expire, store_session_set_expiry), which records them.
 */
#include <stdio.h>
#include <string.h>

#include "common/ttl.h"
#include "server/commands.h"
#include "server/keyops.h"
#include "server/sessions.h"

_Static_assert(NDB_TTL_MAX_S == SESSION_MAX_DURATION, "a key's TTL and a session's duration share their limit");

/* Read the TTL in JSON text s[0..n) (a number if is_number) into *ns.
 * With `what` set, answers 41/42 naming it on failure.  Returns 0 or -1. */
static int ttl_text_of(request *r, int is_number, const char *s, size_t n, const char *what, uint64_t *ns) {
    char m[200];
    if (!is_number) {
        if (what) {
            snprintf(m, sizeof m, "%s must be a number of seconds", what);
            rsp_fail(r, ST_VALUE_TYPE_INVALID, m);
        }
        return -1;
    }
    if (ttl_text_ns(s, n, ns)) {
        if (what) {
            snprintf(m, sizeof m, "%s must be " NDB_TTL_RULE, what);
            rsp_fail(r, ST_VALUE_SIZE, m);
        }
        return -1;
    }
    return 0;
}

/* The same for TTL token t. */
static int ttl_of(request *r, uint32_t t, const char *what, uint64_t *ns) {
    const jtok *tok = req_tok(r, t);
    return ttl_text_of(r, tok->type == JT_NUMBER, jtok_text(r->doc, tok), tok->len, what, ns);
}

int keyops_ttl_check(request *r, uint32_t t, uint64_t *ns) { return ttl_of(r, t, "'ttl'", ns); }
int keyops_ttl_ns(request *r, uint32_t t, uint64_t *ns) { return ttl_of(r, t, NULL, ns); }

static const param_spec keys_object[] = {{"keys", P_OBJECT, 1}};
static const param_spec keys_array[] = {{"keys", P_ARRAY, 1}};

void cmd_KV_EXPIRE(request *r) {
    uint32_t p[1];
    if (params_check(r, r->body, keys_object, 1, p)) return;
    uint64_t ns;
    size_t n = keyops_members(r, p[0]);
    const store_item *it = r->srv->items;
    /* only the first occurrence of a name counts (1.10): a later duplicate
     * is dropped unchecked, as KV_SET and KV_INCR drop theirs */
    for (size_t i = 0; i < n; i++) {
        int number = *it[i].v == '-' || (*it[i].v >= '0' && *it[i].v <= '9');
        if (ttl_text_of(r, number, it[i].v, it[i].vn, "each TTL in 'keys'", &ns)) return;
    }
    ndb_store *st = &r->srv->store;
    uint64_t added = 0;
    size_t added_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (store_get(st, NULL, it[i].k, it[i].kn) && !store_key_deadline(st, it[i].k, it[i].kn)) {
            added++;
            added_bytes += it[i].kn;
        }
    }
    if (store_ttl_fits(st, added, added_bytes) == STORE_OOM) {
        rsp_fail(r, ST_VALUE_SIZE, NDB_MAXMEMORY_MSG);
        return;
    }
    uint64_t now = request_now(r);
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"keys\":{");
    for (size_t i = 0; i < n; i++) {
        ttl_text_ns(it[i].v, it[i].vn, &ns); /* checked above */
        int done = store_key_expire(st, it[i].k, it[i].kn, now + ns, CAUSE_TTL);
        if (i) sb_addc(r->out, ',');
        sb_add_json_string(r->out, it[i].k, it[i].kn);
        sb_adds(r->out, done ? ":true" : ":false");
    }
    sb_addc(r->out, '}');
    rsp_end_st(r, ST_OK, 0);
}

/* Append seconds left until deadline (from now), rounded up to the
 * millisecond: 30, 29.5, 0.001. */
static void add_seconds_left(strbuf *out, uint64_t deadline, uint64_t now) {
    uint64_t left = deadline > now ? deadline - now : 0;
    uint64_t ms = (left + 999999) / 1000000;
    sb_add_u64(out, ms / 1000);
    unsigned frac = (unsigned)(ms % 1000);
    if (!frac) return;
    char buf[8];
    snprintf(buf, sizeof buf, ".%03u", frac);
    size_t n = strlen(buf);
    while (buf[n - 1] == '0') n--;
    sb_add(out, buf, n);
}

/* Run fn on every existing key named by the `keys` array p[0], each once,
 * in request order, writing "key":<what fn appends> into the answer's
 * `keys` object. */
static void each_listed_key(request *r, uint32_t arr, void (*fn)(request *r, kv_entry *e, uint64_t now)) {
    const jtok *a = req_tok(r, arr);
    uint64_t now = request_now(r);
    strbuf k = STRBUF_INIT;
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"keys\":{");
    int first = 1;
    for (uint32_t i = 0, t = arr + 1; i < a->count; i++, t = req_tok(r, t)->next) {
        if (req_tok(r, t)->type != JT_STRING) continue; /* as KV_GET: non-strings are skipped */
        sb_reset(&k);
        jstr_decode(r->doc, req_tok(r, t), &k);
        sb_grow(&k, 0);
        kv_entry *e = store_get(&r->srv->store, NULL, k.buf, k.len);
        if (!e || e->flag) continue; /* missing, or already listed */
        keyops_remember(r, e);
        if (!first) sb_addc(r->out, ',');
        first = 0;
        sb_add_json_string(r->out, k.buf, k.len);
        sb_addc(r->out, ':');
        fn(r, e, now);
    }
    keyops_forget(r);
    sb_free(&k);
    sb_addc(r->out, '}');
    rsp_end_st(r, ST_OK, 0);
}

static void ttl_one(request *r, kv_entry *e, uint64_t now) {
    uint64_t d = store_key_deadline(&r->srv->store, kv_key(e), e->klen);
    if (d) add_seconds_left(r->out, d, now);
    else SB_ADD_LIT(r->out, "null");
}

void cmd_KV_TTL(request *r) {
    uint32_t p[1];
    if (params_check(r, r->body, keys_array, 1, p) == 0) each_listed_key(r, p[0], ttl_one);
}

static void persist_one(request *r, kv_entry *e, uint64_t now) {
    /* the entry stays where it is: only its deadline goes */
    int done = store_key_expire(&r->srv->store, kv_key(e), e->klen, 0, CAUSE_TTL);
    sb_adds(r->out, done ? "true" : "false");
}

void cmd_KV_PERSIST(request *r) {
    uint32_t p[1];
    if (params_check(r, r->body, keys_array, 1, p) == 0) each_listed_key(r, p[0], persist_one);
}

/* SH_EXPIRE: validation of `expiry` as for SH_NEW, then the token (4.4
 * order: parameters first), then the change, its period starting now. */
static const param_spec sh_expire_params[] = {{"expiry", P_OBJECT, 1}};

void cmd_SH_EXPIRE(request *r) {
    uint32_t p[1];
    session_expiry ex;
    if (params_check(r, r->body, sh_expire_params, 1, p) || sh_expiry_param(r, p[0], &ex)) return;
    session *s = body_session(r);
    if (!s) return;
    if (store_session_set_expiry(&r->srv->store, s, &ex, request_now(r)) == STORE_OOM) {
        rsp_fail(r, ST_VALUE_SIZE, NDB_MAXMEMORY_MSG);
        return;
    }
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"st\":1,\"tkn\":");
    sb_add_u64(r->out, s->token);
    SB_ADD_LIT(r->out, "}}");
}
