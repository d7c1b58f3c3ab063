/*
 * getopt_exact.h — getopt_long without abbreviations, for the subcommands
 * that parse their own options (serve, bench, journal).
 *
 * getopt_long accepts any unambiguous prefix of a long option (--max-conn
 * for --max-connections).  The client commands never did, and nothing
 * documents prefixes: a prefix that works today stops working, or changes
 * meaning, the day an option with the same start is added.  So every ndb
 * command refuses them, as it refuses any unknown option.
 */
#ifndef NDB_GETOPT_EXACT_H
#define NDB_GETOPT_EXACT_H

#include <getopt.h>

/*
 * getopt_long, except that a long option written shorter than its name
 * returns '?' with optopt 0 and optind just past the word as typed, so that
 * argv[optind - 1] is that word ("--max-conn", "--max-conn=5"), as for any
 * unknown option.  Call it with opterr 0, as every caller here does.
 */
int getopt_long_exact(int argc, char *const argv[], const char *optstring, const struct option *longopts);

#endif
