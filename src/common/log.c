/*
 * log.c — leveled one-line logging (see log.h).
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strbuf.h"

enum log_level log_threshold = LOG_INFO;

const char *const log_level_names[] = {"error", "warn", "info", "debug", NULL};

int log_level_parse(const char *s) {
    for (int i = 0; i < 4; i++)
        if (strcmp(s, log_level_names[i]) == 0) return i;
    return -1;
}

/* Is standard error the stream systemd connected to the journal?  Its
 * JOURNAL_STREAM is "DEVICE:INODE" of that stream, in decimal; a wrapper
 * that redirected stderr elsewhere leaves the variable but not the file. */
static int stderr_is_journal(void) {
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char end;
    struct stat st;
    if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(STDERR_FILENO, &st) != 0) return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

const char *log_journal_prefix(enum log_level lvl) {
    static const char *const priority[] = {"<3>", "<4>", "<6>", "<7>"}; /* syslog's err, warning, info, debug */
    static int journal = -1;                                           /* not decided yet */
    int j = __atomic_load_n(&journal, __ATOMIC_RELAXED);
    if (j < 0) { /* a second thread deciding at the same time decides the same */
        j = stderr_is_journal();
        __atomic_store_n(&journal, j, __ATOMIC_RELAXED);
    }
    return j ? priority[lvl] : "";
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
    fprintf(stderr, "%sndb: %s: %.*s\n", log_journal_prefix(lvl), log_level_names[lvl], (int)shown.len,
            shown.len ? shown.buf : "");
    sb_free(&shown);
}
