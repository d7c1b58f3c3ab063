/*
 * cmd_bench.h — `ndb bench`: the load generator and latency meter.
 *
 * Opens many WebSocket connections from one thread, keeps a fixed number of
 * requests in flight on each, verifies every answer and reports throughput,
 * latency percentiles and its own CPU use.  See cmd_bench.c for the
 * behaviour and the usage text, tests/bench/README.md for how to read the
 * numbers.
 */
#ifndef NDB_CMD_BENCH_H
#define NDB_CMD_BENCH_H

/* argv[0] is "bench".  Returns the process exit status: 0 when every
 * request got a correct answer, 1 when the run failed (cannot connect, a
 * wrong or error answer, a disconnect, no answer within the timeout), 2 on
 * a usage error, 130 when interrupted by SIGINT (results so far are
 * printed). */
int cmd_bench(int argc, char **argv);

#endif
