/*
 * cmd_scan.c — KV_SCAN and SH_SCAN (ndb extensions): the keys, or the
 * sessions, a page at a time.
 *
 *   {"KV_SCAN":{"cursor":0,"count":100,"prefix":"user:"}}
 *     -> {"KV_SCAN_RSP":{"cursor":C,"keys":[...],"st":1}}
 *   {"SH_SCAN":{"cursor":0,"count":100}}
 *     -> {"SH_SCAN_RSP":{"cursor":C,"sessions":[{<SH_INFO members>},...],"st":1}}
 *
 * The cursor is the sequence number of the last key (session) the page
 * looked at, 0 to start and 0 when the scan is done.  Maps keep insertion
 * order and sequence numbers only grow (kvmap.h), so a scan resumes exactly
 * after the last key it looked at however the map changed meanwhile: every
 * key that exists for the whole scan is returned exactly once, in
 * insertion order; keys added during the scan may or may not be.  A page
 * holds at most `count` items (default 100, 1 to 10,000) and looks at no
 * more than SCAN_LOOK_FACTOR times that many, so a rare prefix cannot make
 * one request walk the whole map: a page may then be short, or empty, with
 * a cursor that is not 0.  Cursors are valid while the server runs.
 */
#include <stdio.h>

#include "server/commands.h"
#include "server/params.h"

#define SCAN_DEFAULT_COUNT 100
#define SCAN_MAX_COUNT 10000
/* A page looks at no more than this many times `count` items. */
#define SCAN_LOOK_FACTOR 10

static const param_spec kv_scan_params[] = {
    {"count", P_UINT, 0},
    {"cursor", P_UINT, 0},
    {"prefix", P_STRING, 0},
};

/* Validate cursor and count (p[0] count, p[1] cursor).  Answers and returns
 * -1 on failure. */
static int scan_args(request *r, const uint32_t *p, uint64_t *cursor, uint64_t *count) {
    *cursor = 0;
    *count = SCAN_DEFAULT_COUNT;
    if (p[1]) jnum_to_u64(r->doc, req_tok(r, p[1]), cursor);
    if (p[0]) jnum_to_u64(r->doc, req_tok(r, p[0]), count);
    if (*count < 1 || *count > SCAN_MAX_COUNT) {
        rsp_fail(r, ST_VALUE_SIZE, "'count' must be from 1 to 10000");
        return -1;
    }
    return 0;
}

/* Answer {"<CMD>_RSP":{"cursor":C,"<what>":[<items>],"st":1}}; C is 0 when
 * nothing is left after the page. */
static void answer(request *r, uint64_t cursor, const char *what, const strbuf *items) {
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"cursor\":");
    sb_add_u64(r->out, cursor);
    sb_addf(r->out, ",\"%s\":[", what);
    sb_add(r->out, items->buf ? items->buf : "", items->len);
    sb_addc(r->out, ']');
    rsp_end_st(r, ST_OK, 0);
}

void cmd_KV_SCAN(request *r) {
    uint32_t p[3];
    uint64_t cursor, count;
    if (params_check(r, r->body, kv_scan_params, 3, p) || scan_args(r, p, &cursor, &count)) return;
    strbuf *prefix = &r->srv->key, *items = &r->srv->keys;
    sb_reset(prefix);
    sb_reset(items);
    if (p[2]) jstr_decode(r->doc, req_tok(r, p[2]), prefix);
    const kvmap *m = &r->srv->store.kv;
    uint32_t pos = kvmap_seek(m, cursor);
    uint64_t found = 0, looked = 0, last = 0;
    const kv_entry *e;
    /* A page past maxOutputBytes is never sent (its connection is closed
     * with 1008 once it is queued, docs/protocol.md 7.3): stop there, as
     * KV_KEYS does, rather than build it whole (10,000 names of up to
     * maxKeyLength, escaped: gigabytes) and copy it into the answer. */
    while (found < count && looked < count * SCAN_LOOK_FACTOR && items->len <= r->srv->cfg.max_output &&
           (e = kvmap_next(m, &pos))) {
        looked++;
        last = kvmap_seq_before(m, pos);
        if (e->klen < prefix->len || (prefix->len && memcmp(kv_key(e), prefix->buf, prefix->len) != 0)) continue;
        if (found++) sb_addc(items, ',');
        sb_add_json_string(items, kv_key(e), e->klen);
    }
    answer(r, kvmap_next(m, &pos) ? last : 0, "keys", items);
}

static const param_spec sh_scan_params[] = {
    {"count", P_UINT, 0},
    {"cursor", P_UINT, 0},
};

void cmd_SH_SCAN(request *r) {
    uint32_t p[2];
    uint64_t cursor, count;
    if (params_check(r, r->body, sh_scan_params, 2, p) || scan_args(r, p, &cursor, &count)) return;
    strbuf *items = &r->srv->keys;
    sb_reset(items);
    const session_registry *reg = &r->srv->store.sessions;
    uint32_t pos = sessions_seek(reg, cursor);
    uint64_t found = 0, last = 0;
    const session *s;
    while (found < count && (s = sessions_next(reg, &pos))) {
        if (found++) sb_addc(items, ',');
        last = s->seq;
        sb_addc(items, '{');
        session_info_json(items, s, request_now(r), 0);
        sb_addc(items, '}');
    }
    answer(r, sessions_next(reg, &pos) ? last : 0, "sessions", items);
}
