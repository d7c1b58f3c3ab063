/*
 * watch.h — watches: clients subscribed to changes of keys or sessions
 * (KV_WATCH, SH_WATCH; ndb extensions), fed from the store's one change
 * stream.
 *
 * The registry is a store sink (store_add_sink): for every change record,
 * after the store applied it, each watch it concerns gets one event pushed
 * to its client (client_push), so a connection sees events in the order
 * the changes happened, and an event caused by its own request lands after
 * that request's reply (the transport guarantees it).  A record concerns
 *   - a KV watch of keys: a change of one of those top-level keys, or a
 *     clear of the top-level map;
 *   - a KV watch of a prefix: a change of a top-level key starting with it,
 *     or a clear;
 *   - an SH watch of tokens: those sessions' creation, end, expiry and key
 *     changes; an SH watch of all sessions: every session's.
 * Deadline changes (KV_EXPIRE, extendOnGet, SH_EXPIRE) send no event.
 *
 * Event texts (members in byte order, as every answer of ndb):
 *   {"KV_EVENT":{"id":7,"key":"user:1","op":"set"[,"value":V]}}
 *   {"KV_EVENT":{"id":7,"op":"clear"}}
 *   {"SH_EVENT":{"id":3,"op":"new","tkn":T}}       also end, expire, reset, load
 *   {"SH_EVENT":{"id":3,"key":"k","op":"set","tkn":T[,"value":V]}}
 *   {"KV_EVENT":{"id":7,"op":"overflow"}}          (and SH_EVENT)
 *
 * Cost: with no watch at all the sink returns at its first test, so a write
 * pays one indirect call.  With watches, a change costs a hash lookup for
 * watches of its key or session, a comparison per prefix watch, and one
 * event text per watch it concerns.
 *
 * A watcher that does not read (docs/protocol.md "ndb extensions"): before
 * each event the client's queued output is compared with
 * limits.watchOutputBytes; past it the client gets one "overflow" event per
 * watch and every watch of the client is dropped (it must re-read what it
 * cares about and watch again), so its queue stops growing from events and
 * nobody else waits for it.
 *
 * Memory: one struct per watch plus its keys or tokens; at most
 * limits.maxWatches watches per connection, naming at most
 * limits.maxWatchKeys keys and tokens in all (about 90 bytes each, plus
 * the key: without it, one connection of the read role could take
 * gigabytes; the keys' own bytes are bounded only by maxWatches requests
 * of maxPayload each, about 70 MB a connection).  Those bounds are per
 * connection, and a client may open maxConnections of them: 4 connections
 * held 280 MB, 10,000 could hold 700 GB.  limits.maxTotalWatchBytes bounds
 * the watches of all connections together (watch_bytes counts them).  A client's watches go when
 * it disconnects (watch_client_gone, called by the transport's close hook).
 */
#ifndef NDB_WATCH_H
#define NDB_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "server/change.h"
#include "server/client.h"

typedef struct watch watch;
typedef struct watcher watcher;
typedef struct watch_sub watch_sub;

/* A hash table of subscriptions (watch_sub chains) by key or token. */
typedef struct watch_index {
    watch_sub **buckets;
    uint32_t nbuckets, count;
} watch_index;

/* Watches in the order they were made, each unlinked in constant time
 * (thousands of watchers leaving at once must not cost a scan each). */
typedef struct watch_list {
    watch *head, *tail;
} watch_list;

typedef struct watch_registry {
    watcher *watchers;      /* every client that ever watched and is connected */
    uint64_t nwatches;      /* watches in force: 0 makes the sink free */
    watch_index kv_keys;    /* top-level key -> KV watches of that key */
    watch_index sh_tkns;    /* session token -> SH watches of that session */
    watch_list kv_prefix;   /* KV watches of a prefix */
    watch_list sh_all;      /* SH watches of every session */
    unsigned max_per_client; /* limits.maxWatches */
    size_t max_keys_per_client; /* limits.maxWatchKeys: keys and tokens of its watches */
    size_t max_bytes;        /* limits.maxTotalWatchBytes: all watches' memory; 0: none */
    size_t bytes;            /* what all watches hold now (watch_bytes, watch.c) */
    size_t max_queued;       /* limits.watchOutputBytes */
    strbuf tail;             /* scratch: the part of an event after the id */
    strbuf msg;              /* scratch: one event */
    watcher *overflowed;     /* overflowed while one record was delivered */
    uint64_t events, overflows; /* counters */
} watch_registry;

/* Set up an empty registry with its limits. */
void watch_init(watch_registry *reg, unsigned max_per_client, size_t max_keys_per_client, size_t max_bytes,
                size_t max_queued);
/* Free every watch (no events are sent). */
void watch_free(watch_registry *reg);

/* The store sink: ctx is the registry. */
void watch_sink(void *ctx, const change *ch);

/* What a new watch follows. */
typedef struct watch_spec {
    int family;        /* WATCH_KV or WATCH_SH */
    int values;        /* include the new value text in key events */
    int all;           /* KV: every key with `prefix`; SH: every session */
    const char *prefix; size_t prefix_len;
    const char *const *keys; const size_t *key_lens; /* KV: keys to follow */
    const uint64_t *tkns;   /* SH: sessions to follow */
    size_t n;               /* number of keys or tokens */
} watch_spec;

enum { WATCH_KV = 1, WATCH_SH = 2 };
enum { WATCH_OK = 0, WATCH_LIMIT = -1, WATCH_KEYS_LIMIT = -2, WATCH_BYTES_LIMIT = -3 };

/* Add a watch for client cl; *id receives its id (unique on the
 * connection, from 1).  WATCH_LIMIT when cl has max_per_client watches;
 * WATCH_KEYS_LIMIT when the distinct keys or tokens of spec would take cl's
 * watches past max_keys_per_client; WATCH_BYTES_LIMIT when its memory
 * would take all connections' watches past max_bytes (nothing is added). */
int watch_add(watch_registry *reg, client *cl, const watch_spec *spec, uint64_t *id);

/* Remove cl's watch `id` of `family`; returns 1 if it existed. */
int watch_remove(watch_registry *reg, client *cl, int family, uint64_t id);

/* Client cl is gone: drop its watches and forget it. */
void watch_client_gone(watch_registry *reg, client *cl);

/* Watches client cl has now. */
unsigned watch_count(const watch_registry *reg, const client *cl);

#endif
