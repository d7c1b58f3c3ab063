/*
 * auto_layout.c — paths, listings and clean-up of the journal and the
 * automatic snapshots (see auto_layout.h).
 */
#define _GNU_SOURCE /* nftw */
#include "server/auto_layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/plural.h"
#include "server/filemode.h"

#define GEN_DIGITS 20

int auto_layout_init(auto_layout *L, const char *persist_path) {
    memset(L, 0, sizeof *L);
    if (snprintf(L->root, sizeof L->root, "%s/" AUTO_DIR_NAME, persist_path) >= (int)sizeof L->root - 16 ||
        snprintf(L->journal, sizeof L->journal, "%s/journal", L->root) >= (int)sizeof L->journal ||
        snprintf(L->snapshots, sizeof L->snapshots, "%s/snapshots", L->root) >= (int)sizeof L->snapshots)
        return -1;
    return 0;
}

int auto_sync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Create dir if missing; sync its parent when it was created. */
static int make_dir(const char *dir, char *err, size_t errlen) {
    if (mkdir(dir, NDB_DIR_MODE) == 0) {
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", dir);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) *slash = 0;
        if (auto_sync_dir(parent) == 0) return 0;
    } else if (errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
        errno = ENOTDIR;
    }
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
    return -1;
}

int auto_layout_create(const auto_layout *L, char *err, size_t errlen) {
    if (make_dir(L->root, err, errlen) || make_dir(L->journal, err, errlen) || make_dir(L->snapshots, err, errlen))
        return -1;
    return 0;
}

/* Open P/@ndb/lock with flags and lock it (auto_layout_lock, _read). */
static int lock_with(const auto_layout *L, int flags, int *busy, char *err, size_t errlen) {
    char path[PATH_MAX];
    *busy = 0;
    snprintf(path, sizeof path, "%s/lock", L->root);
    int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, NDB_FILE_MODE); /* a FIFO: no wait (filemode.h) */
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
        errno = e; /* for the caller: EACCES, the lock's mode */
        return e == ENOENT && !(flags & O_CREAT) ? -2 : -1;
    }
    struct stat st;
    const char *why = fstat(fd, &st) ? strerror(errno) : !S_ISREG(st.st_mode) ? ndb_file_kind(st.st_mode) : NULL;
    if (why) {
        snprintf(err, errlen, "cannot open %s: %s", path, why);
        close(fd);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    int e = errno;
    close(fd);
    *busy = e == EWOULDBLOCK;
    if (*busy) snprintf(err, errlen, "another ndb server is using %s (%s is locked)", L->root, path);
    else snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
    return -1;
}

int auto_layout_lock(const auto_layout *L, int *busy, char *err, size_t errlen) {
    return lock_with(L, O_RDWR | O_CREAT, busy, err, errlen);
}

int auto_layout_lock_read(const auto_layout *L, int *busy, char *err, size_t errlen) {
    return lock_with(L, O_RDONLY, busy, err, errlen); /* flock needs no write access */
}

int auto_fd_at_path(int fd, const char *path) {
    struct stat open_st, path_st;
    if (fstat(fd, &open_st) || open_st.st_nlink == 0) return 0;
    return stat(path, &path_st) == 0 && path_st.st_dev == open_st.st_dev && path_st.st_ino == open_st.st_ino;
}

int auto_layout_exists(const auto_layout *L) {
    struct stat st;
    return stat(L->root, &st) == 0 && S_ISDIR(st.st_mode);
}

void auto_journal_path(const auto_layout *L, uint64_t gen, char *out, size_t outlen) {
    snprintf(out, outlen, "%s/%020llu.jnl", L->journal, (unsigned long long)gen);
}

void auto_snapshot_path(const auto_layout *L, uint64_t gen, char *out, size_t outlen) {
    snprintf(out, outlen, "%s/%020llu", L->snapshots, (unsigned long long)gen);
}

/* qsort: ascending uint64_t. */
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The generations named in dir: GEN_DIGITS digits followed by `suffix`. */
static int list_gens(const char *dir, const char *suffix, uint64_t **gens, char *err, size_t errlen) {
    *gens = NULL;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
        return -1;
    }
    size_t n = 0, cap = 0, sl = strlen(suffix);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *s = de->d_name;
        if (strlen(s) != GEN_DIGITS + sl || strcmp(s + GEN_DIGITS, suffix) != 0) continue;
        if (strspn(s, "0123456789") != GEN_DIGITS) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            *gens = realloc(*gens, cap * sizeof **gens);
            if (!*gens) abort();
        }
        (*gens)[n++] = strtoull(s, NULL, 10);
    }
    closedir(d);
    if (n > 1) qsort(*gens, n, sizeof **gens, cmp_u64);
    return (int)n;
}

int auto_list_journals(const auto_layout *L, uint64_t **gens, char *err, size_t errlen) {
    return list_gens(L->journal, ".jnl", gens, err, errlen);
}

int auto_list_snapshots(const auto_layout *L, uint64_t **gens, char *err, size_t errlen) {
    return list_gens(L->snapshots, "", gens, err, errlen);
}

int auto_snapshot_complete(const auto_layout *L, uint64_t gen, snap_found *kv, snap_found *sessions, char *why,
                           size_t whylen) {
    char base[PATH_MAX];
    auto_snapshot_path(L, gen, base, sizeof base);
    if (snap_find_latest(base, "sessions", sessions, why, whylen) || sessions->type != SNAP_SESSIONS) return 0;
    if (snap_find_latest(base, "kv", kv, why, whylen) || kv->type != SNAP_KV) return 0;
    return 1;
}

static uint64_t tree_bytes; /* auto_tree_bytes' sum (nftw passes no context) */

/* nftw: add a regular file's size to tree_bytes. */
static int add_size(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)p, (void)f;
    if (flag == FTW_F) tree_bytes += (uint64_t)st->st_size;
    return 0;
}

uint64_t auto_tree_bytes(const char *path) {
    tree_bytes = 0;
    nftw(path, add_size, 16, FTW_PHYS);
    return tree_bytes;
}

/* nftw, depth first: remove a file or an (emptied) directory. */
static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)st, (void)f;
    return (flag == FTW_DP ? rmdir(p) : unlink(p)) ? -1 : 0;
}

int auto_remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st)) return errno == ENOENT ? 0 : -1;
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

void auto_retention(const auto_layout *L, uint64_t newest, unsigned keep) {
    uint64_t *snaps = NULL, *jnls = NULL;
    char err[PATH_MAX + 64], why[PATH_MAX + 128], path[PATH_MAX];
    int ns = auto_list_snapshots(L, &snaps, err, sizeof err);
    int nj = auto_list_journals(L, &jnls, err, sizeof err);
    uint64_t oldest_kept = newest;
    unsigned kept = 0, removed = 0;
    for (int i = ns - 1; i >= 0; i--) {
        if (snaps[i] > newest) continue; /* newer than the one just made: not ours to judge */
        snap_found kv, sh;
        int complete = auto_snapshot_complete(L, snaps[i], &kv, &sh, why, sizeof why);
        if (complete && (keep == 0 || kept < keep)) {
            kept++;
            oldest_kept = snaps[i];
            continue;
        }
        auto_snapshot_path(L, snaps[i], path, sizeof path);
        if (auto_remove_tree(path)) log_warn("cannot remove old automatic snapshot %s: %s", path, strerror(errno));
        else removed++;
    }
    unsigned jremoved = 0;
    for (int i = 0; i < nj && jnls[i] < oldest_kept; i++) {
        auto_journal_path(L, jnls[i], path, sizeof path);
        if (unlink(path)) log_warn("cannot remove old journal file %s: %s", path, strerror(errno));
        else jremoved++;
    }
    if (removed || jremoved) {
        auto_sync_dir(L->snapshots);
        auto_sync_dir(L->journal);
        log_info("retention: removed %u older automatic snapshot%s and %u journal file%s; %u snapshot%s kept",
                 removed, plural_s(removed), jremoved, plural_s(jremoved), kept, plural_s(kept));
    }
    free(snaps);
    free(jnls);
}
