/*
 * secret.h — reading a password: from the terminal without echo, or the
 * first line of a file or standard input; and forgetting it afterwards.
 *
 * Used by `ndb passwd` and by every client command that logs in (--user).
 * A password is never taken from a command-line argument (other users see
 * those in ps and they end up in shell history).
 */
#ifndef NDB_SECRET_H
#define NDB_SECRET_H

#include <stddef.h>

#include "common/strbuf.h"

/* Longest password accepted, in bytes. */
#define SECRET_MAX 4096

/* Print prompt on the controlling terminal (/dev/tty) and read one line
 * from it with echo off; the terminal's settings are restored afterwards,
 * also when SIGINT, SIGTERM, SIGHUP or SIGQUIT arrives meanwhile (the
 * signal then takes effect).  The line, without its newline, replaces
 * out's content.  Returns 0, or -1 with a reason in err ("no terminal to
 * ask for the password on", "end of input").  Works whatever standard
 * input is, so `... | ndb set k - --user alice` can still ask. */
int secret_prompt(const char *prompt, strbuf *out, char *err, size_t errlen);

/* Read the first line of fd (up to a newline or the end; a trailing CR
 * is dropped) into out.  Returns 0, or -1 with a reason in err ("the
 * first line is longer than 4096 bytes", a read error).  An empty first
 * line is returned as empty: the caller decides whether that is valid. */
int secret_read_line(int fd, strbuf *out, char *err, size_t errlen);

/* Read the first line of the file at path (see secret_read_line).  The
 * reason in err names the file. */
int secret_read_file(const char *path, strbuf *out, char *err, size_t errlen);

/* Overwrite out's bytes and free it. */
void secret_wipe(strbuf *out);

#endif
