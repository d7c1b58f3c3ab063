/*
 * capture.h — catch what a unit test's code writes to stderr (log lines,
 * warnings), so that tests can compare it exactly.
 *
 *   capture_begin();  ...code that logs...;  const char *s = capture_end();
 *
 * s holds everything written in between (valid until the next capture).
 */
#ifndef NDB_TEST_CAPTURE_H
#define NDB_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static FILE *capture_file;
static int capture_saved = -1;
static char capture_buf[8192];

static void capture_begin(void) {
    fflush(stderr);
    capture_file = tmpfile();
    if (!capture_file) abort();
    capture_saved = dup(2);
    dup2(fileno(capture_file), 2);
}

static const char *capture_end(void) {
    fflush(stderr);
    dup2(capture_saved, 2);
    close(capture_saved);
    rewind(capture_file);
    size_t n = fread(capture_buf, 1, sizeof capture_buf - 1, capture_file);
    capture_buf[n] = 0;
    fclose(capture_file);
    return capture_buf;
}

#endif
