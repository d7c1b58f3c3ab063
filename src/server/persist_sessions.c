/*
 * persist_sessions.c — sessions to and from snapshot data files
 * (docs/protocol.md 6.4, session dataset format).
 *
 * File format: one JSON array of records, each
 *   {"keys":{...},"sh":{"expiry":{"deleteSession":B,"duration":N,
 *    "extendOnGet":B,"extendOnSetAdd":B},"shared":B,"tkn":N}}
 * with members sorted as existing servers write them, keys escaped and
 * values as stored.
 *
 * Loading is all-or-nothing like KV loads: every file is checked first,
 * the keys of the sessions it would create against limits.maxKeyLength
 * (SH_LOAD and the start-up load; not recovery, which restores what was
 * acknowledged), and the store says whether the whole load fits under
 * limits.maxMemory before any session is created (through the store).
 * A session whose token already exists is left untouched (its record is
 * skipped and not counted), as the protocol says; a loaded session's
 * deadline is load time + duration.
 *
 * Automatic snapshots (issue 15) must bring sessions back with the
 * deadlines they had, so a session that expired while the server was down
 * is gone after recovery.  Their records carry one more member, "deadline"
 * in "sh": the wall-clock deadline in ns since the epoch (sorted first, as
 * the other members are).  persist_sessions_write_all with deadlines writes
 * it and the recovery load uses it; SH_SAVE never writes it, so datasets
 * users save and load are exactly as before.  A copy of an automatic
 * snapshot loaded with SH_LOAD (or at start-up) has it: a record whose
 * deadline has passed is loaded as its expiry left it, as KV_LOAD drops
 * a key whose deadline passed (record_expired).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/plural.h"
#include "common/u64set.h"
#include "json/scan.h"
#include "server/persist.h"
#include "server/snapshot.h"

/* Append the record of s; with st, its deadline too (a session that expires). */
static void write_record(const session *s, strbuf *b, const ndb_store *st) {
    SB_ADD_LIT(b, "{\"keys\":{");
    uint32_t pos = 0;
    int first = 1;
    for (const kv_entry *e; (e = kvmap_next(&s->map, &pos)); first = 0) {
        if (!first) sb_addc(b, ',');
        sb_add_json_string(b, kv_key(e), e->klen);
        sb_addc(b, ':');
        sb_add(b, kv_val(e), e->vlen);
    }
    SB_ADD_LIT(b, "},\"sh\":{");
    if (st && s->ex.duration) {
        SB_ADD_LIT(b, "\"deadline\":");
        sb_add_u64(b, store_wall_ns(st, s->exp.deadline));
        sb_addc(b, ',');
    }
    SB_ADD_LIT(b, "\"expiry\":{");
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
        uint32_t pos = 0;
        for (const session *s; (s = sessions_next(reg, &pos));) {
            snap_begin_record(w);
            write_record(s, &w->buf, NULL);
            if (snap_end_record(w, err, errlen)) return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < n; i++) { /* distinct tokens (cmd_SH_SAVE, Q25) */
        session *s = sessions_get(reg, tkns[i]);
        if (!s) continue;
        snap_begin_record(w);
        write_record(s, &w->buf, NULL);
        if (snap_end_record(w, err, errlen)) return -1;
    }
    return 0;
}

int persist_sessions_write_all(const ndb_store *st, snap_writer *w, char *err, size_t errlen) {
    uint32_t pos = 0;
    for (const session *s; (s = sessions_next(&st->sessions, &pos));) {
        snap_begin_record(w);
        write_record(s, &w->buf, st);
        if (snap_end_record(w, err, errlen)) return -1;
    }
    return 0;
}

/* A checked session record: where its parts are in the document. */
typedef struct rec {
    uint64_t tkn;
    session_expiry ex;
    int shared;
    uint64_t deadline; /* the "deadline" member (wall-clock ns), 0 when absent */
    uint32_t keys;     /* token index of the keys object, or 0 */
    int cut;           /* its duration was over SESSION_MAX_DURATION, cut to it */
} rec;

static int get_bool(const jdoc *d, uint32_t obj, const char *name, int *v) {
    uint32_t t = jobj_get(d, obj, name, strlen(name));
    if (!t || (d->toks[t].type != JT_TRUE && d->toks[t].type != JT_FALSE)) return -1;
    *v = d->toks[t].type == JT_TRUE;
    return 0;
}

/* Check element `el` of a session file.  Returns 1 for a session record
 * (filled into *r), 0 for an element to ignore (no "sh"), -1 if invalid
 * (*why: which member breaks which rule). */
static int check_record_why(const jdoc *d, uint32_t el, rec *r, const char **why) {
    if (d->toks[el].type != JT_OBJECT) return 0;
    uint32_t sh = jobj_get(d, el, "sh", 2);
    if (!sh) return 0;
    *why = "\"sh\" is not an object";
    if (d->toks[sh].type != JT_OBJECT) return -1;
    uint32_t tk = jobj_get(d, sh, "tkn", 3), ex = jobj_get(d, sh, "expiry", 6);
    uint64_t dur;
    int del, eog, eosa;
    *why = "\"tkn\" is missing or not a token (an integer from 1 to 2^64-1)";
    if (!tk || jnum_to_token(d, &d->toks[tk], &r->tkn, 0)) return -1;
    *why = "\"shared\" is not true or false";
    if (get_bool(d, sh, "shared", &r->shared)) return -1;
    *why = "\"expiry\" is missing or not an object";
    if (!ex || d->toks[ex].type != JT_OBJECT) return -1;
    uint32_t dt = jobj_get(d, ex, "duration", 8);
    *why = "\"expiry.duration\" is missing or not a whole number of seconds (at most 2^64-1)";
    if (!dt || jnum_to_u64(d, &d->toks[dt], &dur)) return -1;
    /* Other servers accept any duration (PROTOCOL.md Q10), so their
     * snapshots may hold longer ones; ndb keeps at most ten years, and a
     * longer period is cut to that (Q10's "saturate") rather than refusing
     * the dataset, which those servers load (6.4).  check_file warns. */
    r->cut = dur > SESSION_MAX_DURATION;
    if (r->cut) dur = SESSION_MAX_DURATION;
    *why = "\"expiry\" has a flag that is not true or false";
    if (get_bool(d, ex, "deleteSession", &del) || get_bool(d, ex, "extendOnGet", &eog) ||
        get_bool(d, ex, "extendOnSetAdd", &eosa))
        return -1;
    uint32_t dl = jobj_get(d, sh, "deadline", 8);
    r->deadline = 0;
    *why = "\"deadline\" is not a whole number";
    if (dl && jnum_to_u64(d, &d->toks[dl], &r->deadline)) return -1;
    r->ex.duration = (uint32_t)dur;
    r->ex.delete_session = dur && del;
    r->ex.extend_on_get = dur && eog;
    r->ex.extend_on_set_add = dur && eosa;
    uint32_t k = jobj_get(d, el, "keys", 4);
    r->keys = k && d->toks[k].type == JT_OBJECT ? k : 0;
    return 1;
}

static int check_record(const jdoc *d, uint32_t el, rec *r) {
    const char *why;
    return check_record_why(d, el, r, &why);
}

/* The refusal of a file the parser stopped in at byte pos.  A session
 * key's value sits three levels down (array, record, keys), so the
 * parser's limit is exactly the stored-value bound: a deeper value stops
 * the parse, and is named as such, not as invalid JSON.  (Recovery meets
 * none: ndb writes only values it stored.) */
static void parse_failed(char *err, size_t errlen, const char *path, const strbuf *text, size_t pos) {
    strbuf member = STRBUF_INIT, key = STRBUF_INIT;
    uint32_t element;
    if (snap_parse_refusal(path, text, pos, 1, &member, &element, err, errlen)) {
        snap_key_name(&key, member.buf, member.len);
        snprintf(err, errlen, "data file %s: the value of %s of session record %u is nested deeper than %d levels "
                              "(the most a stored value may)", path, key.buf, element, STORE_MAX_VALUE_DEPTH);
    }
    sb_free(&member);
    sb_free(&key);
}

/* Parse and check a whole session file.  Returns 0, or -1 with err set. */
static int check_file(const char *path, const strbuf *text, jdoc *d, char *err, size_t errlen) {
    size_t pos = 0;
    if (jdoc_parse(d, text->buf ? text->buf : "", text->len, &pos)) {
        parse_failed(err, errlen, path, text, pos);
        return -1;
    }
    if (d->toks[0].type != JT_ARRAY) {
        snprintf(err, errlen, "data file %s is not a session data file (the root is not an array)", path);
        return -1;
    }
    rec r;
    uint32_t cut = 0;
    for (uint32_t i = 0, el = 1; i < d->toks[0].count; i++, el = d->toks[el].next) {
        const char *why = "";
        int kind = check_record_why(d, el, &r, &why);
        if (kind < 0) {
            snprintf(err, errlen, "data file %s: session record %u is malformed: %s", path, i, why);
            return -1;
        }
        if (kind == 1 && r.tkn == 0) { /* 4.2: clients read token 0 as "no session" */
            snprintf(err, errlen, "data file %s: session record %u has token 0, which no session may have", path, i);
            return -1;
        }
        if (kind == 1 && r.cut) cut++;
    }
    if (cut)
        log_warn("data file %s: %u session%s with an expiry duration over %u seconds (10 years), the most ndb "
                 "keeps: loaded with %u",
                 path, cut, plural_s(cut), SESSION_MAX_DURATION, SESSION_MAX_DURATION);
    return 0;
}

typedef struct sessions_load {
    ndb_store *st;
    store_plan plan;
    u64set planned, applied; /* tokens of the records planned, and applied, so far (check_file refuses 0) */
    uint64_t now;   /* load time: each session's period starts here */
    int deadlines;  /* use the records' "deadline" members (recovery) */
    uint64_t sessions, keys;
    strbuf key;
    size_t max_key;     /* limits.maxKeyLength; 0 = none (recovery) */
    char long_key[512]; /* the refusal naming the first key over it, or "" */
} sessions_load;

/* Has the "deadline" of record r passed when load l starts?  Only for a
 * load of a dataset (SH_LOAD, the start-up load) of a copy of an automatic
 * snapshot: recovery loads every record with its deadline and then applies
 * the expiry that is due, counting what expired while the server was down.
 * Loaded with a new period, an expired one-time password (deleteSession)
 * came back to life; so such a record creates no session, and one that
 * lives on from period to period is loaded without its keys, in its
 * rhythm (4.3). */
static int record_expired(const sessions_load *l, const rec *r) {
    return !l->deadlines && r->deadline && r->ex.duration && store_mono_ns(l->st, r->deadline) < l->now;
}

/* The deadline of the session record r creates in load l. */
static uint64_t record_deadline(const sessions_load *l, const rec *r) {
    uint64_t d = (uint64_t)r->ex.duration * EXPIRY_NS_PER_S;
    if (!r->deadline || !r->ex.duration) return l->now + d;
    uint64_t at = store_mono_ns(l->st, r->deadline);
    /* never more than a period ahead, as no session is: a copy from a
     * machine whose clock runs ahead (or a file edited) kept a one-time
     * password of 10 s for as long as its deadline said, years even */
    if (at >= l->now) return at - l->now > d ? l->now + d : at;
    return at + ((l->now - at) / d + 1) * d; /* its next period (store_expire_upto) */
}

/* Decode member name token k of d into l->key. */
static void decode_key(sessions_load *l, const jdoc *d, uint32_t k) {
    sb_reset(&l->key);
    jstr_decode(d, &d->toks[k], &l->key);
    sb_grow(&l->key, 0);
}

/* Plan the sessions of a checked file: each one whose token is free, with
 * its keys.  A token met again in the snapshot is skipped, as apply_file
 * skips it (the session exists by then): other servers write a session
 * twice when SH_SAVE lists its token twice (Q25), and planning every copy
 * counted its keys against limits.maxMemory and limits.maxKeyLength, so a
 * snapshot whose sessions fit was refused. */
static void plan_file(const jdoc *d, void *ctx) {
    sessions_load *l = ctx;
    rec r;
    for (uint32_t i = 0, el = 1; i < d->toks[0].count; i++, el = d->toks[el].next) {
        if (check_record(d, el, &r) != 1 || !u64set_add(&l->planned, r.tkn)) continue;
        int expired = record_expired(l, &r);
        if ((expired && r.ex.delete_session) || !store_plan_session(l->st, &l->plan, r.tkn, &r.ex)) continue;
        if (expired) r.keys = 0;
        uint64_t n = 0;
        uint32_t k = r.keys + 1;
        for (uint32_t m = 0; r.keys && m < d->toks[r.keys].count; m++, k = d->toks[k + 1].next, n++) {
            decode_key(l, d, k);
            if (l->max_key && l->key.len > l->max_key && !l->long_key[0])
                persist_long_key(l->long_key, sizeof l->long_key, l->key.buf, l->key.len, r.tkn, l->max_key);
            store_plan_session_key(&l->plan, l->key.len, d->toks[k + 1].len);
        }
        store_plan_session_end(&l->plan, n);
    }
}

static int sessions_load_ready(void *ctx, char *err, size_t errlen) {
    sessions_load *l = ctx;
    if (l->long_key[0]) { /* before maxMemory, as for SH_SET */
        store_plan_end(l->st, &l->plan);
        snprintf(err, errlen, "%s", l->long_key);
        return PERSIST_KEYLEN;
    }
    return persist_plan_ready(l->st, &l->plan, err, errlen);
}

/* Create the sessions of a checked file, through the store. */
static void apply_file(const jdoc *d, void *ctx) {
    sessions_load *l = ctx;
    rec r;
    for (uint32_t i = 0, el = 1; i < d->toks[0].count; i++, el = d->toks[el].next) {
        /* the first record of a token decides, as in plan_file */
        if (check_record(d, el, &r) != 1 || !u64set_add(&l->applied, r.tkn)) continue;
        int expired = record_expired(l, &r);
        if (expired && r.ex.delete_session) continue;
        if (expired) r.keys = 0;
        uint64_t deadline = l->deadlines && r.deadline && r.ex.duration ? store_mono_ns(l->st, r.deadline)
                                                                          : record_deadline(l, &r);
        session *s = store_load_session(l->st, r.tkn, &r.ex, deadline, r.shared);
        if (!s) continue; /* an existing session is left untouched */
        l->sessions++;
        uint32_t k = r.keys + 1;
        for (uint32_t m = 0; r.keys && m < d->toks[r.keys].count; m++, k = d->toks[k + 1].next) {
            const jtok *v = &d->toks[k + 1];
            decode_key(l, d, k);
            l->keys += (uint64_t)store_load_key(l->st, s, l->key.buf, l->key.len, jtok_text(d, v), v->len);
        }
        store_load_done(l->st, s);
    }
}

/* The load of both entry points: deadlines says whether records' "deadline"
 * members are used. */
static int read_sessions(const snap_found *s, ndb_store *st, int deadlines, size_t max_key, uint64_t *sessions,
                         uint64_t *keys, char *err, size_t errlen) {
    static const snap_loader loader = {check_file, plan_file, sessions_load_ready, apply_file};
    sessions_load l = {st, {0}, U64SET_INIT, U64SET_INIT, expiry_now_ns(), deadlines, 0, 0, STRBUF_INIT, max_key, ""};
    store_plan_begin(st, &l.plan);
    int rc = snap_load(s, &loader, &l, err, errlen);
    u64set_free(&l.planned);
    u64set_free(&l.applied);
    sb_free(&l.key);
    *sessions = l.sessions;
    *keys = l.keys;
    return rc;
}

int persist_sessions_read(const snap_found *s, ndb_store *st, size_t max_key, uint64_t *sessions, uint64_t *keys,
                          char *err, size_t errlen) {
    return read_sessions(s, st, 0, max_key, sessions, keys, err, errlen);
}

int persist_sessions_read_all(const snap_found *s, ndb_store *st, uint64_t *sessions, uint64_t *keys, char *err,
                              size_t errlen) {
    return read_sessions(s, st, 1, 0, sessions, keys, err, errlen);
}
