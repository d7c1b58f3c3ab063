/*
 * auth_throttle.h — how fast one source address may have passwords
 * checked: about 10 checks per second, with a small burst, per address
 * (an IPv4 address, or the /64 network of an IPv6 address, since one host
 * usually owns a whole /64).
 *
 * Only checks that run the KDF count: a login whose password matches the
 * credential cache (auth.c) costs nothing and is never throttled, and
 * every wrong guess is a KDF run, so this bounds both the guessing rate and
 * the CPU an attacker can make the server spend.  An attempt over the rate
 * is not refused: it is scheduled later (the SV_AUTH answer is delayed,
 * never the event loop); only the handshake's Basic authentication, which
 * cannot wait, is refused with HTTP 429.
 *
 * The rule is the generic cell rate algorithm: each address has a
 * "theoretical arrival time" (TAT); an attempt may start at
 * max(now, TAT - burst), and moves TAT one interval on.  The table has a
 * fixed size; when every slot is busy, addresses share one overflow slot
 * (stricter, never looser).  Pure logic with the time passed in, so that
 * tests need no clock.
 */
#ifndef NDB_AUTH_THROTTLE_H
#define NDB_AUTH_THROTTLE_H

#include <stdint.h>

/* Checks per second per address, and how many may come at once. */
#define THROTTLE_PER_SECOND 10
#define THROTTLE_BURST 5
/* Addresses tracked before they share the overflow slot. */
#define THROTTLE_SLOTS 4096

typedef struct throttle throttle;

/* A new, empty table (aborts when out of memory).  Free with
 * throttle_free. */
throttle *throttle_new(void);
void throttle_free(throttle *t);

/* Reserve a check for addr (the peer address as text) at time now_ms:
 * returns the time (ms, >= now_ms) at which it may start. */
uint64_t throttle_reserve(throttle *t, const char *addr, uint64_t now_ms);

/* Give back one reservation of addr that was never used: a login dropped
 * unchecked, its client gone, must not delay the address's next check
 * (only checks that run count).  Addresses that share the overflow slot
 * get nothing back. */
void throttle_release(throttle *t, const char *addr, uint64_t now_ms);

/* The key addr is throttled by (an IPv4 address as a mapped IPv6 one, an
 * IPv6 address cut to its /64): the same key is the same client. */
void throttle_address_key(const char *addr, unsigned char key[16]);

/* For a check that cannot wait: 0 and reserved when it may start now,
 * else the milliseconds until it could (nothing reserved). */
uint64_t throttle_try(throttle *t, const char *addr, uint64_t now_ms);

#endif
