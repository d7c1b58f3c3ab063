/*
 * cmd_sh.c — the SH_ commands (docs/protocol.md section 4, with the decisions of
 * 0.1: Q3 → 101 for a missing or malformed token, Q4 → SH_INFO ignores
 * extra members, Q10 → durations above 10 years answer 42, Q11 → expiry is
 * applied on every access, Q26 → SH_CLEAR_SET extends like SH_SET).
 *
 * Due expiry has been applied before any of these runs (dispatch does it
 * for every command flagged SESSIONS), so no command can observe an expired
 * session (decision 11).  The key commands reuse the KV executors of
 * keyops.c on the session's map (4.6: identical semantics); this file only
 * adds the token check and the expiry extension around them.  Every change
 * goes through the store.
 */
#include <string.h>

#include "server/commands.h"
#include "server/keyops.h"

/* The body's `tkn` as a token (1.9 token rule, with `-0` malformed as
 * decision 11 says).  Returns 0, or -1 when missing or malformed. */
static int body_token(request *r, uint64_t *tkn) {
    uint32_t t = jobj_get(r->doc, r->body, "tkn", 3);
    return t ? jnum_to_u64(r->doc, req_tok(r, t), tkn) : -1;
}

/* The session named by the body's `tkn`, or NULL after answering 101
 * (missing/malformed) or 100 (no such session) in the 1.8 failure shape. */
session *body_session(request *r) {
    uint64_t tkn;
    if (body_token(r, &tkn)) {
        rsp_fail(r, ST_SESSION_TOKEN_INVALID, "");
        return NULL;
    }
    session *s = store_session(&r->srv->store, tkn);
    if (!s) rsp_fail(r, ST_SESSION_NOT_EXIST, "");
    return s;
}

/* {"<CMD>_RSP":{"st":N,"tkn":T}} */
static void rsp_st_tkn(request *r, unsigned st, uint64_t tkn) {
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"st\":");
    sb_add_u64(r->out, st);
    SB_ADD_LIT(r->out, ",\"tkn\":");
    sb_add_u64(r->out, tkn);
    SB_ADD_LIT(r->out, "}}");
}

/* Did the response written since `mark` end with "st":1 (success)? */
static int answered_ok(const request *r, size_t mark) {
    static const char ok[] = "\"st\":1}}";
    size_t n = sizeof ok - 1;
    return r->out->len - mark >= n && memcmp(r->out->buf + r->out->len - n, ok, n) == 0;
}

/* 4.6: validation → token check → extension → execution.  extendOnSetAdd
 * is applied once the write succeeded: a write refused by maxMemory (42)
 * changes nothing, not even the deadline. */
static void run_on_session(request *r, const keycmd *kc) {
    uint32_t p[KEYCMD_MAX_PARAMS];
    if (keycmd_validate(r, kc, p)) return;
    session *s = body_session(r);
    if (!s) return;
    if (kc->extend == EXTEND_ON_GET && s->ex.extend_on_get) store_session_extend(&r->srv->store, s, request_now(r));
    size_t mark = r->out->len;
    kc->exec(r, s, p);
    if (kc->extend == EXTEND_ON_SET && s->ex.extend_on_set_add && answered_ok(r, mark))
        store_session_extend(&r->srv->store, s, request_now(r));
}

void cmd_SH_SET(request *r) { run_on_session(r, &keycmd_set); }
void cmd_SH_ADD(request *r) { run_on_session(r, &keycmd_add); }
void cmd_SH_GET(request *r) { run_on_session(r, &keycmd_get); }
void cmd_SH_RMV(request *r) { run_on_session(r, &keycmd_rmv); }
void cmd_SH_CLEAR(request *r) { run_on_session(r, &keycmd_clear); }
void cmd_SH_COUNT(request *r) { run_on_session(r, &keycmd_count); }
void cmd_SH_CONTAINS(request *r) { run_on_session(r, &keycmd_contains); }
void cmd_SH_KEYS(request *r) { run_on_session(r, &keycmd_keys); }
void cmd_SH_CLEAR_SET(request *r) { run_on_session(r, &keycmd_clear_set); }

/* SH_NEW (4.5): `expiry` must be an object; inside it 1.9 runs over
 * deleteSession, duration, extendOnGet, extendOnSetAdd (byte order). */
static const param_spec new_params[] = {{"expiry", P_OBJECT, 0}};
static const param_spec expiry_params[] = {
    {"deleteSession", P_BOOL, 0},
    {"duration", P_UINT, 1},
    {"extendOnGet", P_BOOL, 0},
    {"extendOnSetAdd", P_BOOL, 0},
};

static int is_true(request *r, uint32_t t) { return t && req_tok(r, t)->type == JT_TRUE; }

int sh_expiry_param(request *r, uint32_t obj, session_expiry *ex) {
    uint32_t e[4];
    *ex = (session_expiry){0, 0, 0, 0};
    if (params_check(r, obj, expiry_params, 4, e)) return -1;
    uint64_t duration;
    jnum_to_u64(r->doc, req_tok(r, e[1]), &duration);
    if (duration > SESSION_MAX_DURATION) {
        rsp_fail(r, ST_VALUE_SIZE, "'duration' exceeds 315360000 seconds (10 years)");
        return -1;
    }
    if (duration) { /* duration 0 never expires: its flags are discarded */
        ex->duration = (uint32_t)duration;
        ex->delete_session = (uint8_t)is_true(r, e[0]);
        ex->extend_on_get = (uint8_t)is_true(r, e[2]);
        ex->extend_on_set_add = (uint8_t)is_true(r, e[3]);
    }
    return 0;
}

void cmd_SH_NEW(request *r) {
    uint32_t p[1];
    if (params_check(r, r->body, new_params, 1, p)) return;
    session_expiry ex = {0, 0, 0, 0};
    if (p[0] && sh_expiry_param(r, p[0], &ex)) return;
    int oom;
    session *s = store_session_new(&r->srv->store, &ex, request_now(r), &oom);
    if (!s) { /* past maxMemory, or 2^31-1 sessions exist (sessions.c) */
        rsp_fail(r, oom ? ST_VALUE_SIZE : ST_UNKNOWN, oom ? NDB_MAXMEMORY_MSG : "");
        return;
    }
    rsp_st_tkn(r, ST_OK, s->token);
}

/* SH_END: the not-found answer carries the token and no `m` (4.5). */
void cmd_SH_END(request *r) {
    uint64_t tkn;
    if (body_token(r, &tkn)) {
        rsp_fail(r, ST_SESSION_TOKEN_INVALID, "");
        return;
    }
    session *s = store_session(&r->srv->store, tkn);
    if (!s) {
        rsp_st_tkn(r, ST_SESSION_NOT_EXIST, tkn);
        return;
    }
    store_session_end(&r->srv->store, s, CAUSE_END);
    rsp_st_tkn(r, ST_OK, tkn);
}

void cmd_SH_END_ALL(request *r) {
    uint64_t n = store_end_all_sessions(&r->srv->store);
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"cnt\":");
    sb_add_u64(r->out, n);
    rsp_end_st(r, ST_OK, 0);
}

/* SH_EXISTS: the items that are well-formed tokens of live sessions, in
 * request order, duplicates repeated; anything else is skipped. */
static const param_spec exists_params[] = {{"tkns", P_ARRAY, 1}};

void cmd_SH_EXISTS(request *r) {
    uint32_t p[1];
    if (params_check(r, r->body, exists_params, 1, p)) return;
    const jtok *a = req_tok(r, p[0]);
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"exist\":[");
    int first = 1;
    for (uint32_t i = 0, t = p[0] + 1; i < a->count; i++, t = req_tok(r, t)->next) {
        uint64_t tkn;
        if (jnum_to_u64(r->doc, req_tok(r, t), &tkn) || !store_session(&r->srv->store, tkn)) continue;
        if (!first) sb_addc(r->out, ',');
        first = 0;
        sb_add_u64(r->out, tkn);
    }
    sb_addc(r->out, ']');
    rsp_end_st(r, ST_OK, 0);
}

/* SH_INFO (4.5 with Q4 fixed: members other than `tkn` are ignored). */
void cmd_SH_INFO(request *r) {
    uint64_t tkn;
    if (body_token(r, &tkn)) {
        rsp_fail(r, ST_SESSION_TOKEN_INVALID, "");
        return;
    }
    const session *s = store_session(&r->srv->store, tkn);
    strbuf *o = r->out;
    rsp_begin(r);
    if (!s) {
        SB_ADD_LIT(o, "\"keyCnt\":null,\"shared\":null,\"st\":100,\"tkn\":");
        sb_add_u64(o, tkn);
        SB_ADD_LIT(o, "}}");
        return;
    }
    session_info_json(o, s, request_now(r), 1);
    SB_ADD_LIT(o, "}}");
}

/* SH_INFO_ALL: both figures are counters kept by the registry (O(1)). */
void cmd_SH_INFO_ALL(request *r) {
    const session_registry *reg = &r->srv->store.sessions;
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"st\":1,\"totalKeys\":");
    sb_add_u64(r->out, reg->total_keys);
    SB_ADD_LIT(r->out, ",\"totalSessions\":");
    sb_add_u64(r->out, reg->count);
    SB_ADD_LIT(r->out, "}}");
}
