/*
 * bench_args.h — checked number arguments for the benchmark programs of
 * tests/bench, each a main of its own.
 *
 * atoi/strtoul read "abc", "-3" or "" as a number (0, or a huge one after
 * a wrap), and a program then ran on it: a crash, a division by zero, a
 * table of zeros with exit 0.  These stop the program instead, with exit
 * 2 and a message naming the argument and its range.
 */
#ifndef NDB_BENCH_ARGS_H
#define NDB_BENCH_ARGS_H

#include <stdio.h>
#include <stdlib.h>

#include "client/cli.h" /* cli_parse_u64, cli_plain_number: the command line's own checks */

/* A whole number from min to max (decimal digits only). */
static inline unsigned long long bench_arg_whole(const char *prog, const char *what, const char *s,
                                                 unsigned long long min, unsigned long long max) {
    uint64_t v;
    if (cli_parse_u64(s, &v) || v < min || v > max) {
        fprintf(stderr, "%s: %s must be a whole number from %llu to %llu, not '%s'\n", prog, what, min, max, s);
        exit(2);
    }
    return v;
}

/* A number (decimals allowed) from min to max. */
static inline double bench_arg_real(const char *prog, const char *what, const char *s, double min, double max) {
    double v = cli_plain_number(s) ? strtod(s, NULL) : -1;
    if (!(v >= min && v <= max)) {
        fprintf(stderr, "%s: %s must be a number from %g to %g, not '%s'\n", prog, what, min, max, s);
        exit(2);
    }
    return v;
}

#endif
