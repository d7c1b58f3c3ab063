/*
 * refusal_log.c — refused handshakes logged at most REFUSAL_LINES_PER_S a
 * second (see refusal_log.h).
 */
#include "server/refusal_log.h"

#include <stdarg.h>
#include <stdint.h>
#include <time.h>

#include "common/plural.h"

static struct {
    uint64_t second_from; /* monotonic ms at which the current second began */
    unsigned lines;       /* lines written in it */
    uint64_t unlogged;    /* refusals counted in it without a line */
    enum log_level level; /* the most severe of those (the summary's level) */
} R;

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void summarize(void) {
    if (R.unlogged)
        log_msg(R.level, "refused %llu more handshake%s in a second without a line each (at most %d such lines "
                         "a second)",
                (unsigned long long)R.unlogged, plural_s(R.unlogged), REFUSAL_LINES_PER_S);
    R.unlogged = 0;
    R.level = LOG_DEBUG;
}

/* Start a new second if the current one is over (final: now). */
static void roll(uint64_t now, int final) {
    if (!final && now - R.second_from < 1000) return;
    summarize();
    R.second_from = now;
    R.lines = 0;
}

void refusal_log(enum log_level lvl, const char *fmt, ...) {
    if (lvl > log_threshold) return; /* not logged at this level: nothing to bound */
    roll(now_ms(), 0);
    if (R.lines >= REFUSAL_LINES_PER_S) {
        R.unlogged++;
        if (lvl < R.level || R.unlogged == 1) R.level = lvl;
        return;
    }
    R.lines++;
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(lvl, fmt, ap);
    va_end(ap);
}

void refusal_log_tick(int final) { roll(now_ms(), final); }
