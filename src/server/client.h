/*
 * client.h — one connected client, as the server (not the transport) sees
 * it: an id, its authentication state, its subscriptions, and a way to
 * send it messages.
 *
 * The transport creates a client for each upgraded connection and passes
 * it with every message through dispatch to the handlers (request.h), so
 * per-connection state lives here and nowhere in the transport.  Messages
 * reach the client's output queue in three ways, all in order:
 *   - the reply of the current request, written by the handler into
 *     request.out;
 *   - a push (client_push): an unsolicited message such as a watch event,
 *     queued behind everything queued before it, from any code, for any
 *     client (e.g. a write on one connection pushing to a watcher on
 *     another).  Pushes follow the same back-pressure rules as replies;
 *   - a deferred reply (client_defer): a request answered later (a
 *     background save, a throttled login) keeps its place in the queue;
 *     nothing queued after it is sent before it is filled.
 * The operations are a table of functions (client_ops) so that tests and
 * fuzzers can drive dispatch with a client of their own, without sockets.
 */
#ifndef NDB_CLIENT_H
#define NDB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/command_info.h"

#include "common/strbuf.h"

typedef struct client client;

/* A deferred reply's place in a client's queue.  Ownership: the producer
 * (the code that will answer) holds it until client_slot_fill; the queue
 * then frees it once written.  If the client goes away first, the
 * transport clears `c` and the fill only frees the slot. */
typedef struct client_slot {
    client *c;     /* NULL once the client is gone */
    strbuf text;   /* the reply, once filled */
    int filled;
    void (*wake)(struct client_slot *slot); /* the transport: send what is now ready */
} client_slot;

typedef struct client_ops {
    /* Queue a complete message (n bytes of JSON text).  Returns 0, or -1
     * if the client is closing or was closed for queueing too much. */
    int (*push)(client *c, const char *msg, size_t n);
    /* Reserve the place of a reply produced later; NULL if the client is
     * closing. */
    client_slot *(*defer)(client *c);
    /* Bytes queued and not yet written (for watchers' overflow checks). */
    size_t (*queued)(const client *c);
    /* Close the connection once what is queued is written, with a
     * WebSocket close code and reason. */
    void (*close)(client *c, int code, const char *reason);
    /* Stop (on = 1) or resume (on = 0) handling the client's incoming
     * messages; those that arrive meanwhile wait, in order, and are
     * handled once resumed (a login being checked holds the requests
     * pipelined behind it).  May be NULL for a client that never needs it
     * (client_hold then does nothing). */
    void (*hold)(client *c, int on);
    /* The client has just logged in (SV_AUTH): the transport no longer
     * counts it among the connections not yet established, which a new
     * connection may close to make room (limits.maxPendingConnections).
     * May be NULL. */
    void (*logged_in)(client *c);
} client_ops;

struct client {
    uint64_t id;           /* unique for the life of the process, from 1 */
    const client_ops *ops; /* the transport's (or a test's) */
    void *transport;       /* the transport's own connection state */
    enum cmd_role role;    /* what it may run (ROLE_ADMIN when the server has no users) */
    char addr[64];         /* peer address, for logs */
    const char *user;      /* the user it authenticated as (security.users), or NULL */
    unsigned auth_failures; /* failed SV_AUTH attempts (auth.c closes the connection at 5) */
    struct watcher *watcher; /* its watches (watch.c), NULL while it has none: found without a scan */
};

static inline int client_push(client *c, const char *msg, size_t n) { return c->ops->push(c, msg, n); }
static inline client_slot *client_defer(client *c) { return c->ops->defer(c); }
static inline size_t client_queued(const client *c) { return c->ops->queued(c); }
static inline void client_close(client *c, int code, const char *reason) { c->ops->close(c, code, reason); }
static inline void client_hold(client *c, int on) {
    if (c->ops->hold) c->ops->hold(c, on);
}

/* Fill a deferred reply with its text and let the queue move on.  If the
 * client went away meanwhile the text is dropped.  Frees the slot. */
void client_slot_fill(client_slot *slot, const char *msg, size_t n);

/* The next client id. */
uint64_t client_next_id(void);

#endif
