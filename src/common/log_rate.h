/*
 * log_rate.h — a kind of log line that a client can make the server repeat
 * at will (a refused handshake, a connection dropped for a limit), bounded
 * in rate.
 *
 * Each such line names what an operator needs (the address, the reason),
 * but a client retrying in a loop could make thousands a second and fill
 * the disk under the log.  So each kind has its own token bucket: after a
 * burst of LOG_RATE_BURST lines at most LOG_RATE_PER_S are written a
 * second; the rest are counted, and log_rate_tick (once a tick, and when
 * the loop ends) writes one line that sums them up:
 *   "<verb> N more <noun>s<after> without a line each (beyond 10 such lines a second)"
 * A kind of its own per use: one flood does not silence the others' lines.
 */
#ifndef NDB_COMMON_LOG_RATE_H
#define NDB_COMMON_LOG_RATE_H

#include <stdarg.h>
#include <stdint.h>

#include "common/log.h"

#define LOG_RATE_PER_S 10
#define LOG_RATE_BURST 50

typedef struct log_rate {
    /* the summary's words: "refused", "handshake", "" gives "refused 3 more
     * handshakes without a line each (...)" */
    const char *verb, *noun, *after;
    int started;
    uint64_t at_ms;       /* monotonic ms of the last refill */
    double lines;         /* lines that may be written now (at most the burst) */
    uint64_t unlogged;    /* lines counted instead of written since the last summary */
    enum log_level level; /* the most severe of those (the summary's level) */
} log_rate;

#define LOG_RATE_INIT(verb, noun, after) {(verb), (noun), (after), 0, 0, 0, 0, LOG_ERROR}

/* Write a line of kind r at level lvl, or count it when over the rate (or
 * below the log level: then it is not counted either).  Returns 1 when
 * the line was written. */
int log_rate_msg(log_rate *r, enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int log_rate_vmsg(log_rate *r, enum log_level lvl, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* The line that sums up the lines of kind r counted since the last one, if any. */
void log_rate_tick(log_rate *r);

#endif
