/*
 * log.c — leveled one-line logging (see log.h).
 */
#include "common/log.h"

#include <limits.h>
#include <poll.h>
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

static int never_block;       /* log_never_block() was called */
static unsigned long dropped; /* lines dropped since the last one written (atomic: any thread logs) */

void log_never_block(void) { __atomic_store_n(&never_block, 1, __ATOMIC_RELAXED); }

/* Can standard error take a line of up to PIPE_BUF bytes without blocking? */
static int stderr_ready(void) {
    struct pollfd p = {.fd = STDERR_FILENO, .events = POLLOUT};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
}

/* Write the line in out (one write: lines from a busy server never
 * interleave), or drop it when it would block under log_never_block(). */
static void put_line(const strbuf *out, int nb) {
    if (nb) {
        if (!stderr_ready()) {
            __atomic_add_fetch(&dropped, 1, __ATOMIC_RELAXED);
            return;
        }
        unsigned long lost = __atomic_exchange_n(&dropped, 0, __ATOMIC_RELAXED);
        if (lost) {
            char note[160];
            int n = snprintf(note, sizeof note, "%sndb: warn: %lu log line%s dropped: standard error was not being read\n",
                             log_journal_prefix(LOG_WARN), lost, lost == 1 ? "" : "s");
            if (write(STDERR_FILENO, note, (size_t)n) < 0 || !stderr_ready()) {
                __atomic_add_fetch(&dropped, 1, __ATOMIC_RELAXED);
                return;
            }
        }
    }
    ssize_t w = write(STDERR_FILENO, out->buf, out->len); /* a failure has nowhere else to be told */
    (void)w;
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
    strbuf out = STRBUF_INIT;
    sb_addf(&out, "%sndb: %s: ", log_journal_prefix(lvl), log_level_names[lvl]);
    size_t head = out.len;
    sb_add_visible(&out, line, len);
    int nb = __atomic_load_n(&never_block, __ATOMIC_RELAXED);
    if (nb && out.len + 1 > PIPE_BUF) { /* escapes can make 1 KB four: cut between characters */
        size_t cut = PIPE_BUF - 4;
        while (cut > head && ((unsigned char)out.buf[cut] & 0xC0) == 0x80) cut--;
        out.len = cut;
        SB_ADD_LIT(&out, "...");
    }
    sb_addc(&out, '\n');
    put_line(&out, nb);
    sb_free(&out);
}
