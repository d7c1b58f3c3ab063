/*
 * persist_kv.c — top-level keys to and from snapshot data files
 * (PROTOCOL.md 6.4, KV dataset format).
 *
 * File format: `{ "keys":{` records `}}`, each record `"<key>":<value>` with
 * the key JSON-escaped (Q13 fixed) and the value's stored text unchanged, so
 * a value comes back from save → load byte for byte.
 *
 * Loading is all-or-nothing: every data file is parsed and checked before
 * the first key is stored, so a corrupt file leaves memory untouched.
 */
#include "server/persist.h"

#include <stdio.h>
#include <stdlib.h>

#include "json/scan.h"
#include "server/snapshot.h"

int persist_kv_write(const kvmap *m, snap_writer *w, char *err, size_t errlen) {
    for (uint32_t i = 0; i < m->count; i++) {
        const kv_entry *e = m->items[i];
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

/* Store every member of object token `obj` of d into m; first occurrence of
 * a duplicated name wins.  Returns the number of members stored. */
static uint64_t store_members(const jdoc *d, uint32_t obj, kvmap *m, strbuf *key) {
    uint64_t n = 0;
    uint32_t k = obj + 1;
    for (uint32_t i = 0; i < d->toks[obj].count; i++, k = d->toks[k + 1].next) {
        const jtok *v = &d->toks[k + 1];
        sb_reset(key);
        jstr_decode(d, &d->toks[k], key);
        sb_grow(key, 0);
        kvmap_set(m, key->buf, key->len, jtok_text(d, v), v->len, 1);
        n++;
    }
    return n;
}

static int check_kv_file(const char *path, const strbuf *text, jdoc *d, char *err, size_t errlen) {
    return parse_kv_file(path, text, d, err, errlen) ? 0 : -1;
}

typedef struct kv_load {
    kvmap *m;
    uint64_t keys;
    strbuf key;
} kv_load;

static void apply_kv_file(const jdoc *d, void *ctx) {
    kv_load *l = ctx;
    l->keys += store_members(d, jobj_get(d, 0, "keys", 4), l->m, &l->key);
}

int persist_kv_read(const snap_found *s, kvmap *m, uint64_t *keys, char *err, size_t errlen) {
    kv_load l = {m, 0, STRBUF_INIT};
    int rc = snap_load(s, check_kv_file, apply_kv_file, &l, err, errlen);
    sb_free(&l.key);
    *keys = l.keys;
    return rc;
}
