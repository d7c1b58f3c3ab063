/*
 * getopt_exact.c — getopt_long that refuses abbreviated long options (why:
 * getopt_exact.h).
 */
#include "common/getopt_exact.h"

#include <string.h>

int getopt_long_exact(int argc, char *const argv[], const char *optstring, const struct option *longopts) {
    int idx = -1;
    int opt = getopt_long(argc, argv, optstring, longopts, &idx);
    if (idx < 0 || opt == '?' || opt == ':') return opt; /* not a long option, or already refused */
    /* The word that named the option: the last one read, or the one before
     * when the value was the next word (--port 5). */
    int at = optind - 1;
    if (longopts[idx].has_arg != no_argument && optarg && at > 0 && optarg == argv[at]) at--;
    const char *w = argv[at];
    if (strncmp(w, "--", 2)) return opt; /* cannot happen: long options start with -- */
    w += 2;
    size_t n = strcspn(w, "=");
    if (n == strlen(longopts[idx].name) && !strncmp(w, longopts[idx].name, n)) return opt;
    optind = at + 1;
    optopt = 0;
    return '?';
}
