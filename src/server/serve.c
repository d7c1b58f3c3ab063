/*
 * serve.c — the `ndb serve` subcommand.
 *
 * Start-up order (docs/protocol.md 7.2): command line → config file → option
 * overrides → validation (settings_from_argv) → persist-path checks →
 * recovery of the journal and automatic snapshots (durability.h) →
 * start-up load → listen; after the loop, the final save of a save schedule
 * and the journal's last fsync (durability_shutdown).  Any failure is one line on stderr and exit
 * status 1, before anything is listening.
 */
#include "server/serve.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/core_dumps.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/stdout_finish.h"
#include "common/strbuf.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/handshake.h"
#include "server/durability.h"
#include "server/persist.h"
#include "server/security.h"
#include "server/server.h"
#include "server/settings.h"
#include "server/transport.h"

/* Print `ndb serve --help`: the option groups come from the settings table. */
static void print_help(void) {
    strbuf out = STRBUF_INIT;
    SB_ADD_LIT(&out,
               "usage: ndb serve [options]\n"
               "\n"
               "Run the ndb database server (WebSocket, JSON protocol).  Settings come from\n"
               "the built-in defaults, then the config file, then these options.  A SIZE is\n"
               "a number of bytes with an optional K, M, G or T suffix (powers of 1024).\n");
    settings_help(&out);
    SB_ADD_LIT(&out,
               "\n"
               "Every option has a config-file member (man ndb-serve) except --config,\n"
               "--load-name and --load-path.  The config file and the TLS files are read\n"
               "once, at start-up: a change takes a restart.  Users are set in the config\n"
               "file only (security.users; 'ndb passwd' makes the password hashes).  With\n"
               "users, every connection must log in (SV_AUTH, or Basic authentication in the\n"
               "handshake).  On SIGINT, SIGTERM or SIGHUP (there is no reload) the server\n"
               "closes every connection (close code 1000) and exits 0.  Exit status: 0\n"
               "after a clean shutdown, 1 if the configuration or start-up fails, if a save\n"
               "schedule's final save fails without a journal (the changes since the last\n"
               "save are lost), if the journal cannot be written and the repair tried at\n"
               "shutdown fails, or if the journal's last sync at shutdown fails (changes\n"
               "since the journal broke are lost, or acknowledged ones not yet synced may not\n"
               "be on disk).\n");
    fputs(out.buf, stdout);
    sb_free(&out);
}

/* docs/protocol.md 6.6: load a dataset before listening; any failure stops start-up.
 * --load-path alone (the 7.1 spelling) names the dataset directory itself.
 * After a recovery (issue 15) the dataset is not loaded: it seeds a new
 * database, and loading it over recovered data would undo later writes. */
static int startup_load(ndb_server *srv, int recovered) {
    ndb_config *c = &srv->cfg;
    char base[PATH_MAX], name[256], err[PATH_MAX + 512];
    if (!c->load_name[0] && !c->load_path[0]) return 0;
    if (recovered) {
        log_warn("not loading '%s': the data was recovered from the journal and automatic snapshots",
                 c->load_name[0] ? c->load_name : c->load_path);
        return 0;
    }
    if (c->load_name[0]) {
        snprintf(base, sizeof base, "%s", c->load_path[0] ? c->load_path : c->persist_path);
        snprintf(name, sizeof name, "%s", c->load_name);
    } else {
        char a[PATH_MAX], b[PATH_MAX];
        snprintf(a, sizeof a, "%s", c->load_path);
        snprintf(b, sizeof b, "%s", c->load_path);
        snprintf(base, sizeof base, "%s", dirname(a));
        snprintf(name, sizeof name, "%s", basename(b));
    }
    if (persist_startup_load(srv, base, name, err, sizeof err)) {
        fprintf(stderr, "%s", log_journal_prefix(LOG_ERROR));
        fprintf_visible(stderr, "ndb serve: cannot load '%s' from %s: %s\n", name, base, err); /* --load-path as typed */
        return -1;
    }
    return 0;
}

/* The hooks of auth.h: the transport's wake-up and timer, and the clock. */
static void arm_auth(uint64_t delay_ms) { transport_after(delay_ms, auth_poll); }

/* Key expiry in slices (server.h): the next slice at the next turn. */
static void expire_more(void) { server_expire_more(g_server); }
static void expire_soon(void) { transport_soon(expire_more); }

/* Serve until shut down.  Only from here on is a big KV_CLEAR's memory
 * freed a slice a turn (the loop frees it): recovery and the start-up load
 * free each clear's at once, or a journal of many clears would hold every
 * cleared key in memory until the loop ran. */
static int serve_loop(ndb_server *srv, char *err, size_t errlen) {
    srv->store.clear_later = 1;
    int rc = transport_run(srv, server_tick, srv->cfg.session_check_ms, err, errlen);
    srv->store.clear_later = 0; /* the final save and the shutdown: no more turns */
    return rc;
}

/* A start-up failure: it may quote a path or a value as typed (--tls-cert,
 * --persist-path), its control characters shown as \xhh.  Its own line
 * breaks stay (protected mode's advice is several lines). */
static void serve_error(const char *err) {
    const char *prio = log_journal_prefix(LOG_ERROR); /* every line an error in the journal */
    fprintf(stderr, "%sndb serve: ", prio);
    for (const char *p = err;;) {
        size_t n = strcspn(p, "\n");
        fprintf_visible(stderr, "%s%.*s\n", p == err ? "" : prio, (int)n, p);
        if (!p[n]) break;
        p += n + 1;
    }
}

/* A stop signal before the loop listens (recovering the journal, a
 * start-up load, which can take seconds): the loop's handlers are not in
 * place yet, and the default action ended the process without a word.
 * Say so, then die of the signal as before — a service manager counts a
 * death by SIGTERM as a clean stop, an exit status of 143 it would not.
 * What is on disk is as a crash would leave it: the next start recovers
 * it.  Only write(2) here: a signal handler. */
static void startup_signal(int sig) {
    static const char term[] = "ndb: info: stopped by SIGTERM during start-up, before listening\n";
    static const char intr[] = "ndb: info: stopped by SIGINT during start-up, before listening\n";
    static const char hup[] = "ndb: info: stopped by SIGHUP during start-up, before listening\n";
    const char *m = sig == SIGTERM ? term : sig == SIGINT ? intr : hup;
    size_t n = sig == SIGTERM ? sizeof term - 1 : sig == SIGINT ? sizeof intr - 1 : sizeof hup - 1;
    const char *prio = log_journal_prefix(LOG_INFO); /* decided before the handler was installed */
    if (log_threshold >= LOG_INFO &&
        (write(STDERR_FILENO, prio, strlen(prio)) < 0 || write(STDERR_FILENO, m, n) < 0)) { /* nothing else to tell */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Started with standard input, output or error closed (an init script, a
 * `>&-`), the first files the server opens would get those numbers: its
 * log lines would then go into its journal or a snapshot.  They are opened
 * on /dev/null instead, as daemons do.  (The client commands keep theirs
 * closed: `ndb send` says that it cannot read its input, and a full or
 * closed output is an error there.) */
static void open_standard_fds(void) {
    for (int fd = 0; fd <= 2; fd++) /* in order: open() takes the lowest free number, fd itself */
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0) return;
}

int cmd_serve(int argc, char **argv) {
    static ndb_config cfg; /* static: it holds several PATH_MAX buffers */
    char err[PATH_MAX + 512];
    open_standard_fds();
    int rc = settings_from_argv(&cfg, argc, argv);
    if (rc == SETTINGS_HELP) print_help();
    if (rc != SETTINGS_OK) {
        config_free(&cfg);
        /* help that cannot be written is a failure, as for every command */
        return rc == SETTINGS_HELP && stdout_finish() == 0 ? 0 : 1;
    }
    log_threshold = (enum log_level)cfg.log_level;
    if (cfg.core_dumps) core_dumps_on(); /* main() turned them off */
    if (config_check_startup(&cfg, err, sizeof err) || security_check_startup(&cfg, err, sizeof err)) {
        serve_error(err);
        config_free(&cfg);
        return 1;
    }

    hash_seed_random();
    (void)log_journal_prefix(LOG_INFO); /* decided now: the handler only reads it */
    signal(SIGTERM, startup_signal); /* until transport_run installs the loop's */
    signal(SIGINT, startup_signal);
    signal(SIGHUP, startup_signal);
    static ndb_server srv;
    server_init(&srv, &cfg);
    g_server = &srv;
    srv.expire_soon = expire_soon;
    rc = 0;
    static const auth_hooks hooks = {.notify = transport_wake, .arm = arm_auth, .now_ms = mono_ms};
    handshake_init(&srv.cfg);
    transport_on_wake(auth_poll);
    int recovered = 0;
    if (auth_init(&srv.cfg.users, &hooks)) {
        fprintf(stderr, "%sndb serve: cannot start the password-checking thread\n", log_journal_prefix(LOG_ERROR));
        rc = 1;
    } else if (durability_start(&srv, &recovered, err, sizeof err)) {
        serve_error(err);
        rc = 1;
    } else if (startup_load(&srv, recovered)) {
        rc = 1; /* it said why */
    } else if (serve_loop(&srv, err, sizeof err)) {
        serve_error(err);
        rc = 1;
    }
    /* a step of the wall clock since the last tick is seen now, so that the
     * deadlines the way out writes are by the new clock (server_clock_sync) */
    server_clock_sync(&srv);
    /* the final save of a save schedule, if any: a failed one is no clean stop */
    if (durability_shutdown(&srv) && !rc) rc = 1;
    if (!rc) log_info("stopped"); /* after that save: the last line of a clean stop */
    auth_shutdown();
    handshake_free();
    server_free(&srv);
    g_server = NULL;
    config_free(&cfg);
    return rc;
}
