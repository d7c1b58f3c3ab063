/*
 * refusal_log.c — refused handshakes logged within a rate (see
 * refusal_log.h): a token bucket of REFUSAL_LINES_BURST lines refilled by
 * REFUSAL_LINES_PER_S a second.  The burst keeps the lines of a few
 * misconfigured clients (or a test suite) whole; the rate bounds a flood.
 */
#include "server/refusal_log.h"

#include <stdarg.h>
#include <stdint.h>
#include <time.h>

#include "common/clock.h"
#include "common/plural.h"

static struct {
    int started;
    uint64_t at_ms;       /* monotonic ms of the last refill */
    double lines;         /* lines that may be written now (at most the burst) */
    uint64_t unlogged;    /* refusals counted without a line since the last summary */
    enum log_level level; /* the most severe of those (the summary's level) */
} R;

static void refill(uint64_t now) {
    if (!R.started) {
        R.started = 1;
        R.lines = REFUSAL_LINES_BURST;
    } else {
        R.lines += (double)(now - R.at_ms) * REFUSAL_LINES_PER_S / 1000;
        if (R.lines > REFUSAL_LINES_BURST) R.lines = REFUSAL_LINES_BURST;
    }
    R.at_ms = now;
}

int refusal_log(enum log_level lvl, const char *fmt, ...) {
    if (lvl > log_threshold) return 0; /* not logged at this level: nothing to bound */
    refill(mono_ms());
    if (R.lines < 1) {
        if (!R.unlogged++ || lvl < R.level) R.level = lvl;
        return 0;
    }
    R.lines -= 1;
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(lvl, fmt, ap);
    va_end(ap);
    return 1;
}

void refusal_log_tick(void) {
    if (!R.unlogged) return;
    log_msg(R.level, "refused %llu more handshake%s without a line each (beyond %d such lines a second)",
            (unsigned long long)R.unlogged, plural_s(R.unlogged), REFUSAL_LINES_PER_S);
    R.unlogged = 0;
}
