/*
 * autosnap.h — writing and loading one automatic snapshot: the whole state
 * (every session with its deadline, then every top-level key) in the
 * snapshot format of docs/protocol.md 6, under P/@ndb/snapshots/<gen>/
 * (auto_layout.h).
 *
 * The record writers and readers are persist_kv.c and persist_sessions.c,
 * the same code as KV_SAVE / SH_SAVE / KV_LOAD / SH_LOAD, so whatever those
 * files learn to store is in automatic snapshots too.  Each of the two
 * snapshots is crash-safe on its own (snapshot.c); the automatic snapshot
 * counts as complete only when both are.
 */
#ifndef NDB_AUTOSNAP_H
#define NDB_AUTOSNAP_H

#include <stddef.h>
#include <stdint.h>

#include "server/auto_layout.h"
#include "server/store.h"

/* Write automatic snapshot gen of st's state.  On success returns 0 and
 * sets *bytes to the size of its files; else -1 with the reason in err
 * (whatever was written stays incomplete and is never loaded).
 * with_journal: journal file gen was opened for the records after this
 * snapshot (a journal is on); the snapshot then holds the empty marker
 * file AUTOSNAP_JOURNAL_MARK, so that recovery knows that file must exist
 * (auto_snapshot_has_journal). */
int autosnap_write(const ndb_store *st, const auto_layout *L, uint64_t gen, int with_journal, uint64_t *bytes,
                   char *err, size_t errlen);

#define AUTOSNAP_JOURNAL_MARK "journal"

/* The checksums of the snapshot's data files (snapshot.h, snap_sums):
 * written before the snapshot is complete, and checked by every load, as
 * a JSON data file with a flipped byte inside a string still parses.  A
 * snapshot written before they existed has none and loads unchecked. */
#define AUTOSNAP_SUMS_FILE SNAP_SUMS_FILE

/* Was automatic snapshot gen written with a journal file of its own
 * generation after it (AUTOSNAP_JOURNAL_MARK)? */
int autosnap_has_journal(const auto_layout *L, uint64_t gen);

/* Load the complete automatic snapshot in dir (kv, sessions) into st:
 * sessions with the deadlines they had, keys in their order, every data
 * file checked against AUTOSNAP_SUMS_FILE.  No maxMemory check (a recovery
 * never drops data).  Returns 0 with the counts, or -1 with the reason in
 * err. */
int autosnap_load(const char *dir, const snap_found *kv, const snap_found *sessions, ndb_store *st, uint64_t *keys,
                  uint64_t *nsessions, uint64_t *session_keys, char *err, size_t errlen);

#endif
