/*
 * auth.h — users, logins and roles on the server (README "Security").
 *
 * With no users configured, authentication is off: every connection has
 * ROLE_ADMIN, as before users existed, and SV_AUTH answers 14.  With
 * users, a connection starts at ROLE_NONE and gets its user's role from a
 * successful login: SV_AUTH on the wire (auth_login), or Basic
 * authentication in the handshake (auth_basic).  dispatch.c compares each
 * command's role (commands.def) with the connection's, in one place.
 *
 * A login checks the password with the KDF of common/pwhash.h:
 *   - on the worker thread (auth_worker.h) for SV_AUTH: the reply is
 *     deferred (client_defer) and the connection's further requests are
 *     held until it is answered, so a pipelined request right behind
 *     SV_AUTH runs with the new role;
 *   - per source address at most about 10 checks a second
 *     (auth_throttle.h): a check over the rate is started later, so the
 *     answer comes later — the event loop never waits;
 *   - one check runs at a time, and of the logins whose start has come the
 *     next is one of the earliest round (a login takes the round after
 *     the latest begun, or after its address's last queued login): an
 *     address may start checks faster than the worker ends them at the
 *     default cost, and first come first served would make every other
 *     address's login wait behind the backlog of one;
 *   - a login whose check could not start within AUTH_QUEUE_MAX_MS, or
 *     one check's time when that is longer (the checks that go before it,
 *     at what checks take lately, and its address's rate), is answered at
 *     once, unchecked: 43, AUTH_BUSY_MSG
 *     and a time to try again -- a client would have given up on an
 *     answer that late and seen a timeout, not a refusal, and the queue
 *     of one address stays a few seconds long;
 *   - a login whose client has gone (a reset; or, on the lws path, a clean
 *     close, which the transport's tick sees although input is not read
 *     while a login is pending: peer_gone.h) is dropped
 *     unchecked, and a password is at most AUTH_PASSWORD_MAX bytes (status
 *     42 beyond): a waiting login holds its password, and neither may grow
 *     the server's memory;
 *   - a password that matched once is remembered as an HMAC under a
 *     random per-process key (the "credential cache"), so that a client
 *     reconnecting with the same password is let in without another KDF
 *     run; only a wrong password (or the first login of a user since the
 *     server started) costs a KDF run;
 *   - a wrong user name costs the same as a wrong password (a KDF run
 *     against a dummy hash) and gets the same answer: st 44, "wrong user
 *     or password";
 *   - the fifth failure on a connection closes it (1008) after its answer.
 * Passwords are never logged; failures are logged with the user name and
 * the address.
 */
#ifndef NDB_AUTH_H
#define NDB_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "server/request.h"
#include "server/users.h"

/* The handshake's password checks run on the loop (auth_basic): they may
 * take a tenth of its time in the long run, and this much at once. */
#define AUTH_SYNC_BURST_MS 500

/* The longest password SV_AUTH and Basic accept: what ndb passwd and the
 * client read (SECRET_MAX), so no longer one can match a hash of ours. */
#define AUTH_PASSWORD_MAX 4096

/* Failed logins after which a connection is closed. */
#define AUTH_MAX_FAILURES 5
/* The answer to a wrong user name or password (status 44). */
#define AUTH_FAILED_MSG "wrong user or password"
/* The answer to a command before a login (status 43). */
#define AUTH_REQUIRED_MSG "authentication required"
/* A login whose check could not start within this (ms) is refused
 * unchecked: below ndb's default --timeout (5 s), with a check's time to
 * spare at the default cost. */
#define AUTH_QUEUE_MAX_MS 3000
/* The answer to such a login (status 43), followed by "; try again in N s". */
#define AUTH_BUSY_MSG "too many logins waiting: the password was not checked"
/* The answer to a login the shutdown left unchecked (status 43). */
#define AUTH_SHUTDOWN_MSG "the server is shutting down: the password was not checked"

/* What the loop provides. */
typedef struct auth_hooks {
    /* Wake the loop so that it calls auth_poll(); called on the worker
     * thread.  NULL: no worker thread, checks run inline (unit tests). */
    void (*notify)(void);
    /* Call auth_poll() after delay_ms, replacing an earlier request. */
    void (*arm)(uint64_t delay_ms);
    /* Monotonic milliseconds. */
    uint64_t (*now_ms)(void);
    /* What one KDF iteration costs, in ns, to start from; 0: timed at
     * start (the server).  Unit tests give one, so that what a check is
     * expected to take does not depend on how loaded the machine is. */
    double ns_per_iteration;
} auth_hooks;

/* Set up for the users of the config (kept by reference: they must
 * outlive the server) and the loop's hooks.  Returns 0, or -1 when the
 * worker thread cannot be started. */
int auth_init(const ndb_userlist *users, const auth_hooks *hooks);

/* At the start of a shutdown (PROTOCOL 1.6): answer every login not yet
 * answered with 43 (AUTH_SHUTDOWN_MSG), unchecked, and every later one
 * likewise — each close frame waits behind its client's answer, and a
 * check may take longer than the clients are given to close. */
void auth_stop_logins(void);

/* Stop the worker and drop every login still in progress (their clients
 * are gone: the transport has ended). */
void auth_shutdown(void);

/* Are users configured? */
int auth_enabled(void);

/* The role of a new connection: ROLE_NONE with users, else ROLE_ADMIN. */
enum cmd_role auth_initial_role(void);

/* SV_AUTH: check the user name and password (validated strings) for the
 * client of r.  Answers now (a cache hit) or defers the answer. */
void auth_login(request *r, const char *user, size_t ulen, const char *password, size_t pwlen);

/* Once a tick: the line that sums up the refused logins not logged one
 * by one (log_rate.h), if any. */
void auth_log_tick(void);

/* Start the checks whose time has come and answer the finished ones (on
 * the loop thread, when woken by notify or the timer). */
void auth_poll(void);

/* The outcome of the handshake's Authorization header. */
enum auth_basic_result {
    AUTH_BASIC_OK,        /* *user is set */
    AUTH_BASIC_FAILED,    /* wrong user or password: HTTP 401 */
    AUTH_BASIC_MALFORMED, /* not Basic base64(user:password), or a password
                           * too long to be anyone's: HTTP 401, unchecked */
    AUTH_BASIC_THROTTLED, /* too many checks from this address: HTTP 429 */
    AUTH_BASIC_BUSY,      /* the loop's budget for checks is spent: HTTP 503 */
    AUTH_BASIC_TOO_SLOW,  /* the check alone would take more than a burst: HTTP 503, use SV_AUTH */
};

/*
 * Check an "Authorization: Basic ..." header value from addr, during the
 * handshake.  The handshake cannot wait for the worker, so a check that
 * misses the credential cache runs the KDF on the loop thread; to keep
 * that from stalling the server, such checks are limited per address (429)
 * and to a tenth of the loop's time overall, with bursts of at most
 * AUTH_SYNC_BURST_MS (503).  A check's cost is known before it runs (its
 * iterations times the measured cost of one): it runs only if the budget
 * holds it, and never if it alone exceeds a burst (TOO_SLOW: that user
 * logs in with SV_AUTH, on the worker thread).  *retry_s is the
 * Retry-After for THROTTLED and BUSY.
 */
enum auth_basic_result auth_basic(const char *value, const char *addr, const ndb_user **user, unsigned *retry_s);

/* For tests: forget the credential cache. */
void auth_forget_cache(void);

#endif
