/*
 * transport.h — run the WebSocket listener until SIGINT/SIGTERM.
 */
#ifndef NDB_TRANSPORT_H
#define NDB_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "server/server.h"

/* The most bytes of headers an upgrade or console request may carry
 * (README "Limits"); a request with more is closed without an answer,
 * which is all libwebsockets can do with it. */
#define NDB_MAX_HEADER_BYTES (16 * 1024)

/* Called every tick_ms on the server thread (session expiry and the like). */
typedef void (*transport_tick_fn)(ndb_server *s);

/* Listen on srv->cfg.ip:port and serve until a signal asks to stop.
 * Returns 0 after a clean shutdown, or -1 with a one-line reason in err if
 * the listener could not start. */
int transport_run(ndb_server *srv, transport_tick_fn tick_fn, unsigned tick_ms, char *err, size_t errlen);

/* Set the function the loop calls, on its own thread, after
 * transport_wake() (before transport_run; NULL for none). */
void transport_on_wake(void (*fn)(void));

/* Wake the loop from any thread (a worker that finished): it ends its
 * current wait, finishes a turn and calls the function of
 * transport_on_wake.  Safe before and after the loop runs (it then does
 * nothing).  Not for signal handlers: use transport_wake_from_signal. */
void transport_wake(void);

/* The same from a signal handler of the loop's thread (async-signal-safe;
 * every other thread of the server blocks signals). */
void transport_wake_from_signal(void);

/* Call fn on the loop thread after delay_ms.  There is one such timer: a
 * new call replaces a pending one.  Only while the loop runs. */
void transport_after(uint64_t delay_ms, void (*fn)(void));

/* Call fn on the loop thread at the next turn, after what is ready now
 * (input, output) is served.  One such timer, apart from
 * transport_after's: a new call replaces a pending one.  Only while the
 * loop runs. */
void transport_soon(void (*fn)(void));

#endif
