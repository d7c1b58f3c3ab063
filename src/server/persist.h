/*
 * persist.h — snapshots of keys and sessions (docs/protocol.md section 6):
 * the record formats on top of snapshot.h, and the loads used both by the
 * KV_LOAD / SH_LOAD commands and by the start-up load.
 */
#ifndef NDB_PERSIST_H
#define NDB_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "server/kvmap.h"
#include "server/request.h"
#include "server/server.h"
#include "server/snapshot.h"

/* What the loads below return when the snapshot would not fit under
 * limits.maxMemory (nothing was loaded); other failures return -1. */
#define PERSIST_OOM (-2)

/* What they return when a key of the snapshot (top-level or in a
 * session) is longer than limits.maxKeyLength (nothing was loaded); err
 * then holds the answer's `m`, naming the key and the limit. */
#define PERSIST_KEYLEN (-3)

/* The ready step of both loads (snapshot.h): may the planned load go
 * ahead under maxMemory?  0 if so, else PERSIST_OOM with a reason in err. */
int persist_plan_ready(ndb_store *st, store_plan *p, char *err, size_t errlen);

/* Into err, the `m` of PERSIST_KEYLEN: key k (kn bytes; of session tkn,
 * unless 0), escaped and cut to its first 64 bytes, is longer than max. */
void persist_long_key(char *err, size_t errlen, const char *k, size_t kn, uint64_t tkn, size_t max);

/* Append every top-level key of st as KV records, and the deadlines of
 * those that expire as the file's "ttl" member. */
int persist_kv_write(const ndb_store *st, snap_writer *w, char *err, size_t errlen);
/* Load the KV snapshot s into the top-level map, all or nothing; *keys =
 * keys stored (a key named twice in the snapshot counts once).  A key
 * longer than max_key bytes (0: no limit) refuses the load (PERSIST_KEYLEN). */
int persist_kv_read(const snap_found *s, ndb_store *st, size_t max_key, int keep_expired, uint64_t *keys, char *err,
                    size_t errlen);

/* Append the sessions as records: all in map order (tkns NULL), or the
 * listed tokens that exist, in order; tkns holds each token once (Q25:
 * cmd_SH_SAVE removes repeats). */
int persist_sessions_write(session_registry *reg, const uint64_t *tkns, size_t n, snap_writer *w, char *err,
                           size_t errlen);
/* Load the session snapshot s, all or nothing; existing tokens are skipped.
 * A key longer than max_key bytes (0: no limit) in a session that would be
 * created refuses the load (PERSIST_KEYLEN). */
int persist_sessions_read(const snap_found *s, ndb_store *st, size_t max_key, uint64_t *sessions, uint64_t *keys,
                          char *err, size_t errlen);

/* Automatic snapshots (issue 15): every session in map order, each with its
 * deadline (the "deadline" member, wall-clock ns); and the load that gives
 * each session the deadline its record names (due ones are expired by the
 * next expiry check, with a record each). */
int persist_sessions_write_all(const ndb_store *st, snap_writer *w, char *err, size_t errlen);
int persist_sessions_read_all(const snap_found *s, ndb_store *st, uint64_t *sessions, uint64_t *keys, char *err,
                              size_t errlen);

/* Load dataset `name` from `base` at start-up, choosing the loader from
 * the snapshot's metadata.  Returns 0, or -1 with a reason in err. */
int persist_startup_load(ndb_server *srv, const char *base, const char *name, char *err, size_t errlen);

/* Helpers shared by the save/load commands of both families (cmd_persist.c). */
int persist_take_name(request *r, strbuf *name, uint32_t *tok);
void persist_rsp_head(request *r, const strbuf *name, int64_t duration, const char *m);
void persist_rsp_loaded(request *r, const strbuf *name, int64_t duration, uint64_t keys, uint64_t sessions);
void persist_load_failed(request *r, const strbuf *name, const char *why);
int persist_find(request *r, const strbuf *name, int type, snap_found *s);

#endif
