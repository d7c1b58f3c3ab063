/*
 * cmd_auth.c — SV_AUTH, an ndb extension: log this connection in as a user
 * of security.users (docs/protocol.md "ndb extensions"; auth.h).
 *
 *   {"SV_AUTH":{"user":"alice","password":"…"}}
 *     → {"SV_AUTH_RSP":{"role":"write","st":1,"user":"alice"}}
 *     → {"SV_AUTH_RSP":{"m":"wrong user or password","st":44,"tkn":null}}
 *
 * The parameters are checked as every command's are (1.9: 26, 41, in the
 * order of their names); the password is then checked by auth.c, whose
 * answer may come later (the check runs on a worker thread).  SV_AUTH is
 * flagged NOAUTH: it is the one command a connection may run before it
 * has logged in.  Logging in again switches the connection to the new
 * user; a failed attempt leaves the connection as it was.
 */
#include "server/auth.h"
#include "server/commands.h"
#include "server/params.h"

#include <openssl/crypto.h>

void cmd_SV_AUTH(request *r) {
    static const param_spec specs[] = {{"password", P_STRING, 1}, {"user", P_STRING, 1}};
    uint32_t idx[2];
    if (params_check(r, r->body, specs, 2, idx)) return;
    strbuf *user = &r->srv->key, password = STRBUF_INIT;
    sb_reset(user);
    jstr_decode(r->doc, req_tok(r, idx[1]), user);
    jstr_decode(r->doc, req_tok(r, idx[0]), &password);
    auth_login(r, user->buf ? user->buf : "", user->len, password.buf ? password.buf : "", password.len);
    if (password.buf) OPENSSL_cleanse(password.buf, password.cap);
    sb_free(&password);
}
