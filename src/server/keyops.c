/*
 * keyops.c — executors of the key commands (see keyops.h).
 */
#include "server/keyops.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/plural.h"
#include "server/store.h"

struct member_ref {
    const char *k; /* decoded name */
    size_t koff;   /* escaped names: offset of the decoded name in srv->keys */
    uint32_t kn;
    uint32_t val; /* token index of the value */
    uint32_t ord; /* position in the request, for a stable sort */
};

/* Free array p of cap elements when it holds more than keep bytes: 1 if it did. */
#define RELEASE_ARRAY(p, cap, keep) ((cap) * sizeof *(p) > (keep) ? (free(p), (p) = NULL, (cap) = 0, 1) : 0)

int keyops_release_big_scratch(ndb_server *s, size_t keep) {
    size_t freed = sb_release_over(&s->key, keep) + sb_release_over(&s->keys, keep) + sb_release_over(&s->vals, keep);
    int arrays = RELEASE_ARRAY(s->refs, s->refs_cap, keep) | RELEASE_ARRAY(s->items, s->items_cap, keep) |
                 RELEASE_ARRAY(s->listed, s->listed_cap, keep);
    return freed || arrays;
}

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

/* The n members collected in srv->refs (see collect_members) as store
 * items, a later duplicate of a name dropped (the first occurrence wins,
 * docs/protocol.md 1.10).  Returns how many items there are. */
static size_t collected_items(request *r, size_t n) {
    ndb_server *s = r->srv;
    const member_ref *refs = s->refs;
    if (n > s->items_cap) {
        s->items_cap = n;
        s->items = realloc(s->items, n * sizeof *s->items);
        if (!s->items) abort();
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && refs[i].kn == refs[i - 1].kn && memcmp(refs[i].k, refs[i - 1].k, refs[i].kn) == 0)
            continue; /* a later duplicate: the first occurrence already won */
        const jtok *v = req_tok(r, refs[i].val);
        s->items[k++] = (store_item){refs[i].k, jtok_text(r->doc, v), refs[i].kn, v->len};
    }
    return k;
}

static int cmp_ord(const void *a, const void *b) {
    const member_ref *x = a, *y = b;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

size_t keyops_members(request *r, uint32_t obj) {
    size_t n = collect_members(r, obj), k = 0;
    member_ref *refs = r->srv->refs;
    for (size_t i = 0; i < n; i++) { /* sorted by name, then position: keep each name's first */
        if (k && refs[i].kn == refs[k - 1].kn && memcmp(refs[i].k, refs[k - 1].k, refs[i].kn) == 0) continue;
        refs[k++] = refs[i];
    }
    if (k > 1) qsort(refs, k, sizeof *refs, cmp_ord);
    if (k > r->srv->items_cap) {
        r->srv->items_cap = k;
        r->srv->items = realloc(r->srv->items, k * sizeof *r->srv->items);
        if (!r->srv->items) abort();
    }
    for (size_t i = 0; i < k; i++) {
        const jtok *v = req_tok(r, refs[i].val);
        r->srv->items[i] = (store_item){refs[i].k, jtok_text(r->doc, v), refs[i].kn, v->len};
    }
    return k;
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
        snprintf(m, sizeof m, "key longer than %zu byte%s (limits.maxKeyLength)", max, plural_s(max));
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

/* Store the members of the `keys` object p[0] in mode `mode`: all of them
 * or, past limits.maxMemory, none (42).  Returns 0, or -1 after answering. */
static int store_members(request *r, session *s, uint32_t obj, enum store_mode mode, enum change_cause cause,
                         uint64_t *removed, const store_ttl *ttl) {
    size_t n = collected_items(r, collect_members(r, obj));
    if (store_set_items_ttl(&r->srv->store, s, r->srv->items, n, mode, cause, removed, ttl) == STORE_OOM) {
        rsp_fail(r, ST_VALUE_SIZE, NDB_MAXMEMORY_MSG);
        return -1;
    }
    return 0;
}

static void exec_set(request *r, session *s, const uint32_t *p) {
    if (store_members(r, s, p[0], STORE_SET, CAUSE_SET, NULL, NULL) == 0) rsp_st_only(r, ST_OK);
}

static void exec_add(request *r, session *s, const uint32_t *p) {
    if (store_members(r, s, p[0], STORE_ADD, CAUSE_ADD, NULL, NULL) == 0) rsp_st_only(r, ST_OK);
}

/* The body's "ttl" token, 0 if absent.  Looked up only when the body has
 * more members than `keys`, so a plain KV_SET pays nothing for it (it is
 * checked after `keys`, as 1.9 orders them). */
static uint32_t ttl_token(request *r) {
    return req_tok(r, r->body)->count > 1 ? jobj_get(r->doc, r->body, "ttl", 3) : 0;
}

/* KV_SET / KV_ADD / KV_CLEAR_SET with the optional "ttl" (checked by
 * check_ttl): every key stored gets that deadline; without it a set
 * removes any.  Returns store_members' result (-1: answered). */
static int kv_store(request *r, const uint32_t *p, enum store_mode mode, enum change_cause cause,
                    uint64_t *removed) {
    store_ttl ttl = {0, 0};
    uint64_t ns;
    uint32_t t = ttl_token(r);
    if (t && keyops_ttl_ns(r, t, &ns) == 0) ttl.deadline = request_now(r) + ns;
    return store_members(r, NULL, p[0], mode, cause, removed, t ? &ttl : NULL);
}

static void exec_kv_set(request *r, session *s, const uint32_t *p) {
    if (kv_store(r, p, STORE_SET, CAUSE_SET, NULL) == 0) rsp_st_only(r, ST_OK);
}

static void exec_kv_add(request *r, session *s, const uint32_t *p) {
    if (kv_store(r, p, STORE_ADD, CAUSE_ADD, NULL) == 0) rsp_st_only(r, ST_OK);
}

static int check_ttl(request *r, const uint32_t *p) {
    uint64_t ns;
    uint32_t t = ttl_token(r);
    return t ? keyops_ttl_check(r, t, &ns) : 0;
}

int keyops_refuse_ttl(request *r, const char *why) {
    if (!ttl_token(r)) return 0;
    rsp_fail(r, ST_COMMAND_SYNTAX, why);
    return -1;
}

/* SH_SET / SH_ADD / SH_CLEAR_SET: session keys have no TTL, a session
 * expires as a whole; a client that stores a one-time password in a
 * session with a ttl must not be told st 1 about a key that never
 * expires. */
static int check_no_ttl(request *r, const uint32_t *p) {
    (void)p;
    return keyops_refuse_ttl(r, KEYOPS_SESSION_TTL_MSG);
}

void keyops_remember(request *r, kv_entry *e) {
    ndb_server *s = r->srv;
    if (s->listed_n == s->listed_cap) {
        s->listed_cap = s->listed_cap ? s->listed_cap * 2 : 64;
        s->listed = realloc(s->listed, s->listed_cap * sizeof *s->listed);
        if (!s->listed) abort();
    }
    s->listed[s->listed_n++] = e;
    e->flag = 1;
}

void keyops_forget(request *r) {
    for (size_t i = 0; i < r->srv->listed_n; i++) r->srv->listed[i]->flag = 0;
    r->srv->listed_n = 0;
}

/* Has the answer begun at `mark` passed maxOutputBytes?  Such an answer is
 * never sent (its connection is closed with 1008 once it is queued,
 * docs/protocol.md 7.3): stop building it there rather than copy every
 * value first (a KV_GET of 300 keys of 1 MB took 290 MB more, for an
 * answer thrown away; of the whole of a bigger store, as much again). */
static int over_output_cap(const request *r, size_t mark) {
    return r->out->len - mark > r->srv->cfg.max_output;
}

static void exec_get(request *r, session *s, const uint32_t *p) {
    const jtok *a = req_tok(r, p[0]);
    size_t mark = r->out->len;
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"keys\":{");
    int first = 1;
    for (uint32_t i = 0, t = p[0] + 1; i < a->count && !over_output_cap(r, mark); i++, t = req_tok(r, t)->next) {
        if (req_tok(r, t)->type != JT_STRING) continue;
        const strbuf *k = decoded(r, req_tok(r, t));
        kv_entry *e = store_get(&r->srv->store, s, k->buf, k->len);
        if (!e || e->flag) continue; /* missing, or already listed */
        if (a->count > 1) keyops_remember(r, e);
        if (!first) sb_addc(r->out, ',');
        first = 0;
        sb_add_json_string(r->out, kv_key(e), e->klen);
        sb_addc(r->out, ':');
        sb_add(r->out, kv_val(e), e->vlen);
    }
    keyops_forget(r);
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

static void exec_rmv(request *r, session *s, const uint32_t *p) {
    const jtok *a = req_tok(r, p[1]);
    uint64_t removed = 0; /* a key listed twice is removed (and counted) once */
    for (uint32_t i = 0, t = p[1] + 1; i < a->count; i++, t = req_tok(r, t)->next) {
        if (req_tok(r, t)->type != JT_STRING) continue;
        const strbuf *k = decoded(r, req_tok(r, t));
        removed += (uint64_t)store_del(&r->srv->store, s, k->buf, k->len, CAUSE_RMV);
    }
    if (p[0] && req_tok(r, p[0])->type == JT_TRUE) rsp_cnt(r, removed);
    else rsp_st_only(r, ST_OK);
}

static void exec_clear(request *r, session *s, const uint32_t *p) {
    rsp_cnt(r, store_clear(&r->srv->store, s, CAUSE_CLEAR));
}

static void exec_count(request *r, session *s, const uint32_t *p) { rsp_cnt(r, store_map(&r->srv->store, s)->count); }

static void exec_contains(request *r, session *s, const uint32_t *p) {
    const jtok *a = req_tok(r, p[0]);
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"contains\":[");
    int first = 1;
    for (uint32_t i = 0, t = p[0] + 1; i < a->count; i++, t = req_tok(r, t)->next) {
        if (req_tok(r, t)->type != JT_STRING) continue;
        const strbuf *k = decoded(r, req_tok(r, t));
        if (!store_get(&r->srv->store, s, k->buf, k->len)) continue;
        if (!first) sb_addc(r->out, ',');
        first = 0;
        sb_add_json_string(r->out, k->buf, k->len);
    }
    sb_addc(r->out, ']');
    rsp_end_st(r, ST_OK, 0);
}

static void exec_keys(request *r, session *s, const uint32_t *p) {
    const kvmap *m = store_map(&r->srv->store, s);
    size_t mark = r->out->len;
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"keys\":[");
    uint32_t pos = 0;
    int first = 1;
    for (const kv_entry *e; !over_output_cap(r, mark) && (e = kvmap_next(m, &pos)); first = 0) {
        if (!first) sb_addc(r->out, ',');
        sb_add_json_string(r->out, kv_key(e), e->klen);
    }
    sb_addc(r->out, ']');
    rsp_end_st(r, ST_OK, 0);
}

static void exec_clear_set(request *r, session *s, const uint32_t *p) {
    uint64_t removed = 0;
    if (store_members(r, s, p[0], STORE_CLEAR_SET, CAUSE_SET, &removed, NULL) == 0) rsp_cnt(r, removed);
}

static void exec_kv_clear_set(request *r, session *s, const uint32_t *p) {
    uint64_t removed = 0;
    if (kv_store(r, p, STORE_CLEAR_SET, CAUSE_SET, &removed) == 0) rsp_cnt(r, removed);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
const keycmd keycmd_set = {keys_object, N(keys_object), check_no_ttl, exec_set, EXTEND_ON_SET};
const keycmd keycmd_add = {keys_object, N(keys_object), check_no_ttl, exec_add, EXTEND_ON_SET};
const keycmd keycmd_kv_set = {keys_object, N(keys_object), check_ttl, exec_kv_set, EXTEND_NEVER};
const keycmd keycmd_kv_add = {keys_object, N(keys_object), check_ttl, exec_kv_add, EXTEND_NEVER};
const keycmd keycmd_get = {keys_array, N(keys_array), NULL, exec_get, EXTEND_ON_GET};
const keycmd keycmd_rmv = {rmv_params, N(rmv_params), check_rmv, exec_rmv, EXTEND_NEVER};
const keycmd keycmd_clear = {NULL, 0, NULL, exec_clear, EXTEND_NEVER};
const keycmd keycmd_count = {NULL, 0, NULL, exec_count, EXTEND_NEVER};
const keycmd keycmd_contains = {keys_array, N(keys_array), NULL, exec_contains, EXTEND_NEVER};
const keycmd keycmd_keys = {NULL, 0, NULL, exec_keys, EXTEND_NEVER};
/* docs/protocol.md 0.1 decision 1 (Q26): SH_CLEAR_SET extends like SH_SET. */
const keycmd keycmd_clear_set = {keys_object, N(keys_object), check_no_ttl, exec_clear_set, EXTEND_ON_SET};
const keycmd keycmd_kv_clear_set = {keys_object, N(keys_object), check_ttl, exec_kv_clear_set, EXTEND_NEVER};
