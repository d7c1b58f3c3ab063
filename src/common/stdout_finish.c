/*
 * stdout_finish.c — see stdout_finish.h.
 */
#include "common/stdout_finish.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int stdout_finish(void) {
    /* `ndb help serve` checks after serve's own --help did: one message */
    static int reported;
    if (fflush(stdout) == 0 && !ferror(stdout)) return 0;
    /* as `ndb watch`: end quietly with the command's own status */
    if (errno == EPIPE) return 0;
    if (!reported++) fprintf(stderr, "ndb: cannot write the output: %s\n", strerror(errno));
    return -1;
}
