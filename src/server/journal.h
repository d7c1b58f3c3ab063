/*
 * journal.h — the journal: every change record, appended to a file, so that
 * acknowledged writes survive a crash (issue 15).
 *
 * The journal is a store sink (store_add_sink): it sees each record after
 * the store applied it, encodes it (journal_format.h) into a buffer, and
 * at the end of every event-loop turn (journal_flush) writes the buffer
 * with one write() and, by policy:
 *   always    fdatasync() before anything queued after those records is
 *             sent — group commit: every write answered in one turn shares
 *             one fsync;
 *   everysec  a thread calls fdatasync() at most once a second; nothing
 *             waits for it;
 *   no        the kernel flushes when it likes.
 * With every policy a reply leaves only after its record was handed to the
 * kernel, so a crash of the process loses no acknowledged write; only
 * `always` also survives a power loss.
 *
 * Under `always` the file's space is reserved ahead of the writes
 * (fallocate, JOURNAL_RESERVE_STEP at a time): an fdatasync after an append
 * that grows the file must also commit the new file size, one that writes
 * inside it only the data — on ext4 about a third less time per fsync,
 * which is the time an `always` write waits.  The reserved space reads as
 * zeros; the file is cut back to its records when it is closed or rotated,
 * and after a crash by the next start-up (journal_read.h: zeros to the end
 * are a clean end).
 *
 * Holding output back is the transport's job (it gates each connection's
 * queue); the journal tells it with two sequence numbers: records are
 * numbered from 1 as they arrive; output queued while journal_hold_seq()
 * is non-zero must wait until journal_released() reaches that number.
 *
 * Failure: when a write or an fsync fails, the file can no longer be
 * trusted.  The journal becomes *broken*: it tries to cut the file back to
 * its last whole record, stops writing, and counts further records without
 * keeping them.  Records from the first one not known durable up to the
 * break are in *limbo*: output queued after them stays held.  The owner
 * (durability.c) refuses writes, and repairs by taking an automatic
 * snapshot of the whole state: journal_rotate() starts a fresh file for
 * the records after it, and once the snapshot is complete
 * journal_limbo_done() releases what was held.
 */
#ifndef NDB_JOURNAL_H
#define NDB_JOURNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "server/change.h"

/* persist.journal: the index of each word in journal_policy_names. */
enum journal_policy { JOURNAL_OFF = 0, JOURNAL_NO, JOURNAL_EVERYSEC, JOURNAL_ALWAYS };
extern const char *const journal_policy_names[]; /* "off", "no", "everysec", "always", NULL */

struct jsync;

/* Where the server's life is, for the journal: what follows a break.
 * Running: writes are refused until a repair, retried later.  Stopping:
 * the shutdown writes a repair snapshot at once.  Closing: journal_close
 * runs, nothing follows (its own line says what the failure put at risk). */
enum journal_phase { JOURNAL_RUNNING, JOURNAL_STOPPING, JOURNAL_CLOSING };

typedef struct journal {
    int policy;             /* enum journal_policy (not OFF while open) */
    char dir[PATH_MAX - 64];
    int fd;                 /* the current file; -1 when none is open */
    uint64_t gen;           /* its generation */
    uint64_t file_bytes;    /* its length: header and whole records written */
    uint64_t reserved_to;   /* the file's size on disk: file_bytes and the space
                             * reserved after it (equal when nothing is reserved) */
    int reserve;            /* reserve space ahead (policy `always`, until it fails once) */
    uint64_t older_bytes;   /* bytes of the earlier files that recovery would replay */
    strbuf buf;             /* encoded records not yet written: one unit
                             * (journal_format.h), written with one write */
    size_t last_rec;        /* with buf.len > 0: where buf's last record starts */
    uint64_t appended;      /* records received (the last one's number) */
    uint64_t written;       /* records handed to the kernel */
    uint64_t synced;        /* records known to be on disk */
    uint64_t synced_bytes;  /* the current file's length at its last fsync that succeeded */
    uint64_t limbo_from;    /* first record in limbo (not durable, kept by no file); 0: none */
    int broken;             /* a write or fsync failed: nothing is written until journal_rotate */
    enum journal_phase phase; /* what a break's log line says comes next (journal.c) */
    int gone;               /* it broke because its file left its path (no recovery reads it) */
    int truncate_pending;   /* the broken file still holds a partial record past file_bytes */
    char why[PATH_MAX + 256]; /* why it broke (for the log, SV_INFO and 124 answers) */
    uint64_t breaks;        /* times it broke (a repair covers a break only if none came after its fork) */
    uint64_t last_sync_ms;  /* wall-clock ms of the last fsync that succeeded (0: none) */
    uint64_t syncs;         /* fsyncs done */
    struct jsync *sync;     /* the everysec thread, or NULL */
    void (*wake)(void);     /* wakes the event loop (from the sync thread); may be NULL */
} journal;

/* Open a new journal file of generation gen in dir (created with its
 * header, synced, its directory synced) and start the policy's thread.
 * wake is called from that thread when an fsync fails.  Returns 0, or -1
 * with the reason in err. */
int journal_open(journal *j, const char *dir, int policy, uint64_t gen, void (*wake)(void), char *err, size_t errlen);

/* The store sink: append ch (ctx is the journal). */
void journal_sink(void *ctx, const change *ch);

/* End of an event-loop turn: write what is buffered and, with `always`,
 * fdatasync.  Also picks up a failure of the sync thread.  Returns 1 if
 * the journal broke during this call (it logged why), else 0. */
int journal_flush(journal *j);

/* Take in what the everysec thread did (fsyncs, a failure) without
 * writing anything. */
void journal_poll_sync(journal *j);

/* The number output queued now must wait for (0: nothing to wait for). */
static inline uint64_t journal_hold_seq(const journal *j) {
    if (j->broken || j->limbo_from) return 0; /* writes are refused; nothing more to protect */
    uint64_t done = j->policy == JOURNAL_ALWAYS ? j->synced : j->written;
    return j->appended > done ? j->appended : 0;
}

/* Output held for records up to this number may go. */
static inline uint64_t journal_released(const journal *j) {
    if (j->limbo_from) return j->limbo_from - 1;
    return j->policy == JOURNAL_ALWAYS ? j->synced : j->written;
}

/* Bytes recovery would replay: the files since the last automatic snapshot. */
static inline uint64_t journal_bytes(const journal *j) { return j->older_bytes + j->file_bytes; }

/* Start generation gen: the current file is finished (written and synced;
 * a broken one is only cut back to its last whole record) and a new one
 * opened; buffered records go to the old file.  On failure the old file
 * stays current.  Returns 0, or -1 with the reason in err. */
int journal_rotate(journal *j, uint64_t gen, char *err, size_t errlen);

/* An automatic snapshot of generation j->gen (or later) is complete: the
 * files before it are no longer replayed. */
static inline void journal_base_moved(journal *j) { j->older_bytes = 0; }

/* The snapshot that repairs a broken journal is complete: everything in
 * limbo is durable (held output may go). */
void journal_limbo_done(journal *j);

/* Records in limbo: changes made since the journal broke, whose replies
 * are held (no file keeps them). */
static inline uint64_t journal_held(const journal *j) {
    return j->limbo_from && j->appended >= j->limbo_from ? j->appended - j->limbo_from + 1 : 0;
}

/* Write and sync what is buffered, stop the thread, close the file.  Safe
 * on a journal that was never opened (fd -1 and zeroed).  Returns -1 when
 * that last write or fdatasync failed with acknowledged changes not known
 * to be on disk (under everysec and no: those written since the last
 * fdatasync that succeeded; it logged how many), else 0. */
int journal_close(journal *j);

/* Is the current file still at its path?  A file moved away with its
 * directory (mv of the persist path) is written on without an error, but
 * a restart would not find it: then j breaks (1), as after a failed write.
 * A stat and an fstat: the server calls it once a second (its tick), and
 * checks st_nlink after every write and sync by itself. */
int journal_check_path(journal *j);

/* Mark j broken because `what` failed with errno e (logs it once). */
void journal_break(journal *j, const char *what, int e);

/* --- the everysec thread (journal_sync.c) --- */
struct jsync *jsync_start(int fd, void (*wake)(void));
/* Records up to `written` are in the file: sync them within a second. */
void jsync_request(struct jsync *s, uint64_t written);
/* Records synced so far, the wall-clock ms of that fsync, and the errno of
 * a failed fsync (0: none; cleared by reading it). */
void jsync_status(struct jsync *s, uint64_t *synced, uint64_t *last_ms, uint64_t *syncs, int *err);
/* Switch to a new file whose records before `written` are all synced;
 * waits while an fsync of the old file is running. */
void jsync_switch(struct jsync *s, int fd, uint64_t written);
void jsync_stop(struct jsync *s);

#endif
