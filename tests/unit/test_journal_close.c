/*
 * test_journal_close.c — what the journal's last fdatasync, at shutdown,
 * says when it fails (journal_close in journal.h).  Nothing refuses writes
 * any more then, so the log says what the failure puts at risk: the
 * acknowledged changes written since the last fdatasync that succeeded
 * (none under always, whose replies wait for it), and journal_close's
 * -1 makes `ndb serve` exit 1 when there are some.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "common/log.h"
#include "server/auto_layout.h"
#include "server/journal.h"
#include "server/store.h"
#include "unit.h"

static char dir[] = "/tmp/ndb-jclose-XXXXXX";
static auto_layout L;
static int pipe_fds[2];

/* From now on the journal's fdatasync fails (EINVAL): its descriptor names
 * a pipe.  Writes would still work; nothing is buffered when it is used. */
static void fail_syncs(journal *j) {
    if (pipe(pipe_fds) || dup2(pipe_fds[1], j->fd) < 0) abort();
    close(pipe_fds[1]);
}

static void put(ndb_store *st, const char *k) { store_put(st, NULL, k, strlen(k), "1", 1, CAUSE_SET); }

/* Open a journal of policy, write n changes through a store, flush them,
 * make the syncs fail, close; the log and journal_close's result. */
static const char *close_failing(int policy, int n, int *rc) {
    char err[PATH_MAX + 256];
    ndb_store st;
    journal jn;
    store_init(&st, 0, 53);
    if (journal_open(&jn, L.journal, policy, 1, NULL, err, sizeof err)) abort();
    store_add_sink(&st, journal_sink, &jn);
    char key[16];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(&st, key);
    }
    CHECK_INT(journal_flush(&jn), 0);
    fail_syncs(&jn);
    store_remove_sink(&st, journal_sink, &jn);
    capture_begin();
    *rc = journal_close(&jn);
    const char *out = capture_end();
    close(pipe_fds[0]);
    store_free(&st);
    char path[PATH_MAX];
    auto_journal_path(&L, 1, path, sizeof path);
    unlink(path);
    return out;
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    auto_layout_init(&L, dir);
    char err[PATH_MAX + 64], path[PATH_MAX], want[2 * PATH_MAX];
    if (auto_layout_create(&L, err, sizeof err)) return 1;
    auto_journal_path(&L, 1, path, sizeof path);
    int rc;

    /* no: the three changes were acknowledged when written, never synced */
    const char *out = close_failing(JOURNAL_NO, 3, &rc);
    snprintf(want, sizeof want,
             "ndb: error: fdatasync of journal file %s failed: Invalid argument at shutdown: 3 acknowledged changes, "
             "written since the last fdatasync that succeeded, may not be on disk\n",
             path);
    CHECK_STR(out, want);
    CHECK_INT(rc, -1);

    /* one such change: the singular */
    out = close_failing(JOURNAL_NO, 1, &rc);
    snprintf(want, sizeof want,
             "ndb: error: fdatasync of journal file %s failed: Invalid argument at shutdown: 1 acknowledged change, "
             "written since the last fdatasync that succeeded, may not be on disk\n",
             path);
    CHECK_STR(out, want);
    CHECK_INT(rc, -1);

    /* no change at all: nothing at risk, and no word of refusing writes */
    out = close_failing(JOURNAL_NO, 0, &rc);
    snprintf(want, sizeof want,
             "ndb: error: fdatasync of journal file %s failed: Invalid argument at shutdown; every acknowledged "
             "change was on disk before it, so none is lost\n",
             path);
    CHECK_STR(out, want);
    CHECK_INT(rc, 0);

    auto_remove_tree(dir);
    return UNIT_DONE();
}
