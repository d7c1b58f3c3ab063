/*
 * unit.h — the smallest test harness that does the job.
 *
 * Each tests/unit/test_*.c is one ctest executable.  CHECK* macros record a
 * failure with file:line and carry on, so one run shows every broken case;
 * UNIT_DONE() prints "N passed, M failed" and returns the exit status.
 */
#ifndef NDB_UNIT_H
#define NDB_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_pass, unit_fail;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (cond) {                                                        \
            unit_pass++;                                                   \
        } else {                                                           \
            unit_fail++;                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,        \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)

/* Compare two NUL-terminated strings; print both on mismatch. */
#define CHECK_STR(got, want)                                               \
    do {                                                                   \
        const char *g_ = (got), *w_ = (want);                              \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                             \
            unit_pass++;                                                   \
        } else {                                                           \
            unit_fail++;                                                   \
            fprintf(stderr, "%s:%d: got  %s\n%*swant %s\n", __FILE__,     \
                    __LINE__, g_ ? g_ : "(null)",                          \
                    (int)strlen(__FILE__) + 8, "", w_ ? w_ : "(null)");    \
        }                                                                  \
    } while (0)

#define CHECK_INT(got, want)                                               \
    do {                                                                   \
        long long g_ = (long long)(got), w_ = (long long)(want);           \
        if (g_ == w_) {                                                    \
            unit_pass++;                                                   \
        } else {                                                           \
            unit_fail++;                                                   \
            fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", __FILE__, \
                    __LINE__, #got, g_, w_);                               \
        }                                                                  \
    } while (0)

#define UNIT_DONE()                                                        \
    (printf("%d passed, %d failed\n", unit_pass, unit_fail),               \
     unit_fail ? 1 : 0)

#endif
