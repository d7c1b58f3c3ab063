/*
 * cmd_sv.c — SV_INFO (docs/protocol.md section 5, decision 8).
 *
 * Reports ndb's own version, the protocol level it speaks, and counters the
 * server keeps up to date as it goes (nothing is recounted here, so the
 * answer stays cheap with millions of keys and sessions).  `sessions` counts
 * live sessions: SV_INFO is flagged SESSIONS, so due expiry is applied
 * first.  `memoryBytes` covers the top-level keys and the sessions.  On a
 * server with users (README "Security") it also says who the connection is
 * logged in as: `user` and `role`.  `persistence` is the state of the
 * journal and snapshots (durability.h).  On a server with
 * limits.maxTotalOutputBytes set, `queuedOutputBytes` is the figure that
 * limit applies to (outq.h): like `user` and `role`, it comes with the
 * extension it belongs to, so the answer of a server that uses none is
 * what it always was.
 */
#include <string.h>
#include <time.h>

#include "server/commands.h"
#include "server/durability.h"
#include "server/outq.h"

#define NDB_PROTOCOL_LEVEL "0.7.1"

void cmd_SV_INFO(request *r) {
    ndb_server *s = r->srv;
    strbuf *o = r->out;
    /* on a server with users, who this connection is (it has logged in:
     * SV_INFO needs the read role) */
    int users = s->cfg.users.n && r->cl->user;
    rsp_begin(r);
    SB_ADD_LIT(o, "\"connections\":");
    sb_add_u64(o, s->connections);
    SB_ADD_LIT(o, ",\"keys\":");
    sb_add_u64(o, s->store.kv.count);
    SB_ADD_LIT(o, ",\"memoryBytes\":");
    sb_add_u64(o, server_memory(s));
    SB_ADD_LIT(o, ",\"persistEnabled\":");
    if (s->cfg.persist_enabled) SB_ADD_LIT(o, "true");
    else SB_ADD_LIT(o, "false");
    sb_addc(o, ',');
    durability_info_json(r->srv, o);
    SB_ADD_LIT(o, ",\"protocolVersion\":\"" NDB_PROTOCOL_LEVEL "\"");
    if (s->cfg.max_total_output) {
        SB_ADD_LIT(o, ",\"queuedOutputBytes\":");
        sb_add_u64(o, outq_total_pending());
    }
    SB_ADD_LIT(o, ",\"requests\":");
    sb_add_u64(o, s->requests);
    if (users) {
        SB_ADD_LIT(o, ",\"role\":\"");
        sb_adds(o, cmd_role_name(r->cl->role));
        sb_addc(o, '"');
    }
    SB_ADD_LIT(o, ",\"serverVersion\":\"" NDB_VERSION "\",\"sessions\":");
    sb_add_u64(o, s->store.sessions.count);
    SB_ADD_LIT(o, ",\"st\":1,\"uptime\":");
    sb_add_u64(o, (expiry_now_ns() - s->started_ns) / EXPIRY_NS_PER_S);
    if (users) {
        SB_ADD_LIT(o, ",\"user\":");
        sb_add_json_string(o, r->cl->user, strlen(r->cl->user));
    }
    SB_ADD_LIT(o, "}}");
}
