/*
 * bgsave.h — snapshots written by a forked child, so the server keeps
 * answering everyone while one is written (issue 15).
 *
 * fork() gives the child a copy-on-write image of the data as it is at
 * that instant; the child writes the snapshot files, reports through a
 * pipe and _exits.  It never touches libwebsockets or a socket: right
 * after the fork it closes every descriptor but its pipe and standard
 * error, and it dies with the server (PR_SET_PDEATHSIG), as a crashed
 * server's save would.
 *
 * One child at a time.  Jobs wait in a queue, in order; a job's data is
 * the state at *its* fork.  The client that asked for a save has its input
 * held (client_hold) from the request until the reply: its later requests
 * cannot slip into a queued save's snapshot, and they run after the save
 * as they would after a synchronous one (a pipelined KV_LOAD of the same
 * dataset finds it).  Other clients are answered meanwhile.  The parent notices a child's end through
 * SIGCHLD (which wakes the event loop) and at every tick, reads its report,
 * and calls the job's `done`.
 *
 * A job is three functions: prepare (in the server, just before the fork;
 * it may refuse, then `done` runs with its reason at the next poll), work
 * (in the child), done (in the server, with the child's report).
 */
#ifndef NDB_BGSAVE_H
#define NDB_BGSAVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "server/client.h"

struct ndb_server;

/* What the child reports (it must fit in one pipe write: < PIPE_BUF). */
typedef struct bg_result {
    int ok;
    int status;      /* user saves: the status to answer (121, 122, 123) */
    uint64_t ms;     /* how long the child worked */
    uint64_t bytes;  /* automatic snapshots: their size */
    char err[2048];  /* why it failed */
    char path[1024]; /* what it wrote (the snapshot directory) */
} bg_result;

typedef struct bg_job bg_job;
struct bg_job {
    int (*prepare)(struct ndb_server *s, bg_job *job, char *err, size_t errlen);
    void (*work)(const struct ndb_server *s, bg_job *job, bg_result *res);
    void (*done)(struct ndb_server *s, bg_job *job, const bg_result *res);
    client_slot *slot;  /* the deferred reply of the request that asked, or NULL */
    int automatic;      /* an automatic snapshot (at most one waits or runs) */
    /* what the job's functions need: */
    char name[256];     /* user saves: the dataset */
    int type;           /* user saves: SNAP_KV or SNAP_SESSIONS */
    strbuf cmd;         /* user saves: the command name as decoded, for the reply */
    uint64_t *tkns;     /* SH_SAVE: the tokens listed (NULL: every session) */
    size_t ntkns;
    uint64_t gen;       /* automatic snapshots: the generation */
    int with_journal;   /* ... and journal file gen was opened for the records after it */
    const char *why;    /* automatic snapshots: what asked for it (for the log) */
    uint64_t seq_at_fork, breaks_at_fork, changes_at_fork;
    uint64_t steps_at_fork; /* durability's clock_steps then: the wall clock steps it writes by the new clock */
    uint64_t fork_mono_ms; /* when its child started */
    bg_result *early;   /* set when it failed before any child ran (reported at the next poll) */
    bg_job *next;
};

/* The queue and the running child (one per server, in its durability state). */
typedef struct bg_state {
    bg_job *head, *tail; /* waiting, in order */
    bg_job *early;       /* failed before their child ran: `done` at the next poll, never
                          * inside the request that submitted them (its reply is not queued yet) */
    bg_job *running;
    pid_t pid;
    int pipe_fd;         /* read end of the running child's report */
    uint64_t started_ms; /* monotonic */
    int stopping;        /* bgsave_drain is ending the running child to shut down */
} bg_state;

/* Queue job (allocated by the caller with calloc; bgsave frees it, its
 * cmd and tkns after `done`) and start it if no child runs.  If the job
 * has to wait, the client of its slot has its input held until it starts. */
void bgsave_submit(bg_state *bg, struct ndb_server *s, bg_job *job);

/* Reap a child that ended (without waiting) and start the next job.  Cheap
 * when nothing ended; called at the end of every loop turn and every tick. */
void bgsave_poll(bg_state *bg, struct ndb_server *s);

/* Finish everything: wait for the running child (or, with kill_running,
 * end it with SIGKILL: shutdown) and then run or (with drop_queued)
 * discard the queued jobs, each `done` called.  Blocks. */
void bgsave_drain(bg_state *bg, struct ndb_server *s, int kill_running, int drop_queued);

/* Is there something for bgsave_poll to do: a child that ended (SIGCHLD
 * came), a job that failed early, a job waiting with no child running? */
int bgsave_needs_poll(const bg_state *bg);

/* Is a child running?  Is an automatic snapshot waiting or running? */
static inline int bgsave_busy(const bg_state *bg) { return bg->running != NULL; }
int bgsave_auto_pending(const bg_state *bg);

/* The kind (SNAP_KV, SNAP_SESSIONS) of a user save of dataset `name` that
 * runs or waits, or -1 if none does. */
int bgsave_user_pending(const bg_state *bg, const char *name);

/* Set up the SIGCHLD handler that wakes the loop (wake: may be NULL). */
void bgsave_install(void (*wake)(void));

#endif
