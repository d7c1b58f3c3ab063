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
#include "common/plural.h"
#include "server/auto_layout.h"
#include "server/snapshot.h"

unsigned snap_retention(const char *base, const char *name, unsigned keep) {
    char dataset[PATH_MAX - 32], dir[PATH_MAX], why[PATH_MAX + 128];
    if (snprintf(dataset, sizeof dataset, "%s/%s", base, name) >= (int)sizeof dataset) return 0;
    DIR *d = opendir(dataset);
    if (!d) return 0;
    uint64_t *ts;
    size_t n = snap_list_newest_first(d, &ts);
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
        if (!complete && snap_dir_busy(dir)) continue; /* still written: another server's save into this path */
        /* Not locked now, but a save completes (metadata, then unlock) between
         * the look at its metadata above and that probe: look again, so that
         * another server's save it has just answered as done is not taken for
         * debris. */
        if (!complete && snap_is_complete(dir, &type, why, sizeof why)) continue;
        if (auto_remove_tree(dir)) log_warn("cannot remove old snapshot %s: %s", dir, strerror(errno));
        else removed++;
    }
    free(ts);
    if (removed) {
        auto_sync_dir(dataset);
        log_info("retention: removed %u older snapshot%s of '%s'; %u kept", removed, plural_s(removed), name, kept);
    }
    return removed;
}
