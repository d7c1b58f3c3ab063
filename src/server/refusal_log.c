/*
 * refusal_log.c — refused handshakes logged within a rate (see
 * refusal_log.h): one kind of common/log_rate.h's bounded lines.
 */
#include "server/refusal_log.h"

#include <stdarg.h>

#include "common/log_rate.h"

static log_rate refusals = LOG_RATE_INIT("refused", "handshake", "");

int refusal_log(enum log_level lvl, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int written = log_rate_vmsg(&refusals, lvl, fmt, ap);
    va_end(ap);
    return written;
}

void refusal_log_tick(void) { log_rate_tick(&refusals); }
