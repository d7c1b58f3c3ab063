/*
 * cmd_persist.c — KV_SAVE, KV_LOAD (docs/protocol.md 3.13, section 6, with the
 * fixes of section 0.1: restricted names, 122 for file system errors,
 * status 2 in the metadata of a failed save, empty datasets load, the
 * saveDataType is checked) and the start-up load.
 *
 * Saves run in the background (issue 15): a forked child writes the
 * snapshot of the data as it was when the save was asked for, the server
 * keeps answering everyone, and the reply — the same shapes as ever, with
 * `duration` — is sent when the snapshot is complete (durability.c, bgsave.c).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/plural.h"
#include "common/u64set.h"
#include "server/commands.h"
#include "server/durability.h"
#include "server/persist.h"
#include "server/params.h"

static const param_spec name_param[] = {{"name", P_STRING, 1}};

/* Answer 42 in the failure shape, keeping the dataset's name as every
 * failed save or load does: {"<CMD>_RSP":{"m":M,"name":N,"st":42,"tkn":null}}. */
static void refuse_named(request *r, const strbuf *name, const char *m) {
    persist_rsp_head(r, name, -1, m);
    SB_ADD_LIT(r->out, ",\"st\":42,\"tkn\":null}}");
}

/* Validate the body (name) and decode the name into `name`.  Answers and
 * returns -1 on failure. */
int persist_take_name(request *r, strbuf *name, uint32_t *tok) {
    if (params_check(r, r->body, name_param, 1, tok)) return -1;
    jstr_decode(r->doc, req_tok(r, *tok), name);
    sb_grow(name, 0);
    if (!snapshot_name_ok(name->buf, name->len)) {
        refuse_named(r, name, SNAPSHOT_NAME_RULE);
        return -1;
    }
    return 0;
}

/* {"<CMD>_RSP":{["duration":D,]["m":M,]"name":N,  — the caller ends it. */
void persist_rsp_head(request *r, const strbuf *name, int64_t duration, const char *m) {
    rsp_begin(r);
    if (duration >= 0) {
        SB_ADD_LIT(r->out, "\"duration\":");
        sb_add_u64(r->out, (uint64_t)duration);
        sb_addc(r->out, ',');
    }
    if (m) {
        SB_ADD_LIT(r->out, "\"m\":");
        sb_add_json_string(r->out, m, strlen(m));
        sb_addc(r->out, ',');
    }
    SB_ADD_LIT(r->out, "\"name\":");
    sb_add_json_string(r->out, name->buf, name->len);
}

/* The words for a kind of snapshot in the refusals below. */
static const char *kind_words(int kind) {
    return kind == SNAP_KV ? "keys" : kind == SNAP_SESSIONS ? "sessions" : "data of an unknown kind";
}

/* A save into a dataset whose snapshots hold the other kind of data is
 * refused (42): loads take the newest snapshot whatever its kind, and
 * retention counts them all, so it would hide the other kind from its
 * load and then delete it.  A save of the other kind still being written
 * (or waiting for another save) counts too: it is not on disk as complete
 * yet, but it will be the dataset's newest snapshot before this one is
 * written.  Returns -1 after answering. */
static int refuse_other_kind(request *r, const strbuf *name, int type) {
    uint64_t raw = 0;
    char m[160];
    int kind = durability_saving(r->srv, name->buf);
    if (kind >= 0 && kind != type) {
        snprintf(m, sizeof m, "dataset is being saved with %s (saveDataType %d): save %s under another name",
                 kind_words(kind), kind, kind_words(type));
        refuse_named(r, name, m);
        return -1;
    }
    kind = snap_latest_type(r->srv->cfg.persist_path, name->buf, &raw);
    if (kind < 0 || kind == type) return 0;
    snprintf(m, sizeof m, "dataset holds %s (saveDataType %llu): save %s under another name", kind_words(kind),
             (unsigned long long)raw, kind_words(type));
    refuse_named(r, name, m);
    return -1;
}

void cmd_KV_SAVE(request *r) {
    strbuf name = STRBUF_INIT;
    uint32_t tok;
    if (persist_take_name(r, &name, &tok) == 0 && refuse_other_kind(r, &name, SNAP_KV) == 0)
        durability_user_save(r, name.buf, SNAP_KV, NULL, 0);
    sb_free(&name);
}

/* Answer a failed load: {"<CMD>_RSP":{"m":M,"name":N,"st":142}} */
void persist_load_failed(request *r, const strbuf *name, const char *why) {
    log_warn("load of '%s' failed: %s", name->buf, why);
    persist_rsp_head(r, name, -1, why);
    rsp_end_st(r, ST_LOAD_ERROR, 0);
}

/* {"<CMD>_RSP":{["duration":D,]"keys":K,"name":N,"sessions":S,"st":141}} —
 * SH_LOAD has no duration (Appendix A: its response must not gain members). */
void persist_rsp_loaded(request *r, const strbuf *name, int64_t duration, uint64_t keys, uint64_t sessions) {
    rsp_begin(r);
    if (duration >= 0) {
        SB_ADD_LIT(r->out, "\"duration\":");
        sb_add_u64(r->out, (uint64_t)duration);
        sb_addc(r->out, ',');
    }
    SB_ADD_LIT(r->out, "\"keys\":");
    sb_add_u64(r->out, keys);
    SB_ADD_LIT(r->out, ",\"name\":");
    sb_add_json_string(r->out, name->buf, name->len);
    SB_ADD_LIT(r->out, ",\"sessions\":");
    sb_add_u64(r->out, sessions);
    rsp_end_st(r, ST_LOAD_COMPLETE, 0);
}

/* Find the snapshot to load and check its type.  Answers and returns -1 on
 * failure. */
int persist_find(request *r, const strbuf *name, int type, snap_found *s) {
    char err[PATH_MAX + 256];
    if (snap_find_latest(r->srv->cfg.persist_path, name->buf, s, err, sizeof err)) {
        persist_load_failed(r, name, err);
        return -1;
    }
    if (s->type != type) { /* Q18 fixed; snap_find_latest refused kinds other than these two */
        snprintf(err, sizeof err, "dataset is a %s dataset (saveDataType %llu): use %s",
                 s->type == SNAP_SESSIONS ? "session" : "KV", (unsigned long long)s->save_type,
                 s->type == SNAP_SESSIONS ? "SH_LOAD" : "KV_LOAD");
        persist_load_failed(r, name, err);
        return -1;
    }
    return 0;
}

/* Read snapshot s of kind type into the store of srv, checking its data
 * files against its checksums when it has them (a snapshot of an older ndb
 * or another server has none): persist_kv_read or persist_sessions_read,
 * with their return codes. */
static int read_snapshot(ndb_server *srv, snap_found *s, int type, uint64_t *keys, uint64_t *sessions, char *err,
                         size_t errlen) {
    size_t max_key = srv->cfg.max_key_length;
    strbuf text = STRBUF_INIT;
    snap_sums sums;
    int rc = -1;
    *keys = *sessions = 0;
    if (snap_read_sums(s->dir, &text, &sums, err, errlen)) goto out;
    s->sums = sums.text ? &sums : NULL;
    rc = type == SNAP_KV ? persist_kv_read(s, &srv->store, max_key, 0, keys, err, errlen)
                         : persist_sessions_read(s, &srv->store, max_key, sessions, keys, err, errlen);
    s->sums = NULL;
out:
    sb_free(&text);
    return rc;
}

/* Has dataset `name` a newer complete snapshot of kind type than s?  Then
 * s becomes that one.  A save of the dataset that completes in the
 * background removes older snapshots (retention runs in the save's
 * process), possibly the one a load is reading: that load fails on a file
 * that vanished, storing nothing, while the newest snapshot is fine. */
static int newer_snapshot(request *r, const strbuf *name, int type, snap_found *s) {
    static snap_found now; /* static: it holds a PATH_MAX buffer */
    char err[64];
    if (snap_find_latest(r->srv->cfg.persist_path, name->buf, &now, err, sizeof err) || now.ts <= s->ts ||
        now.type != type)
        return 0;
    *s = now;
    return 1;
}

/* KV_LOAD and SH_LOAD: load the newest complete snapshot of kind type and
 * answer.  A load that fails because a save replaced its snapshot
 * meanwhile reads the newer one instead (a few times at most: each retry
 * needs yet another save to complete during the read). */
static void load_dataset(request *r, int type) {
    strbuf name = STRBUF_INIT;
    uint32_t tok;
    static snap_found s; /* static: it holds a PATH_MAX buffer */
    char err[PATH_MAX + 256];
    uint64_t keys = 0, sessions = 0, t0 = mono_ms();
    if (persist_take_name(r, &name, &tok) || persist_find(r, &name, type, &s)) goto out;
    int rc;
    for (int tries = 0;; tries++) {
        rc = read_snapshot(r->srv, &s, type, &keys, &sessions, err, sizeof err);
        if (rc == 0 || rc == PERSIST_OOM || rc == PERSIST_KEYLEN || tries == 3) break;
        uint64_t failed = s.ts;
        if (!newer_snapshot(r, &name, type, &s)) break;
        log_info("load of '%s': snapshot %llu changed while it was read (%s); loading the newer %llu", name.buf,
                 (unsigned long long)failed, err, (unsigned long long)s.ts);
    }
    if (rc == PERSIST_OOM || rc == PERSIST_KEYLEN) { /* the limit's 42 */
        refuse_named(r, &name, rc == PERSIST_OOM ? NDB_MAXMEMORY_MSG : err);
        goto out;
    }
    if (rc) {
        persist_load_failed(r, &name, err);
        goto out;
    }
    if (type == SNAP_KV)
        log_info("loaded '%s' from snapshot %llu: %llu key%s", name.buf, (unsigned long long)s.ts,
                 (unsigned long long)keys, plural_s(keys));
    else
        log_info("loaded '%s' from snapshot %llu: %llu session%s, %llu key%s", name.buf, (unsigned long long)s.ts,
                 (unsigned long long)sessions, plural_s(sessions), (unsigned long long)keys, plural_s(keys));
    /* SH_LOAD answers without a duration (Appendix A: its response must not gain members) */
    persist_rsp_loaded(r, &name, type == SNAP_KV ? (int64_t)(mono_ms() - t0) : -1, keys, sessions);
out:
    sb_free(&name);
}

void cmd_KV_LOAD(request *r) { load_dataset(r, SNAP_KV); }

static const param_spec sh_save_params[] = {{"name", P_STRING, 1}, {"tkns", P_ARRAY, 0}};

/* Keep the first occurrence of each token of tkns, in order (Q25: a token
 * listed twice is saved once), and drop 0, which names no session (4.2).
 * Returns how many are left.  A table of the tokens kept so far finds a
 * repeat in constant time: checking each against every earlier one kept
 * the save's process busy for 1.5 s per 60,000 tokens, growing with the
 * square (minutes with a raised maxPayload), while every other save,
 * automatic snapshots included, waited for it. */
static size_t first_tokens(uint64_t *tkns, size_t n) {
    u64set seen = U64SET_INIT;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (tkns[i] && u64set_add(&seen, tkns[i])) tkns[kept++] = tkns[i];
    u64set_free(&seen);
    return kept;
}

void cmd_SH_SAVE(request *r) {
    uint32_t p[2];
    if (params_check(r, r->body, sh_save_params, 2, p)) return;
    uint64_t *tkns = NULL; /* NULL: every session */
    size_t n = 0;
    if (p[1]) {
        const jtok *a = req_tok(r, p[1]);
        if (a->count == 0) return rsp_fail(r, ST_VALUE_SIZE, "'tkns' empty");
        tkns = malloc(a->count * sizeof *tkns);
        if (!tkns) abort();
        for (uint32_t i = 0, t = p[1] + 1; i < a->count; i++, t = req_tok(r, t)->next) {
            if (jnum_to_token(r->doc, req_tok(r, t), &tkns[n++], 0)) {
                free(tkns);
                return rsp_fail(r, ST_VALUE_TYPE_INVALID, "'tkns' contains invalid token");
            }
        }
    }
    strbuf name = STRBUF_INIT;
    uint32_t tok;
    if (persist_take_name(r, &name, &tok) == 0 && refuse_other_kind(r, &name, SNAP_SESSIONS) == 0) {
        if (tkns) n = first_tokens(tkns, n);
        durability_user_save(r, name.buf, SNAP_SESSIONS, tkns, n); /* takes tkns */
        tkns = NULL;
    }
    sb_free(&name);
    free(tkns);
}

void cmd_SH_LOAD(request *r) { load_dataset(r, SNAP_SESSIONS); }

int persist_plan_ready(ndb_store *st, store_plan *p, char *err, size_t errlen) {
    int fits = store_plan_fits(st, p) == STORE_OK;
    store_plan_end(st, p);
    if (fits) return 0;
    snprintf(err, errlen, "loading it would pass limits.maxMemory (%zu byte%s)", st->max_memory, plural_s(st->max_memory));
    return PERSIST_OOM;
}

void persist_long_key(char *err, size_t errlen, const char *k, size_t kn, uint64_t tkn, size_t max) {
    strbuf b = STRBUF_INIT;
    snap_key_name(&b, k, kn);
    if (tkn) sb_addf(&b, " of session %llu", (unsigned long long)tkn);
    sb_addf(&b, " is longer than %zu byte%s (limits.maxKeyLength)", max, plural_s(max));
    snprintf(err, errlen, "%s", b.buf);
    sb_free(&b);
}

int persist_startup_load(ndb_server *srv, const char *base, const char *name, char *err, size_t errlen) {
    snap_found s;
    uint64_t keys = 0, sessions = 0;
    if (snap_find_latest(base, name, &s, err, errlen)) return -1;
    int rc = read_snapshot(srv, &s, s.type, &keys, &sessions, err, errlen);
    if (rc == 0)
        log_info("loaded '%s' from %s (snapshot %llu): %llu key%s, %llu session%s", name, base,
                 (unsigned long long)s.ts, (unsigned long long)keys, plural_s(keys), (unsigned long long)sessions,
                 plural_s(sessions));
    return rc;
}
