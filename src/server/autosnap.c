/*
 * autosnap.c — one automatic snapshot, written and loaded (see autosnap.h).
 */
#include "server/autosnap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/filemode.h"
#include "server/persist.h"

int autosnap_has_journal(const auto_layout *L, uint64_t gen) {
    char path[PATH_MAX + 16];
    struct stat sb;
    auto_snapshot_path(L, gen, path, PATH_MAX);
    size_t n = strlen(path);
    snprintf(path + n, sizeof path - n, "/%s", AUTOSNAP_JOURNAL_MARK);
    return stat(path, &sb) == 0;
}

int autosnap_write(const ndb_store *st, const auto_layout *L, uint64_t gen, int with_journal, uint64_t *bytes,
                   char *err, size_t errlen) {
    char dir[PATH_MAX], mark[PATH_MAX + 16];
    snap_writer w;
    auto_snapshot_path(L, gen, dir, sizeof dir);
    if ((mkdir(dir, NDB_DIR_MODE) && errno != EEXIST) || auto_sync_dir(L->snapshots)) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (with_journal) { /* before the data: a complete snapshot always has its mark */
        snprintf(mark, sizeof mark, "%s/%s", dir, AUTOSNAP_JOURNAL_MARK);
        int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, NDB_FILE_MODE);
        if (fd < 0 || close(fd) || auto_sync_dir(dir)) {
            snprintf(err, errlen, "cannot create %s: %s", mark, strerror(errno));
            return -1;
        }
    }
    /* sessions first, keys last: a snapshot cut short is incomplete either
     * way; the checksums of both go to disk before the keys' final
     * metadata, so a complete snapshot has them */
    strbuf lines = STRBUF_INIT;
    snap_sums sums = {.out = &lines, .prefix = strlen(dir) + 1};
    int rc = -1;
    if (snap_begin(&w, dir, "sessions", SNAP_SESSIONS, err, errlen)) goto out;
    w.sums = &sums;
    int ok = persist_sessions_write_all(st, &w, err, errlen) == 0;
    if (snap_finish(&w, ok, err, errlen)) goto out;
    if (snap_begin(&w, dir, "kv", SNAP_KV, err, errlen)) goto out;
    w.sums = &sums;
    ok = persist_kv_write(st, &w, err, errlen) == 0 && snap_flush(&w, err, errlen) == 0;
    if (ok && snap_write_atomic(dir, AUTOSNAP_SUMS_FILE, lines.buf ? lines.buf : "", lines.len)) {
        snprintf(err, errlen, "cannot write %s/%s: %s", dir, AUTOSNAP_SUMS_FILE, strerror(errno));
        ok = 0;
    }
    if (snap_finish(&w, ok, err, errlen)) goto out;
    *bytes = auto_tree_bytes(dir);
    rc = 0;
out:
    sb_free(&lines);
    return rc;
}

int autosnap_load(const char *dir, const snap_found *kv, const snap_found *sessions, ndb_store *st, uint64_t *keys,
                  uint64_t *nsessions, uint64_t *session_keys, char *err, size_t errlen) {
    strbuf text = STRBUF_INIT;
    snap_sums sums;
    if (snap_read_sums(dir, &text, &sums, err, errlen)) return -1;
    /* copies: they hold a PATH_MAX buffer each, and the callers' stay as found */
    static snap_found k, s;
    k = *kv;
    s = *sessions;
    k.sums = s.sums = sums.text ? &sums : NULL;
    size_t ceiling = st->max_memory;
    st->max_memory = 0; /* recovery restores what there was, whatever the limit is now */
    int rc = persist_sessions_read_all(&s, st, nsessions, session_keys, err, errlen);
    /* nor maxKeyLength; keys whose deadline passed are loaded too, as the
     * sessions are: the expiry after recovery removes and counts both */
    if (rc == 0) rc = persist_kv_read(&k, st, 0, 1, keys, err, errlen);
    st->max_memory = ceiling;
    sb_free(&text);
    return rc ? -1 : 0;
}
