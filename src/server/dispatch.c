/*
 * dispatch.c — the request pipeline of docs/protocol.md 1.7 (see dispatch.h).
 *
 * Checks a–h run in the protocol's order and the first failure decides the
 * response.  Decision 2 of section 0.1: every unknown command, whatever its
 * prefix, is answered {"<CMD>_RSP":{"m":"","st":10,"tkn":null}} with the
 * name actually sent.
 *
 * Between finding the command and running it, the connection's role is
 * compared with the command's (commands.def; README "Security": 43 before
 * a login, 45 below the role), then the command's flags
 * (commands.def) are checked here and nowhere else, then the request
 * limits of README "Limits" apply: limits.maxDepth (when set below the
 * scanner's own 1024); limits.maxKeysPerRequest over `keys`/`tkns` is
 * checked by params_check, for the commands that declare them.  They
 * answer status 42 in the failure shape
 * {"<CMD>_RSP":{"m":"…","st":42,"tkn":null}} with an `m` naming the limit.
 * (maxKeyLength lives in keyops.c; limits.maxMemory is the store's alone:
 * it checks the exact size every change leaves, so no command is refused
 * here for memory it might not use.)  Due session expiry is applied before a command
 * flagged SESSIONS runs, and due key expiry before every command (before
 * one flagged NAMED, to the keys it names and a slice of the others).
 *
 * A command flagged WRITE is refused with status 124 while the journal or
 * an automatic snapshot cannot be written (durability.h), before any other
 * check of its request: a write the server could not keep is never made.
 */
#include "server/dispatch.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "server/auth.h"
#include "server/commands.h"
#include "server/durability.h"

/* A command only an admin may run (clear, load, save, end every session)
 * changes or exposes the whole database: the log says which connection ran
 * it, from where and as whom, so that an operator can tell who emptied it
 * (README "Logs").  Logged as it starts: a save's or load's own lines
 * follow with the outcome. */
static void log_admin_command(const request *r) {
    const client *cl = r->cl;
    if (!cl->user) {
        log_info("client %llu (%s): %s", (unsigned long long)cl->id, cl->addr, r->ci->name);
        return;
    }
    strbuf name = STRBUF_INIT;
    sb_add_json_string(&name, cl->user, strlen(cl->user));
    log_info("client %llu (%s, user %s): %s", (unsigned long long)cl->id, cl->addr, name.buf, r->ci->name);
    sb_free(&name);
}

/* Step c: the root is an object with exactly one distinct member name
 * (duplicates of the first name are dropped, first occurrence wins). */
static int single_member(const jdoc *d) {
    const jtok *root = &d->toks[0];
    if (root->type != JT_OBJECT || root->count == 0) return 0;
    strbuf first = STRBUF_INIT;
    int ok = 1;
    uint32_t k = d->toks[2].next;
    if (root->count > 1) {
        jstr_decode(d, &d->toks[1], &first);
        for (uint32_t i = 1; i < root->count && ok; i++) {
            ok = jstr_equals(d, &d->toks[k], first.buf ? first.buf : "", first.len);
            k = d->toks[k + 1].next;
        }
    }
    sb_free(&first);
    return ok;
}

/* The limits of this file; answers and returns -1 when one is passed. */
static int check_limits(request *r) {
    const ndb_config *cfg = &r->srv->cfg;
    char m[128];
    if (cfg->max_depth < JSON_MAX_DEPTH && jdoc_depth(r->doc, 0) > cfg->max_depth) {
        snprintf(m, sizeof m, "nesting deeper than %u (limits.maxDepth)", cfg->max_depth);
        rsp_fail(r, ST_VALUE_SIZE, m);
        return -1;
    }
    return 0;
}

/* Remove the key of string token t if it is due. */
static void expire_named(request *r, uint32_t t, uint64_t now, strbuf *name) {
    if (r->doc->toks[t].type != JT_STRING) return; /* the command's validation answers */
    sb_reset(name);
    jstr_decode(r->doc, &r->doc->toks[t], name);
    store_expire_key_if_due(&r->srv->store, name->buf ? name->buf : "", name->len, now);
}

/* Due key expiry before a command that sees only the keys it names: those
 * keys (the items of a `keys` array, the members of a `keys` object, a
 * `key`) and a slice of the others (SERVER_EXPIRE_SLICE: a million keys
 * due in the same second held everyone up 60-120 ms when all were removed
 * before the command); the rest go over the next turns.  That is enough
 * for "no command observes an expired key": this command observes no
 * other key, and every other command removes all due keys first. */
static void expire_for_named(request *r, uint64_t now) {
    const jdoc *d = r->doc;
    strbuf name = STRBUF_INIT;
    uint32_t keys = jobj_get(d, r->body, "keys", 4), key = jobj_get(d, r->body, "key", 3);
    if (keys && d->toks[keys].type == JT_ARRAY) {
        for (uint32_t i = 0, t = keys + 1; i < d->toks[keys].count; i++, t = d->toks[t].next)
            expire_named(r, t, now, &name);
    } else if (keys && d->toks[keys].type == JT_OBJECT) {
        for (uint32_t i = 0, t = keys + 1; i < d->toks[keys].count; i++, t = d->toks[t + 1].next)
            expire_named(r, t, now, &name);
    }
    if (key) expire_named(r, key, now, &name);
    sb_free(&name);
    store_expire_keys_upto(&r->srv->store, now, SERVER_EXPIRE_SLICE);
    if (store_keys_due(&r->srv->store, now)) server_expire_later(r->srv);
}

/* Due key expiry before any command: all of it, or what a NAMED command
 * needs.  A write checked against limits.maxMemory removes all first, so
 * that due keys never count against it. */
static void expire_keys_before(request *r, uint64_t now) {
    ndb_store *st = &r->srv->store;
    if (!store_keys_due(st, now)) return;
    int named = (r->ci->flags & CMDF_NAMED) && !((r->ci->flags & CMDF_WRITE) && r->srv->cfg.max_memory);
    if (named) expire_for_named(r, now);
    else store_expire_keys(st, now);
}

/* The connection's role is below the command's: 43 before any login,
 * else 45 naming the role needed. */
static void deny_role(request *r) {
    if (r->cl->role == ROLE_NONE) {
        rsp_fail(r, ST_AUTH_REQUIRED, AUTH_REQUIRED_MSG);
        return;
    }
    char m[160];
    snprintf(m, sizeof m, "%s needs the role %s; user %s has the role %s", r->ci->name, cmd_role_name(r->ci->role),
             r->cl->user ? r->cl->user : "(none)", cmd_role_name(r->cl->role));
    rsp_fail(r, ST_ROLE_DENIED, m);
}

static void dispatch_request(ndb_server *s, client *cl, const char *msg, size_t len, int binary, strbuf *out) {
    if (binary) { /* step a */
        rsp_err(out, ST_OPCODE_INVALID);
        return;
    }
    if (jdoc_parse(&s->doc, msg, len, NULL)) { /* step b */
        rsp_err(out, ST_JSON_INVALID);
        return;
    }
    if (!single_member(&s->doc)) { /* step c */
        rsp_err(out, ST_COMMAND_SYNTAX);
        return;
    }
    sb_reset(&s->cmd);
    jstr_decode(&s->doc, &s->doc.toks[1], &s->cmd);
    sb_grow(&s->cmd, 0);
    request r = {s, cl, &s->doc, 2, s->cmd.buf, s->cmd.len, NULL, out, 0};
    if (s->doc.toks[2].type != JT_OBJECT || !memchr(r.cmd, '_', r.cmdlen)) { /* steps d, e */
        rsp_fail(&r, ST_COMMAND_SYNTAX, "");
        return;
    }
    r.ci = cmd_lookup(r.cmd, r.cmdlen); /* steps f, g */
    if (!r.ci) {
        rsp_fail(&r, ST_COMMAND_NOT_EXIST, "");
        return;
    }
    if (!(r.ci->flags & CMDF_NOAUTH) && r.ci->role > cl->role) { /* README "Security": roles */
        deny_role(&r);
        return;
    }
    if ((r.ci->flags & CMDF_SAVE) && !s->cfg.persist_enabled) { /* docs/protocol.md 3.13: before any other check */
        rsp_begin(&r);
        SB_ADD_LIT(out, "\"m\":\"\"");
        rsp_end_st(&r, ST_COMMAND_DISABLED, 0);
        return;
    }
    if (r.ci->flags & CMDF_WRITE) { /* issue 15: never a write that cannot be made durable */
        const char *why = durability_refusal(s);
        if (why) {
            rsp_fail(&r, ST_PERSIST_FAILED, why);
            return;
        }
    }
    if (check_limits(&r)) return;
    /* A write, a save or a session's next period may write a deadline:
     * by the wall clock as it is now, should it have been stepped. */
    if (r.ci->flags & (CMDF_WRITE | CMDF_SAVE | CMDF_SESSIONS)) server_clock_sync(s);
    /* Decision 11: no command observes an expired session.  The clock is
     * read only when some session can expire. */
    if ((r.ci->flags & CMDF_SESSIONS) && s->store.sessions.heap.count) store_expire(&s->store, request_now(&r));
    /* Likewise no command observes an expired key: every command may look
     * at top-level keys (counts, scans, saves), so due keys go first
     * whenever some key has a deadline (a NAMED command: those it names). */
    if (s->store.ttl.count) expire_keys_before(&r, request_now(&r));
    if (r.ci->role == ROLE_ADMIN) log_admin_command(&r);
    commands_handler(r.ci)(&r); /* step h */
    if (kvmap_parked()) server_expire_later(s); /* a clear left entries to free: in slices, from the next turn */
}

void dispatch_message(ndb_server *s, client *cl, const char *msg, size_t len, int binary, strbuf *out) {
    s->requests++;
    dispatch_request(s, cl, msg, len, binary, out);
    server_release_big_scratch(s); /* what one big request grew, not kept for the server's life */
}
