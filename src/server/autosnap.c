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

#include "server/persist.h"

int autosnap_write(const ndb_store *st, const auto_layout *L, uint64_t gen, uint64_t *bytes, char *err,
                   size_t errlen) {
    char dir[PATH_MAX];
    snap_writer w;
    auto_snapshot_path(L, gen, dir, sizeof dir);
    if ((mkdir(dir, 0755) && errno != EEXIST) || auto_sync_dir(L->snapshots)) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    /* sessions first, keys last: a snapshot cut short is incomplete either way */
    if (snap_begin(&w, dir, "sessions", SNAP_SESSIONS, err, errlen)) return -1;
    int ok = persist_sessions_write_all(st, &w, err, errlen) == 0;
    if (snap_finish(&w, ok, err, errlen)) return -1;
    if (snap_begin(&w, dir, "kv", SNAP_KV, err, errlen)) return -1;
    ok = persist_kv_write(st, &w, err, errlen) == 0;
    if (snap_finish(&w, ok, err, errlen)) return -1;
    *bytes = auto_tree_bytes(dir);
    return 0;
}

int autosnap_load(const snap_found *kv, const snap_found *sessions, ndb_store *st, uint64_t *keys,
                  uint64_t *nsessions, uint64_t *session_keys, char *err, size_t errlen) {
    size_t ceiling = st->max_memory;
    st->max_memory = 0; /* recovery restores what there was, whatever the limit is now */
    int rc = persist_sessions_read_all(sessions, st, nsessions, session_keys, err, errlen);
    if (rc == 0) rc = persist_kv_read(kv, st, keys, err, errlen);
    st->max_memory = ceiling;
    return rc ? -1 : 0;
}
