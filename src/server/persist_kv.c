/*
 * persist_kv.c — top-level keys to and from snapshot data files
 * (docs/protocol.md 6.4, KV dataset format).
 *
 * File format: `{ "keys":{` records `}}`, each record `"<key>":<value>` with
 * the key JSON-escaped (Q13 fixed) and the value's stored text unchanged, so
 * a value comes back from save → load byte for byte.
 *
 * Deadlines (ndb extension): a file whose keys include expiring ones has a
 * second member, `"ttl":{"<key>":<deadline>,...}`, the wall-clock deadline
 * of each such key in milliseconds since the Unix epoch, in the order of
 * the keys.  Other servers of the protocol read only `keys`, so they load
 * the keys without their expiry; ndb reads it back, and a key whose
 * deadline has passed when the load starts is not loaded at all.
 *
 * Loading is all-or-nothing: every data file is read once (snap_load keeps
 * its bytes), parsed and checked before the first key is stored, so a
 * corrupt file, or one changed during the load, leaves memory untouched, and
 * so are limits.maxKeyLength (every key name, as KV_SET checks it) and the
 * ceiling of limits.maxMemory (the store is asked whether the whole load
 * fits before anything is stored).  Recovery (autosnap.c) checks neither:
 * what it restores was acknowledged.  A value nested deeper than a stored
 * value may be (STORE_MAX_VALUE_DEPTH) is refused by every load, recovery
 * included: ndb never writes one, so only a foreign file holds it.  Within
 * one snapshot the first occurrence of a key wins, as within one request
 * (docs/protocol.md 1.10); keys already in memory are replaced.  Every key goes into memory
 * through the store.
 */
#include "server/persist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "json/scan.h"
#include "server/snapshot.h"

int persist_kv_write(const ndb_store *st, snap_writer *w, char *err, size_t errlen) {
    uint32_t pos = 0;
    for (const kv_entry *e; (e = kvmap_next(&st->kv, &pos));) {
        snap_begin_record(w);
        sb_add_json_string(&w->buf, kv_key(e), e->klen);
        sb_addc(&w->buf, ':');
        sb_add(&w->buf, kv_val(e), e->vlen);
        uint64_t deadline = store_key_deadline(st, kv_key(e), e->klen);
        if (deadline) {
            snap_trailer_member(w, "ttl");
            sb_add_json_string(&w->trailer, kv_key(e), e->klen);
            sb_addc(&w->trailer, ':');
            sb_add_u64(&w->trailer, store_wall_ns(st, deadline) / 1000000);
        }
        if (snap_end_record(w, err, errlen)) return -1;
    }
    return 0;
}

/* Into err: the value of key k (kn bytes) of data file path is nested
 * deeper than a stored value may be. */
static void too_deep(char *err, size_t errlen, const char *path, const char *k, size_t kn) {
    strbuf b = STRBUF_INIT;
    snap_key_name(&b, k, kn);
    snprintf(err, errlen, "data file %s: the value of %s is nested deeper than %d levels (the most a stored value may)",
             path, b.buf, STORE_MAX_VALUE_DEPTH);
    sb_free(&b);
}

/* The refusal of a file the parser stopped in at byte pos: nested past its
 * limit (inside a key's value, or elsewhere), or not JSON at all. */
static void parse_failed(char *err, size_t errlen, const char *path, const strbuf *text, size_t pos) {
    strbuf key = STRBUF_INIT;
    uint32_t element;
    if (snap_parse_refusal(path, text, pos, 0, &key, &element, err, errlen))
        too_deep(err, errlen, path, key.buf, key.len);
    sb_free(&key);
}

/* Parse one KV data file into d and return the token index of its `keys`
 * object, or 0 with err set if the file is not a KV data file. */
static uint32_t parse_kv_file(const char *path, const strbuf *text, jdoc *d, char *err, size_t errlen) {
    size_t pos = 0;
    if (jdoc_parse(d, text->buf ? text->buf : "", text->len, &pos)) {
        parse_failed(err, errlen, path, text, pos);
        return 0;
    }
    uint32_t k = d->toks[0].type == JT_OBJECT ? jobj_get(d, 0, "keys", 4) : 0;
    if (!k || d->toks[k].type != JT_OBJECT) {
        snprintf(err, errlen, "data file %s is not a KV data file (no \"keys\" object)", path);
        return 0;
    }
    /* A value of `keys` may be one level deeper than ndb stores (the
     * parser's limit counts the two levels around it): refused, as KV_SET
     * cannot store it either and no client could read it back.  Recovery
     * meets none: ndb writes only values it stored. */
    for (uint32_t i = 0, m = k + 1; i < d->toks[k].count; i++, m = d->toks[m + 1].next) {
        const jtok *v = &d->toks[m + 1];
        if ((v->type == JT_ARRAY || v->type == JT_OBJECT) && jdoc_depth(d, m + 1) > STORE_MAX_VALUE_DEPTH) {
            strbuf name = STRBUF_INIT;
            jstr_decode(d, &d->toks[m], &name);
            sb_grow(&name, 0);
            too_deep(err, errlen, path, name.buf, name.len);
            sb_free(&name);
            return 0;
        }
    }
    uint32_t t = jobj_get(d, 0, "ttl", 3), bad = t && d->toks[t].type != JT_OBJECT;
    for (uint32_t i = 0, m = t + 1; t && !bad && i < d->toks[t].count; i++, m = d->toks[m + 1].next) {
        uint64_t ms;
        bad = jnum_to_u64(d, &d->toks[m + 1], &ms) != 0;
    }
    if (bad) {
        snprintf(err, errlen, "data file %s has an invalid \"ttl\" member (expected an object of "
                              "deadlines in milliseconds)", path);
        return 0;
    }
    return k;
}

static int check_kv_file(const char *path, const strbuf *text, jdoc *d, char *err, size_t errlen) {
    return parse_kv_file(path, text, d, err, errlen) ? 0 : -1;
}

typedef struct kv_load {
    ndb_store *st;
    store_plan plan;
    uint64_t keys;  /* keys stored */
    strbuf key;
    size_t max_key; /* limits.maxKeyLength; 0 = none (recovery) */
    char long_key[512]; /* the refusal naming the first key over it, or "" */
    uint64_t now_wall_ns; /* when the load started: keys due by then are skipped (0: none
                           * is, for recovery: the store's expiry then removes them, with
                           * their records, and counts them) */
    uint64_t deadline;    /* of the member being handled: wall-clock ns, 0 = none */
} kv_load;

/* The deadline (wall-clock ms) the `ttl` object t gives the key in l->key,
 * 0 if none.  ndb writes deadlines in the order of the keys, so the member
 * at *cursor is tried first; any other order works, only slower. */
static uint64_t ttl_of_key(const jdoc *d, uint32_t t, uint32_t *cursor, uint32_t *left, const kv_load *l) {
    uint32_t v = 0;
    if (*left && jstr_equals(d, &d->toks[*cursor], l->key.buf, l->key.len)) {
        v = *cursor + 1;
        *cursor = d->toks[*cursor + 1].next;
        (*left)--;
    } else {
        v = jobj_get(d, t, l->key.buf, l->key.len);
    }
    uint64_t ms = 0;
    if (v) jnum_to_u64(d, &d->toks[v], &ms); /* checked by check_kv_file */
    return ms;
}

/* Call fn for every member of the `keys` object of a checked file that is
 * not already expired, with its decoded name (in l->key), its deadline
 * (l->deadline) and its value token. */
static void each_member(const jdoc *d, kv_load *l, void (*fn)(kv_load *l, const jdoc *d, const jtok *v)) {
    uint32_t obj = jobj_get(d, 0, "keys", 4), t = jobj_get(d, 0, "ttl", 3);
    uint32_t cursor = t + 1, left = t ? d->toks[t].count : 0;
    uint32_t k = obj + 1;
    for (uint32_t i = 0; i < d->toks[obj].count; i++, k = d->toks[k + 1].next) {
        sb_reset(&l->key);
        jstr_decode(d, &d->toks[k], &l->key);
        sb_grow(&l->key, 0);
        uint64_t ms = t ? ttl_of_key(d, t, &cursor, &left, l) : 0;
        l->deadline = ms > UINT64_MAX / 1000000u ? UINT64_MAX : ms * 1000000u;
        if (l->deadline && l->deadline < l->now_wall_ns) continue; /* expired before the load */
        fn(l, d, &d->toks[k + 1]);
    }
}

static void plan_member(kv_load *l, const jdoc *d, const jtok *v) {
    if (l->max_key && l->key.len > l->max_key && !l->long_key[0])
        persist_long_key(l->long_key, sizeof l->long_key, l->key.buf, l->key.len, 0, l->max_key);
    store_plan_key(l->st, &l->plan, l->key.buf, l->key.len, v->len);
    if (l->deadline) store_plan_ttl(&l->plan, l->key.len);
}

static void apply_member(kv_load *l, const jdoc *d, const jtok *v) {
    uint64_t mono = l->deadline ? store_mono_ns(l->st, l->deadline) : 0;
    l->keys += (uint64_t)store_load_key_ttl(l->st, l->key.buf, l->key.len, jtok_text(d, v), v->len, mono);
}

static void plan_kv_file(const jdoc *d, void *ctx) { each_member(d, ctx, plan_member); }

static int kv_load_ready(void *ctx, char *err, size_t errlen) {
    kv_load *l = ctx;
    if (l->long_key[0]) { /* before maxMemory, as for KV_SET */
        store_plan_end(l->st, &l->plan);
        snprintf(err, errlen, "%s", l->long_key);
        return PERSIST_KEYLEN;
    }
    return persist_plan_ready(l->st, &l->plan, err, errlen);
}

static void apply_kv_file(const jdoc *d, void *ctx) { each_member(d, ctx, apply_member); }

int persist_kv_read(const snap_found *s, ndb_store *st, size_t max_key, int keep_expired, uint64_t *keys, char *err,
                    size_t errlen) {
    static const snap_loader loader = {check_kv_file, plan_kv_file, kv_load_ready, apply_kv_file};
    kv_load l = {st, {0}, 0, STRBUF_INIT, max_key, "", keep_expired ? 0 : wall_ns(), 0};
    store_plan_begin(st, &l.plan);
    int rc = snap_load(s, &loader, &l, err, errlen);
    store_load_done(st, NULL);
    sb_free(&l.key);
    *keys = l.keys;
    return rc;
}
