/*
 * journal.c — the journal's files, buffer and policies (see journal.h).
 */
#define _GNU_SOURCE /* fallocate */
#include "server/journal.h"

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
#include "common/plural.h"
#include "server/auto_layout.h"
#include "server/filemode.h"
#include "server/journal_format.h"

const char *const journal_policy_names[] = {"off", "no", "everysec", "always", NULL};

/* The path of the file of generation gen (auto_layout.h names them the same way). */
static void file_path(const journal *j, uint64_t gen, char *out, size_t outlen) {
    snprintf(out, outlen, "%s/%020llu.jnl", j->dir, (unsigned long long)gen);
}

/* Write n bytes at p to fd, retrying short writes.  0, or -1 with errno;
 * *done says how many bytes reached the file. */
static int write_all(int fd, const char *p, size_t n, size_t *done) {
    *done = 0;
    while (*done < n) {
        ssize_t w = write(fd, p + *done, n - *done);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        *done += (size_t)w;
    }
    return 0;
}

/* How much file space `always` reserves at a time (journal.h): one file-size
 * commit per step instead of one per fsync. */
#define JOURNAL_RESERVE_STEP (4u << 20)

/* Make sure the file has room for n more bytes after file_bytes, reserving
 * the next step when it has not.  A file system that cannot reserve
 * (EOPNOTSUPP) or a full disk only turns reserving off for this file: the
 * write that follows finds out for itself. */
static void reserve_room(journal *j, size_t n) {
    if (!j->reserve || j->file_bytes + n <= j->reserved_to) return;
    uint64_t to = j->file_bytes + n + JOURNAL_RESERVE_STEP;
    if (fallocate(j->fd, 0, (off_t)j->reserved_to, (off_t)(to - j->reserved_to))) {
        log_debug("journal: cannot reserve file space (%s); appending without", strerror(errno));
        j->reserve = 0;
        /* a fallocate that failed part way may have grown the file */
        if (ftruncate(j->fd, (off_t)j->reserved_to)) log_debug("journal: ftruncate: %s", strerror(errno));
        return;
    }
    j->reserved_to = to;
}

/* Give back the reserved space after the last record (the file is done
 * with, or is being closed). */
static void release_room(journal *j) {
    if (j->reserved_to <= j->file_bytes) return;
    if (ftruncate(j->fd, (off_t)j->file_bytes))
        log_warn("journal: cannot release the space reserved after the last record of generation %llu (%s); "
                 "the next start-up does",
                 (unsigned long long)j->gen, strerror(errno));
    j->reserved_to = j->file_bytes;
}

/* Create the file of generation gen with its header, durably.  Returns the
 * descriptor, or -1 with the reason in err (nothing is left behind). */
static int create_file(const journal *j, uint64_t gen, char *err, size_t errlen) {
    char path[PATH_MAX];
    unsigned char h[JF_HEADER_SIZE];
    size_t done;
    file_path(j, gen, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, NDB_FILE_MODE);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create journal file %s: %s", path, strerror(errno));
        return -1;
    }
    jf_header_encode(h, gen, wall_ms());
    if (write_all(fd, (const char *)h, sizeof h, &done) || fdatasync(fd) || auto_sync_dir(j->dir)) {
        snprintf(err, errlen, "cannot write journal file %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

int journal_open(journal *j, const char *dir, int policy, uint64_t gen, void (*wake)(void), char *err, size_t errlen) {
    memset(j, 0, sizeof *j);
    j->fd = -1;
    j->policy = policy;
    j->wake = wake;
    snprintf(j->dir, sizeof j->dir, "%s", dir);
    int fd = create_file(j, gen, err, errlen);
    if (fd < 0) return -1;
    j->fd = fd;
    j->gen = gen;
    j->file_bytes = j->reserved_to = j->synced_bytes = JF_HEADER_SIZE;
    j->reserve = policy == JOURNAL_ALWAYS;
    j->last_sync_ms = wall_ms();
    if (policy == JOURNAL_EVERYSEC) j->sync = jsync_start(fd, wake);
    return 0;
}

void journal_sink(void *ctx, const change *ch) {
    journal *j = ctx;
    j->appended++;
    if (j->broken) return;
    /* the buffer is written as one unit: every record says that more
     * follow, and write_buffer clears that on the last one (a crash can cut
     * the write short, and recovery must then drop all of it, not apply
     * part of a request) */
    j->last_rec = j->buf.len;
    jf_record_encode(&j->buf, ch, 1);
}

/* The number output waits for under this policy, ignoring limbo. */
static uint64_t released_raw(const journal *j) { return j->policy == JOURNAL_ALWAYS ? j->synced : j->written; }

/* Mark j broken for the reason already in j->why (logs it once). */
static void break_with_why(journal *j) {
    j->broken = 1;
    j->breaks++;
    if (!j->limbo_from) j->limbo_from = released_raw(j) + 1;
    if (j->phase == JOURNAL_RUNNING)
        log_error("%s; writes are refused until the journal can be written again", j->why);
    else if (j->phase == JOURNAL_STOPPING) /* nothing waits for a retry */
        log_error("%s; the server is stopping: a repair snapshot is written now", j->why);
    sb_free(&j->buf);
}

void journal_break(journal *j, const char *what, int e) {
    if (j->broken) return;
    char path[PATH_MAX];
    file_path(j, j->gen, path, sizeof path);
    snprintf(j->why, sizeof j->why, "%s of journal file %s failed: %s", what, path, strerror(e));
    break_with_why(j);
}

/* Break j because its file is gone from its path (removed, or moved away
 * with its directory): its writes and syncs still succeed, but no recovery
 * would read them.  Like after a failed write, the replies of its records
 * then wait for the repair (a whole snapshot, at the path) instead of
 * acknowledging writes a restart would not find. */
static void break_gone(journal *j) {
    char path[PATH_MAX];
    file_path(j, j->gen, path, sizeof path);
    snprintf(j->why, sizeof j->why,
             "journal file %s was removed or moved while the server wrote it (was the persist path or its @ndb "
             "directory deleted or moved?)",
             path);
    j->gone = 1;
    break_with_why(j);
}

/* Was the current file removed?  One fstat, cheap next to the write or
 * the fdatasync it follows, so that no reply acknowledges a record kept
 * only in a removed file.  Returns 1 when it broke the journal. */
static int file_removed(journal *j) {
    struct stat st;
    if (fstat(j->fd, &st) || st.st_nlink > 0) return 0;
    break_gone(j);
    return 1;
}

int journal_check_path(journal *j) {
    if (j->fd < 0 || j->broken || j->limbo_from) return 0;
    char path[PATH_MAX];
    file_path(j, j->gen, path, sizeof path);
    if (auto_fd_at_path(j->fd, path)) return 0;
    break_gone(j);
    return 1;
}

/* Cut the current file back to its last whole record (after a failed
 * write).  0, or -1 (then truncate_pending stays set). */
static int cut_back(journal *j) {
    if (!j->truncate_pending) return 0;
    if (ftruncate(j->fd, (off_t)j->file_bytes)) return -1;
    j->truncate_pending = 0;
    j->reserved_to = j->file_bytes; /* the reserved space went too */
    return 0;
}

/* Write the buffer to the current file.  0, or -1 (the journal broke). */
static int write_buffer(journal *j) {
    size_t done;
    if (!j->buf.len) return 0;
    jf_record_set_more((unsigned char *)j->buf.buf + j->last_rec, 0); /* the unit ends here */
    reserve_room(j, j->buf.len);
    if (write_all(j->fd, j->buf.buf, j->buf.len, &done)) {
        int e = errno;
        if (done) { /* part of a record may be in the file: take it out again */
            j->truncate_pending = 1;
            cut_back(j);
        }
        journal_break(j, "write", e);
        return -1;
    }
    j->file_bytes += j->buf.len;
    /* before `written` moves, so their replies stay held; under `always`
     * replies wait for the fdatasync that follows every call of this, and
     * sync_now checks then: one fstat per batch, not two */
    if (j->policy != JOURNAL_ALWAYS && file_removed(j)) return -1;
    j->written = j->appended;
    sb_reset(&j->buf);
    if (j->buf.cap > 4 * 1024 * 1024) sb_free(&j->buf); /* a burst does not pin its buffer */
    return 0;
}

/* Under `always`, after an fdatasync failed: the records written since the
 * last good one were never acknowledged (their replies wait for a sync),
 * and the repair snapshot, not this file, is to keep them.  Cut them out,
 * so that a repair that fails too loses them as the server then says (log,
 * close frame) instead of a restart replaying writes their clients were
 * told were lost — and may have retried.  Under the other policies the
 * records were acknowledged when written: they stay. */
static void drop_unsynced(journal *j) {
    if (j->policy != JOURNAL_ALWAYS || j->file_bytes <= j->synced_bytes) return;
    j->file_bytes = j->synced_bytes;
    j->truncate_pending = 1;
    if (cut_back(j))
        log_warn("journal: cannot cut journal file generation %llu back to its last synced record (%s): a start-up "
                 "may replay writes that were not answered",
                 (unsigned long long)j->gen, strerror(errno));
}

/* fdatasync the current file on this thread.  0, or -1 (the journal broke). */
static int sync_now(journal *j) {
    if (fdatasync(j->fd)) {
        journal_break(j, "fdatasync", errno);
        drop_unsynced(j);
        return -1;
    }
    if (file_removed(j)) return -1; /* removed while it synced: not durable after all */
    j->synced = j->written;
    j->synced_bytes = j->file_bytes;
    j->last_sync_ms = wall_ms();
    j->syncs++;
    return 0;
}

void journal_poll_sync(journal *j) {
    if (!j->sync) return;
    uint64_t synced, last, syncs;
    int e;
    jsync_status(j->sync, &synced, &last, &syncs, &e);
    if (synced > j->synced) j->synced = synced;
    if (last) j->last_sync_ms = last;
    j->syncs = syncs;
    if (e) journal_break(j, "fdatasync", e);
}

int journal_flush(journal *j) {
    if (j->fd < 0) return 0;
    int was_broken = j->broken;
    journal_poll_sync(j);
    if (j->broken || j->limbo_from) return j->broken && !was_broken;
    if (!j->buf.len) return 0;
    if (write_buffer(j)) return 1;
    if (j->policy == JOURNAL_ALWAYS) return sync_now(j) ? 1 : 0;
    if (j->sync) jsync_request(j->sync, j->written);
    return 0;
}

int journal_rotate(journal *j, uint64_t gen, char *err, size_t errlen) {
    if (!j->broken && !j->limbo_from && (write_buffer(j) || sync_now(j))) {
        /* finishing the old file failed: it is broken now, and the snapshot
         * this rotation is for becomes the repair (the caller checks) */
    }
    if (j->broken && cut_back(j)) {
        char path[PATH_MAX];
        file_path(j, j->gen, path, sizeof path);
        snprintf(err, errlen, "cannot cut journal file %s back to its last whole record: %s", path,
                 strerror(errno));
        return -1;
    }
    int fd = create_file(j, gen, err, errlen);
    if (fd < 0) return -1;
    if (j->sync) jsync_switch(j->sync, fd, j->appended);
    release_room(j);
    close(j->fd);
    j->fd = fd;
    j->gen = gen;
    j->older_bytes += j->file_bytes;
    j->file_bytes = j->reserved_to = j->synced_bytes = JF_HEADER_SIZE;
    j->reserve = j->policy == JOURNAL_ALWAYS;
    if (j->broken) {
        /* repairing: the snapshot taken now holds every record so far;
         * records from here on wait in the buffer until it is complete */
        j->broken = j->gone = 0;
        sb_reset(&j->buf);
    }
    j->written = j->synced = j->appended;
    return 0;
}

void journal_limbo_done(journal *j) {
    if (!j->limbo_from || j->broken) return;
    j->limbo_from = 0;
    j->why[0] = 0;
    /* warnings, as the end of the error that broke the journal: a log kept
     * at --log-level warn shows both ends of the refusal */
    if (j->phase != JOURNAL_RUNNING) /* no write is accepted any more: the held replies go out */
        log_warn("journal: repaired (generation %llu): the writes waiting for it are answered", (unsigned long long)j->gen);
    else
        log_warn("journal: writing again (generation %llu): writes are accepted", (unsigned long long)j->gen);
}

/* The last write or fdatasync, in journal_close, failed (j->why says
 * which): log what that puts at risk.  Replies of the records after
 * limbo_from - 1 never went out; of those acknowledged, the ones after
 * `synced` may not be on disk — none under always, whose replies wait for
 * the fdatasync; a file gone from its path loses them all.  Returns how
 * many acknowledged ones are at risk (1 for a gone file: some or all). */
static uint64_t log_close_failure(const journal *j) {
    if (j->gone) {
        log_error("%s, found at shutdown: the changes it holds are not where a start-up reads them", j->why);
        return 1;
    }
    uint64_t acked = j->limbo_from - 1, at_risk = acked > j->synced ? acked - j->synced : 0;
    if (at_risk)
        log_error("%s at shutdown: %llu acknowledged change%s, written since the last fdatasync that succeeded, may "
                  "not be on disk",
                  j->why, (unsigned long long)at_risk, plural_s(at_risk));
    else
        log_error("%s at shutdown; every acknowledged change was on disk before it, so none is lost", j->why);
    return at_risk;
}

int journal_close(journal *j) {
    uint64_t at_risk = 0;
    if (j->fd >= 0) {
        j->phase = JOURNAL_CLOSING;
        uint64_t breaks = j->breaks;
        journal_poll_sync(j); /* the everysec thread's last fsync, and whether it failed */
        if (!j->broken && !j->limbo_from && !write_buffer(j)) sync_now(j);
        if (j->breaks != breaks) at_risk = log_close_failure(j);
        release_room(j);
        if (j->sync) jsync_stop(j->sync);
        j->sync = NULL;
        close(j->fd);
        j->fd = -1;
    }
    sb_free(&j->buf);
    return at_risk ? -1 : 0;
}
