/*
 * recovery.h — rebuilding the state from the automatic snapshots and the
 * journal (issue 15), at start-up and for `ndb journal check|repair`.
 *
 * The newest complete automatic snapshot is loaded (sessions with their
 * deadlines, then keys), then every journal file of its generation and
 * later ones is replayed, record by record, through store_apply() — the
 * same code that made each change, so a replay reproduces the state byte
 * for byte.  Without a snapshot, the journal must start at generation 1.
 *
 * A record that cannot be read at the end of the newest file is a torn
 * tail (journal_read.h): a write the crash cut short, never acknowledged.
 * It is dropped with a warning and, at start-up, cut off the file.
 * Anything else that cannot be read or applied is damage: recovery stops
 * and says which file and byte; `ndb journal repair` cuts the journal
 * there (keeping what it drops beside it) after saying how much goes.
 */
#ifndef NDB_RECOVERY_H
#define NDB_RECOVERY_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "server/auto_layout.h"
#include "server/store.h"

enum recovery_mode {
    RECOVER_START,  /* start-up: a torn tail and unwritten reserved space are cut off the file */
    RECOVER_CHECK,  /* nothing on disk changes */
};

typedef struct recovery_report {
    int found;               /* any journal file or automatic snapshot existed */
    uint64_t base_gen;       /* the automatic snapshot loaded (0: none) */
    uint64_t base_bytes;     /* its size */
    uint64_t snap_keys, snap_sessions, snap_session_keys, snap_ms;
    unsigned files;          /* journal files replayed */
    uint64_t records, bytes, replay_ms; /* records replayed, bytes of those files */
    uint64_t last_gen;       /* the highest generation of any journal file or snapshot */
    int torn;                /* the newest file had a torn tail */
    int torn_header;         /* ... which was its header: a crash while it was created, no record */
    char torn_file[PATH_MAX];
    uint64_t torn_at, torn_bytes;
    uint64_t reserved_bytes; /* zeros after the last record, space reserved for writes that
                              * never came (journal `always`; only counted, not bytes above) */
    int damaged;             /* recovery failed on journal damage (below) */
    char bad_file[PATH_MAX];
    uint64_t bad_gen, bad_at, bad_size; /* where: file, byte; the file's length */
    uint64_t good_records;   /* records of that file before the damage */
    char bad_why[700];
    unsigned later_files;    /* journal files after the damaged one */
    uint64_t later_bytes;
    uint64_t gap_gen;        /* after a run that succeeded: the first generation before the next
                              * journal file that nothing holds (0: none; recovery_next_file_follows) */
    char gap_snapshot[PATH_MAX]; /* the snapshot past the journal that makes that gap */
} recovery_report;

/* Rebuild st (empty, with no sinks) from L.  Returns 0, or -1 with a
 * one-line reason in err (rep->damaged says whether a repair can help). */
int recovery_run(ndb_store *st, const auto_layout *L, int mode, recovery_report *rep, char *err, size_t errlen);

/* After a recovery_run that succeeded with rep: would the journal file a
 * start begins next, generation rep->last_gen + 1, follow the files
 * recovery replays as the next start reads them?  Only generations that
 * interrupted snapshots hold may lie between.  A directory numbered far
 * past the journal in @ndb/snapshots (copied there by hand) would else
 * number the new file so that the next start finds journal files missing,
 * with the writes acknowledged into it out of reach.  0, or -1 with the
 * reason in err.  (A save schedule without a journal begins no file.)
 * recovery_run finds the answer from the listing it already made; this
 * turns it into the caller's error. */
int recovery_next_file_follows(const recovery_report *rep, char *err, size_t errlen);

/* Cut the journal at the damage rep describes: the damaged file keeps its
 * records before it (the rest is moved to "<file>.damaged"), later files
 * are renamed "<file>.damaged".  Returns 0, or -1 with the reason in err. */
int recovery_repair(const auto_layout *L, const recovery_report *rep, char *err, size_t errlen);

#endif
