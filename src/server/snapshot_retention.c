/*
 * snapshot_retention.c — persist.keepSnapshots for the datasets of KV_SAVE
 * and SH_SAVE (snap_retention in snapshot.h): without it every save adds a
 * directory forever, and a cron job of saves fills the disk.
 *
 * Runs in the save's own process (bgsave.c), right after the new snapshot
 * is complete, so the server never waits for the deletions.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "server/auto_layout.h"
#include "server/snapshot.h"

/* qsort: descending uint64_t (newest snapshot first). */
static int cmp_desc(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

unsigned snap_retention(const char *base, const char *name, unsigned keep) {
    char dataset[PATH_MAX - 32], dir[PATH_MAX], why[PATH_MAX + 128];
    if (snprintf(dataset, sizeof dataset, "%s/%s", base, name) >= (int)sizeof dataset) return 0;
    DIR *d = opendir(dataset);
    if (!d) return 0;
    uint64_t *ts = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len == 0 || len > 19 || strspn(de->d_name, "0123456789") != len) continue; /* not a snapshot */
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ts = realloc(ts, cap * sizeof *ts);
            if (!ts) abort();
        }
        ts[n++] = strtoull(de->d_name, NULL, 10);
    }
    closedir(d);
    if (n > 1) qsort(ts, n, sizeof *ts, cmp_desc);
    unsigned kept = 0, removed = 0;
    int seen_complete = 0;
    for (size_t i = 0; i < n; i++) {
        int type;
        snprintf(dir, sizeof dir, "%s/%llu", dataset, (unsigned long long)ts[i]);
        int complete = snap_is_complete(dir, &type, why, sizeof why);
        if (complete && (keep == 0 || kept < keep)) {
            kept++;
            seen_complete = 1;
            continue;
        }
        if (!complete && !seen_complete) continue; /* newer than every complete one: maybe a save in progress */
        if (auto_remove_tree(dir)) log_warn("cannot remove old snapshot %s: %s", dir, strerror(errno));
        else removed++;
    }
    free(ts);
    if (removed) {
        auto_sync_dir(dataset);
        log_info("retention: removed %u older snapshot(s) of '%s'; %u kept", removed, name, kept);
    }
    return removed;
}
