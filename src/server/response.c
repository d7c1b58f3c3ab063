/*
 * response.c — writers for the response envelopes of docs/protocol.md 1.8.
 */
#include "server/request.h"

/* Append "<CMD>_RSP" as a JSON string.  The command name is re-escaped
 * from its decoded form, so a name sent with \u escapes answers correctly. */
static void add_rsp_name(request *r) {
    if (r->ci) { /* a command of commands.def: its name needs no escaping */
        sb_grow(r->out, r->ci->namelen + 6);
        sb_addc(r->out, '"');
        sb_add(r->out, r->ci->name, r->ci->namelen);
        SB_ADD_LIT(r->out, "_RSP\"");
        return;
    }
    sb_add_json_string(r->out, r->cmd, r->cmdlen);
    r->out->len--; /* drop the closing quote, then add the suffix */
    SB_ADD_LIT(r->out, "_RSP\"");
}

void rsp_err(strbuf *out, unsigned st) {
    SB_ADD_LIT(out, "{\"ERR\":{\"m\":\"\",\"st\":");
    sb_add_u64(out, st);
    SB_ADD_LIT(out, "}}");
}

void rsp_begin(request *r) {
    sb_addc(r->out, '{');
    add_rsp_name(r);
    SB_ADD_LIT(r->out, ":{");
}

void rsp_end_st(request *r, unsigned st, int first) {
    if (first) SB_ADD_LIT(r->out, "\"st\":");
    else SB_ADD_LIT(r->out, ",\"st\":");
    sb_add_u64(r->out, st);
    SB_ADD_LIT(r->out, "}}");
}

void rsp_fail(request *r, unsigned st, const char *m) {
    rsp_begin(r);
    SB_ADD_LIT(r->out, "\"m\":");
    sb_add_json_string(r->out, m, strlen(m));
    SB_ADD_LIT(r->out, ",\"st\":");
    sb_add_u64(r->out, st);
    SB_ADD_LIT(r->out, ",\"tkn\":null}}");
}

void rsp_st_only(request *r, unsigned st) {
    rsp_begin(r);
    rsp_end_st(r, st, 1);
}
