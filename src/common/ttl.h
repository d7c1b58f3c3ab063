/*
 * ttl.h — the rule for a key's time to live, shared by the server (which
 * enforces it: KV_SET/KV_ADD/KV_CAS "ttl", KV_EXPIRE) and the client
 * (which checks `--ttl` and `ndb expire` before sending, so that a user's
 * typo is a usage error naming the option, not a server status).
 *
 * A TTL is a number of seconds, more than 0, at most ten years (as for
 * session durations), with at most millisecond precision: at most 3
 * decimals in the number as written (1.2500 and 125e-3 qualify, 1000.0004
 * does not).
 */
#ifndef NDB_COMMON_TTL_H
#define NDB_COMMON_TTL_H

#include <stddef.h>
#include <stdint.h>

#define NDB_TTL_MAX_S 315360000u

/* The rule in words, for messages. */
#define NDB_TTL_RULE "more than 0 and at most 315360000 seconds (10 years), with at most 3 decimals"

/* Parse the JSON number text s[0..n) as a TTL: 0 and *ns (nanoseconds,
 * whole milliseconds), or -1 when it breaks the rule.  The caller has
 * checked that the text is a JSON number. */
int ttl_text_ns(const char *s, size_t n, uint64_t *ns);

#endif
