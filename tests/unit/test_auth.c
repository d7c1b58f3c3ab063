/*
 * test_auth.c — users and roles without sockets (README "Security"): the
 * ROLE column of commands.def against the lists, and the login
 * flow as dispatch_message() runs it for a local client — 43 before a
 * login, SV_AUTH answered later (the check is a job for the worker, run
 * inline here) with the client's input held meanwhile, 44 for a wrong
 * password or user alike, 45 naming the role, the credential cache, the
 * fifth failure closing the connection, the per-address throttle
 * delaying checks (with a fake clock), and the order checks run in.
 */
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/log.h"
#include "server/auth.h"
#include "server/auth_throttle.h"
#include "server/config.h"
#include "server/dispatch.h"
#include "server/server.h"
#include "capture.h"
#include "support/local_client.h"
#include "unit.h"

/* ------------------------------------------------------------ roles */

static int listed(const char *name, const char *const *list) {
    for (; *list; list++)
        if (!strcmp(*list, name)) return 1;
    return 0;
}

/* Every command's role is the issue's: read for those that change
 * nothing, admin for saves, loads and clears of everything, write for the
 * rest; SV_AUTH alone runs before a login. */
static void test_role_table(void) {
    static const char *const read[] = {"KV_GET", "KV_CONTAINS", "KV_COUNT", "KV_KEYS", "KV_FIND", "SH_GET",
                                       "SH_CONTAINS", "SH_COUNT", "SH_KEYS", "SH_EXISTS", "SH_INFO", "SH_INFO_ALL",
                                       "SV_INFO", "KV_SCAN", "SH_SCAN", "SV_AUTH", "KV_TTL", "KV_WATCH",
                                       "KV_UNWATCH", "SH_WATCH", "SH_UNWATCH", NULL};
    static const char *const admin[] = {"KV_SAVE", "KV_LOAD", "SH_SAVE", "SH_LOAD", "KV_CLEAR", "KV_CLEAR_SET",
                                        "SH_END_ALL", NULL};
    for (int i = 0; i < CMD__COUNT; i++) {
        const cmd_info *ci = &cmd_table[i];
        enum cmd_role want = listed(ci->name, read) ? ROLE_READ : listed(ci->name, admin) ? ROLE_ADMIN : ROLE_WRITE;
        if (ci->role != want) fprintf(stderr, "%s has role %s\n", ci->name, cmd_role_name(ci->role));
        CHECK_INT(ci->role, want);
        if (ci->flags & CMDF_WRITE) CHECK(ci->role >= ROLE_WRITE); /* a change is never a read */
        CHECK_INT(!!(ci->flags & CMDF_NOAUTH), !strcmp(ci->name, "SV_AUTH"));
    }
    CHECK_STR(cmd_role_name(ROLE_NONE), "none");
    CHECK_INT(users_role_from_name("write", 5), ROLE_WRITE);
    CHECK_INT(users_role_from_name("root", 4), ROLE_NONE);
}

/* ------------------------------------------------------------ logins */

static ndb_server srv;
static strbuf out = STRBUF_INIT;
static uint64_t fake_now = 1000000;
static uint64_t armed = (uint64_t)-1; /* the delay of the last timer request */

static uint64_t advance_per_call; /* ms the clock moves at each reading: a slow check */

static uint64_t now_ms(void) {
    uint64_t t = fake_now;
    fake_now += advance_per_call;
    return t;
}
static void arm(uint64_t delay_ms) { armed = delay_ms; }

/* Send one request from lc; the immediate response (valid until the next
 * call; "" when the reply was deferred). */
static const char *ask(local_client *lc, const char *req) {
    sb_reset(&out);
    dispatch_message(&srv, &lc->cl, req, strlen(req), 0, &out);
    sb_grow(&out, 0);
    out.buf[out.len] = 0;
    return out.buf;
}

/* The messages pushed to lc since the last call (deferred replies), then
 * forgotten. */
static const char *pushed(local_client *lc) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s", lc->pushed.buf ? lc->pushed.buf : "");
    sb_reset(&lc->pushed);
    return buf;
}

#define FAIL44 "{\"SV_AUTH_RSP\":{\"m\":\"wrong user or password\",\"st\":44,\"tkn\":null}}\n"
#define UNCHECKED43 "{\"SV_AUTH_RSP\":{\"m\":\"the server is shutting down: the password was not checked\",\"st\":43,\"tkn\":null}}\n"

static void setup(const char *users_json) {
    ndb_config cfg;
    char err[400], hash_a[PWHASH_MAX_TEXT], hash_r[PWHASH_MAX_TEXT];
    pwhash_make("alice-pw", 8, PWHASH_MIN_ITERATIONS, hash_a);
    pwhash_make("reader-pw", 9, PWHASH_MIN_ITERATIONS, hash_r);
    strbuf text = STRBUF_INIT;
    sb_addf(&text, users_json, hash_a, hash_r);
    config_defaults(&cfg);
    CHECK_INT(config_parse_text(&cfg, text.buf, text.len, "t", err, sizeof err), 0);
    sb_free(&text);
    server_init(&srv, &cfg);
    /* no worker thread: checks run inline; a check of 100,000 iterations
     * is expected to take 40 ms (as on an idle machine) however loaded
     * this one is: the queue's limits below are in fake time */
    static const auth_hooks hooks = {.notify = NULL, .arm = arm, .now_ms = now_ms, .ns_per_iteration = 400};
    CHECK_INT(auth_init(&srv.cfg.users, &hooks), 0);
}

static void teardown(void) {
    auth_shutdown();
    ndb_config cfg = srv.cfg;
    server_free(&srv);
    config_free(&cfg);
}

static void test_no_users(void) {
    setup("{\"security\":{\"users\":[]}}");
    local_client lc;
    CHECK_INT(auth_initial_role(), ROLE_ADMIN);
    local_client_init(&lc, auth_initial_role());
    CHECK_STR(ask(&lc, "{\"KV_CLEAR\":{}}"), "{\"KV_CLEAR_RSP\":{\"cnt\":0,\"st\":1}}");
    CHECK_STR(ask(&lc, "{\"SV_AUTH\":{\"user\":\"a\",\"password\":\"b\"}}"),
              "{\"SV_AUTH_RSP\":{\"m\":\"authentication is off: the server has no users\",\"st\":14,\"tkn\":null}}");
    CHECK(!strstr(ask(&lc, "{\"SV_INFO\":{}}"), "\"user\"")); /* no change for servers without users */
    local_client_free(&lc);
    teardown();
}

#define USERS                                                                                                   \
    "{\"security\":{\"users\":[{\"name\":\"alice\",\"password\":\"%s\",\"role\":\"write\"},"                    \
    "{\"name\":\"reader\",\"password\":\"%s\",\"role\":\"read\"}]}}"

static void test_login_flow(void) {
    setup(USERS);
    local_client lc;
    CHECK_INT(auth_initial_role(), ROLE_NONE);
    local_client_init(&lc, auth_initial_role());
    snprintf(lc.cl.addr, sizeof lc.cl.addr, "10.0.0.1");
    /* before a login: 43 for every known command but SV_AUTH */
    CHECK_STR(ask(&lc, "{\"KV_GET\":{\"keys\":[\"a\"]}}"),
              "{\"KV_GET_RSP\":{\"m\":\"authentication required\",\"st\":43,\"tkn\":null}}");
    CHECK_STR(ask(&lc, "{\"SV_INFO\":{}}"), "{\"SV_INFO_RSP\":{\"m\":\"authentication required\",\"st\":43,\"tkn\":null}}");
    CHECK_STR(ask(&lc, "{\"KV_SAVE\":{\"name\":\"x\"}}"),
              "{\"KV_SAVE_RSP\":{\"m\":\"authentication required\",\"st\":43,\"tkn\":null}}");
    CHECK_STR(ask(&lc, "{\"XX_FOO\":{}}"), "{\"XX_FOO_RSP\":{\"m\":\"\",\"st\":10,\"tkn\":null}}");
    CHECK_STR(ask(&lc, "nonsense"), "{\"ERR\":{\"m\":\"\",\"st\":3}}");
    /* SV_AUTH's parameters are checked like every command's */
    CHECK_STR(ask(&lc, "{\"SV_AUTH\":{\"user\":\"alice\"}}"),
              "{\"SV_AUTH_RSP\":{\"m\":\"Missing parameter\",\"st\":26,\"tkn\":null}}");
    CHECK_STR(ask(&lc, "{\"SV_AUTH\":{\"user\":1,\"password\":\"x\"}}"),
              "{\"SV_AUTH_RSP\":{\"m\":\"Param type incorrect\",\"st\":41,\"tkn\":null}}");
    /* a wrong password: answered later, input held meanwhile */
    CHECK_STR(ask(&lc, "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"nope\"}}"), "");
    CHECK(lc.slot != NULL);
    CHECK_INT(lc.held, 1);
    auth_poll();
    CHECK_STR(pushed(&lc), FAIL44);
    CHECK_INT(lc.held, 0);
    CHECK_INT(lc.cl.role, ROLE_NONE);
    /* an unknown user: the same answer */
    ask(&lc, "{\"SV_AUTH\":{\"user\":\"mallory\",\"password\":\"alice-pw\"}}");
    auth_poll();
    CHECK_STR(pushed(&lc), FAIL44);
    /* the right one */
    CHECK_STR(ask(&lc, "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"alice-pw\"}}"), "");
    auth_poll();
    CHECK_STR(pushed(&lc), "{\"SV_AUTH_RSP\":{\"role\":\"write\",\"st\":1,\"user\":\"alice\"}}\n");
    CHECK_INT(lc.cl.role, ROLE_WRITE);
    CHECK_STR(lc.cl.user, "alice");
    CHECK_STR(ask(&lc, "{\"KV_SET\":{\"keys\":{\"a\":1}}}"), "{\"KV_SET_RSP\":{\"st\":1}}");
    CHECK_STR(ask(&lc, "{\"KV_CLEAR\":{}}"),
              "{\"KV_CLEAR_RSP\":{\"m\":\"KV_CLEAR needs the role admin; user alice has the role write\",\"st\":45,"
              "\"tkn\":null}}");
    CHECK(strstr(ask(&lc, "{\"SV_INFO\":{}}"), "\"role\":\"write\","));
    CHECK(strstr(ask(&lc, "{\"SV_INFO\":{}}"), ",\"user\":\"alice\"}}"));
    /* the password matched before: answered at once, no KDF run */
    CHECK_STR(ask(&lc, "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"alice-pw\"}}"),
              "{\"SV_AUTH_RSP\":{\"role\":\"write\",\"st\":1,\"user\":\"alice\"}}");
    /* a failed attempt keeps the login there was */
    ask(&lc, "{\"SV_AUTH\":{\"user\":\"reader\",\"password\":\"x\"}}");
    auth_poll();
    CHECK_STR(pushed(&lc), FAIL44);
    CHECK_INT(lc.cl.role, ROLE_WRITE);
    /* another user: the read role */
    ask(&lc, "{\"SV_AUTH\":{\"user\":\"reader\",\"password\":\"reader-pw\"}}");
    auth_poll();
    CHECK_STR(pushed(&lc), "{\"SV_AUTH_RSP\":{\"role\":\"read\",\"st\":1,\"user\":\"reader\"}}\n");
    CHECK_STR(ask(&lc, "{\"KV_SET\":{\"keys\":{\"a\":2}}}"),
              "{\"KV_SET_RSP\":{\"m\":\"KV_SET needs the role write; user reader has the role read\",\"st\":45,"
              "\"tkn\":null}}");
    CHECK_STR(ask(&lc, "{\"KV_GET\":{\"keys\":[\"a\"]}}"), "{\"KV_GET_RSP\":{\"keys\":{\"a\":1},\"st\":1}}");
    CHECK_INT(lc.closed, 0);
    local_client_free(&lc);
    teardown();
}

/* Five failures close the connection (1008) after the fifth answer. */
static void test_five_failures(void) {
    setup(USERS);
    local_client lc;
    local_client_init(&lc, auth_initial_role());
    snprintf(lc.cl.addr, sizeof lc.cl.addr, "10.0.0.2");
    for (int i = 1; i <= 5; i++) {
        fake_now += 1000; /* no throttling here */
        ask(&lc, "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}");
        auth_poll();
        CHECK_STR(pushed(&lc), FAIL44);
        CHECK_INT(lc.closed, i == 5);
    }
    CHECK_INT(lc.close_code, 1008);
    local_client_free(&lc);
    teardown();
}

/* Checks from one address beyond the burst start later: the answer is
 * delayed, the loop is not. */
static void test_throttled_answers(void) {
    setup(USERS);
    local_client lc[7];
    fake_now += 100000;
    for (int i = 0; i < 7; i++) {
        local_client_init(&lc[i], auth_initial_role());
        snprintf(lc[i].cl.addr, sizeof lc[i].cl.addr, "10.0.0.3");
        armed = (uint64_t)-1;
        ask(&lc[i], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}");
        if (i < THROTTLE_BURST) CHECK_INT(armed, (uint64_t)-1); /* started at once */
    }
    CHECK_INT(armed, 100); /* the sixth waits 100 ms (the seventh after it) */
    auth_poll();
    for (int i = 0; i < 7; i++) CHECK_STR(pushed(&lc[i]), i < THROTTLE_BURST ? FAIL44 : "");
    fake_now += 100;
    auth_poll();
    CHECK_STR(pushed(&lc[5]), FAIL44);
    CHECK_STR(pushed(&lc[6]), "");
    fake_now += 100;
    auth_poll();
    CHECK_STR(pushed(&lc[6]), FAIL44);
    /* a client gone meanwhile: its answer is dropped, nothing leaks */
    ask(&lc[0], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}");
    local_client_free(&lc[0]);
    fake_now += 1000;
    auth_poll();
    for (int i = 1; i < 7; i++) local_client_free(&lc[i]);
    teardown();
}

/* A login whose check could not start within AUTH_QUEUE_MAX_MS is answered
 * 43 at once, unchecked, with a time to try again: it was queued, and its
 * client (ndb's --timeout is 5 s) gave up first and saw a timeout.  Here
 * the address's rate is what holds it back: after the burst, one start
 * every 100 ms, so the 36th login would start 3.1 s on. */
static void test_queue_too_long(void) {
    setup(USERS);
    enum { N = THROTTLE_BURST + AUTH_QUEUE_MAX_MS / 100 + 2 };
    local_client lc[N];
    fake_now += 100000;
    for (int i = 0; i < N; i++) {
        local_client_init(&lc[i], auth_initial_role());
        snprintf(lc[i].cl.addr, sizeof lc[i].cl.addr, "10.0.0.10");
        const char *now = ask(&lc[i], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}");
        if (i < N - 2) {
            CHECK_STR(now, ""); /* queued: answered when checked */
        } else { /* refused unchecked; each gives its place in the rate back, so the next is refused alike */
            CHECK_STR(now, "{\"SV_AUTH_RSP\":{\"m\":\"too many logins waiting: the password was not checked; try "
                           "again in 4 s\",\"st\":43,\"tkn\":null}}");
            CHECK_INT(lc[i].cl.role, ROLE_NONE);
        }
    }
    for (int t = 0; t <= AUTH_QUEUE_MAX_MS; t += 100) {
        auth_poll();
        fake_now += 100;
    }
    for (int i = 0; i < N; i++) {
        CHECK_STR(pushed(&lc[i]), i < N - 2 ? FAIL44 : "");
        CHECK_INT(lc[i].cl.auth_failures, i < N - 2); /* a refusal is no failure */
    }
    /* the queue has drained: the next login is checked */
    CHECK_STR(ask(&lc[N - 1], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"alice-pw\"}}"), "");
    auth_poll();
    CHECK_STR(pushed(&lc[N - 1]), "{\"SV_AUTH_RSP\":{\"role\":\"write\",\"st\":1,\"user\":\"alice\"}}\n");
    for (int i = 0; i < N; i++) local_client_free(&lc[i]);
    teardown();
}

/* Checks that take longer than AUTH_QUEUE_MAX_MS (a user of millions of
 * iterations, a loaded machine: learnt from the checks' own time) still let
 * a login wait for one check: only a login behind more is refused.  With
 * the 3 s alone, every login that came while one check ran was refused. */
static void test_slow_checks_queue_one(void) {
    setup(USERS);
    local_client lc[7];
    fake_now += 100000;
    for (int i = 0; i < 7; i++) {
        local_client_init(&lc[i], auth_initial_role());
        snprintf(lc[i].cl.addr, sizeof lc[i].cl.addr, "10.0.1.%d", i + 1); /* no throttling here */
    }
    for (int i = 0; i < 4; i++) { /* four checks of 20 s each: the worker learns what they take */
        CHECK_STR(ask(&lc[i], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}"), "");
        fake_now += 20000;
        auth_poll();
        CHECK_STR(pushed(&lc[i]), FAIL44);
    }
    CHECK_STR(ask(&lc[4], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}"), ""); /* runs */
    CHECK_STR(ask(&lc[5], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}"), ""); /* waits for it */
    const char *third = ask(&lc[6], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}");
    static const char busy[] = "{\"SV_AUTH_RSP\":{\"m\":\"too many logins waiting: the password was not checked; try again in ";
    CHECK(!strncmp(third, busy, sizeof busy - 1));
    fake_now += 20000;
    auth_poll();
    fake_now += 20000;
    auth_poll();
    CHECK_STR(pushed(&lc[4]), FAIL44);
    CHECK_STR(pushed(&lc[5]), FAIL44);
    CHECK_STR(pushed(&lc[6]), "");
    for (int i = 0; i < 7; i++) local_client_free(&lc[i]);
    teardown();
}

/* A shutdown answers the running and the waiting logins 43 at once,
 * unchecked, and every later one too: each close frame waits behind its
 * client's answer. */
static void test_stop_logins(void) {
    setup(USERS);
    local_client lc[4];
    fake_now += 100000;
    for (int i = 0; i < 4; i++) {
        local_client_init(&lc[i], auth_initial_role());
        snprintf(lc[i].cl.addr, sizeof lc[i].cl.addr, "10.0.0.%d", i + 1);
        CHECK_STR(ask(&lc[i], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"alice-pw\"}}"), "");
    }
    auth_stop_logins(); /* one is running (its check done inline, not yet polled), three wait */
    for (int i = 0; i < 4; i++) {
        CHECK_STR(pushed(&lc[i]), UNCHECKED43);
        CHECK_INT(lc[i].cl.role, ROLE_NONE);
    }
    auth_poll(); /* the running check comes back: dropped, not answered twice */
    for (int i = 0; i < 4; i++) CHECK_STR(pushed(&lc[i]), "");
    CHECK_STR(ask(&lc[0], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"alice-pw\"}}"),
              "{\"SV_AUTH_RSP\":{\"m\":\"the server is shutting down: the password was not checked\",\"st\":43,\"tkn\":null}}");
    CHECK_INT(lc[0].cl.role, ROLE_NONE);
    for (int i = 0; i < 4; i++) local_client_free(&lc[i]);
    teardown();
}

/* One check runs at a time, and of the logins whose start has come the
 * next is the one with the fewest of its address ahead of it: an address
 * with many queued (an attacker's) cannot make another address's login
 * wait behind them all. */
static void test_fair_order(void) {
    setup(USERS);
    local_client many[THROTTLE_BURST], one;
    fake_now += 100000;
    for (int i = 0; i < THROTTLE_BURST; i++) { /* all due at once: a burst */
        local_client_init(&many[i], auth_initial_role());
        snprintf(many[i].cl.addr, sizeof many[i].cl.addr, "10.0.0.9");
        ask(&many[i], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}");
    }
    local_client_init(&one, auth_initial_role());
    snprintf(one.cl.addr, sizeof one.cl.addr, "10.0.0.8");
    ask(&one, "{\"SV_AUTH\":{\"user\":\"reader\",\"password\":\"reader-pw\"}}");
    log_threshold = LOG_INFO;
    capture_begin();
    auth_poll();
    const char *log = capture_end();
    log_threshold = LOG_WARN;
#define FAILED9 "ndb: info: authentication failed for user \"alice\" from 10.0.0.9 (1 of 5 on this connection)\n"
    /* the first of 10.0.0.9 had started when 10.0.0.8 came; then 10.0.0.8 */
    CHECK_STR(log, FAILED9 "ndb: info: user \"reader\" authenticated from 10.0.0.8 (role read)\n" FAILED9 FAILED9 FAILED9
                       FAILED9);
#undef FAILED9
    CHECK_STR(pushed(&one), "{\"SV_AUTH_RSP\":{\"role\":\"read\",\"st\":1,\"user\":\"reader\"}}\n");
    for (int i = 0; i < THROTTLE_BURST; i++) {
        CHECK_STR(pushed(&many[i]), FAIL44);
        local_client_free(&many[i]);
    }
    local_client_free(&one);
    teardown();
}

/* A login waiting for its turn is not overtaken for ever by the logins of
 * other addresses that keep coming while it waits: the fewest ahead, counted
 * when a login came, kept 10.0.0.7's sixth login (five ahead of it then,
 * all answered since) behind every fresh login of another address — with
 * two addresses guessing without pause, until they stopped. */
static void test_no_endless_wait(void) {
    setup(USERS);
    local_client mine[THROTTLE_BURST + 1], other[4];
    fake_now += 100000;
    for (int i = 0; i <= THROTTLE_BURST; i++) { /* the last is past the burst: it starts later */
        local_client_init(&mine[i], auth_initial_role());
        snprintf(mine[i].cl.addr, sizeof mine[i].cl.addr, "10.0.0.7");
        ask(&mine[i], i < THROTTLE_BURST ? "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}"
                                         : "{\"SV_AUTH\":{\"user\":\"reader\",\"password\":\"reader-pw\"}}");
    }
    auth_poll(); /* the burst is answered; the last waits for its start */
    for (int i = 0; i < THROTTLE_BURST; i++) CHECK_STR(pushed(&mine[i]), FAIL44);
    CHECK_STR(pushed(&mine[THROTTLE_BURST]), "");
    fake_now += 1000; /* its start has come; one login each from four other addresses */
    log_threshold = LOG_INFO;
    capture_begin();
    for (int i = 0; i < 4; i++) {
        local_client_init(&other[i], auth_initial_role());
        snprintf(other[i].cl.addr, sizeof other[i].cl.addr, "10.0.0.%d", 1 + i);
        ask(&other[i], "{\"SV_AUTH\":{\"user\":\"alice\",\"password\":\"guess\"}}");
    }
    auth_poll();
    const char *log = capture_end();
    log_threshold = LOG_WARN;
#define OTHER(n) "ndb: info: authentication failed for user \"alice\" from 10.0.0." #n " (1 of 5 on this connection)\n"
    /* the first of them started at once, the worker being free; then 10.0.0.7's turn */
    CHECK_STR(log, OTHER(1) "ndb: info: user \"reader\" authenticated from 10.0.0.7 (role read)\n" OTHER(2) OTHER(3)
                       OTHER(4));
#undef OTHER
    CHECK_STR(pushed(&mine[THROTTLE_BURST]), "{\"SV_AUTH_RSP\":{\"role\":\"read\",\"st\":1,\"user\":\"reader\"}}\n");
    for (int i = 0; i < 4; i++) {
        CHECK_STR(pushed(&other[i]), FAIL44);
        local_client_free(&other[i]);
    }
    for (int i = 0; i <= THROTTLE_BURST; i++) local_client_free(&mine[i]);
    teardown();
}

/* Basic authentication in the handshake: decoded, checked (on the calling
 * thread), cached; malformed values fail; checks over the per-address rate
 * are refused with 429 rather than delayed (a handshake cannot wait). */
static void test_basic(void) {
    setup(USERS);
    const ndb_user *u;
    unsigned retry;
    fake_now += 100000;
    /* "alice:alice-pw", padded and not */
    CHECK_INT(auth_basic("Basic YWxpY2U6YWxpY2UtcHc=", "10.0.0.4", &u, &retry), AUTH_BASIC_OK);
    CHECK_STR(u->name, "alice");
    CHECK_INT(auth_basic("basic   YWxpY2U6YWxpY2UtcHc", "10.0.0.4", &u, &retry), AUTH_BASIC_OK); /* cached */
    CHECK_INT(auth_basic("Basic YWxpY2U6YWxpY2UtcHc= x", "10.0.0.4", &u, &retry), AUTH_BASIC_MALFORMED);
    CHECK(u == NULL);
    CHECK_INT(auth_basic("Bearer YWxpY2U6YWxpY2UtcHc=", "10.0.0.4", &u, &retry), AUTH_BASIC_MALFORMED);
    CHECK_INT(auth_basic("Basic YWxpY2U", "10.0.0.4", &u, &retry), AUTH_BASIC_MALFORMED); /* no ':' */
    CHECK_INT(auth_basic("Basic !!!!", "10.0.0.4", &u, &retry), AUTH_BASIC_MALFORMED);
    /* "alice:wrong": a KDF run each, until the address is over the rate */
    for (int i = 0; i < THROTTLE_BURST - 1; i++)
        CHECK_INT(auth_basic("Basic YWxpY2U6d3Jvbmc=", "10.0.0.4", &u, &retry), AUTH_BASIC_FAILED);
    CHECK_INT(auth_basic("Basic YWxpY2U6d3Jvbmc=", "10.0.0.4", &u, &retry), AUTH_BASIC_THROTTLED);
    CHECK_INT(retry, 1);
    CHECK_INT(auth_basic("Basic YWxpY2U6YWxpY2UtcHc=", "10.0.0.4", &u, &retry), AUTH_BASIC_OK); /* the cache: free */
    CHECK_INT(auth_basic("Basic YWxpY2U6d3Jvbmc=", "10.0.0.5", &u, &retry), AUTH_BASIC_FAILED); /* another address */
    teardown();
}

/* One handshake check slowed by load (the process descheduled: here 20 s
 * on the clock) does not make a user too slow for Basic authentication for
 * good: once the budget has refilled, the next check runs.  It was refused
 * 503 "takes too long to check" from then on, no check running again to
 * correct the estimate. */
static void test_basic_after_slow_check(void) {
    setup(USERS);
    const ndb_user *u;
    unsigned retry;
    fake_now += 100000;
    advance_per_call = 20000;
    CHECK_INT(auth_basic("Basic YWxpY2U6d3Jvbmc=", "10.0.0.6", &u, &retry), AUTH_BASIC_FAILED);
    advance_per_call = 0;
    CHECK_INT(auth_basic("Basic YWxpY2U6YWxpY2UtcHc=", "10.0.0.6", &u, &retry), AUTH_BASIC_BUSY); /* its 20 s paid */
    fake_now += 1000000; /* the budget refills a tenth of the time: full again */
    CHECK_INT(auth_basic("Basic YWxpY2U6YWxpY2UtcHc=", "10.0.0.6", &u, &retry), AUTH_BASIC_OK);
    CHECK_STR(u->name, "alice");
    teardown();
}

/* Handshakes every 5 ms (each refused busy, or a cached password: neither
 * costs anything) must not keep the budget from refilling: each refill
 * added a tenth of the time since the last one, rounded down, and dropped
 * the rest, so at 5 ms apart nothing was ever added. */
static void test_basic_refills_between_frequent_handshakes(void) {
    setup(USERS);
    const ndb_user *u;
    unsigned retry;
    fake_now += 100000;
    advance_per_call = 20000;
    CHECK_INT(auth_basic("Basic YWxpY2U6d3Jvbmc=", "10.0.0.7", &u, &retry), AUTH_BASIC_FAILED);
    advance_per_call = 0;
    uint64_t paid = fake_now; /* 20 s of checking: 200 s to earn back, and the check's cost */
    enum auth_basic_result r = AUTH_BASIC_BUSY;
    for (int i = 0; i < 50000 && r == AUTH_BASIC_BUSY; i++) {
        fake_now += 5;
        r = auth_basic("Basic YWxpY2U6d3Jvbmc=", "10.0.0.7", &u, &retry);
    }
    CHECK_INT(r, AUTH_BASIC_FAILED); /* checked again */
    CHECK(fake_now - paid <= 206000);
    teardown();
}

/* ------------------------------------------------------------ throttle */

static void test_throttle(void) {
    throttle *t = throttle_new();
    uint64_t now = 5000;
    for (int i = 0; i < THROTTLE_BURST; i++) CHECK_INT(throttle_reserve(t, "192.0.2.1", now), now);
    CHECK_INT(throttle_reserve(t, "192.0.2.1", now), now + 100);
    CHECK_INT(throttle_reserve(t, "192.0.2.1", now), now + 200);
    CHECK_INT(throttle_try(t, "192.0.2.1", now), 300); /* nothing reserved */
    CHECK_INT(throttle_try(t, "192.0.2.1", now + 300), 0);
    /* another address is not affected; one /64 is one address */
    CHECK_INT(throttle_reserve(t, "192.0.2.2", now), now);
    for (int i = 0; i < THROTTLE_BURST; i++) throttle_reserve(t, "2001:db8:1:2::5", now);
    CHECK_INT(throttle_reserve(t, "2001:db8:1:2:ffff::9", now), now + 100);
    CHECK_INT(throttle_reserve(t, "2001:db8:1:3::5", now), now);
    /* ten a second in the long run */
    uint64_t last = 0;
    for (int i = 0; i < 100; i++) last = throttle_reserve(t, "198.51.100.7", now);
    CHECK_INT(last, now + (100 - THROTTLE_BURST) * 100);
    /* an idle address is forgotten: a full burst again later */
    CHECK_INT(throttle_reserve(t, "192.0.2.1", now + 60000), now + 60000);
    throttle_free(t);

    /* a reservation given back (a login dropped unchecked) frees its turn,
     * never more than down to now, and an address not in the table (or
     * idle) changes nothing */
    t = throttle_new();
    for (int i = 0; i < THROTTLE_BURST + 3; i++) throttle_reserve(t, "192.0.2.9", now);
    throttle_release(t, "192.0.2.9", now);
    throttle_release(t, "192.0.2.9", now);
    CHECK_INT(throttle_reserve(t, "192.0.2.9", now), now + 200);
    for (int i = 0; i < 100; i++) throttle_release(t, "192.0.2.9", now);
    for (int i = 0; i < THROTTLE_BURST; i++) CHECK_INT(throttle_reserve(t, "192.0.2.9", now), now);
    CHECK_INT(throttle_reserve(t, "192.0.2.9", now), now + 100);
    throttle_release(t, "192.0.2.10", now);
    CHECK_INT(throttle_reserve(t, "192.0.2.10", now), now);
    throttle_free(t);
}

int main(void) {
    hash_seed_random();
    log_threshold = LOG_WARN; /* the login lines are checked by tests/cli/security.bats */
    test_role_table();
    test_no_users();
    test_login_flow();
    test_five_failures();
    test_throttled_answers();
    test_queue_too_long();
    test_slow_checks_queue_one();
    test_fair_order();
    test_no_endless_wait();
    test_stop_logins();
    test_basic();
    test_basic_after_slow_check();
    test_basic_refills_between_frequent_handshakes();
    test_throttle();
    return UNIT_DONE();
}
