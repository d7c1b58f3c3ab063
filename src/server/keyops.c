/*
 * keyops.c — executors of the key commands (see keyops.h).
 */
#include "server/keyops.h"

#include <stdio.h>
#include <stdlib.h>

struct member_ref {
    const char *k; /* decoded name */
    size_t koff;   /* escaped names: offset of the decoded name in srv->keys */
    uint32_t kn;
    uint32_t val; /* token index of the value */
    uint32_t ord; /* position in the request, for a stable sort */
};

static int cmp_member(const void *a, const void *b) {
    const member_ref *x = a, *y = b;
    uint32_t n = x->kn < y->kn ? x->kn : y->kn;
    int c = memcmp(x->k, y->k, n);
    if (c) return c;
    if (x->kn != y->kn) return x->kn < y->kn ? -1 : 1;
    return x->ord < y->ord ? -1 : 1;
}

/* Decode the member names of object `obj` into srv->refs, sorted by name
 * and then by position.  Unescaped names point into the document; escaped
 * ones are decoded into srv->keys (pointers are fixed once that buffer
 * stops growing). */
static size_t collect_members(request *r, uint32_t obj) {
    ndb_server *s = r->srv;
    const jtok *o = req_tok(r, obj);
    if (o->count > s->refs_cap) {
        s->refs_cap = o->count;
        s->refs = realloc(s->refs, s->refs_cap * sizeof *s->refs);
        if (!s->refs) abort();
    }
    sb_reset(&s->keys);
    sb_grow(&s->keys, 0); /* never NULL, even for empty names */
    uint32_t k = obj + 1;
    for (uint32_t i = 0; i < o->count; i++) {
        const jtok *kt = req_tok(r, k);
        member_ref *m = &s->refs[i];
        m->val = k + 1;
        m->ord = i;
        if (kt->flags & JF_ESCAPED) {
            m->k = NULL;
            m->koff = s->keys.len;
            jstr_decode(r->doc, kt, &s->keys);
            m->kn = (uint32_t)(s->keys.len - m->koff);
        } else {
            m->k = jtok_text(r->doc, kt) + 1;
            m->kn = kt->len - 2;
        }
        k = req_tok(r, k + 1)->next;
    }
    for (uint32_t i = 0; i < o->count; i++)
        if (!s->refs[i].k) s->refs[i].k = s->keys.buf + s->refs[i].koff;
    if (o->count > 1) qsort(s->refs, o->count, sizeof *s->refs, cmp_member);
    return o->count;
}

/* Set the n members collected in srv->refs (see collect_members). */
static void set_collected(request *r, kvmap *m, size_t n, int overwrite) {
    const member_ref *refs = r->srv->refs;
    for (size_t i = 0; i < n; i++) {
        if (i && refs[i].kn == refs[i - 1].kn && memcmp(refs[i].k, refs[i - 1].k, refs[i].kn) == 0)
            continue; /* a later duplicate: the first occurrence already won */
        const jtok *v = req_tok(r, refs[i].val);
        kvmap_set(m, refs[i].k, refs[i].kn, jtok_text(r->doc, v), v->len, overwrite);
    }
}

void keyops_set_members(request *r, kvmap *m, uint32_t obj, int overwrite) {
    set_collected(r, m, collect_members(r, obj), overwrite);
}

/* maxMemory (README "Limits"): would storing the n collected members into
 * m (emptied first when `clearing`) take the stored bytes past the ceiling?
 * New keys count their entry plus their share of the map's tables (the
 * tables double, so each key costs at most two pointers and two slots);
 * overwritten keys count the change in value size.  If so, answer
 * 42 "maxMemory exceeded" and return -1; nothing has been changed. */
static int memory_check(request *r, kvmap *m, size_t n, int overwrite, int clearing) {
    ndb_server *s = r->srv;
    if (!s->cfg.max_memory) return 0;
    const member_ref *refs = s->refs;
    int64_t used = (int64_t)server_memory(s);
    if (clearing) used -= (int64_t)m->bytes;
    for (size_t i = 0; i < n; i++) {
        if (i && refs[i].kn == refs[i - 1].kn && memcmp(refs[i].k, refs[i - 1].k, refs[i].kn) == 0)
            continue;
        int64_t vn = req_tok(r, refs[i].val)->len;
        const kv_entry *e = clearing ? NULL : kvmap_get(m, refs[i].k, refs[i].kn);
        if (e) used += overwrite ? vn - (int64_t)e->vlen : 0;
        else used += (int64_t)(sizeof(kv_entry) + 2 * sizeof(kv_entry *) + 2 * sizeof(uint64_t)) + refs[i].kn + vn;
    }
    if (used <= (int64_t)s->cfg.max_memory) return 0;
    rsp_fail(r, ST_VALUE_SIZE, NDB_MAXMEMORY_MSG);
    return -1;
}

/* Decode string token t into srv->key and return it. */
static const strbuf *decoded(request *r, const jtok *t) {
    sb_reset(&r->srv->key);
    jstr_decode(r->doc, t, &r->srv->key);
    if (!r->srv->key.buf) sb_grow(&r->srv->key, 0);
    return &r->srv->key;
}

/* maxKeyLength (README "Limits"): every member name of the object p[0]
 * that would become a stored key must fit.  Raw length bounds the decoded
 * length from above, so only long escaped names are decoded. */
static int check_key_lengths(request *r, uint32_t obj) {
    size_t max = r->srv->cfg.max_key_length;
    const jtok *o = req_tok(r, obj);
    for (uint32_t i = 0, k = obj + 1; i < o->count; i++, k = req_tok(r, k + 1)->next) {
        const jtok *kt = req_tok(r, k);
        if (kt->len - 2 <= max) continue;
        if (kt->flags & JF_ESCAPED && decoded(r, kt)->len <= max) continue;
        char m[96];
        snprintf(m, sizeof m, "key longer than %zu bytes (limits.maxKeyLength)", max);
        rsp_fail(r, ST_VALUE_SIZE, m);
        return -1;
    }
    return 0;
}

/* 1.9, then limits.maxKeyLength on the names of a `keys` object (the
 * stored-key commands), then the command's extra check. */
int keycmd_validate(request *r, const keycmd *kc, uint32_t *p) {
    if (params_check(r, r->body, kc->params, kc->nparams, p)) return -1;
    if (kc->nparams && kc->params[0].type == P_OBJECT && check_key_lengths(r, p[0])) return -1;
    if (kc->check && kc->check(r, p)) return -1;
    return 0;
}

static const param_spec keys_object[] = {{"keys", P_OBJECT, 1}};
static const param_spec keys_array[] = {{"keys", P_ARRAY, 1}};
/* KV_RMV / SH_RMV: ndb's opt-in "cnt":true asks for the number of keys
 * removed; without it the answer is the protocol's {"st":1} exactly, so
 * clients that know no extension see nothing new.  Byte order of names. */
static const param_spec rmv_params[] = {{"cnt", P_BOOL, 0}, {"keys", P_ARRAY, 1}};

static void exec_set(request *r, kvmap *m, const uint32_t *p) {
    size_t n = collect_members(r, p[0]);
    if (memory_check(r, m, n, 1, 0)) return;
    set_collected(r, m, n, 1);
    rsp_st_only(r, ST_OK);
}

static void exec_add(request *r, kvmap *m, const uint32_t *p) {
    size_t n = collect_members(r, p[0]);
    if (memory_check(r, m, n, 0, 0)) return;
    set_collected(r, m, n, 0);
    rsp_st_only(r, ST_OK);
}

static void exec_get(request *r, kvmap *m, const uint32_t *p) {
    const jtok *a = req_tok(r, p[0]);
    uint32_t stamp = server_next_stamp(r->srv);
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"keys\":{");
    int first = 1;
    for (uint32_t i = 0, t = p[0] + 1; i < a->count; i++, t = req_tok(r, t)->next) {
        if (req_tok(r, t)->type != JT_STRING) continue;
        const strbuf *k = decoded(r, req_tok(r, t));
        kv_entry *e = kvmap_get(m, k->buf, k->len);
        if (!e || e->mark == stamp) continue; /* missing, or already listed */
        e->mark = stamp;
        if (!first) sb_addc(r->out, ',');
        first = 0;
        sb_add_json_string(r->out, kv_key(e), e->klen);
        sb_addc(r->out, ':');
        sb_add(r->out, kv_val(e), e->vlen);
    }
    sb_addc(r->out, '}');
    rsp_end_st(r, ST_OK, 0);
}

static int check_rmv(request *r, const uint32_t *p) {
    if (req_tok(r, p[1])->count == 0) {
        rsp_fail(r, ST_VALUE_SIZE, "keys");
        return -1;
    }
    return 0;
}

static void rsp_cnt(request *r, uint64_t cnt) {
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"cnt\":");
    sb_add_u64(r->out, cnt);
    rsp_end_st(r, ST_OK, 0);
}

static void exec_rmv(request *r, kvmap *m, const uint32_t *p) {
    const jtok *a = req_tok(r, p[1]);
    uint64_t removed = 0; /* a key listed twice is removed (and counted) once */
    for (uint32_t i = 0, t = p[1] + 1; i < a->count; i++, t = req_tok(r, t)->next) {
        if (req_tok(r, t)->type != JT_STRING) continue;
        const strbuf *k = decoded(r, req_tok(r, t));
        removed += kvmap_del(m, k->buf, k->len) ? 1 : 0;
    }
    if (p[0] && req_tok(r, p[0])->type == JT_TRUE) rsp_cnt(r, removed);
    else rsp_st_only(r, ST_OK);
}

static void exec_clear(request *r, kvmap *m, const uint32_t *p) { rsp_cnt(r, kvmap_clear(m)); }

static void exec_count(request *r, kvmap *m, const uint32_t *p) { rsp_cnt(r, m->count); }

static void exec_contains(request *r, kvmap *m, const uint32_t *p) {
    const jtok *a = req_tok(r, p[0]);
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"contains\":[");
    int first = 1;
    for (uint32_t i = 0, t = p[0] + 1; i < a->count; i++, t = req_tok(r, t)->next) {
        if (req_tok(r, t)->type != JT_STRING) continue;
        const strbuf *k = decoded(r, req_tok(r, t));
        if (!kvmap_get(m, k->buf, k->len)) continue;
        if (!first) sb_addc(r->out, ',');
        first = 0;
        sb_add_json_string(r->out, k->buf, k->len);
    }
    sb_addc(r->out, ']');
    rsp_end_st(r, ST_OK, 0);
}

static void exec_keys(request *r, kvmap *m, const uint32_t *p) {
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"keys\":[");
    for (uint32_t i = 0; i < m->count; i++) {
        if (i) sb_addc(r->out, ',');
        sb_add_json_string(r->out, kv_key(m->items[i]), m->items[i]->klen);
    }
    sb_addc(r->out, ']');
    rsp_end_st(r, ST_OK, 0);
}

static void exec_clear_set(request *r, kvmap *m, const uint32_t *p) {
    size_t n = collect_members(r, p[0]);
    if (memory_check(r, m, n, 1, 1)) return;
    uint32_t removed = kvmap_clear(m);
    set_collected(r, m, n, 1);
    rsp_cnt(r, removed);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
const keycmd keycmd_set = {keys_object, N(keys_object), NULL, exec_set, EXTEND_ON_SET};
const keycmd keycmd_add = {keys_object, N(keys_object), NULL, exec_add, EXTEND_ON_SET};
const keycmd keycmd_get = {keys_array, N(keys_array), NULL, exec_get, EXTEND_ON_GET};
const keycmd keycmd_rmv = {rmv_params, N(rmv_params), check_rmv, exec_rmv, EXTEND_NEVER};
const keycmd keycmd_clear = {NULL, 0, NULL, exec_clear, EXTEND_NEVER};
const keycmd keycmd_count = {NULL, 0, NULL, exec_count, EXTEND_NEVER};
const keycmd keycmd_contains = {keys_array, N(keys_array), NULL, exec_contains, EXTEND_NEVER};
const keycmd keycmd_keys = {NULL, 0, NULL, exec_keys, EXTEND_NEVER};
/* PROTOCOL 0.1 decision 1 (Q26): SH_CLEAR_SET extends like SH_SET. */
const keycmd keycmd_clear_set = {keys_object, N(keys_object), NULL, exec_clear_set, EXTEND_ON_SET};
