/*
 * recovery.c — the newest complete automatic snapshot plus the journal
 * after it (see recovery.h).
 */
#include "server/recovery.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/autosnap.h"
#include "server/filemode.h"
#include "server/journal_read.h"

/* Length of the file at path (0 if it cannot be read). */
static uint64_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Record damage at byte `at` of journal file `gen` (path) and fill err. */
static int damage(recovery_report *rep, const char *path, uint64_t gen, uint64_t at, uint64_t size,
                  uint64_t good, const char *why, char *err, size_t errlen) {
    rep->damaged = 1;
    snprintf(rep->bad_file, sizeof rep->bad_file, "%s", path);
    rep->bad_gen = gen;
    rep->bad_at = at;
    rep->bad_size = size;
    rep->good_records = good;
    snprintf(rep->bad_why, sizeof rep->bad_why, "%s", why);
    snprintf(err, errlen, "journal file %s is damaged at byte %llu: %s", path, (unsigned long long)at, why);
    return -1;
}

/* Cut `path` back to byte `at` (start-up only): a torn tail, or reserved
 * space after the last record. */
static int cut_tail(const char *path, uint64_t at, char *err, size_t errlen) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)at) || fsync(fd)) {
        snprintf(err, errlen, "cannot cut %s back to its last record (byte %llu): %s", path,
                 (unsigned long long)at, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Give the header-less file `path` the header of generation gen (and nothing else). */
static int rewrite_header(const char *path, uint64_t gen, char *err, size_t errlen) {
    unsigned char h[JF_HEADER_SIZE];
    jf_header_encode(h, gen, 0);
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0 || write(fd, h, sizeof h) != (ssize_t)sizeof h || fsync(fd)) {
        snprintf(err, errlen, "cannot write a header into %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Replay journal file `gen` into st.  last: it is the newest file (where a
 * torn tail may be).  Returns 0, or -1 with err (and rep->damaged). */
static int replay_file(ndb_store *st, const auto_layout *L, uint64_t gen, int last, int mode,
                       recovery_report *rep, char *err, size_t errlen) {
    char path[PATH_MAX], why[600];
    auto_journal_path(L, gen, path, sizeof path);
    jscan s;
    int orc = jscan_open(&s, path, why, sizeof why);
    if (orc == -2) { /* not damage: the file could not be read at all */
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (orc) {
        int torn = last && jscan_torn_header(&s);
        uint64_t size = s.size;
        jscan_close(&s);
        if (!torn) return damage(rep, path, gen, 0, size, 0, why, err, errlen);
        /* created by a crash before its header was durable: it holds no
         * record; a start-up gives it its header (removing it would leave
         * a gap in the generations) */
        log_warn("journal file %s holds no header (%llu bytes): a file the crash interrupted while it was "
                 "created; it holds no record",
                 path, (unsigned long long)size);
        rep->torn = rep->torn_header = 1;
        snprintf(rep->torn_file, sizeof rep->torn_file, "%s", path);
        rep->torn_at = 0;
        rep->torn_bytes = size;
        if (mode == RECOVER_START && rewrite_header(path, gen, err, errlen)) return -1;
        rep->files++;
        rep->bytes += mode == RECOVER_START ? JF_HEADER_SIZE : size; /* what the file holds now */
        return 0;
    }
    if (s.hdr.generation != gen) {
        snprintf(why, sizeof why, "its header says generation %llu", (unsigned long long)s.hdr.generation);
        uint64_t size = s.size;
        jscan_close(&s);
        return damage(rep, path, gen, 0, size, 0, why, err, errlen);
    }
    change ch;
    int rc;
    size_t rec_start = s.off;
    while ((rc = jscan_next(&s, &ch, why, sizeof why)) == 1) {
        char aerr[300];
        if (ch.kind > CH_KIND_LAST) {
            /* Its checksum is right: a kind added by a later ndb (the format
             * version stays the same for a new kind, journal_format.h), not
             * damage — a repair would drop it and every record after it. */
            snprintf(err, errlen,
                     "journal file %s was written by another version of ndb, in a record of kind %u at byte %zu "
                     "(this ndb knows kinds 1 to %u): start that version",
                     path, (unsigned)ch.kind, rec_start, (unsigned)CH_KIND_LAST);
            jscan_close(&s);
            return -1;
        }
        if (store_apply(st, &ch, aerr, sizeof aerr)) {
            snprintf(why, sizeof why, "the record does not apply: %s", aerr);
            uint64_t size = s.size, good = s.records - 1;
            jscan_close(&s);
            return damage(rep, path, gen, rec_start, size, good, why, err, errlen);
        }
        rec_start = s.off;
    }
    uint64_t size = s.size, at = s.off, good = s.records;
    if (rc < 0) {
        if (last && jscan_rest_is_torn(&s)) {
            /* the torn write ends where the zeros of reserved space begin (zero
             * bytes at the end of the write itself cannot be told from them) */
            uint64_t end = jscan_data_end(&s, at);
            jscan_close(&s);
            log_warn("journal file %s: dropped a torn last record (%llu bytes at byte %llu), a write cut short "
                     "by a crash; it was never acknowledged",
                     path, (unsigned long long)(end - at), (unsigned long long)at);
            rep->torn = 1;
            snprintf(rep->torn_file, sizeof rep->torn_file, "%s", path);
            rep->torn_at = at;
            rep->torn_bytes = end - at;
            rep->reserved_bytes += size - end;
            if (mode == RECOVER_START && cut_tail(path, at, err, errlen)) return -1;
            size = at;
        } else {
            jscan_close(&s);
            return damage(rep, path, gen, at, size, good, why, err, errlen);
        }
    } else {
        uint64_t zeros = s.zero_tail;
        jscan_close(&s);
        if (zeros) {
            /* the server did not close the file: space it reserved for writes
             * that never came (journal.c), or writes a power loss kept from
             * the disk (under everysec or no) */
            rep->reserved_bytes += zeros;
            if (mode == RECOVER_START) {
                if (cut_tail(path, at, err, errlen)) return -1;
                log_warn("journal file %s: cut off %llu bytes of zeros after its last record (space reserved "
                         "under journal always, or writes a power loss kept from the disk)",
                         path, (unsigned long long)zeros);
            }
            size = at;
        }
    }
    rep->files++;
    rep->records += good;
    rep->bytes += size;
    return 0;
}

/* Is one of the automatic snapshots gens[0..n) complete (something to
 * fall back on when snapshot gens[n] cannot be loaded)? */
static int older_complete(const auto_layout *L, const uint64_t *gens, int n) {
    static snap_found kv, sh; /* static: PATH_MAX buffers */
    char why[PATH_MAX + 256];
    for (int i = n - 1; i >= 0; i--)
        if (auto_snapshot_complete(L, gens[i], &kv, &sh, why, sizeof why)) return 1;
    return 0;
}

/* The newest complete automatic snapshot among gens[0..n): loads it into st
 * and returns its generation, 0 when there is none, or -1 with err when
 * the newest complete one cannot be loaded. */
static int64_t load_base(ndb_store *st, const auto_layout *L, const uint64_t *gens, int n, recovery_report *rep,
                         char *err, size_t errlen) {
    char why[PATH_MAX + 256], path[PATH_MAX];
    for (int i = n - 1; i >= 0; i--) {
        snap_found kv, sh;
        auto_snapshot_path(L, gens[i], path, sizeof path);
        if (!auto_snapshot_complete(L, gens[i], &kv, &sh, why, sizeof why)) {
            log_info("automatic snapshot %s is not complete (%s): a snapshot interrupted by a crash or a failure, "
                     "not used",
                     path, why);
            continue;
        }
        uint64_t t0 = mono_ms();
        if (autosnap_load(path, &kv, &sh, st, &rep->snap_keys, &rep->snap_sessions, &rep->snap_session_keys, why,
                          sizeof why)) {
            snprintf(err, errlen, "automatic snapshot %s cannot be loaded: %s (%s)", path, why,
                     older_complete(L, gens, i)
                         ? "move it away to recover from the snapshot before it and the journal after that one"
                         : "no older complete automatic snapshot to fall back on: restore this one from a backup");
            return -1;
        }
        rep->snap_ms = mono_ms() - t0;
        rep->base_bytes = auto_tree_bytes(path);
        return (int64_t)gens[i];
    }
    return 0;
}

/* Whether generation g is among the n sorted generations of `gens`. */
static int gen_listed(const uint64_t *gens, int n, uint64_t g) {
    for (int i = 0; i < n && gens[i] <= g; i++)
        if (gens[i] == g) return 1;
    return 0;
}

/* The first generation from g on (below limit) that no interrupted
 * snapshot holds alone.  A snapshot that failed or was cut short by a
 * crash still took its generation number, so journal files may step over
 * such generations without anything being missing.  With `journal_ends`,
 * a snapshot with a journal mark (autosnap.h) ends the run: it was taken
 * with the journal on, so a journal file of its generation belongs there. */
static uint64_t past_interrupted(const auto_layout *L, const uint64_t *snaps, int ns, uint64_t g, uint64_t limit,
                                 int journal_ends) {
    while (g < limit && gen_listed(snaps, ns, g) && !(journal_ends && autosnap_has_journal(L, g))) g++;
    return g;
}

int recovery_next_file_follows(const recovery_report *rep, char *err, size_t errlen) {
    if (!rep->gap_gen) return 0;
    snprintf(err, errlen,
             "automatic snapshot %s is not complete and lies past the journal, with nothing in generation %llu: "
             "a journal file begun after it would be missing its predecessors at the next start; move it away "
             "if no ndb server of this path left it there",
             rep->gap_snapshot, (unsigned long long)rep->gap_gen);
    return -1;
}

/* After the files to replay are known: would the journal file a start
 * begins next (rep->last_gen + 1) follow them?  From the newest file
 * replayed (one of the base's generation or later), the rule between two
 * files; with none, the rule for the first file after the base.  Records
 * the first generation nothing holds in rep->gap_gen (0: none). */
static void find_gap_before_next_file(const auto_layout *L, const uint64_t *snaps, int ns, const uint64_t *jnls,
                                      int nj, recovery_report *rep) {
    int after_file = nj > 0 && jnls[nj - 1] >= rep->base_gen;
    uint64_t g = after_file ? jnls[nj - 1] + 1 : rep->base_gen + 1;
    g = past_interrupted(L, snaps, ns, g, rep->last_gen + 1, after_file);
    if (g > rep->last_gen) return;
    rep->gap_gen = g;
    auto_snapshot_path(L, rep->last_gen, rep->gap_snapshot, sizeof rep->gap_snapshot);
}

int recovery_run(ndb_store *st, const auto_layout *L, int mode, recovery_report *rep, char *err, size_t errlen) {
    memset(rep, 0, sizeof *rep);
    uint64_t *snaps = NULL, *jnls = NULL;
    int rc = -1;
    int ns = auto_list_snapshots(L, &snaps, err, errlen);
    int nj = ns < 0 ? -1 : auto_list_journals(L, &jnls, err, errlen);
    if (ns < 0 || nj < 0) goto out;
    rep->found = ns + nj > 0;
    if (ns) rep->last_gen = snaps[ns - 1];
    if (nj && jnls[nj - 1] > rep->last_gen) rep->last_gen = jnls[nj - 1];
    int64_t base = load_base(st, L, snaps, ns, rep, err, errlen);
    if (base < 0) goto out;
    rep->base_gen = (uint64_t)base;
    /* the journal files to replay: the base's generation and later ones, in
     * an unbroken run; without a base, from the very first (generation 1) */
    int first = 0;
    while (first < nj && jnls[first] < rep->base_gen) first++;
    /* A snapshot taken with a journal on has a journal file of its own
     * generation (autosnap.h): without it, the changes after the snapshot
     * are missing, whatever comes later. */
    if (rep->base_gen && autosnap_has_journal(L, rep->base_gen) && (first >= nj || jnls[first] != rep->base_gen)) {
        char path[PATH_MAX];
        auto_journal_path(L, rep->base_gen, path, sizeof path);
        snprintf(err, errlen, "the journal after automatic snapshot %llu is missing: %s does not exist",
                 (unsigned long long)rep->base_gen, path);
        goto out;
    }
    if (first < nj) {
        uint64_t expect = rep->base_gen ? rep->base_gen : 1;
        /* The journal may start one generation after its base (a save
         * schedule's snapshot, then a journal), and past generations that
         * only interrupted snapshots hold: a snapshot that failed with no
         * journal beside it (a save schedule's, before --journal was
         * turned on) took its generation number, and the journal started
         * after it.  A generation that nothing holds is a missing file. */
        uint64_t allowed = past_interrupted(L, snaps, ns, expect + (rep->base_gen ? 1 : 0), jnls[first], 0);
        if (jnls[first] > allowed) {
            char path[PATH_MAX];
            auto_journal_path(L, jnls[first], path, sizeof path);
            if (rep->base_gen)
                snprintf(err, errlen,
                         "the journal after automatic snapshot %llu is missing: the next journal file is %s",
                         (unsigned long long)rep->base_gen, path);
            else
                snprintf(err, errlen,
                         "the journal starts with %s, but there is no complete automatic snapshot to start from "
                         "(were snapshots deleted?)",
                         path);
            goto out;
        }
        for (int i = first + 1; i < nj; i++) {
            /* Between two journal files too, a generation may be held by an
             * interrupted snapshot without a journal of its own (no journal
             * mark): a save schedule's that a crash or a failed final save
             * cut short while the journal was off.  The next journal's
             * server recovered what the files before held and went on from
             * there, so nothing is missing. */
            uint64_t next = past_interrupted(L, snaps, ns, jnls[i - 1] + 1, jnls[i], 1);
            if (jnls[i] == next) continue;
            /* the changes of the later files build on the missing ones:
             * replaying them without it would give a state that never was */
            snprintf(err, errlen,
                     "journal file %llu is missing (the files go from %llu to %llu): restore it from a backup, or "
                     "move the journal files after it away to recover what comes before it (their changes are "
                     "lost)",
                     (unsigned long long)next, (unsigned long long)jnls[i - 1], (unsigned long long)jnls[i]);
            goto out;
        }
    }
    uint64_t t0 = mono_ms();
    for (int i = first; i < nj; i++) {
        if (replay_file(st, L, jnls[i], i == nj - 1, mode, rep, err, errlen) == 0) continue;
        if (rep->damaged) { /* what a repair would drop besides */
            for (int k = i + 1; k < nj; k++) {
                char path[PATH_MAX];
                auto_journal_path(L, jnls[k], path, sizeof path);
                rep->later_files++;
                rep->later_bytes += file_size(path);
            }
        }
        goto out;
    }
    rep->replay_ms = mono_ms() - t0;
    find_gap_before_next_file(L, snaps, ns, jnls, nj, rep);
    rc = 0;
out:
    free(snaps);
    free(jnls);
    return rc;
}

/* The name to keep what a repair drops from (or moves aside of) path:
 * path.damaged, or path.damaged.N when an earlier repair left one — what
 * it kept must not be overwritten.  Returns 0, or -1 (ENAMETOOLONG or
 * EEXIST after 999 others) with errno set. */
static int side_name(const char *path, char *out, size_t outlen) {
    struct stat sb;
    for (int n = 0; n < 1000; n++) {
        int len = n ? snprintf(out, outlen, "%s.damaged.%d", path, n) : snprintf(out, outlen, "%s.damaged", path);
        if (len < 0 || (size_t)len >= outlen) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (lstat(out, &sb) && errno == ENOENT) return 0;
    }
    errno = EEXIST;
    return -1;
}

/* Move path aside to its side_name. */
static int move_aside(const char *path, char *err, size_t errlen) {
    char side[PATH_MAX + 32];
    if (side_name(path, side, sizeof side) || rename(path, side)) {
        snprintf(err, errlen, "cannot move %s aside: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Copy bytes [from, size) of path into its side_name (the part a repair
 * drops, kept for whoever wants to look at it). */
static int keep_dropped(const char *path, uint64_t from, uint64_t size, char *err, size_t errlen) {
    char side[PATH_MAX + 32];
    int in = -1, out = -1;
    if (side_name(path, side, sizeof side)) goto fail;
    in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0 || (out = open(side, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, NDB_FILE_MODE)) < 0) goto fail;
    char buf[65536];
    for (uint64_t at = from; at < size;) {
        size_t want = size - at < sizeof buf ? (size_t)(size - at) : sizeof buf;
        ssize_t n = pread(in, buf, want, (off_t)at);
        if (n <= 0 || write(out, buf, (size_t)n) != n) goto fail;
        at += (uint64_t)n;
    }
    if (fsync(out)) goto fail;
    close(in);
    close(out);
    return 0;
fail:
    snprintf(err, errlen, "cannot keep the dropped part of %s in %s: %s", path, side, strerror(errno));
    if (in >= 0) close(in);
    if (out >= 0) {
        /* a part copied is no kept copy: left, it looked like one, and the
         * next repair kept its bytes beside it as .damaged.1 */
        close(out);
        unlink(side);
    }
    return -1;
}

/* Move aside every file or directory of the kind `list` finds whose
 * generation is after `after` (path_of names it).  Returns how many
 * entries there were, or -1 with err set. */
static int move_aside_after(const auto_layout *L, uint64_t after,
                            int (*list)(const auto_layout *, uint64_t **, char *, size_t),
                            void (*path_of)(const auto_layout *, uint64_t, char *, size_t), char *err,
                            size_t errlen) {
    char path[PATH_MAX + 16];
    uint64_t *gens = NULL;
    int n = list(L, &gens, err, errlen);
    for (int i = 0; i < n; i++) {
        if (gens[i] <= after) continue;
        path_of(L, gens[i], path, sizeof path);
        if (move_aside(path, err, errlen)) {
            n = -1;
            break;
        }
    }
    free(gens);
    return n;
}

int recovery_repair(const auto_layout *L, const recovery_report *rep, char *err, size_t errlen) {
    if (!rep->damaged) return 0;
    /* later files first: if this is interrupted, what is left is still a
     * journal that ends at (or after) the damage */
    if (move_aside_after(L, rep->bad_gen, auto_list_journals, auto_journal_path, err, errlen) < 0) return -1;
    /* An automatic snapshot of a later generation was begun after the
     * damage and is not complete (a complete one would have been the base
     * of recovery): a crash cut its compaction short.  It goes aside too:
     * left there, its generation would number the next start's journal
     * file past the files moved aside, and the start after that would
     * find a journal file missing between them. */
    int ns = move_aside_after(L, rep->bad_gen, auto_list_snapshots, auto_snapshot_path, err, errlen);
    if (ns < 0) return -1;
    if (ns > 0 && auto_sync_dir(L->snapshots)) {
        snprintf(err, errlen, "cannot sync %s: %s", L->snapshots, strerror(errno));
        return -1;
    }
    if (rep->bad_at < JF_HEADER_SIZE) {
        /* The header itself: the whole file is kept aside, and the file
         * keeps a new header and no record.  Moved away, its generation
         * would be missing: a complete snapshot of it needs its journal
         * file, and an interrupted one (a compaction a crash cut short)
         * would lie past the journal. */
        if (keep_dropped(rep->bad_file, 0, rep->bad_size, err, errlen) ||
            rewrite_header(rep->bad_file, rep->bad_gen, err, errlen))
            return -1;
    } else {
        if (keep_dropped(rep->bad_file, rep->bad_at, rep->bad_size, err, errlen) ||
            cut_tail(rep->bad_file, rep->bad_at, err, errlen))
            return -1;
    }
    if (auto_sync_dir(L->journal)) {
        snprintf(err, errlen, "cannot sync %s: %s", L->journal, strerror(errno));
        return -1;
    }
    return 0;
}
