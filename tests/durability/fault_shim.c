/*
 * fault_shim.c — an LD_PRELOAD library that makes the server's writes fail
 * on demand, for the fault tests of issue 15 (tests run as root, so taking
 * away permissions does not stop writes; this does).
 *
 *   NDB_FAULT_FILE   while a file of this name exists, the fault is on
 *   NDB_FAULT_PATH   only descriptors whose file's path contains this text
 *                    fail (e.g. "/@ndb/journal/"); required
 *   NDB_FAULT_OPS    "write", "fsync" or "write,fsync" (the default): which
 *                    calls fail — write/pwrite/writev, fsync/fdatasync;
 *                    "fallocate" (only when named) makes fallocate fail;
 *                    "open" (only when named) makes the opens that could
 *                    write (write access, O_CREAT or O_TRUNC) of paths
 *                    containing NDB_FAULT_PATH fail: a read-only file
 *                    system, with NDB_FAULT_ERRNO 30 (EROFS)
 *                    "flock" (only when named) makes flock of a descriptor
 *                    whose path contains NDB_FAULT_PATH fail (or, with
 *                    NDB_FAULT_HOLD, wait): a snapshot directory's lock
 *                    probe held, to test what completes meanwhile
 *                    "rename" (only when named) makes rename/renameat of a
 *                    path containing NDB_FAULT_PATH (either name) fail;
 *                    "short" (with "write") makes a failing write first
 *                    write half of its bytes and return that count, as a
 *                    disk filling up in the middle of a write does — only a
 *                    write of one byte fails outright
 *   NDB_FAULT_ERRNO  the errno they fail with (default EIO; 28 is ENOSPC)
 *   NDB_FAULT_HOLD   if set, the calls do not fail: each waits while the
 *                    fault is on (at most 30 s) and then runs — a save held
 *                    in the middle, to test what happens meanwhile
 *
 * A failing call writes nothing.
 *
 *   NDB_REOPEN_PATH  a path (exact, as the server opens it): its first open
 *                    opens it, every later open opens NDB_REOPEN_WITH
 *                    instead — a file that changes between two reads, made
 *                    deterministic (a load must store the bytes it checked)
 *   NDB_REOPEN_WITH  the file later opens of NDB_REOPEN_PATH get
 *
 *   NDB_CLOCK_STEP_FILE  while a file of this name exists, the wall clock
 *                    (clock_gettime of CLOCK_REALTIME, time) reads the number of
 *                    seconds the file holds (may be negative) ahead of the
 *                    real one; the monotonic clocks are left alone: the wall
 *                    clock stepped (by NTP, by hand) while a server runs
 *
 * Everything else passes through to libc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Should a call of kind op ("write" or "fsync") on fd fail now? */
static int faulty(int fd, const char *op) {
    const char *file = getenv("NDB_FAULT_FILE"), *path = getenv("NDB_FAULT_PATH");
    const char *ops = getenv("NDB_FAULT_OPS");
    if (!file || !path || !*path || (ops && !strstr(ops, op))) return 0;
    struct stat st;
    if (stat(file, &st) != 0) return 0;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = 0;
    if (!strstr(target, path)) return 0;
    if (getenv("NDB_FAULT_HOLD")) { /* wait while the file exists, then let the call run */
        struct timespec tick = {0, 10 * 1000 * 1000};
        for (int i = 0; i < 3000 && stat(file, &st) == 0; i++) nanosleep(&tick, NULL);
        return 0;
    }
    const char *e = getenv("NDB_FAULT_ERRNO");
    errno = e ? atoi(e) : EIO;
    return 1;
}

/* Under "short": how many of n bytes a failing write still writes. */
static size_t short_part(size_t n) {
    const char *ops = getenv("NDB_FAULT_OPS");
    return ops && strstr(ops, "short") && n > 1 ? n / 2 : 0;
}

ssize_t write(int fd, const void *buf, size_t n) {
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (faulty(fd, "write")) {
        size_t part = short_part(n);
        return part ? real(fd, buf, part) : -1;
    }
    return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    if (faulty(fd, "write")) return -1;
    return real(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n) {
    static ssize_t (*real)(int, const struct iovec *, int);
    if (!real) real = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    if (faulty(fd, "write")) {
        size_t part = n > 0 ? short_part(iov[0].iov_len) : 0;
        return part ? write(fd, iov[0].iov_base, part) : -1;
    }
    return real(fd, iov, n);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (faulty(fd, "fsync")) return -1;
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    if (faulty(fd, "fsync")) return -1;
    return real(fd);
}

/* Only when NDB_FAULT_OPS names it: the default keeps the meaning the
 * older tests were written for (their writes fail, not the reservation). */
int fallocate(int fd, int mode, off_t off, off_t len) {
    static int (*real)(int, int, off_t, off_t);
    if (!real) real = (int (*)(int, int, off_t, off_t))dlsym(RTLD_NEXT, "fallocate");
    const char *ops = getenv("NDB_FAULT_OPS");
    if (ops && strstr(ops, "fallocate") && faulty(fd, "fallocate")) return -1;
    return real(fd, mode, off, len);
}

/* Only when NDB_FAULT_OPS names "flock": a save's lock of its snapshot
 * directory, and retention's probe of that lock (snapshot.c). */
int flock(int fd, int op) {
    static int (*real)(int, int);
    if (!real) real = (int (*)(int, int))dlsym(RTLD_NEXT, "flock");
    const char *ops = getenv("NDB_FAULT_OPS");
    if (ops && strstr(ops, "flock") && faulty(fd, "flock")) return -1;
    return real(fd, op);
}

/* The path open() should really open: NDB_REOPEN_WITH for the second and
 * later opens of NDB_REOPEN_PATH, else path itself. */
static const char *reopened(const char *path) {
    static int opens;
    const char *watch = getenv("NDB_REOPEN_PATH"), *with = getenv("NDB_REOPEN_WITH");
    if (!watch || !with || !path || strcmp(path, watch) != 0) return path;
    return __atomic_fetch_add(&opens, 1, __ATOMIC_SEQ_CST) ? with : path;
}

/* open and its variants: the mode argument is there only with O_CREAT or
 * O_TMPFILE, and passing it along regardless is harmless. */
#define MODE_ARG(flags)                                                                                         \
    mode_t mode = 0;                                                                                            \
    if ((flags) & (O_CREAT | O_TMPFILE)) {                                                                      \
        va_list ap;                                                                                             \
        va_start(ap, flags);                                                                                    \
        mode = (mode_t)va_arg(ap, int);                                                                         \
        va_end(ap);                                                                                             \
    }

/* Should an open of path with flags fail now?  Only when NDB_FAULT_OPS
 * names "open", and only an open that could write: what a read-only file
 * system refuses (reading still works). */
static int open_faulty(const char *path, int flags) {
    const char *file = getenv("NDB_FAULT_FILE"), *want = getenv("NDB_FAULT_PATH");
    const char *ops = getenv("NDB_FAULT_OPS");
    struct stat st;
    if (!file || !want || !*want || !ops || !strstr(ops, "open") || !path) return 0;
    if (!(flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) || !strstr(path, want) || stat(file, &st) != 0) return 0;
    const char *e = getenv("NDB_FAULT_ERRNO");
    errno = e ? atoi(e) : EIO;
    return 1;
}

int open(const char *path, int flags, ...) {
    static int (*real)(const char *, int, ...);
    if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    MODE_ARG(flags);
    if (open_faulty(path, flags)) return -1;
    return real(reopened(path), flags, mode);
}

int open64(const char *path, int flags, ...) {
    static int (*real)(const char *, int, ...);
    if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
    MODE_ARG(flags);
    if (open_faulty(path, flags)) return -1;
    return real(reopened(path), flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
    static int (*real)(int, const char *, int, ...);
    if (!real) real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
    MODE_ARG(flags);
    if (open_faulty(path, flags)) return -1;
    return real(dirfd, reopened(path), flags, mode);
}

/* Only when NDB_FAULT_OPS names "rename": a rename whose either name
 * contains NDB_FAULT_PATH fails (a snapshot's last step). */
static int rename_faulty(const char *from, const char *to) {
    const char *file = getenv("NDB_FAULT_FILE"), *want = getenv("NDB_FAULT_PATH");
    const char *ops = getenv("NDB_FAULT_OPS");
    struct stat st;
    if (!file || !want || !*want || !ops || !strstr(ops, "rename") || stat(file, &st) != 0) return 0;
    if (!(from && strstr(from, want)) && !(to && strstr(to, want))) return 0;
    const char *e = getenv("NDB_FAULT_ERRNO");
    errno = e ? atoi(e) : EIO;
    return 1;
}

int rename(const char *from, const char *to) {
    static int (*real)(const char *, const char *);
    if (!real) real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    if (rename_faulty(from, to)) return -1;
    return real(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to) {
    static int (*real)(int, const char *, int, const char *);
    if (!real) real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
    if (rename_faulty(from, to)) return -1;
    return real(fromfd, from, tofd, to);
}

/* The step of the wall clock NDB_CLOCK_STEP_FILE asks for, in seconds (0:
 * none: no such variable or file).  Read at every call, so that a test
 * steps the clock of a running server by writing or removing the file. */
static long long clock_step_s(void) {
    const char *file = getenv("NDB_CLOCK_STEP_FILE");
    if (!file) return 0;
    FILE *f = fopen(file, "r");
    if (!f) return 0;
    long long s = 0;
    if (fscanf(f, "%lld", &s) != 1) s = 0;
    fclose(f);
    return s;
}

int clock_gettime(clockid_t id, struct timespec *ts) {
    static int (*real)(clockid_t, struct timespec *);
    if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int rc = real(id, ts);
    if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) ts->tv_sec += (time_t)clock_step_s();
    return rc;
}

time_t time(time_t *t) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* the stepped one above */
    if (t) *t = ts.tv_sec;
    return ts.tv_sec;
}
