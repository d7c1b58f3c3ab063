/*
 * log.h — one-line diagnostics on stderr, filtered by level.
 *
 * Every line is "ndb: LEVEL: message".  The server's level comes from
 * --log-level / logLevel; the CLI logs only errors.
 */
#ifndef NDB_LOG_H
#define NDB_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

/* The level names, indexed by enum log_level, NULL-terminated (the words
 * of --log-level / logLevel). */
extern const char *const log_level_names[];

/* Parse "error", "warn", "info" or "debug"; returns -1 if unknown. */
int log_level_parse(const char *s);
/* "<3>", "<4>", "<6>" or "<7>" (err, warning, info, debug) when standard
 * error is systemd's journal (JOURNAL_STREAM names its device and inode),
 * else "".  Written before a line, it gives the line that priority in the
 * journal, which strips it (sd-daemon(3)): `journalctl -u ndb -p warning`
 * finds the warnings and errors.  Every log line carries it; start-up
 * errors written without log_msg put it first too.  Decided at the first
 * call: call it once before installing a signal handler that uses it. */
const char *log_journal_prefix(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* From now on a line that standard error cannot take at once (a pipe or
 * terminal whose reader stopped reading: a stalled `| logger`, a terminal
 * paused with Ctrl-S) is dropped and counted instead of blocking the
 * caller, and the next line that goes out is preceded by a warning with
 * the count.  The server calls it once it serves, so that no client can
 * stall every other one by making it log.  Lines are then cut to fit
 * PIPE_BUF, which a pipe takes whole once poll says it can write. */
void log_never_block(void);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
