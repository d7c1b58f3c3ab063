/*
 * dispatch.c — the request pipeline of PROTOCOL.md 1.7 (see dispatch.h).
 *
 * Checks a–h run in the protocol's order and the first failure decides the
 * response.  Decision 2 of section 0.1: every unknown command, whatever its
 * prefix, is answered {"<CMD>_RSP":{"m":"","st":10,"tkn":null}} with the
 * name actually sent.
 */
#include "server/dispatch.h"

#include "server/commands.h"

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

void dispatch_message(ndb_server *s, const char *msg, size_t len, int binary, strbuf *out) {
    s->requests++;
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
    request r = {s, &s->doc, 2, s->cmd.buf, s->cmd.len, out};
    if (s->doc.toks[2].type != JT_OBJECT || !memchr(r.cmd, '_', r.cmdlen)) { /* steps d, e */
        rsp_fail(&r, ST_COMMAND_SYNTAX, "");
        return;
    }
    cmd_handler h = commands_find(r.cmd, r.cmdlen); /* steps f, g */
    if (!h) {
        rsp_fail(&r, ST_COMMAND_NOT_EXIST, "");
        return;
    }
    h(&r); /* step h */
}
