/*
 * log.c — leveled one-line logging (see log.h).
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum log_level log_threshold = LOG_INFO;

const char *const log_level_names[] = {"error", "warn", "info", "debug", NULL};

int log_level_parse(const char *s) {
    for (int i = 0; i < 4; i++)
        if (strcmp(s, log_level_names[i]) == 0) return i;
    return -1;
}

void log_msg(enum log_level lvl, const char *fmt, ...) {
    if (lvl > log_threshold) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one write per line so lines from a busy server never interleave */
    fprintf(stderr, "ndb: %s: %s\n", log_level_names[lvl], line);
}
