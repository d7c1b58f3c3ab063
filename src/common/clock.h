/*
 * clock.h — ndb's clocks, for the server and the clients, in ns or ms:
 * monotonic (timeouts, retries, deadlines, durations in the log: a wall
 * clock set back must not stretch them) and wall (what is reported or
 * written as a date).
 *
 * The server's transport reads CLOCK_MONOTONIC_COARSE instead for its
 * per-read stamps, on purpose (transport.c: the precise one cost 2 % of
 * the CPU on the hot path).
 */
#ifndef NDB_COMMON_CLOCK_H
#define NDB_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns_of(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The monotonic clock, in nanoseconds and in milliseconds. */
static inline uint64_t mono_ns(void) { return clock_ns_of(CLOCK_MONOTONIC); }
static inline uint64_t mono_ms(void) { return mono_ns() / 1000000; }
/* The same, signed: for deadlines whose time left may be negative. */
static inline int64_t mono_ms_i64(void) { return (int64_t)mono_ms(); }

/* Time since 1970, in nanoseconds and in milliseconds. */
static inline uint64_t wall_ns(void) { return clock_ns_of(CLOCK_REALTIME); }
static inline uint64_t wall_ms(void) { return wall_ns() / 1000000; }

#endif
