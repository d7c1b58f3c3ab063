/*
 * persist_sessions.c — sessions to and from snapshot data files
 * (PROTOCOL.md 6.4, session dataset format).
 *
 * File format: one JSON array of records, each
 *   {"keys":{...},"sh":{"expiry":{"deleteSession":B,"duration":N,
 *    "extendOnGet":B,"extendOnSetAdd":B},"shared":B,"tkn":N}}
 * with members sorted as existing servers write them, keys escaped and
 * values as stored.
 *
 * Loading is all-or-nothing like KV loads: every file is checked first.
 * A session whose token already exists is left untouched (its record is
 * skipped and not counted), as the protocol says; a loaded session's
 * deadline is load time + duration.
 */
#include <stdio.h>
#include <stdlib.h>

#include "json/scan.h"
#include "server/persist.h"
#include "server/snapshot.h"

static void write_record(const session *s, strbuf *b) {
    SB_ADD_LIT(b, "{\"keys\":{");
    for (uint32_t i = 0; i < s->map.count; i++) {
        const kv_entry *e = s->map.items[i];
        if (i) sb_addc(b, ',');
        sb_add_json_string(b, kv_key(e), e->klen);
        sb_addc(b, ':');
        sb_add(b, kv_val(e), e->vlen);
    }
    SB_ADD_LIT(b, "},\"sh\":{\"expiry\":{");
    session_expiry_json(b, &s->ex);
    SB_ADD_LIT(b, "},\"shared\":");
    sb_add_bool(b, s->shared);
    SB_ADD_LIT(b, ",\"tkn\":");
    sb_add_u64(b, s->token);
    SB_ADD_LIT(b, "}}");
}

int persist_sessions_write(session_registry *reg, const uint64_t *tkns, size_t n, snap_writer *w, char *err,
                           size_t errlen) {
    if (!tkns) {
        for (uint32_t i = 0; i < reg->count; i++) {
            snap_begin_record(w);
            write_record(reg->items[i], &w->buf);
            if (snap_end_record(w, err, errlen)) return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        int seen = 0; /* Q25 fixed: a token listed twice is written once */
        for (size_t j = 0; j < i && !seen; j++) seen = tkns[j] == tkns[i];
        session *s = seen ? NULL : sessions_get(reg, tkns[i]);
        if (!s) continue;
        snap_begin_record(w);
        write_record(s, &w->buf);
        if (snap_end_record(w, err, errlen)) return -1;
    }
    return 0;
}

/* A checked session record: where its parts are in the document. */
typedef struct rec {
    uint64_t tkn;
    session_expiry ex;
    int shared;
    uint32_t keys; /* token index of the keys object, or 0 */
} rec;

static int get_bool(const jdoc *d, uint32_t obj, const char *name, int *v) {
    uint32_t t = jobj_get(d, obj, name, strlen(name));
    if (!t || (d->toks[t].type != JT_TRUE && d->toks[t].type != JT_FALSE)) return -1;
    *v = d->toks[t].type == JT_TRUE;
    return 0;
}

/* Check element `el` of a session file.  Returns 1 for a session record
 * (filled into *r), 0 for an element to ignore (no "sh"), -1 if invalid. */
static int check_record(const jdoc *d, uint32_t el, rec *r) {
    if (d->toks[el].type != JT_OBJECT) return 0;
    uint32_t sh = jobj_get(d, el, "sh", 2);
    if (!sh) return 0;
    if (d->toks[sh].type != JT_OBJECT) return -1;
    uint32_t tk = jobj_get(d, sh, "tkn", 3), ex = jobj_get(d, sh, "expiry", 6);
    uint64_t dur;
    int del, eog, eosa;
    if (!tk || jnum_to_token(d, &d->toks[tk], &r->tkn, 0) || get_bool(d, sh, "shared", &r->shared)) return -1;
    if (!ex || d->toks[ex].type != JT_OBJECT) return -1;
    uint32_t dt = jobj_get(d, ex, "duration", 8);
    if (!dt || jnum_to_u64(d, &d->toks[dt], &dur) || dur > SESSION_MAX_DURATION) return -1;
    if (get_bool(d, ex, "deleteSession", &del) || get_bool(d, ex, "extendOnGet", &eog) ||
        get_bool(d, ex, "extendOnSetAdd", &eosa))
        return -1;
    r->ex.duration = (uint32_t)dur;
    r->ex.delete_session = dur && del;
    r->ex.extend_on_get = dur && eog;
    r->ex.extend_on_set_add = dur && eosa;
    uint32_t k = jobj_get(d, el, "keys", 4);
    r->keys = k && d->toks[k].type == JT_OBJECT ? k : 0;
    return 1;
}

/* Parse and check a whole session file.  Returns 0, or -1 with err set. */
static int check_file(const char *path, const strbuf *text, jdoc *d, char *err, size_t errlen) {
    size_t pos = 0;
    if (jdoc_parse(d, text->buf ? text->buf : "", text->len, &pos)) {
        snprintf(err, errlen, "data file %s is not valid JSON (at byte %zu)", path, pos);
        return -1;
    }
    if (d->toks[0].type != JT_ARRAY) {
        snprintf(err, errlen, "data file %s is not a session data file (the root is not an array)", path);
        return -1;
    }
    rec r;
    for (uint32_t i = 0, el = 1; i < d->toks[0].count; i++, el = d->toks[el].next) {
        if (check_record(d, el, &r) < 0) {
            snprintf(err, errlen, "data file %s: session record %u is malformed", path, i);
            return -1;
        }
    }
    return 0;
}

/* Create the sessions of a checked file. */
static void load_file(const jdoc *d, session_registry *reg, uint64_t now, uint64_t *sessions, uint64_t *keys) {
    rec r;
    strbuf key = STRBUF_INIT;
    for (uint32_t i = 0, el = 1; i < d->toks[0].count; i++, el = d->toks[el].next) {
        if (check_record(d, el, &r) != 1 || sessions_get(reg, r.tkn)) continue;
        session *s = sessions_insert(reg, r.tkn, &r.ex, now + (uint64_t)r.ex.duration * EXPIRY_NS_PER_S);
        if (!s) continue;
        s->shared = (uint8_t)r.shared;
        (*sessions)++;
        if (!r.keys) continue;
        uint32_t old_count = s->map.count;
        size_t old_bytes = s->map.bytes;
        uint32_t k = r.keys + 1;
        for (uint32_t m = 0; m < d->toks[r.keys].count; m++, k = d->toks[k + 1].next) {
            const jtok *v = &d->toks[k + 1];
            sb_reset(&key);
            jstr_decode(d, &d->toks[k], &key);
            sb_grow(&key, 0);
            if (kvmap_set(&s->map, key.buf, key.len, jtok_text(d, v), v->len, 0)) (*keys)++;
        }
        sessions_account(reg, s, old_count, old_bytes);
    }
    sb_free(&key);
}

typedef struct sessions_load {
    session_registry *reg;
    uint64_t now, sessions, keys;
} sessions_load;

static void apply_sessions_file(const jdoc *d, void *ctx) {
    sessions_load *l = ctx;
    load_file(d, l->reg, l->now, &l->sessions, &l->keys);
}

int persist_sessions_read(const snap_found *s, session_registry *reg, uint64_t *sessions, uint64_t *keys,
                          char *err, size_t errlen) {
    sessions_load l = {reg, expiry_now_ns(), 0, 0};
    int rc = snap_load(s, check_file, apply_sessions_file, &l, err, errlen);
    *sessions = l.sessions;
    *keys = l.keys;
    return rc;
}
