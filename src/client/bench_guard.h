/*
 * bench_guard.h — how many keys does the server `ndb bench` is about to
 * write into already hold?
 *
 * A benchmark that sets key:000000000000 onwards would overwrite, or mix
 * its keys with, whatever a database holds, so runs that write top-level
 * keys first ask (cmd_bench.c decides what to do with the answer; --force
 * skips the question).
 */
#ifndef NDB_BENCH_GUARD_H
#define NDB_BENCH_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "client/bench_conn.h"

/*
 * Send KV_COUNT on c (an open connection with nothing in flight) and read
 * the answer within timeout_ms.  Returns 0 with the number of top-level
 * keys in *keys; -1 with a one-line reason in why when the connection
 * fails (c->why's text); -3 when the server requires a login (st 43),
 * with the line every client command prints for it ("AuthRequired (43):
 * ... (the server has users: log in with --user NAME, or set NDB_USER)");
 * -2 with a reason when the answer is otherwise not a KV_COUNT_RSP with
 * st 1 and a count.
 */
int bench_count_keys(bws *c, int timeout_ms, uint64_t *keys, char *why, size_t whylen);

#endif
