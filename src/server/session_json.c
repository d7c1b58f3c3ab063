/*
 * session_json.c — the JSON form of a session's expiry settings, shared by
 * SH_INFO (cmd_sh.c) and session data files (persist_sessions.c) so the two
 * cannot drift apart.
 */
#include "server/sessions.h"

void session_expiry_json(strbuf *out, const session_expiry *ex) {
    SB_ADD_LIT(out, "\"deleteSession\":");
    sb_add_bool(out, ex->delete_session);
    SB_ADD_LIT(out, ",\"duration\":");
    sb_add_u64(out, ex->duration);
    SB_ADD_LIT(out, ",\"extendOnGet\":");
    sb_add_bool(out, ex->extend_on_get);
    SB_ADD_LIT(out, ",\"extendOnSetAdd\":");
    sb_add_bool(out, ex->extend_on_set_add);
}
