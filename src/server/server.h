/*
 * server.h — the state of one running ndb server.
 *
 * ndb serves every connection from one thread (docs/protocol.md 1.4: commands
 * are atomic with respect to each other), so the state is a plain struct
 * with no locks: the store (the data, changed only through store.h), the
 * configuration and counters.  Scratch buffers that every request needs
 * live here too, so the request path allocates nothing once warmed up.
 */
#ifndef NDB_SERVER_H
#define NDB_SERVER_H

#include <stdint.h>
#include <time.h>

#include "json/scan.h"
#include "server/config.h"
#include "server/store.h"
#include "server/watch.h"

typedef struct member_ref member_ref; /* keyops.c: decoded object member */
struct durability;                    /* durability.h: journal, snapshots, recovery */

typedef struct ndb_server {
    ndb_config cfg;
    ndb_store store; /* top-level keys and sessions */
    watch_registry watches; /* KV_WATCH / SH_WATCH subscriptions (a store sink) */
    struct durability *dur; /* the journal and snapshots (durability.h) */

    /* counters for SV_INFO */
    uint64_t started_ns; /* start-up on the monotonic clock: uptime does not jump with the wall clock */
    uint64_t requests;
    uint32_t connections;
    size_t memory_peak; /* stored data and watches, highest since the last trim (server_tick) */
    int trim_due;       /* big buffers were freed (a request's, a connection's): trim at the next tick */

    /* per-request scratch, reused */
    jdoc doc;
    strbuf cmd;      /* decoded command name */
    strbuf key;      /* decoded key */
    strbuf keys;     /* decoded keys of one object, back to back */
    strbuf vals;     /* values a command computes (KV_INCR's sums), back to back */
    member_ref *refs;
    size_t refs_cap;
    store_item *items; /* the members of a `keys` object, to store */
    size_t items_cap;
    kv_entry **listed; /* entries flagged while one request lists them */
    size_t listed_n, listed_cap;

    /* key expiry in slices: the transport's "call server_expire_more at
     * the next turn" (serve.c; NULL: every slice waits for the tick), and
     * whether that call is pending */
    void (*expire_soon)(void);
    int expire_queued;
} ndb_server;

/* The process's one server (single-threaded by design). */
extern ndb_server *g_server;

void server_init(ndb_server *s, const ndb_config *cfg);
void server_free(ndb_server *s);

/* After a request: free the per-request scratch buffers that one big
 * request grew past SERVER_SCRATCH_KEEP bytes, so that it does not pin
 * them for the server's life, and have the next tick hand the pages back
 * to the system.  8 MiB: a request of 400,000 JSON tokens, far beyond
 * what bulk loads send at once (their buffers are reused, not allocated
 * and faulted in again for each request). */
#define SERVER_SCRATCH_KEEP ((size_t)8 << 20)
void server_release_big_scratch(ndb_server *s);

/* The `m` of a write refused by limits.maxMemory (status 42). */
#define NDB_MAXMEMORY_MSG "maxMemory exceeded"

/* Bytes held by stored data: top-level keys and sessions (O(1); the figure
 * SV_INFO reports as memoryBytes and limits.maxMemory is checked against). */
static inline size_t server_memory(const ndb_server *s) { return store_memory(&s->store); }

/* Periodic work, run by the transport every cfg.session_check_ms: a slice
 * of session expiry (docs/protocol.md 4.3) and one of key expiry, then
 * durability_tick (compaction, the save schedule, retries after a
 * persistence failure). */
void server_tick(ndb_server *s);

/* The wall clock was stepped while the server runs?  Then deadlines are
 * written by the new one from now on (store_clock_sync), the journal is
 * compacted so that those written before are too (durability_clock_stepped),
 * and a line says so.  The tick runs it, and dispatch before every command
 * that may write a deadline. */
void server_clock_sync(ndb_server *s);

/* Most keys, most sessions, and most entries of a cleared key map, one
 * slice removes or frees (a million keys due in the same second took
 * 60-120 ms at once, 500,000 sessions ~90 ms, freeing a million keys of a
 * KV_CLEAR ~220 ms). */
#define SERVER_EXPIRE_SLICE 20000

/* Keys or sessions are still due after a slice, or a clear left entries
 * to free (kvmap_parked): have server_expire_more run at the next loop
 * turn (once, however often this is called before it). */
void server_expire_later(ndb_server *s);

/* The next slice of session and key expiry and of freeing cleared
 * entries (the transport calls it at the next turn after
 * server_expire_later); asks for one more while work is left. */
void server_expire_more(ndb_server *s);

/* The transport's close hook: client cl is gone (its watches go with it).
 * Called once per client, after its last message was handled. */
void server_client_closed(ndb_server *s, client *cl);

#endif
