/*
 * cli_auth.c — TLS settings and the login of a client connection (see
 * cli_auth.h).
 */
#include "client/cli_auth.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client/cli.h"
#include "client/secret.h"
#include "common/netaddr.h"
#include "common/strbuf.h"
#include "common/username.h"
#include "common/wsurl.h"
#include "json/scan.h"

/* An environment variable, NULL when unset or empty. */
static const char *env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

void cli_login_init(cli_login *l) {
    if (l->base_set) return;
    l->base_set = 1;
    l->base_user = env("NDB_USER");
    l->base_tls.cacert = env("NDB_CACERT");
    l->base_tls.cert = env("NDB_CLIENT_CERT");
    l->base_tls.key = env("NDB_CLIENT_KEY");
}

void cli_login_base(cli_login *l, const char *user, const char *password_file, const char *cacert, const char *cert,
                    const char *key, int insecure) {
    cli_login_init(l);
    if (user) l->base_user = user;
    if (password_file) l->base_password_file = password_file;
    if (cacert) l->base_tls.cacert = cacert;
    if (cert) l->base_tls.cert = cert;
    if (key) l->base_tls.key = key;
    if (insecure) l->base_tls.insecure = 1;
}

void cli_login_command(cli_login *l, const char *user, const char *password_file, const char *cacert,
                       const char *cert, const char *key, int insecure) {
    cli_login_init(l);
    l->user = user ? user : l->base_user;
    if (l->user && !*l->user) l->user = NULL; /* --user '' logs in as nobody */
    l->password_file = password_file ? password_file : l->base_password_file;
    l->tls.cacert = cacert ? cacert : l->base_tls.cacert;
    l->tls.cert = cert ? cert : l->base_tls.cert;
    l->tls.key = key ? key : l->base_tls.key;
    l->tls.insecure = insecure || l->base_tls.insecure;
}

int cli_login_password_unused(const cli_login *l, const char *password_file) {
    return password_file && !l->user;
}

int cli_login_matches(const cli_login *l) { return !strcmp(l->opened_as, l->user ? l->user : ""); }

void cli_login_switched(cli_login *l, const char *user, const char *role) {
    snprintf(l->logged_in_as, sizeof l->logged_in_as, "%s", user);
    snprintf(l->role, sizeof l->role, "%s", role);
}

/* Replace dst with a copy of the secret src (dst is sized first: no
 * reallocation leaves a copy behind). */
static void secret_copy(strbuf *dst, const strbuf *src) {
    secret_wipe(dst);
    sb_grow(dst, SECRET_MAX + 1);
    sb_add(dst, src->buf ? src->buf : "", src->len);
}

/* Is the login in force the base one (same user, same password file)? */
static int is_base_login(const cli_login *l) {
    const char *f = l->password_file, *bf = l->base_password_file;
    return l->base_user && !strcmp(l->user, l->base_user) && (f == bf || (f && bf && !strcmp(f, bf)));
}

/* Read the password of l->user into l->password: --password-file, else
 * $NDB_PASSWORD, else the terminal.  0, or -1 with the reason in err. */
static int read_password(cli_login *l, char *err, size_t errlen) {
    secret_wipe(&l->password);
    l->have_password = 0;
    const char *pw = env("NDB_PASSWORD");
    if (l->password_file) {
        if (secret_read_file(l->password_file, &l->password, err, errlen)) return -1;
        if (!l->password.len) { /* no user has an empty password: sending it could only fail a login */
            secret_wipe(&l->password);
            snprintf(err, errlen, "no password for user '%s': the first line of password file %s is empty",
                     l->user, l->password_file);
            return -1;
        }
    } else if (pw) {
        if (strlen(pw) > SECRET_MAX) {
            snprintf(err, errlen, "NDB_PASSWORD is longer than %d bytes", SECRET_MAX);
            return -1;
        }
        sb_grow(&l->password, SECRET_MAX + 1);
        sb_adds(&l->password, pw);
    } else {
        char prompt[160], why[160];
        strbuf user = STRBUF_INIT; /* --user as typed, its escape sequences not obeyed */
        sb_add_visible(&user, l->user, strlen(l->user));
        snprintf(prompt, sizeof prompt, "Password for %s: ", user.len ? user.buf : "");
        sb_free(&user);
        if (secret_prompt(prompt, &l->password, why, sizeof why)) {
            /* "set NDB_PASSWORD" misled a cron job whose NDB_PASSWORD was
             * set, from a secret file that came out empty: an empty one
             * counts as unset, and the hint says so */
            const char *raw = getenv("NDB_PASSWORD");
            snprintf(err, errlen, "no password for user '%s': %s (%s, or give --password-file FILE)", l->user, why,
                     raw ? "NDB_PASSWORD is empty: set it to the password" : "set NDB_PASSWORD");
            return -1;
        }
    }
    if (!utf8_valid(l->password.buf, l->password.len)) { /* SV_AUTH is JSON text: the server would close at once */
        secret_wipe(&l->password);
        if (l->password_file)
            snprintf(err, errlen, "no password for user '%s': the first line of password file %s is not valid UTF-8",
                     l->user, l->password_file);
        else
            snprintf(err, errlen, "no password for user '%s': the password %s is not valid UTF-8", l->user,
                     pw ? "in NDB_PASSWORD" : "typed");
        return -1;
    }
    return 0;
}

int cli_login_password(cli_login *l, char *err, size_t errlen) {
    if (!l->user) return 0;
    if (!utf8_valid(l->user, strlen(l->user))) {
        snprintf(err, errlen, "cannot log in: the user name is not valid UTF-8");
        return -1;
    }
    if (!user_name_ok(l->user, strlen(l->user))) { /* the server's rule: such a login could only fail, after a KDF run */
        strbuf user = STRBUF_INIT; /* as typed, its escape sequences not obeyed */
        sb_add_visible(&user, l->user, strlen(l->user));
        snprintf(err, errlen, "cannot log in as '%s': a user name is 1 to %d bytes without control characters or ':'",
                 user.len ? user.buf : "", USER_NAME_MAX);
        sb_free(&user);
        return -1;
    }
    if (l->have_password && !strcmp(l->password_of, l->user)) return 0;
    int base = is_base_login(l);
    if (base && l->have_base_password) {
        secret_copy(&l->password, &l->base_password);
    } else {
        if (read_password(l, err, errlen)) return -1;
        if (base) {
            secret_copy(&l->base_password, &l->password);
            l->have_base_password = 1;
        }
    }
    snprintf(l->password_of, sizeof l->password_of, "%s", l->user);
    l->have_password = 1;
    return 0;
}

/* {"SV_AUTH":{"password":"…","user":"…"}} into out (to be wiped). */
static void login_request(const cli_login *l, strbuf *out) {
    sb_grow(out, 2 * SECRET_MAX + 256);
    SB_ADD_LIT(out, "{\"SV_AUTH\":{\"password\":");
    sb_add_json_string(out, l->password.buf ? l->password.buf : "", l->password.len);
    SB_ADD_LIT(out, ",\"user\":");
    sb_add_json_string(out, l->user, strlen(l->user));
    SB_ADD_LIT(out, "}}");
}

/* The server refused the password: it will not take it later either (its
 * users change only with a restart), so the next login reads it again --
 * the file an administrator has since edited, or the terminal -- instead
 * of failing the same way at every command of a REPL. */
static void forget_password(cli_login *l) {
    secret_wipe(&l->password);
    l->have_password = 0;
    if (is_base_login(l)) {
        secret_wipe(&l->base_password);
        l->have_base_password = 0;
    }
}

/* Read the answer to SV_AUTH (see cli_auth.h). */
int cli_login_answer(cli_login *l, const char *ans, size_t len, char *err, size_t errlen) {
    jdoc d = JDOC_INIT;
    uint64_t st = 0;
    int rc = 3;
    uint32_t t;
    if (jdoc_parse(&d, ans, len, NULL) || d.toks[0].type != JT_OBJECT || d.toks[0].count != 1 ||
        d.toks[2].type != JT_OBJECT || !(t = jobj_get(&d, 2, "st", 2)) || jnum_to_u64(&d, &d.toks[t], &st)) {
        /* quoted as cli_bad_answer quotes it, and cut so that the quote
         * fits err whole: a control character takes 4 bytes (\xhh), so 160
         * of them overflowed the callers' buffers, and snprintf cut inside
         * an escape or a character (half an é, shown as \xc3, no "...") */
        static const char what[] = "the server's answer to the login is not understood: ";
        strbuf q = STRBUF_INIT;
        sb_add_visible_fit(&q, ans, len, 160, errlen > sizeof what ? errlen - sizeof what : 0);
        snprintf(err, errlen, "%s%s", what, q.len ? q.buf : "");
        sb_free(&q);
        jdoc_free(&d);
        return 2;
    }
    /* the server's m and role go into messages (the REPL's banner shows
     * the role): quoted as every server message is, an escape sequence from
     * a server that is not ndb reached the terminal as it came */
    strbuf m = STRBUF_INIT;
    cli_member_visible(&d, 2, "m", &m);
    if (st == 1) {
        strbuf role = STRBUF_INIT;
        cli_member_visible(&d, 2, "role", &role);
        snprintf(l->role, sizeof l->role, "%s", role.buf ? role.buf : "");
        snprintf(l->logged_in_as, sizeof l->logged_in_as, "%s", l->user);
        snprintf(l->opened_as, sizeof l->opened_as, "%s", l->user);
        sb_free(&role);
        rc = 0;
    } else if (st == 44) {
        snprintf(err, errlen, "cannot log in as '%s': AuthFailed (44): %s", l->user, m.buf ? m.buf : "");
        forget_password(l);
    } else if (st == 14) {
        snprintf(err, errlen, "cannot log in as '%s': the server has no users (authentication is off); "
                              "connect without --user (and NDB_USER)", l->user);
    } else if (st == 10) {
        snprintf(err, errlen, "cannot log in as '%s': the server does not know SV_AUTH (an older server?)", l->user);
    } else if (st <= UINT_MAX && cli_status_name((unsigned)st)) {
        /* e.g. 43: the server left the password unchecked (its queue of
         * logins is long, or it shuts down); named as other statuses are */
        snprintf(err, errlen, "cannot log in as '%s': %s (%llu): %s", l->user, cli_status_name((unsigned)st),
                 (unsigned long long)st, m.buf ? m.buf : "");
    } else {
        snprintf(err, errlen, "cannot log in as '%s': status %llu: %s", l->user, (unsigned long long)st,
                 m.buf ? m.buf : "");
    }
    sb_free(&m);
    jdoc_free(&d);
    return rc;
}

/* Warn once (*warned) when the secret file of option what (--password-file)
 * may be read by every user of the machine: any of them then has the
 * password.  Only "others" count, as for the server's config and key (a
 * group of readers is the owner's choice).  Regular files only: /dev/null
 * (what completions pass so as never to prompt) and a pipe such as
 * <(pass show app) hold no copy of a secret at rest; a file that cannot be
 * read is said by whoever reads it. */
static void warn_file_mode(const char *prog, const char *what, const char *file, int *warned) {
    struct stat st;
    if (!file || !*file || *warned || stat(file, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH))
        return;
    fprintf_visible(stderr,
                    "%s: warning: %s %s is readable by every user of this machine (mode %04o): make it 0600 (or "
                    "0640, for a group of its readers)\n",
                    prog, what, file, (unsigned)(st.st_mode & 07777));
    *warned = 1;
}

/* The warnings (see cli_auth.h). */
void cli_login_warn(cli_login *l, const char *url, const char *prog) {
    ws_url u;
    char why[256];
    if (ws_url_parse(&u, url, why, sizeof why)) return; /* wsc_connect says what is wrong */
    if (u.tls && l->tls.insecure && !l->warned_insecure) {
        fprintf(stderr, "%s: warning: --insecure: the server's certificate is not checked; anyone on the way "
                        "can read and change this connection\n", prog);
        l->warned_insecure = 1;
    }
    if (!u.tls && l->user && !net_host_is_loopback(u.host) && !l->warned_plain) {
        fprintf_visible(stderr, "%s: warning: sending the password of '%s' unencrypted (ws://) to %s; use wss://\n",
                        prog, l->user, u.host);
        l->warned_plain = 1;
    }
    if (l->user) warn_file_mode(prog, "--password-file", l->password_file, &l->warned_password_file);
}

ws_client *cli_login_connect(cli_login *l, const char *url, int timeout_ms, char *err, size_t errlen, int *rc) {
    *rc = 2;
    l->logged_in_as[0] = 0;
    l->opened_as[0] = 0;
    l->role[0] = 0;
    if (cli_login_password(l, err, errlen)) return NULL;
    cli_login_warn(l, url, "ndb");
    ws_client *ws = wsc_connect_opts(url, timeout_ms, &l->tls, err, errlen);
    if (!ws || !l->user) return ws;
    strbuf req = STRBUF_INIT, ans = STRBUF_INIT;
    login_request(l, &req);
    int sent = wsc_send(ws, req.buf, req.len);
    OPENSSL_cleanse(req.buf, req.cap);
    sb_free(&req);
    char why[320];
    int r = sent < 0 ? -1 : wsc_recv(ws, &ans, timeout_ms, why, sizeof why);
    if (r == 1) {
        *rc = cli_login_answer(l, ans.buf, ans.len, err, errlen);
    } else if (r == 0) {
        snprintf(err, errlen, "no answer to the login from %s: timed out after %d ms", wsc_url(ws), timeout_ms);
    } else {
        snprintf(err, errlen, "lost connection to %s while logging in: %s", wsc_url(ws),
                 sent < 0 ? "connection closed" : why);
    }
    sb_free(&ans);
    if (*rc) {
        wsc_close(ws);
        return NULL;
    }
    return ws;
}

void cli_login_free(cli_login *l) {
    secret_wipe(&l->password);
    l->have_password = 0;
    secret_wipe(&l->base_password);
    l->have_base_password = 0;
}
