/*
 * cmd_watch.c — KV_WATCH, KV_UNWATCH, SH_WATCH, SH_UNWATCH (ndb
 * extensions): subscribe the connection to changes (server/watch.h says
 * what events are sent and when).
 *
 *   {"KV_WATCH":{"keys":["a","b"]}} or {"KV_WATCH":{"prefix":"user:"}},
 *     optional "values":true            -> {"KV_WATCH_RSP":{"id":7,"st":1}}
 *   {"SH_WATCH":{"tkns":[T,...]}} or {"SH_WATCH":{"all":true}},
 *     optional "values":true            -> {"SH_WATCH_RSP":{"id":3,"st":1}}
 *   {"KV_UNWATCH":{"id":7}}             -> {"KV_UNWATCH_RSP":{"st":1}}
 *
 * Ids are per connection, from 1, never reused on it.  A watch lives until
 * it is unwatched, overflows, or its connection closes.  Watching changes
 * no data, so these are not WRITE commands; they never answer for another
 * connection.
 */
#include <stdio.h>
#include <stdlib.h>

#include "server/commands.h"
#include "server/params.h"
#include "server/watch.h"

/* The 42 of a watch over a limit, counted in English ("1 watch", not
 * "1 watches"); maxWatches 0 turns watches off, and says so. */
static void answer_limit(request *r, int rc) {
    char m[160];
    unsigned n = rc == WATCH_LIMIT ? r->srv->cfg.max_watches : r->srv->cfg.max_watch_keys;
    if (rc == WATCH_BYTES_LIMIT)
        snprintf(m, sizeof m, "the watches of all connections would hold more than %zu bytes (limits.maxTotalWatchBytes)",
                 r->srv->cfg.max_total_watch);
    else if (rc == WATCH_LIMIT && n == 0)
        snprintf(m, sizeof m, "watches are turned off on this server (limits.maxWatches 0)");
    else if (rc == WATCH_LIMIT)
        snprintf(m, sizeof m, "no more than %u watch%s on one connection (limits.maxWatches)", n, n == 1 ? "" : "es");
    else
        snprintf(m, sizeof m, "no more than %u %s watched on one connection (limits.maxWatchKeys)", n,
                 n == 1 ? "key or token" : "keys and tokens");
    rsp_fail(r, ST_VALUE_SIZE, m);
}

/* Answer {"<CMD>_RSP":{"id":N,"st":1}} or a limit's 42. */
static void answer_added(request *r, int rc, uint64_t id) {
    if (rc != WATCH_OK) {
        answer_limit(r, rc);
        return;
    }
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"id\":");
    sb_add_u64(r->out, id);
    rsp_end_st(r, ST_OK, 0);
}

static int is_true(request *r, uint32_t t) { return t && req_tok(r, t)->type == JT_TRUE; }

static const param_spec kv_watch_params[] = {
    {"keys", P_ARRAY, 0},
    {"prefix", P_STRING, 0},
    {"values", P_BOOL, 0},
};

void cmd_KV_WATCH(request *r) {
    uint32_t p[3];
    if (params_check(r, r->body, kv_watch_params, 3, p)) return;
    if (!p[0] && !p[1]) return rsp_fail(r, ST_PARAM_MISSING, "one of 'keys' and 'prefix' is needed");
    if (p[0] && p[1]) return rsp_fail(r, ST_COMMAND_SYNTAX, "'keys' and 'prefix' exclude each other");
    watch_spec spec = {WATCH_KV, is_true(r, p[2]), p[1] != 0, NULL, 0, NULL, NULL, NULL, 0};
    strbuf text = STRBUF_INIT; /* decoded keys or prefix, back to back */
    const char **keys = NULL;
    size_t *lens = NULL;
    int rc;
    uint64_t id = 0;
    if (p[1]) {
        jstr_decode(r->doc, req_tok(r, p[1]), &text);
        sb_grow(&text, 0);
        spec.prefix = text.buf;
        spec.prefix_len = text.len;
    } else {
        const jtok *a = req_tok(r, p[0]);
        if (!a->count) return rsp_fail(r, ST_VALUE_SIZE, "'keys' is empty");
        keys = calloc(a->count, sizeof *keys);
        lens = calloc(a->count, sizeof *lens);
        if (!keys || !lens) abort();
        for (uint32_t i = 0, t = p[0] + 1; i < a->count; i++, t = req_tok(r, t)->next) {
            if (req_tok(r, t)->type != JT_STRING) {
                free(keys);
                free(lens);
                return rsp_fail(r, ST_VALUE_TYPE_INVALID, "'keys' must hold strings");
            }
            size_t before = text.len;
            jstr_decode(r->doc, req_tok(r, t), &text);
            lens[i] = text.len - before;
        }
        sb_grow(&text, 0);
        /* pointers only now: text may have moved while it grew */
        for (uint32_t i = 0, off = 0; i < a->count; off += (uint32_t)lens[i], i++) keys[i] = text.buf + off;
        spec.keys = keys;
        spec.key_lens = lens;
        spec.n = a->count;
    }
    rc = watch_add(&r->srv->watches, r->cl, &spec, &id);
    free(keys);
    free(lens);
    sb_free(&text);
    answer_added(r, rc, id);
}

static const param_spec sh_watch_params[] = {
    {"all", P_BOOL, 0},
    {"tkns", P_ARRAY, 0},
    {"values", P_BOOL, 0},
};

void cmd_SH_WATCH(request *r) {
    uint32_t p[3];
    if (params_check(r, r->body, sh_watch_params, 3, p)) return;
    int all = is_true(r, p[0]);
    if (!all && !p[1]) return rsp_fail(r, ST_PARAM_MISSING, "one of 'tkns' and 'all' is needed");
    if (all && p[1]) return rsp_fail(r, ST_COMMAND_SYNTAX, "'tkns' and 'all' exclude each other");
    watch_spec spec = {WATCH_SH, is_true(r, p[2]), all, NULL, 0, NULL, NULL, NULL, 0};
    uint64_t *tkns = NULL;
    if (p[1]) {
        const jtok *a = req_tok(r, p[1]);
        if (!a->count) return rsp_fail(r, ST_VALUE_SIZE, "'tkns' is empty");
        tkns = calloc(a->count, sizeof *tkns);
        if (!tkns) abort();
        /* every item's shape first, then the sessions (4.4: the request is
         * checked before any token is looked up): an unknown token early in
         * the list answered 100 where a malformed one after it is 101 */
        for (uint32_t i = 0, t = p[1] + 1; i < a->count; i++, t = req_tok(r, t)->next)
            if (jnum_to_u64(r->doc, req_tok(r, t), &tkns[i])) {
                free(tkns);
                return rsp_fail(r, ST_SESSION_TOKEN_INVALID, "'tkns' must hold session tokens");
            }
        for (uint32_t i = 0; i < a->count; i++) {
            char m[96];
            if (!store_session(&r->srv->store, tkns[i])) {
                snprintf(m, sizeof m, "session %llu does not exist", (unsigned long long)tkns[i]);
                free(tkns);
                return rsp_fail(r, ST_SESSION_NOT_EXIST, m);
            }
        }
        spec.tkns = tkns;
        spec.n = a->count;
    }
    uint64_t id = 0;
    int rc = watch_add(&r->srv->watches, r->cl, &spec, &id);
    free(tkns);
    answer_added(r, rc, id);
}

static const param_spec unwatch_params[] = {{"id", P_UINT, 1}};

static void unwatch(request *r, int family) {
    uint32_t p[1];
    if (params_check(r, r->body, unwatch_params, 1, p)) return;
    uint64_t id;
    jnum_to_u64(r->doc, req_tok(r, p[0]), &id);
    if (!watch_remove(&r->srv->watches, r->cl, family, id)) {
        char m[96];
        snprintf(m, sizeof m, "no %s watch %llu on this connection", family == WATCH_KV ? "KV" : "SH",
                 (unsigned long long)id);
        rsp_fail(r, ST_KEY_NOT_EXIST, m);
        return;
    }
    rsp_st_only(r, ST_OK);
}

void cmd_KV_UNWATCH(request *r) { unwatch(r, WATCH_KV); }
void cmd_SH_UNWATCH(request *r) { unwatch(r, WATCH_SH); }
