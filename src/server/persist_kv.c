/*
 * persist_kv.c — top-level keys to and from snapshot data files
 * (docs/protocol.md 6.4, KV dataset format).
 *
 * File format: `{ "keys":{` records `}}`, each record `"<key>":<value>` with
 * the key JSON-escaped (Q13 fixed) and the value's stored text unchanged, so
 * a value comes back from save → load byte for byte.
 *
 * Loading is all-or-nothing: every data file is parsed and checked before
 * the first key is stored, so a corrupt file leaves memory untouched, and
 * so is the ceiling of limits.maxMemory (the store is asked whether the
 * whole load fits before anything is stored).  Within one snapshot the
 * first occurrence of a key wins, as within one request (docs/protocol.md
 * 1.10); keys already in memory are replaced.  Every key goes into memory
 * through the store.
 */
#include "server/persist.h"

#include <stdio.h>
#include <stdlib.h>

#include "json/scan.h"
#include "server/snapshot.h"

int persist_kv_write(const kvmap *m, snap_writer *w, char *err, size_t errlen) {
    uint32_t pos = 0;
    for (const kv_entry *e; (e = kvmap_next(m, &pos));) {
        snap_begin_record(w);
        sb_add_json_string(&w->buf, kv_key(e), e->klen);
        sb_addc(&w->buf, ':');
        sb_add(&w->buf, kv_val(e), e->vlen);
        if (snap_end_record(w, err, errlen)) return -1;
    }
    return 0;
}

/* Parse one KV data file into d and return the token index of its `keys`
 * object, or 0 with err set if the file is not a KV data file. */
static uint32_t parse_kv_file(const char *path, const strbuf *text, jdoc *d, char *err, size_t errlen) {
    size_t pos = 0;
    if (jdoc_parse(d, text->buf ? text->buf : "", text->len, &pos)) {
        snprintf(err, errlen, "data file %s is not valid JSON (at byte %zu)", path, pos);
        return 0;
    }
    uint32_t k = d->toks[0].type == JT_OBJECT ? jobj_get(d, 0, "keys", 4) : 0;
    if (!k || d->toks[k].type != JT_OBJECT) {
        snprintf(err, errlen, "data file %s is not a KV data file (no \"keys\" object)", path);
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
} kv_load;

/* Call fn for every member of the `keys` object of a checked file, with
 * its decoded name (in l->key) and its value token. */
static void each_member(const jdoc *d, kv_load *l, void (*fn)(kv_load *l, const jdoc *d, const jtok *v)) {
    uint32_t obj = jobj_get(d, 0, "keys", 4);
    uint32_t k = obj + 1;
    for (uint32_t i = 0; i < d->toks[obj].count; i++, k = d->toks[k + 1].next) {
        sb_reset(&l->key);
        jstr_decode(d, &d->toks[k], &l->key);
        sb_grow(&l->key, 0);
        fn(l, d, &d->toks[k + 1]);
    }
}

static void plan_member(kv_load *l, const jdoc *d, const jtok *v) {
    store_plan_key(l->st, &l->plan, l->key.buf, l->key.len, v->len);
}

static void apply_member(kv_load *l, const jdoc *d, const jtok *v) {
    l->keys += (uint64_t)store_load_key(l->st, NULL, l->key.buf, l->key.len, jtok_text(d, v), v->len);
}

static void plan_kv_file(const jdoc *d, void *ctx) { each_member(d, ctx, plan_member); }

static int kv_load_ready(void *ctx, char *err, size_t errlen) {
    kv_load *l = ctx;
    return persist_plan_ready(l->st, &l->plan, err, errlen);
}

static void apply_kv_file(const jdoc *d, void *ctx) { each_member(d, ctx, apply_member); }

int persist_kv_read(const snap_found *s, ndb_store *st, uint64_t *keys, char *err, size_t errlen) {
    static const snap_loader loader = {check_kv_file, plan_kv_file, kv_load_ready, apply_kv_file};
    kv_load l = {st, {0}, 0, STRBUF_INIT};
    store_plan_begin(st, &l.plan);
    int rc = snap_load(s, &loader, &l, err, errlen);
    store_load_done(st, NULL);
    sb_free(&l.key);
    *keys = l.keys;
    return rc;
}
