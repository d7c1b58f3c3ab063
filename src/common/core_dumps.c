/*
 * core_dumps.c — no core files of ndb by default (core_dumps.h).
 *
 * Not dumpable also means that /proc/PID files which need the ptrace
 * permission (fd/, environ, maps, io) are root's, and that a debugger run
 * by the same (non-root) user cannot attach: one started with the command
 * (gdb --args ndb ...) still can.  stat, status, limits and
 * task/N/schedstat stay readable by all, as the tests and benchmarks that
 * measure a server's memory and CPU need.
 */
#include "common/core_dumps.h"

#include <sys/prctl.h>
#include <sys/resource.h>

static struct rlimit g_found;   /* RLIMIT_CORE as the command found it */
static int g_saved;

void core_dumps_off(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_CORE, &rl) == 0) {
        g_found = rl;
        g_saved = 1;
        rl.rlim_cur = 0;
        (void)setrlimit(RLIMIT_CORE, &rl); /* lowering the soft limit cannot fail */
    }
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void core_dumps_on(void) {
    if (g_saved) (void)setrlimit(RLIMIT_CORE, &g_found); /* back to at most the hard limit it left */
    (void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}
