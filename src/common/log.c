/*
 * log.c — leveled one-line logging (see log.h).
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"

enum log_level log_threshold = LOG_INFO;

const char *const log_level_names[] = {"error", "warn", "info", "debug", NULL};

int log_level_parse(const char *s) {
    for (int i = 0; i < 4; i++)
        if (strcmp(s, log_level_names[i]) == 0) return i;
    return -1;
}

void log_msg(enum log_level lvl, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(lvl, fmt, ap);
    va_end(ap);
}

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap) {
    if (lvl > log_threshold) return;
    char line[1024];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    /* Lines quote what clients sent (a Host or Origin header, a user name):
     * JSON quoting escapes C0 controls only, so a C1 control (U+009B, CSI to
     * a terminal taking 8-bit controls) or a byte that is not UTF-8 reached
     * the operator's terminal.  Every such character shows as \xhh, as in
     * the CLI's diagnostics. */
    strbuf shown = STRBUF_INIT;
    sb_add_visible(&shown, line, len);
    /* one write per line so lines from a busy server never interleave */
    fprintf(stderr, "ndb: %s: %.*s\n", log_level_names[lvl], (int)shown.len, shown.len ? shown.buf : "");
    sb_free(&shown);
}
