/*
 * log_rate.c — repeated log lines within a rate (see log_rate.h): a token
 * bucket of LOG_RATE_BURST lines refilled by LOG_RATE_PER_S a second.  The
 * burst keeps the lines of a few misbehaving clients (or a test suite)
 * whole; the rate bounds a flood.
 */
#include "common/log_rate.h"

#include "common/clock.h"
#include "common/plural.h"

static void refill(log_rate *r, uint64_t now) {
    if (!r->started) {
        r->started = 1;
        r->lines = LOG_RATE_BURST;
    } else {
        r->lines += (double)(now - r->at_ms) * LOG_RATE_PER_S / 1000;
        if (r->lines > LOG_RATE_BURST) r->lines = LOG_RATE_BURST;
    }
    r->at_ms = now;
}

int log_rate_vmsg(log_rate *r, enum log_level lvl, const char *fmt, va_list ap) {
    if (lvl > log_threshold) return 0; /* not logged at this level: nothing to bound */
    refill(r, mono_ms());
    if (r->lines < 1) {
        if (!r->unlogged++ || lvl < r->level) r->level = lvl;
        return 0;
    }
    r->lines -= 1;
    log_vmsg(lvl, fmt, ap);
    return 1;
}

int log_rate_msg(log_rate *r, enum log_level lvl, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int written = log_rate_vmsg(r, lvl, fmt, ap);
    va_end(ap);
    return written;
}

void log_rate_tick(log_rate *r) {
    if (!r->unlogged) return;
    log_msg(r->level, "%s %llu more %s%s%s without a line each (beyond %d such lines a second)", r->verb,
            (unsigned long long)r->unlogged, r->noun, plural_s(r->unlogged), r->after, LOG_RATE_PER_S);
    r->unlogged = 0;
}
