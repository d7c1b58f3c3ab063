/*
 * auth_worker.h — password checks off the event loop.
 *
 * A check runs the KDF (common/pwhash.h: about 150 ms at the default
 * cost).  On the server's one thread that would stall every client for
 * that long, so checks run on one worker thread: the loop submits a job,
 * the worker runs it and calls `notify` (which must be safe to call from
 * another thread: the transport's is lws_cancel_service()), and the loop,
 * woken, collects the finished jobs with auth_worker_done().  Jobs run in
 * submission order.  The worker owns nothing: a job is the caller's, and
 * the worker touches only its input and `ok` until it is handed back.
 *
 * With notify NULL there is no thread: auth_worker_submit() checks at
 * once, on the caller's thread (for unit tests that drive dispatch without
 * a transport).
 */
#ifndef NDB_AUTH_WORKER_H
#define NDB_AUTH_WORKER_H

#include <stddef.h>

#include "common/pwhash.h"

typedef struct auth_job {
    struct auth_job *next; /* the worker's lists */
    const pwhash *hash;    /* check against this (must outlive the job) */
    char *password;        /* owned by the submitter; the worker does not free it */
    size_t len;
    /* After a failed check, pad_iterations more rounds against pad: every
     * failure then costs the same whatever the user's own cost (auth.c) */
    const pwhash *pad;
    uint32_t pad_iterations;
    int ok;                /* set by the worker: the password matches */
} auth_job;

/* Run job j's check (and its padding): sets j->ok. */
void auth_job_check(auth_job *j);

/* Start the worker (notify: see above; NULL for none).  Returns 0, or -1
 * when the thread cannot be created. */
int auth_worker_start(void (*notify)(void));

/* Queue a job (from the loop thread). */
void auth_worker_submit(auth_job *j);

/* The finished jobs, oldest first, or NULL (from the loop thread). */
auth_job *auth_worker_done(void);

/* Stop the worker after the job it is running (queued jobs are handed
 * back unchecked, ok 0, through auth_worker_done) and join it. */
void auth_worker_stop(void);

#endif
