/*
 * cli_auth.h — how a client connection is secured and logged in
 * (README "Security", man ndb "SECURITY"):
 *   - wss:// with --cacert FILE ($NDB_CACERT: CAs trusted besides the
 *     system's), --client-cert FILE / --client-key FILE
 *     ($NDB_CLIENT_CERT, $NDB_CLIENT_KEY: a client
 *     certificate, for a server started with --tls-ca), --insecure (no
 *     check of the server's certificate, with a warning);
 *   - --user NAME ($NDB_USER): log in with SV_AUTH right after connecting.
 *     The password comes from --password-file FILE (its first line; empty
 *     is no password, an error), else
 *     $NDB_PASSWORD, else a prompt without echo on the terminal — never
 *     from an argument.  It is read once and kept (wiped at the end) so
 *     that the REPL can log in again after a reconnect.
 * Shared by the table commands (cli_conn.c), `ndb send`, the REPL and
 * `ndb bench`.
 */
#ifndef NDB_CLI_AUTH_H
#define NDB_CLI_AUTH_H

#include <stddef.h>

#include "client/wsclient.h"
#include "common/strbuf.h"

typedef struct cli_login {
    /* what applies when a command names none of these options: the
     * environment, or the options a REPL was started with */
    const char *base_user, *base_password_file;
    wsc_options base_tls;
    int base_set;
    /* in force for the current command */
    const char *user; /* NULL: no login */
    const char *password_file;
    wsc_options tls;
    /* the password, once read, and whose it is */
    strbuf password;
    char password_of[80];
    int have_password;
    /* the base user's password (the REPL's --user), kept apart: a line
     * that logs in as someone else replaces `password`, and the REPL must
     * not ask for its own password again (it is read once) */
    strbuf base_password;
    int have_base_password;
    /* the connection's login: its user ("" for none) and the role granted */
    char logged_in_as[80];
    char role[16];
    /* the user this client logged the connection in as ("" for none), what
     * cli_login_matches compares: after a raw SV_AUTH typed in the REPL the
     * connection is another user's (logged_in_as) but still the REPL's */
    char opened_as[80];
    int warned_insecure, warned_plain, warned_password_file;
} cli_login;

/* Take the environment ($NDB_USER, $NDB_CACERT, $NDB_CLIENT_CERT,
 * $NDB_CLIENT_KEY) as
 * the base, once; options given to a REPL may then replace it with
 * cli_login_base().  Idempotent. */
void cli_login_init(cli_login *l);

/* Replace the base with these values where they are not NULL (insecure:
 * set when nonzero). */
void cli_login_base(cli_login *l, const char *user, const char *password_file, const char *cacert, const char *cert,
                    const char *key, int insecure);

/* The settings of one command: each option given (not NULL) wins over the
 * base. */
void cli_login_command(cli_login *l, const char *user, const char *password_file, const char *cacert,
                       const char *cert, const char *key, int insecure);

/* A password file was given (password_file, the command's own option, not
 * NULL) but no user is to log in: the password would go unused without a
 * word, so the caller makes it a usage error with this message. */
#define CLI_LOGIN_NO_USER                                                                                      \
    "--password-file needs a user to log in as: --user NAME, or NDB_USER (an empty --user '' means no user, "  \
    "whatever NDB_USER says)"
int cli_login_password_unused(const cli_login *l, const char *password_file);

/* Connect to url within timeout_ms with the TLS settings in force, then
 * log in if a user is set (reading the password first if needed).  Prints
 * the warnings of --insecure and of a password sent without TLS beyond
 * loopback (once each).  Returns the client, or NULL with a one-line
 * reason in err and the exit status in *rc: 2 (CLI_USAGE) when the server
 * cannot be reached or no password can be read, 3 (CLI_SERVER) when the
 * server refuses the login. */
ws_client *cli_login_connect(cli_login *l, const char *url, int timeout_ms, char *err, size_t errlen, int *rc);

/* The warnings of cli_login_connect, for a client that connects by other
 * means (ndb bench): --insecure on a wss:// url, a password that would
 * go unencrypted (ws://) beyond loopback, and a --password-file that every
 * user of the machine may read; one line each on stderr, starting with
 * prog ("ndb", "ndb bench"), once each per cli_login. */
void cli_login_warn(cli_login *l, const char *url, const char *prog);

/* Read the answer (len bytes at ans) to the SV_AUTH of l->user: 0 with
 * the role recorded; else the exit status, 3 when the server refused the
 * login, 2 for an answer not understood, with the reason in err, e.g.
 * "cannot log in as 'alice': AuthFailed (44): wrong user or password".
 * Shared with ndb bench, which logs in on connections of its own. */
int cli_login_answer(cli_login *l, const char *ans, size_t len, char *err, size_t errlen);

/* Is ws, logged in as l->opened_as, still right for the command in force
 * (same user)? */
int cli_login_matches(const cli_login *l);

/* A login sent by hand on the connection (a raw SV_AUTH in the REPL) was
 * answered Ok: the connection is now user's, with role. */
void cli_login_switched(cli_login *l, const char *user, const char *role);

/* The password of the user in force, reading it if needed into
 * l->password; the base user's is read only once, whoever logged in
 * between, until the server refuses it (44: cli_login_answer forgets it,
 * and the next call reads it again).  0, or -1 with the reason in err. */
int cli_login_password(cli_login *l, char *err, size_t errlen);

/* Wipe the password; free what l owns. */
void cli_login_free(cli_login *l);

#endif
