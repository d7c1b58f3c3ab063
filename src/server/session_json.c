/*
 * session_json.c — the JSON forms of a session, shared so they cannot
 * drift apart: its expiry settings (SH_INFO, SH_SCAN and session data
 * files) and its SH_INFO members (SH_INFO and SH_SCAN).
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

void session_info_json(strbuf *o, const session *s, uint64_t now, int with_st) {
    if (s->ex.duration) {
        SB_ADD_LIT(o, "\"expires\":true,\"expiry\":{");
        session_expiry_json(o, &s->ex);
        SB_ADD_LIT(o, ",\"remaining\":");
        sb_add_u64(o, sessions_remaining_s(s, now));
        SB_ADD_LIT(o, "},");
    } else {
        SB_ADD_LIT(o, "\"expires\":false,");
    }
    SB_ADD_LIT(o, "\"keyCnt\":");
    sb_add_u64(o, s->map.count);
    SB_ADD_LIT(o, ",\"shared\":");
    sb_add_bool(o, s->shared);
    if (with_st) SB_ADD_LIT(o, ",\"st\":1");
    SB_ADD_LIT(o, ",\"tkn\":");
    sb_add_u64(o, s->token);
}
