/*
 * bench_fsync.c — what an `always` journal write waits for: write() of one
 * small record and fdatasync(), timed in four ways of laying out the file.
 *
 *   bench_fsync DIR [ROUNDS]
 *
 * In DIR (which should be on the file system the journal lives on) it
 * writes a scratch file and times ROUNDS (default 3000, at most 100000)
 * rounds of a 64-byte write() + fdatasync() in each mode:
 *   append     every write grows the file (the sync also commits its size)
 *   fallocate  writes inside space taken with fallocate() first (what the
 *              journal does under `always`, journal.c)
 *   zeroed     writes inside space written with zeros and synced first
 *   keep-size  fallocate(FALLOC_FL_KEEP_SIZE): blocks reserved, size still grows
 * and prints one line per mode: p50 and p90 in microseconds.  The scratch
 * file is removed.  Exit 1 when a call fails (with the reason).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECORD 64
#define MAX_ROUNDS 100000

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int fail(const char *what, const char *path) {
    fprintf(stderr, "bench_fsync: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

/* Prepare the file for mode m (its first `bytes` bytes). */
static int prepare(int fd, const char *mode, size_t bytes, const char *path) {
    if (!strcmp(mode, "fallocate")) {
        if (fallocate(fd, 0, 0, (off_t)bytes)) return fail("fallocate", path);
    } else if (!strcmp(mode, "keep-size")) {
        if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)bytes)) return fail("fallocate", path);
    } else if (!strcmp(mode, "zeroed")) {
        static const char zeros[65536];
        for (size_t done = 0; done < bytes; done += sizeof zeros)
            if (write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros) return fail("write", path);
        if (lseek(fd, 0, SEEK_SET) != 0) return fail("lseek", path);
    }
    if (fsync(fd)) return fail("fsync", path);
    return 0;
}

static int run(const char *dir, const char *mode, long rounds, double *lat) {
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_fsync.%ld.tmp", dir, (long)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail("cannot create", path);
    size_t bytes = ((size_t)rounds * RECORD + 65535) / 65536 * 65536;
    int rc = prepare(fd, mode, bytes, path);
    char rec[RECORD];
    memset(rec, 'r', sizeof rec);
    for (long i = 0; !rc && i < rounds; i++) {
        double t0 = now_us();
        if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec) rc = fail("write", path);
        else if (fdatasync(fd)) rc = fail("fdatasync", path);
        lat[i] = now_us() - t0;
    }
    close(fd);
    unlink(path);
    if (rc) return rc;
    qsort(lat, (size_t)rounds, sizeof *lat, cmp_double);
    printf("%-10s p50 %.1f us, p90 %.1f us (%ld rounds of a %d-byte write + fdatasync)\n", mode, lat[rounds / 2],
           lat[rounds * 9 / 10], rounds, RECORD);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_fsync DIR [ROUNDS]\n");
        return 2;
    }
    char *end;
    long rounds = argc == 3 ? strtol(argv[2], &end, 10) : 3000;
    if (argc == 3 && (*end || rounds < 1 || rounds > MAX_ROUNDS)) {
        fprintf(stderr, "bench_fsync: ROUNDS must be 1..%d\n", MAX_ROUNDS);
        return 2;
    }
    double *lat = malloc((size_t)rounds * sizeof *lat);
    if (!lat) return 1;
    static const char *const modes[] = {"append", "fallocate", "zeroed", "keep-size"};
    int rc = 0;
    for (size_t m = 0; !rc && m < sizeof modes / sizeof modes[0]; m++) rc = run(argv[1], modes[m], rounds, lat);
    free(lat);
    return rc;
}
