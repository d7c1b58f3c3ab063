/*
 * journal_cli.c — `ndb journal check` and `ndb journal repair` (the model
 * is Redis's redis-check-aof).
 *
 * Both do what `ndb serve` does at start-up: load the newest complete
 * automatic snapshot and replay the journal after it, in memory
 * (recovery.c).  `check` changes nothing and reports what a start-up
 * would find: what is restored, a torn tail it would cut, or the damage
 * that stops it.  `repair` cuts a torn tail like a start-up does and, at
 * damage, cuts the journal at the last good record after saying how much
 * goes (the dropped bytes are kept in "<file>.damaged", later files are
 * renamed "<file>.damaged"; ".damaged.N" beside an earlier repair's), then
 * checks again.
 *
 * The persist path comes from the same places as for ndb serve: the
 * config file of --config, then --persist-path.
 *
 * Exit status: 0 the journal recovers (after the repair, for repair);
 * 1 it does not (damage, a missing file, a snapshot that cannot be read);
 * 2 usage error, no journal or automatic snapshot at that path, or a report
 * that could not be written.
 */
#include "server/journal_cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/stdout_finish.h"
#include "common/getopt_exact.h"
#include "common/log.h"
#include "common/plural.h"
#include "server/auto_layout.h"
#include "server/config.h"
#include "server/journal_read.h"
#include "server/recovery.h"

static const char usage[] =
    "usage: ndb journal [OPTIONS] check|repair\n"
    "\n"
    "Check or repair the journal and automatic snapshots of a persist path, as\n"
    "'ndb serve --journal' recovers them at start-up, without starting a server.\n"
    "\n"
    "  check   load the newest automatic snapshot and replay the journal in memory;\n"
    "          report what a start-up restores, a torn last record it drops, zeros\n"
    "          after the last record it cuts off (space reserved under journal\n"
    "          always), or the damage that stops it and what a repair would drop;\n"
    "          change nothing (a read-only persist path is fine)\n"
    "  repair  the same, then cut the journal at the last good record before the\n"
    "          damage (the dropped bytes are kept in FILE.damaged; damage in the\n"
    "          header keeps the whole file there and FILE a new header), later\n"
    "          journal files and automatic snapshots a crash interrupted after the\n"
    "          damage are renamed FILE.damaged (FILE.damaged.1, .2 ... when an\n"
    "          earlier repair left one), and check again\n"
    "\n"
    "Options:\n"
    "  --config FILE       read the persist path from this server config file\n"
    "  --persist-path DIR  the persist path (overrides the config file)\n"
    "  -h, --help          show this help and exit\n"
    "\n"
    "Exit status: 0 the journal recovers (after repair: it was repaired); 1 it\n"
    "does not; 2 usage error, no journal file or automatic snapshot in DIR (a\n"
    "wrong path, a server without --journal, or lost files: nothing to check), the\n"
    "path could not be read (permissions), or the report could not be written (a\n"
    "full disk).\n";

/* Print "ndb journal: MESSAGE" and the hint to --help; returns exit status 2. */
static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "ndb journal: ");
    fprintf_visible(stderr, fmt, arg); /* arg is what was typed */
    fprintf(stderr, "\nTry 'ndb journal --help' for more information.\n");
    return 2;
}

/* Print "ndb journal: MESSAGE" as one line: it may quote --persist-path or
 * --config as typed, whose control characters show as \xhh. */
static void journal_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void journal_error(const char *fmt, ...) {
    va_list ap;
    fputs("ndb journal: ", stderr);
    va_start(ap, fmt);
    vfprintf_visible(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* One line on what a recovery found. */
static void print_found(const recovery_report *rep, ndb_store *st) {
    if (rep->base_gen)
        printf("automatic snapshot %llu: %llu key%s, %llu session%s\n", (unsigned long long)rep->base_gen,
               (unsigned long long)rep->snap_keys, plural_s(rep->snap_keys), (unsigned long long)rep->snap_sessions,
               plural_s(rep->snap_sessions));
    else
        printf("no automatic snapshot: the journal is replayed from its start\n");
    printf("journal: %u file%s, %llu record%s, %llu byte%s\n", rep->files, plural_s(rep->files),
           (unsigned long long)rep->records, plural_s(rep->records), (unsigned long long)rep->bytes,
           plural_s(rep->bytes));
    if (rep->torn_header) /* in the words of a start-up's warning */
        printf("journal file %s holds no header (%llu bytes): a file a crash interrupted while it was created; it "
               "holds no record (a start-up writes its header)\n",
               rep->torn_file, (unsigned long long)rep->torn_bytes);
    else if (rep->torn)
        printf("torn last record in %s: %llu bytes at byte %llu (a write cut short by a crash, never "
               "acknowledged; a start-up drops it)\n",
               rep->torn_file, (unsigned long long)rep->torn_bytes, (unsigned long long)rep->torn_at);
    if (rep->reserved_bytes)
        printf("zeros after the last record: %llu bytes (space reserved under journal always, or writes a "
               "power loss kept from the disk; a start-up cuts them off)\n",
               (unsigned long long)rep->reserved_bytes);
    /* What a start-up does next: keys and sessions whose deadline passed
     * while no server ran are dropped (kept sessions are emptied), so they
     * are not counted as recovered.  This store has no sink: nothing is
     * written. */
    uint64_t now = expiry_now_ns();
    size_t gone_sessions = store_expire(st, now), gone_keys = store_expire_keys(st, now);
    printf("ok: a start-up recovers %u key%s and %u session%s\n", st->kv.count, plural_s(st->kv.count),
           st->sessions.count, plural_s(st->sessions.count));
    if (gone_keys || gone_sessions)
        printf("expired while no server ran: %zu key%s and %zu session%s (a start-up removes the keys, and ends "
               "the sessions or, if kept, empties them)\n",
               gone_keys, plural_s(gone_keys), gone_sessions, plural_s(gone_sessions));
}

/* Records in the journal files after the damaged one (best effort). */
static uint64_t later_records(const auto_layout *L, uint64_t after) {
    uint64_t *gens = NULL;
    uint64_t n = 0;
    char err[256];
    int ng = auto_list_journals(L, &gens, err, sizeof err);
    for (int i = 0; i < ng; i++) {
        if (gens[i] <= after) continue;
        char path[PATH_MAX];
        jscan s;
        change ch;
        auto_journal_path(L, gens[i], path, sizeof path);
        if (jscan_open(&s, path, err, sizeof err) == 0)
            while (jscan_next(&s, &ch, err, sizeof err) == 1) n++;
        jscan_close(&s);
    }
    free(gens);
    return n;
}

/* What a repair drops, in one line. */
static void print_loss(const auto_layout *L, const recovery_report *rep, const char *verb) {
    uint64_t cut = rep->bad_size - rep->bad_at;
    printf("%s %llu byte%s of %s from byte %llu (after its %llu good record%s)", verb, (unsigned long long)cut,
           plural_s(cut), rep->bad_file, (unsigned long long)rep->bad_at, (unsigned long long)rep->good_records,
           plural_s(rep->good_records));
    if (rep->later_files) {
        uint64_t later = later_records(L, rep->bad_gen);
        printf(" and %u later journal file%s (%llu byte%s, %llu record%s)", rep->later_files,
               plural_s(rep->later_files), (unsigned long long)rep->later_bytes, plural_s(rep->later_bytes),
               (unsigned long long)later, plural_s(later));
    }
    printf("\n");
}

static int journal_main(int argc, char **argv) {
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"persist-path", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *path = NULL;
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long_exact(argc, argv, ":h", opts)) != -1) {
        if (opt == 'h') {
            fputs(usage, stdout);
            return 0; /* written, or not, as the report: cmd_journal checks */
        }
        if (opt == 'c') config = optarg;
        else if (opt == 'p') path = optarg;
        else if (opt == ':') return usage_error("option '%s' needs a value", argv[optind - 1]);
        else return usage_error("unknown option '%s'", argv[optind - 1]);
    }
    if (path && !*path) return usage_error("%s", "--persist-path is empty"); /* it would look at /@ndb */
    if (config && !*config) return usage_error("%s", "--config is empty");
    if (optind >= argc) return usage_error("%s", "say what to do: check or repair");
    const char *action = argv[optind];
    int repair = !strcmp(action, "repair");
    if (!repair && strcmp(action, "check")) return usage_error("unknown action '%s' (check or repair)", action);
    if (optind + 1 < argc) {
        /* a directory here is a persist path given without its option */
        struct stat sb;
        int dir = stat(argv[optind + 1], &sb) == 0 && S_ISDIR(sb.st_mode);
        return usage_error(dir ? "unexpected argument '%s' (a persist path is given as --persist-path DIR)"
                               : "unexpected argument '%s'",
                           argv[optind + 1]);
    }

    static ndb_config cfg; /* static: several PATH_MAX buffers */
    char err[PATH_MAX + 1024];
    config_defaults(&cfg);
    if (config && config_load_file(&cfg, config, err, sizeof err)) {
        journal_error("%s", err);
        config_free(&cfg);
        return 2;
    }
    if (path) snprintf(cfg.persist_path, sizeof cfg.persist_path, "%s", path);
    log_threshold = LOG_ERROR; /* the report is on stdout; recovery's own notes would repeat it */
    auto_layout L;
    struct stat root;
    int no_layout = auto_layout_init(&L, cfg.persist_path); /* a path too long for it: nothing there */
    int stat_errno = no_layout ? ENOENT : stat(L.root, &root) ? errno : 0;
    if (stat_errno && stat_errno != ENOENT && stat_errno != ENOTDIR) {
        /* EACCES: the data is there, but not for this user (a service's private directory) */
        journal_error("cannot read %s: %s (run it as the user the server runs as, or as root)", L.root,
                      strerror(stat_errno));
        config_free(&cfg);
        return 2;
    }
    if (!stat_errno && !S_ISDIR(root.st_mode)) {
        /* "does not exist" would send the operator looking for a directory that is there as a file */
        journal_error("no journal or automatic snapshot in %s (%s is not a directory)", cfg.persist_path, L.root);
        config_free(&cfg);
        return 2;
    }
    if (no_layout || !auto_layout_exists(&L)) {
        journal_error("no journal or automatic snapshot in %s (%s/" AUTO_DIR_NAME " does not exist)",
                      cfg.persist_path, cfg.persist_path);
        config_free(&cfg);
        return 2;
    }
    char where[PATH_MAX]; /* the persist path, for the report */
    snprintf(where, sizeof where, "%s", cfg.persist_path);
    config_free(&cfg);
    /* a check writes nothing: it works where it may not write */
    errno = 0;
    int busy, lock = repair ? auto_layout_lock(&L, &busy, err, sizeof err)
                            : auto_layout_lock_read(&L, &busy, err, sizeof err);
    int denied = lock == -1 && !busy && errno == EACCES;
    if (lock == -1 && (repair || !busy)) {
        /* Denied by its mode, this user looked at nothing: status 2, as for
         * an @ndb it may not read (1 would say the journal does not
         * recover).  A lock that is no file, or a read-only mount for a
         * repair, stops a start-up or the repair as well: 1. */
        journal_error("%s%s", err, busy       ? ": stop it before repairing"
                                   : denied ? " (run it as the user the server runs as, or as root)"
                                            : "");
        return denied ? 2 : 1;
    }
    if (lock == -1) printf("note: a server is running on this path: what it is writing may show as a torn last record\n");

    ndb_store st;
    recovery_report rep;
    store_init(&st, 0, 64);
    int rc = recovery_run(&st, &L, repair ? RECOVER_START : RECOVER_CHECK, &rep, err, sizeof err);
    if (rc == 0 && rep.found) rc = recovery_next_file_follows(&rep, err, sizeof err); /* as serve --journal */
    if (rc == 0 && !rep.found) {
        /* "recovers 0 keys" would pass a script's check of a path whose
         * journal files were lost or that never had any (a wrong path, a
         * server without --journal): there is nothing here to vouch for */
        journal_error("no journal or automatic snapshot in %s (%s holds neither)", where, L.root);
        store_free(&st);
        if (lock >= 0) close(lock);
        return 2;
    }
    if (rc == 0) {
        print_found(&rep, &st);
        if (repair) { /* what a start-up would have done anyway was done: say so, not "nothing" */
            const char *done = rep.torn && rep.reserved_bytes ? " (the torn last record and the zeros after it were cut off)"
                               : rep.torn                     ? " (the torn last record was cut off)"
                               : rep.reserved_bytes           ? " (the zeros after the last record were cut off)"
                                                              : "";
            printf("no damage to repair%s\n", done);
        }
        store_free(&st);
        if (lock >= 0) close(lock);
        return 0;
    }
    printf("%s\n", err);
    if (!rep.damaged) {
        printf("%s: this is not journal damage%s\n", repair ? "cannot repair" : "not recoverable",
               repair ? "" : "; a repair cannot help");
        store_free(&st);
        if (lock >= 0) close(lock);
        return 1;
    }
    if (!repair) {
        print_loss(&L, &rep, "a repair would drop");
        printf("run 'ndb journal repair' (with the same options) to drop it\n");
        store_free(&st);
        if (lock >= 0) close(lock);
        return 1;
    }
    print_loss(&L, &rep, "dropping");
    if (recovery_repair(&L, &rep, err, sizeof err)) {
        printf("repair failed: %s\n", err);
        store_free(&st);
        close(lock);
        return 1;
    }
    store_free(&st);
    store_init(&st, 0, 64);
    rc = recovery_run(&st, &L, RECOVER_CHECK, &rep, err, sizeof err);
    if (rc == 0) rc = recovery_next_file_follows(&rep, err, sizeof err);
    if (rc) printf("after the repair: %s\n", err);
    else print_found(&rep, &st);
    store_free(&st);
    close(lock);
    return rc ? 1 : 0;
}

int cmd_journal(int argc, char **argv) {
    int rc = journal_main(argc, argv);
    /* The report is what a script keeps (`ndb journal check > report`): one
     * that could not be written (a full disk) is not a success, whatever the
     * journal holds; 2 as a usage error, as every command's output.  A reader
     * that has gone (`| head -1`) took what it wanted: the status stands. */
    return stdout_finish() ? 2 : rc;
}
