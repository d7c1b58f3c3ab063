/*
 * transport.h — run the WebSocket listener until SIGINT/SIGTERM.
 */
#ifndef NDB_TRANSPORT_H
#define NDB_TRANSPORT_H

#include <stddef.h>

#include "server/server.h"

/* Called every tick_ms on the server thread (session expiry and the like). */
typedef void (*transport_tick_fn)(ndb_server *s);

/* Listen on srv->cfg.ip:port and serve until a signal asks to stop.
 * Returns 0 after a clean shutdown, or -1 with a one-line reason in err if
 * the listener could not start. */
int transport_run(ndb_server *srv, transport_tick_fn tick_fn, unsigned tick_ms, char *err, size_t errlen);

/* Make the running event loop end its current wait and finish a turn (from
 * a signal handler or another thread; does nothing when no loop runs). */
void transport_wake(void);

#endif
