/*
 * auth.c — logins: SV_AUTH answered through the worker, Basic
 * authentication in the handshake, the credential cache (see auth.h).
 */
#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "common/log_rate.h"
#include "common/plural.h"
#include "json/scan.h"
#include "server/auth_throttle.h"
#include "server/auth_worker.h"
#include "server/refusal_log.h"

/* A user name as log_name writes it: JSON-quoted (6 bytes a character at
 * most), and a note when it was cut. */
#define LOG_NAME_BYTES (USER_NAME_MAX * 6 + 40)

/* A login in progress: its job for the worker, the deferred reply, and
 * when its check may start. */
typedef struct login {
    auth_job job;          /* first: the worker hands back &job */
    client_slot *slot;     /* the reply; slot->c is NULL once the client is gone */
    const ndb_user *user;  /* NULL: unknown name (checked against the dummy hash) */
    char name[LOG_NAME_BYTES]; /* as sent, JSON-quoted, for the log */
    char addr[64];
    unsigned char addr_key[16]; /* the throttle's: the same key is the same client */
    unsigned ahead;        /* logins of the same key waiting or running when it came */
    uint64_t turn;         /* the round it takes its turn in (start_due) */
    uint64_t start_ms;
    struct login *next;    /* the list of logins waiting for their start */
} login;

/* The remembered HMAC of a user's password that matched. */
typedef struct cached {
    unsigned char tag[32];
    int set;
} cached;

static struct {
    const ndb_userlist *users;
    auth_hooks hooks;
    cached *cache;               /* one per user, same index */
    unsigned char cache_key[32]; /* random, per process */
    pwhash dummy;                /* for unknown names in a handshake: never matches; the cost
                                  * of the dearest user a handshake can check */
    uint32_t login_iterations;   /* what every failed SV_AUTH costs: the dearest user's */
    throttle *throttle;
    login *waiting;              /* sorted by start_ms */
    login *running;              /* the one login the worker checks, if any */
    uint64_t run_start_ms;       /* when the worker started it */
    double ns_worker;            /* what one KDF iteration costs the worker lately (its checks
                                  * timed, the load included): how long the queue will take */
    uint64_t turn;               /* the latest turn a check was started in */
    int64_t sync_budget_ms;      /* loop time handshake checks may still take (auth_basic) */
    double ns_per_iteration;     /* what one KDF iteration costs now (the loop's load included):
                                  * what a check will take from the budget */
    double ns_fastest;           /* the least one KDF iteration was ever seen to cost here:
                                  * whether a user's check can ever fit in a burst */
    uint64_t sync_at_ms;         /* when the budget was last refilled */
    int started;
    int stopping;                /* the server shuts down: no check is started (auth_stop_logins) */
} A;

int auth_enabled(void) { return A.users && A.users->n > 0; }

enum cmd_role auth_initial_role(void) { return auth_enabled() ? ROLE_NONE : ROLE_ADMIN; }

static void log_name(char *out, size_t outlen, const char *name, size_t n);

/* Time a few thousand KDF iterations, so that auth_basic knows what a
 * check will cost before running it on the loop thread.  The fastest of
 * five runs: a run during which the process was descheduled (a busy
 * machine, a boot starting many services) is slower, never faster, and one
 * such run timed alone made every user look too slow for a handshake. */
static void calibrate(void) {
    pwhash h = A.dummy;
    h.iterations = 4000;
    double best = 0;
    for (int run = 0; run < 5; run++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        (void)pwhash_verify(&h, "calibration", 11);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
        if (ns > 0 && (best == 0 || ns < best)) best = ns;
    }
    A.ns_per_iteration = A.ns_fastest = A.ns_worker = best > 0 ? best / h.iterations : 1;
}

/* The milliseconds a check of `iterations` should take at the load seen
 * lately, and at the machine's best. */
static uint64_t check_ms(uint32_t iterations) { return (uint64_t)(iterations * A.ns_per_iteration / 1e6); }
static uint64_t check_ms_fastest(uint32_t iterations) { return (uint64_t)(iterations * A.ns_fastest / 1e6); }

/* What a check of `iterations` takes from the handshake budget: the estimate
 * at the load seen lately, at least 1 ms and at most a burst.  Without the
 * cap, one check slowed by load (the process descheduled) made the next look
 * too dear for the budget ever to pay, and no check ran again to correct the
 * estimate: 503 for good. */
static int64_t budget_cost_ms(uint32_t iterations) {
    uint64_t ms = check_ms(iterations);
    return ms < 1 ? 1 : ms > AUTH_SYNC_BURST_MS ? AUTH_SYNC_BURST_MS : (int64_t)ms;
}

/* The budget of loop time for Basic checks: a tenth of the time that passed,
 * at most a burst.  Only whole milliseconds are added and the rest of the
 * time stays for the next refill: dropping it made handshakes less than
 * 10 ms apart (a busy server's clients logging in with cached passwords,
 * which cost nothing) add nothing at all, so no check that needs the
 * budget ran again for as long as they kept coming. */
static void refill_budget(uint64_t now) {
    uint64_t ms = (now - A.sync_at_ms) / 10;
    A.sync_budget_ms += (int64_t)ms;
    A.sync_at_ms += ms * 10;
    if (A.sync_budget_ms >= AUTH_SYNC_BURST_MS) { /* full: time from here on counts */
        A.sync_budget_ms = AUTH_SYNC_BURST_MS;
        A.sync_at_ms = now;
    }
}

int auth_init(const ndb_userlist *users, const auth_hooks *hooks) {
    memset(&A, 0, sizeof A);
    A.users = users;
    A.hooks = *hooks;
    if (!auth_enabled()) return 0;
    A.cache = calloc(users->n, sizeof *A.cache);
    A.throttle = throttle_new();
    if (!A.cache) abort();
    A.dummy.iterations = users->items[0].hash.iterations;
    A.sync_budget_ms = AUTH_SYNC_BURST_MS;
    A.sync_at_ms = hooks->now_ms();
    A.dummy.salt_len = PWHASH_SALT_LEN;
    A.dummy.key_len = PWHASH_KEY_LEN;
    if (RAND_bytes(A.cache_key, sizeof A.cache_key) != 1 || RAND_bytes(A.dummy.salt, PWHASH_SALT_LEN) != 1 ||
        RAND_bytes(A.dummy.key, PWHASH_KEY_LEN) != 1)
        return -1;
    if (auth_worker_start(hooks->notify)) return -1;
    if (hooks->ns_per_iteration > 0)
        A.ns_per_iteration = A.ns_fastest = A.ns_worker = hooks->ns_per_iteration;
    else
        calibrate();
    /* A failure must not say whether the name exists: its answer is the
     * same, and so is its cost.  A failed SV_AUTH costs what the dearest
     * user's check costs (a cheaper user's check is padded with rounds
     * against the dummy hash after it fails; an unknown name is checked
     * against the dummy, padded likewise); a failed handshake costs what the
     * dearest user a handshake can check costs (the dummy's iterations), and
     * its answer for an unknown name is 401, not 503. */
    uint32_t dummy = 0;
    for (size_t i = 0; i < users->n; i++)
        if (check_ms_fastest(users->items[i].hash.iterations) <= AUTH_SYNC_BURST_MS &&
            users->items[i].hash.iterations > dummy)
            dummy = users->items[i].hash.iterations;
    if (dummy) A.dummy.iterations = dummy;
    for (size_t i = 0; i < users->n; i++)
        if (users->items[i].hash.iterations > A.login_iterations) A.login_iterations = users->items[i].hash.iterations;
    for (size_t i = 0; i < users->n; i++) {
        uint64_t ms = check_ms_fastest(users->items[i].hash.iterations);
        if (ms <= AUTH_SYNC_BURST_MS) continue;
        char name[LOG_NAME_BYTES];
        log_name(name, sizeof name, users->items[i].name, strlen(users->items[i].name));
        log_warn("user %s: a password check takes about %llu ms here, more than the %d ms a handshake may "
                 "spend: Basic authentication refuses this user (503); SV_AUTH works",
                 name, (unsigned long long)ms, AUTH_SYNC_BURST_MS);
    }
    A.started = 1;
    return 0;
}

/* The HMAC of a password under the cache key. */
static void cache_tag(const char *pw, size_t len, unsigned char tag[32]) {
    unsigned int n = 32;
    HMAC(EVP_sha256(), A.cache_key, sizeof A.cache_key, (const unsigned char *)pw, len, tag, &n);
}

/* Does the password match what user u last logged in with? */
static int cache_hit(const ndb_user *u, const char *pw, size_t len) {
    const cached *c = &A.cache[u - A.users->items];
    if (!c->set) return 0;
    unsigned char tag[32];
    cache_tag(pw, len, tag);
    int same = CRYPTO_memcmp(tag, c->tag, sizeof tag) == 0;
    OPENSSL_cleanse(tag, sizeof tag);
    return same;
}

static void cache_store(const ndb_user *u, const char *pw, size_t len) {
    cached *c = &A.cache[u - A.users->items];
    cache_tag(pw, len, c->tag);
    c->set = 1;
}

void auth_forget_cache(void) {
    if (A.cache) memset(A.cache, 0, A.users->n * sizeof *A.cache);
}

/* {"SV_AUTH_RSP":{"role":"write","st":1,"user":"alice"}} */
static void success_text(strbuf *out, const ndb_user *u) {
    SB_ADD_LIT(out, "{\"SV_AUTH_RSP\":{\"role\":\"");
    sb_adds(out, cmd_role_name(u->role));
    SB_ADD_LIT(out, "\",\"st\":1,\"user\":");
    sb_add_json_string(out, u->name, strlen(u->name));
    SB_ADD_LIT(out, "}}");
}

static void failure_text(strbuf *out) {
    SB_ADD_LIT(out, "{\"SV_AUTH_RSP\":{\"m\":\"" AUTH_FAILED_MSG "\",\"st\":");
    sb_add_u64(out, ST_AUTH_FAILED);
    SB_ADD_LIT(out, ",\"tkn\":null}}");
}

/* The answer to a login the shutdown left unchecked: 43, the connection is
 * still not logged in (44 would count as a wrong password). */
static void unchecked_text(strbuf *out) {
    SB_ADD_LIT(out, "{\"SV_AUTH_RSP\":{\"m\":\"" AUTH_SHUTDOWN_MSG "\",\"st\":");
    sb_add_u64(out, ST_AUTH_REQUIRED);
    SB_ADD_LIT(out, ",\"tkn\":null}}");
}

/* The lines of logins refused unchecked because the queue is long: a
 * client can send them by the thousand, so they are bounded in rate. */
static log_rate busy_lines = LOG_RATE_INIT("refused", "login", " unchecked");

void auth_log_tick(void) { log_rate_tick(&busy_lines); }

/* A user name as sent, safe for one log line: JSON-quoted, cut short —
 * and then saying so: a name sent as a real user's name plus more bytes,
 * cut to the real one, blamed that user for the failure. */
static void log_name(char *out, size_t outlen, const char *name, size_t n) {
    strbuf q = STRBUF_INIT;
    size_t kept = utf8_cut(name, n, USER_NAME_MAX);
    sb_add_json_string(&q, name, kept);
    if (kept < n) snprintf(out, outlen, "%s (the first %zu of its %zu bytes)", q.buf, kept, n);
    else snprintf(out, outlen, "%s", q.buf);
    sb_free(&q);
}

static void grant(client *c, const ndb_user *u) {
    c->role = u->role;
    c->user = u->name;
    if (c->ops->logged_in) c->ops->logged_in(c);
}

/* Count a failure of client c: log it; returns whether it was the last
 * one allowed (the caller closes the connection after the answer). */
static int failed(client *c, const char *quoted_name, const char *addr) {
    c->auth_failures++;
    log_info("authentication failed for user %s from %s (%u of %d on this connection)", quoted_name, addr,
             c->auth_failures, AUTH_MAX_FAILURES);
    return c->auth_failures >= AUTH_MAX_FAILURES;
}

static void login_free(login *l);

/* Drop the waiting logins whose client has gone, unchecked: each holds
 * its password, and clients that send SV_AUTH and hang up would
 * otherwise fill memory (and the worker's time) until their throttled
 * start.  Each gives back its place in its address's rate: a login that
 * is never checked costs nothing, else SV_AUTH and a reset, repeated,
 * would push the address's next check hours away for free (every client
 * behind one proxy locked out). */
static void drop_gone(void) {
    uint64_t now = A.hooks.now_ms();
    for (login **at = &A.waiting; *at;) {
        login *l = *at;
        if (l->slot->c) {
            at = &l->next;
            continue;
        }
        *at = l->next;
        throttle_release(A.throttle, l->addr, now);
        client_slot_fill(l->slot, "", 0); /* frees the slot */
        login_free(l);
    }
}

/* Place new login l among the others of its client (same throttle key):
 * l->ahead, how many of them are waiting or running, and l->turn, the
 * round after the latest started or after its client's last login still
 * waiting or running, whichever is later.  Counting only the logins ahead
 * of it would not do: those are answered while it waits, and a client's
 * second login (one ahead) then lost every turn to the fresh logins of
 * other addresses (none ahead) for as long as they kept coming.  One walk
 * of the queue for both. */
static void place_login(login *l) {
    uint64_t t = A.turn;
    unsigned n = 0;
    /* the running login (not in the queue), then the queue */
    for (const login *o = A.running ? A.running : A.waiting; o; o = o == A.running ? A.waiting : o->next) {
        if (memcmp(o->addr_key, l->addr_key, 16)) continue;
        n++;
        if (o->turn > t) t = o->turn;
    }
    l->ahead = n;
    l->turn = t + 1;
}

/* Whether login a takes its turn before b: the earlier turn, then the
 * fewer of its client ahead of it (a client with none queued goes before
 * another's backlog). */
static int before(const login *a, const login *b) {
    return a->turn != b->turn ? a->turn < b->turn : a->ahead < b->ahead;
}

/* What a failed SV_AUTH check takes the worker lately (every failure costs
 * the dearest user's iterations, see auth_init), at least 1 ms. */
static uint64_t login_check_ms(void) {
    uint64_t ms = (uint64_t)(A.login_iterations * A.ns_worker / 1e6);
    return ms ? ms : 1;
}

/* When the check of new login l (placed, its start in the rate reserved)
 * should start: once the running check and the waiting logins that take
 * their turn before it have been checked (each taking what checks take
 * lately), and not before its start in its address's rate.  An estimate
 * made when it comes: logins of other addresses that come later may still
 * take their turn before it, one each at most per round. */
static uint64_t start_estimate(const login *l, uint64_t now) {
    uint64_t cost = login_check_ms(), free_at = now;
    if (A.running && A.run_start_ms + cost > now) free_at = A.run_start_ms + cost;
    for (const login *o = A.waiting; o; o = o->next)
        if (!before(l, o)) free_at += cost;
    return free_at > l->start_ms ? free_at : l->start_ms;
}

/* Learn what a check takes the worker from login l's, just ended. */
static void learn_check_time(const login *l) {
    uint64_t ms = A.hooks.now_ms() - A.run_start_ms;
    uint64_t done = l->job.hash->iterations + (l->job.ok ? 0 : l->job.pad_iterations);
    if (ms < 50 || !done) return; /* too short for the clock to say */
    A.ns_worker = 0.75 * A.ns_worker + 0.25 * ((double)ms * 1e6 / done);
}

/* When the worker is free, hand it the next login whose start time has
 * come: the one of the earliest turn (place_login, before; the earliest of
 * those), so that each client's logins take turns with the others'
 * however many one has queued.  Then arm the timer for the first login
 * whose start is still to come. */
static void start_due(void) {
    uint64_t now = A.hooks.now_ms();
    drop_gone();
    login **at, **next = NULL;
    for (at = &A.waiting; *at && (*at)->start_ms <= now; at = &(*at)->next)
        if (!next || before(*at, *next)) next = at;
    if (*at) A.hooks.arm((*at)->start_ms - now);
    if (next && !A.running) {
        A.running = *next;
        *next = A.running->next;
        if (A.running->turn > A.turn) A.turn = A.running->turn;
        A.run_start_ms = now;
        log_debug("password check of user %s from %s: started", A.running->name, A.running->addr);
        auth_worker_submit(&A.running->job);
    }
}

void auth_login(request *r, const char *user, size_t ulen, const char *password, size_t pwlen) {
    client *c = r->cl;
    if (!auth_enabled()) {
        rsp_fail(r, ST_COMMAND_DISABLED, "authentication is off: the server has no users");
        return;
    }
    if (pwlen > AUTH_PASSWORD_MAX) { /* it cannot match, and a waiting login would hold it */
        char m[64];
        snprintf(m, sizeof m, "'password' is longer than %d bytes", AUTH_PASSWORD_MAX);
        rsp_fail(r, ST_VALUE_SIZE, m);
        return;
    }
    if (A.stopping) { /* as the logins the shutdown found waiting */
        unchecked_text(r->out);
        return;
    }
    const ndb_user *u = users_find(A.users, user, ulen);
    if (u && cache_hit(u, password, pwlen)) {
        char name[LOG_NAME_BYTES];
        log_name(name, sizeof name, user, ulen);
        grant(c, u);
        success_text(r->out, u);
        log_info("user %s authenticated from %s (role %s)", name, c->addr, cmd_role_name(u->role)); /* every login */
        return;
    }
    login *l = calloc(1, sizeof *l);
    if (!l || !(l->job.password = malloc(pwlen + 1))) abort();
    memcpy(l->job.password, password, pwlen);
    l->job.len = pwlen;
    l->job.hash = u ? &u->hash : &A.dummy;
    l->job.pad = &A.dummy;
    uint32_t own = l->job.hash->iterations;
    l->job.pad_iterations = A.login_iterations > own ? A.login_iterations - own : 0;
    l->user = u;
    log_name(l->name, sizeof l->name, user, ulen);
    snprintf(l->addr, sizeof l->addr, "%s", c->addr);
    drop_gone();
    throttle_address_key(c->addr, l->addr_key);
    place_login(l); /* before it joins the queue */
    uint64_t now = A.hooks.now_ms();
    l->start_ms = throttle_reserve(A.throttle, c->addr, now);
    uint64_t wait_ms = start_estimate(l, now) - now;
    /* a user whose one check takes longer may still wait for one check */
    uint64_t max_wait_ms = login_check_ms() > AUTH_QUEUE_MAX_MS ? login_check_ms() : AUTH_QUEUE_MAX_MS;
    client_slot *slot = NULL;
    if (wait_ms > max_wait_ms || !(slot = client_defer(c))) {
        /* Refused unchecked (or its client is closing: nobody to answer).
         * A client gives up on an answer that long in coming (ndb's
         * --timeout is 5 s): it saw a timeout, not whether the password was
         * wrong, while the login stayed queued for a check nobody awaited.
         * Never checked, it gives its place in the rate back. */
        throttle_release(A.throttle, c->addr, now);
        if (!slot) {
            unsigned retry_s = (unsigned)((wait_ms + 999) / 1000);
            char m[128];
            snprintf(m, sizeof m, AUTH_BUSY_MSG "; try again in %u s", retry_s);
            rsp_fail(r, ST_AUTH_REQUIRED, m);
            log_rate_msg(&busy_lines, LOG_INFO,
                         "refused a login of user %s from %s unchecked: its check could not start for %llu ms "
                         "(too many logins waiting)",
                         l->name, l->addr, (unsigned long long)wait_ms);
        }
        login_free(l);
        return;
    }
    l->slot = slot;
    client_hold(c, 1); /* what follows runs with the outcome */
    login **at = &A.waiting;
    while (*at && (*at)->start_ms <= l->start_ms) at = &(*at)->next;
    l->next = *at;
    *at = l;
    start_due(); /* not auth_poll: nothing may be answered while dispatch runs */
}

/* Free a login and wipe its password. */
static void login_free(login *l) {
    OPENSSL_cleanse(l->job.password, l->job.len);
    free(l->job.password);
    free(l);
}

/* Answer a finished login. */
static void finish(login *l) {
    if (A.running == l) {
        learn_check_time(l);
        A.running = NULL;
    }
    if (!l->slot) { /* answered unchecked by auth_stop_logins */
        login_free(l);
        return;
    }
    client *c = l->slot->c; /* NULL if the client went away */
    int ok = l->job.ok && l->user, close_it = 0;
    strbuf text = STRBUF_INIT;
    log_debug("password check of user %s from %s: %llu iterations", l->name, l->addr,
              (unsigned long long)l->job.hash->iterations + (l->job.ok ? 0 : l->job.pad_iterations));
    if (ok) {
        cache_store(l->user, l->job.password, l->job.len);
        success_text(&text, l->user);
        if (c) {
            grant(c, l->user);
            log_info("user %s authenticated from %s (role %s)", l->name, l->addr, cmd_role_name(l->user->role));
        }
    } else {
        failure_text(&text);
        if (c) close_it = failed(c, l->name, l->addr);
    }
    client_slot_fill(l->slot, text.buf, text.len); /* frees the slot */
    if (c && close_it) client_close(c, 1008, "too many failed authentication attempts");
    /* Input resumes even when closing: the client's answering close frame
     * must be read for the close to complete now rather than at the close
     * timeout (5 s); requests read after the close are discarded. */
    if (c) client_hold(c, 0);
    sb_free(&text);
    login_free(l);
}

void auth_poll(void) {
    if (!A.started) return;
    start_due();
    for (auth_job *j; (j = auth_worker_done());) {
        for (auth_job *next; j; j = next) {
            next = j->next;
            finish((login *)j);
        }
        start_due(); /* the worker is free (without a worker thread the check is done at once) */
    }
}

/* Answer login l unchecked (43) and let its client's input resume, so
 * that the close frame queued behind the answer can go out. */
static void answer_unchecked(login *l) {
    client *c = l->slot->c;
    strbuf text = STRBUF_INIT;
    unchecked_text(&text);
    client_slot_fill(l->slot, text.buf, text.len); /* frees the slot */
    l->slot = NULL;
    if (c) client_hold(c, 0);
    sb_free(&text);
}

void auth_stop_logins(void) {
    if (!A.started || A.stopping) return;
    A.stopping = 1;
    unsigned n = 0;
    while (A.waiting) {
        login *l = A.waiting;
        A.waiting = l->next;
        answer_unchecked(l);
        login_free(l);
        n++;
    }
    if (A.running) { /* the worker still holds it: freed when it comes back (finish) */
        answer_unchecked(A.running);
        n++;
    }
    if (n) log_info("shutting down: %u login%s answered unchecked (43)", n, plural_s(n));
}

void auth_shutdown(void) {
    if (!A.started) {
        memset(&A, 0, sizeof A);
        return;
    }
    auth_worker_stop();
    while (A.waiting) {
        login *l = A.waiting;
        A.waiting = l->next;
        client_slot_fill(l->slot, "", 0);
        login_free(l);
    }
    for (auth_job *j = auth_worker_done(), *next; j; j = next) {
        next = j->next;
        if (((login *)j)->slot) client_slot_fill(((login *)j)->slot, "", 0);
        login_free((login *)j);
    }
    throttle_free(A.throttle);
    OPENSSL_cleanse(A.cache, A.users->n * sizeof *A.cache);
    free(A.cache);
    OPENSSL_cleanse(&A, sizeof A);
}

/* Split a Basic header value into user and password (decoded into buf):
 * 0, or -1 when it is not "Basic base64(user:password)". */
static int parse_basic(const char *value, char *buf, size_t cap, size_t *ulen, const char **pw, size_t *pwlen) {
    while (*value == ' ') value++;
    if (strncasecmp(value, "basic ", 6)) return -1;
    value += 6;
    while (*value == ' ') value++;
    size_t n = strcspn(value, " \t\r\n");
    if (value[n] && value[n + strspn(value + n, " \t\r\n")]) return -1;
    while (n && value[n - 1] == '=') n--; /* padding is optional for pwhash_b64_decode */
    long k = pwhash_b64_decode(value, n, (unsigned char *)buf, cap - 1);
    if (k < 0) return -1;
    buf[k] = 0;
    char *colon = memchr(buf, ':', (size_t)k);
    if (!colon) return -1;
    *ulen = (size_t)(colon - buf);
    *pw = colon + 1;
    *pwlen = (size_t)k - *ulen - 1;
    return *pwlen > AUTH_PASSWORD_MAX ? -1 : 0; /* as SV_AUTH: no such password matches */
}

enum auth_basic_result auth_basic(const char *value, const char *addr, const ndb_user **user, unsigned *retry_s) {
    char buf[USER_NAME_MAX + AUTH_PASSWORD_MAX + 8];
    size_t ulen, pwlen;
    const char *pw;
    enum auth_basic_result res = AUTH_BASIC_FAILED;
    *user = NULL;
    *retry_s = 1;
    if (!auth_enabled() || parse_basic(value, buf, sizeof buf, &ulen, &pw, &pwlen)) {
        refusal_log(LOG_INFO, "refused a WebSocket upgrade from %s: malformed Authorization header", addr);
        return AUTH_BASIC_MALFORMED;
    }
    const ndb_user *u = users_find(A.users, buf, ulen);
    char name[LOG_NAME_BYTES];
    log_name(name, sizeof name, buf, ulen);
    uint64_t now = A.hooks.now_ms(), wait;
    int64_t cost;
    refill_budget(now);
    /* a failure costs the dummy's iterations at least (see auth_init) */
    const pwhash *h = u ? &u->hash : &A.dummy;
    uint32_t pad = A.dummy.iterations > h->iterations ? A.dummy.iterations - h->iterations : 0;
    if (u && cache_hit(u, pw, pwlen)) {
        res = AUTH_BASIC_OK;
    } else if (check_ms_fastest(h->iterations + pad) > AUTH_SYNC_BURST_MS) {
        /* it could never fit: running it would stall every client for longer than a burst.
         * Judged at the machine's best, not its load: the answer tells the client to log in
         * another way, and must not change with a moment's load. */
        res = AUTH_BASIC_TOO_SLOW;
    } else if (A.sync_budget_ms < (cost = budget_cost_ms(h->iterations + pad))) {
        /* not yet: the budget refills a tenth of a millisecond per millisecond */
        *retry_s = (unsigned)(((cost - A.sync_budget_ms) * 10 + 999) / 1000);
        if (!*retry_s) *retry_s = 1;
        res = AUTH_BASIC_BUSY;
    } else if ((wait = throttle_try(A.throttle, addr, now))) {
        *retry_s = (unsigned)((wait + 999) / 1000);
        res = AUTH_BASIC_THROTTLED;
    } else {
        /* On the loop thread (see auth.h), paid from the budget. */
        auth_job j = {.hash = h, .password = (char *)pw, .len = pwlen, .pad = &A.dummy, .pad_iterations = pad};
        auth_job_check(&j);
        int ok = j.ok && u;
        uint64_t end = A.hooks.now_ms(), done = h->iterations + (j.ok ? 0 : pad);
        A.sync_budget_ms -= (int64_t)(end - now);
        log_debug("password check of user %s from %s (Basic): %llu iterations", name, addr, (unsigned long long)done);
        /* learn: the machine's speed changes with its load */
        if (done && end > now) {
            double ns = (double)(end - now) * 1e6 / done;
            A.ns_per_iteration = 0.75 * A.ns_per_iteration + 0.25 * ns;
            if (end - now >= 50 && ns < A.ns_fastest) A.ns_fastest = ns; /* long enough for a coarse clock */
        }
        if (ok) {
            cache_store(u, pw, pwlen);
            res = AUTH_BASIC_OK;
        }
    }
    OPENSSL_cleanse(buf, sizeof buf);
    if (res == AUTH_BASIC_OK) {
        *user = u;
        log_info("user %s authenticated from %s (Basic, role %s)", name, addr, cmd_role_name(u->role));
    } else if (res == AUTH_BASIC_FAILED) {
        refusal_log(LOG_INFO, "refused a WebSocket upgrade from %s: wrong user or password (user %s)", addr, name);
    } else if (res == AUTH_BASIC_TOO_SLOW) {
        refusal_log(LOG_WARN, "refused a WebSocket upgrade from %s: the password check of user %s takes longer than a "
                 "handshake may spend (%d ms); it must log in with SV_AUTH",
                 addr, name, AUTH_SYNC_BURST_MS);
    } else {
        refusal_log(LOG_INFO, "refused a WebSocket upgrade from %s: %s, retry in %u s", addr,
                 res == AUTH_BASIC_BUSY ? "too many password checks on the server" : "too many password checks from this address",
                 *retry_s);
    }
    return res;
}
