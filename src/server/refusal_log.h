/*
 * refusal_log.h — the log lines of refused handshakes, bounded in rate.
 *
 * A refused WebSocket upgrade (Basic credentials wrong or unchecked, a
 * malformed header, no 'ndb' subprotocol) or TLS handshake is one line
 * naming the address and why: what an operator needs to find a
 * misconfigured client.  A client retrying in a loop, or anyone who can
 * reach the port, could make thousands a second, so these lines are one
 * kind of log_rate.h's bounded lines: after a burst of LOG_RATE_BURST at
 * most LOG_RATE_PER_S a second, the rest counted and summed up in one line
 * a tick ("refused N more handshakes without a line each ...").  Refused
 * Origins and Hosts (upgrades and console pages) count here too, on top of
 * their own bound of a line per origin a minute in handshake.c: a client
 * may make up a new one for each request.  (Connections over
 * maxConnections are summed once a tick.)
 */
#ifndef NDB_REFUSAL_LOG_H
#define NDB_REFUSAL_LOG_H

#include "common/log.h"

/* Log a refusal at level lvl, or count it when over the rate (or below
 * the log level).  Returns 1 when the line was written. */
int refusal_log(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Once a tick, and when the loop ends: the line that sums up the
 * refusals counted since the last one, if any. */
void refusal_log_tick(void);

#endif
