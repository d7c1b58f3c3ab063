/*
 * durability.h — what makes acknowledged writes survive crashes and
 * restarts (issue 15): the journal, automatic snapshots, recovery at
 * start-up, background saves, retention, the save schedule, compaction,
 * and refusing writes while any of it cannot be written.
 *
 * The parts live in their own files (journal.c, autosnap.c, bgsave.c,
 * recovery.c, ...); this one decides when each runs and keeps the state
 * SV_INFO reports.  Its entry points, by caller:
 *   serve.c      durability_start (before listening: recovery, journal)
 *                and durability_shutdown (after the loop: final save or repair);
 *   transport.c  durability_turn_end after every event-loop turn, and the
 *                output gate (durability_hold_seq / durability_released);
 *   server_tick  durability_tick (compaction, schedule, repair);
 *   dispatch.c   durability_refusal (status 124 for WRITE commands);
 *   cmd_persist  durability_user_save (KV_SAVE / SH_SAVE in the background);
 *   cmd_sv.c     durability_info_json (the SV_INFO member "persistence").
 * With no journal and no schedule, nothing of this touches the disk
 * except user saves.
 */
#ifndef NDB_DURABILITY_H
#define NDB_DURABILITY_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "server/auto_layout.h"
#include "server/bgsave.h"
#include "server/journal.h"

struct ndb_server;
struct request;

/* The last snapshot written (of any kind), for SV_INFO. */
typedef struct last_snapshot {
    int done;             /* a snapshot finished since start-up */
    int ok;
    uint64_t time_ms;     /* wall-clock ms when it finished */
    uint64_t duration_ms;
    char name[300];       /* the dataset, or "@ndb/snapshots/<gen>" */
    char err[512];
} last_snapshot;

typedef struct durability {
    auto_layout L;
    int started;            /* durability_start succeeded (shutdown has work to do) */
    int lock_fd;            /* holds P/@ndb/lock while the server runs; -1 */
    int lock_lost;          /* the lock file was removed and another server holds the new one */
    int automatic;          /* journal or schedule: automatic snapshots and recovery */
    journal jn;             /* jn.fd < 0 when there is no journal */
    bg_state bg;
    uint64_t snap_gen;      /* newest complete automatic snapshot (0: none) */
    uint64_t snap_bytes;    /* its size */
    uint64_t next_gen;      /* the next generation to use */
    uint64_t changes_at_save;  /* store.changes when the last good automatic snapshot forked */
    int recovered;             /* the start found a journal record or an automatic snapshot */
    uint64_t changes_at_start; /* store.changes once recovery was done (durability_has_history) */
    uint64_t save_mono_ms;     /* when it did (or start-up) */
    const char *compact_soon;  /* compact at the next turn (no journal: snapshot at the next tick), and why
                                * (journal files piled up, the clock stepped) */
    uint64_t clock_steps;      /* wall clock steps that left deadlines on disk by the old clock */
    uint64_t steps_saved;      /* clock_steps when the newest good automatic snapshot forked: while
                                * it is behind, shutdown writes a final snapshot (durability_shutdown) */
    int snapshot_failed;       /* the last automatic snapshot failed: writes refused */
    int final_repair;          /* shutdown repaired the broken journal: 1; failed to: -1, or 2 when
                                * that lost nothing (always, no change since the break) */
    char snapshot_why[600];
    uint64_t retry_mono_ms;    /* not before this is another repair or snapshot tried */
    unsigned retry_delay_ms;
    last_snapshot last;
    char refusal[sizeof(((journal *)0)->why) + 700]; /* the `m` of 124 answers while refusing */
} durability;

/* Allocate s->dur (nothing on disk; server_init calls it) and free it. */
void durability_init(struct ndb_server *s);
void durability_free(struct ndb_server *s);

/* Before listening: check the persistence settings, recover the journal
 * and automatic snapshots, open the journal and register it as a store
 * sink, and set up background saves.  *recovered says whether there was
 * anything to recover (then a --load-name start-up load is skipped).
 * Returns 0, or -1 with a one-line reason in err. */
int durability_start(struct ndb_server *s, int *recovered, char *err, size_t errlen);

/* After the event loop: stop a running snapshot, take the final save of a
 * schedule — or, when the journal broke and was not repaired yet, a final
 * repair snapshot — write and sync the journal and close it.  Returns -1
 * when that snapshot failed with no sound journal to hold the changes
 * (they are lost: the exit status must say so), else 0. */
int durability_shutdown(struct ndb_server *s);

/* End of an event-loop turn: reap a snapshot process that ended, write
 * (and with `always` sync) the journal. */
void durability_turn_end(struct ndb_server *s);

/* Periodic work (every tick): compaction, the save schedule, retries. */
void durability_tick(struct ndb_server *s);

/* The wall clock was stepped (server_clock_sync): with a journal, compact
 * it at the next turn (unless persist.compactMultiple 0 says never); with a
 * save schedule and no journal, write an automatic snapshot at the next
 * tick (once one was written); a shutdown before that snapshot is written
 * writes it as its final save.  Answers what that does for the deadlines
 * already on disk, as the end of the step's log line (" (…)", or ""). */
const char *durability_clock_stepped(struct ndb_server *s);

/* The output gate (journal.h): the record number output queued now must
 * wait for (0: none), and the number up to which it may go. */
uint64_t durability_hold_seq(const struct ndb_server *s);
uint64_t durability_released(const struct ndb_server *s);

/* NULL while writes are accepted; else why they are refused (the `m` of
 * status 124). */
const char *durability_refusal(struct ndb_server *s);

/* KV_SAVE (type SNAP_KV) / SH_SAVE (SNAP_SESSIONS, the tokens tkns[n],
 * NULL for all; taken over) of dataset `name`, in the background: the
 * reply is deferred and filled when the snapshot is written. */
void durability_user_save(struct request *r, const char *name, int type, uint64_t *tkns, size_t n);

/* The kind of a KV_SAVE / SH_SAVE of dataset `name` that is being written
 * or waits to be (SNAP_KV, SNAP_SESSIONS), or -1 if none. */
int durability_saving(struct ndb_server *s, const char *name);

/* Append ,"persistence":{...} — the SV_INFO member. */
void durability_info_json(struct ndb_server *s, strbuf *out);

/* Shutdown begins (SIGTERM...): interrupt the running snapshot and drop
 * the waiting ones, now rather than after the event loop, so that the
 * clients that asked for a save get their answer (123) before the close
 * frame, which goes only after every reply queued before it.  A journal
 * that broke and is not repaired yet gets its repair snapshot here and
 * now, so that the replies it held can go before the close frames too. */
void durability_stop_saves(struct ndb_server *s);

/* Did the repair of a broken journal tried at shutdown fail?  Then the
 * replies it held will never go (the writes they answer are lost). */
int durability_repair_failed(const struct ndb_server *s);

/* Wait until no snapshot runs or waits (tests, tools). */
void durability_wait_saves(struct ndb_server *s);

#endif
