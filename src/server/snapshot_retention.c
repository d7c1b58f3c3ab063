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
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/plural.h"
#include "server/auto_layout.h"
#include "server/snapshot.h"

/* Is name "<digits>" or, with tmp, "<digits>.tmp" (a data file, or one
 * being written)? */
static int numbered(const char *name, int tmp) {
    size_t n = strspn(name, "0123456789");
    return n > 0 && (!name[n] || (tmp && !strcmp(name + n, ".tmp")));
}

/* May a save (snapshot.c) have left an entry `name` of type `mode` in
 * `where` ("" for the snapshot directory itself, "md", "data")?  There:
 * md/ and data/, the checksum file, and the temporary "NAME.tmp" of a
 * file snap_write_atomic was writing. */
static int save_wrote(const char *where, const char *name, mode_t mode) {
    if (!*where)
        return S_ISDIR(mode) ? !strcmp(name, "md") || !strcmp(name, "data")
                             : S_ISREG(mode) && (!strcmp(name, SNAP_SUMS_FILE) || !strcmp(name, SNAP_SUMS_FILE ".tmp"));
    if (!S_ISREG(mode)) return 0;
    if (!strcmp(where, "md")) return !strcmp(name, "md.json") || !strcmp(name, "md.json.tmp");
    return numbered(name, 1);
}

/* Does the incomplete snapshot directory dir hold nothing but what a save
 * writes (save_wrote, in it and in its md/ and data/)?  Then it is what a
 * crash or a failed save left, and retention removes it.  Anything else is
 * not ndb's: a directory a user made in the dataset with a number for a
 * name (mkdir P/u/123) was removed with all it held.  0 with the entry
 * that is not a save's in odd. */
static int only_save_files(const char *dir, const char *where, char *odd, size_t oddlen) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s%s%s", dir, *where ? "/" : "", where) >= (int)sizeof path) return 0;
    DIR *d = opendir(path);
    if (!d) {
        snprintf(odd, oddlen, "%s (%s)", path, strerror(errno));
        return 0;
    }
    int ok = 1;
    struct dirent *de;
    while (ok && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char entry[PATH_MAX + 256];
        struct stat st;
        snprintf(entry, sizeof entry, "%s/%s", path, de->d_name);
        ok = lstat(entry, &st) == 0 && save_wrote(where, de->d_name, st.st_mode) &&
             (*where || !S_ISDIR(st.st_mode) || only_save_files(dir, de->d_name, odd, oddlen));
        if (!ok && !odd[0]) snprintf(odd, oddlen, "%s", entry);
    }
    closedir(d);
    return ok;
}

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
        char odd[PATH_MAX + 256] = "";
        if (!complete && !only_save_files(dir, "", odd, sizeof odd)) {
            log_warn("retention: %s is not a snapshot (%s is not what a save writes): left in place; move it out of "
                     "the dataset directory",
                     dir, odd);
            continue;
        }
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
