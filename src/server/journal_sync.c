/*
 * journal_sync.c — the everysec policy's thread: it calls fdatasync() on
 * the journal file at most once a second, when something was written since
 * the last one, so the event loop never waits for the disk.
 *
 * It shares only a few counters with the event loop, under a mutex taken
 * once per loop turn that wrote records (jsync_request) — never per record,
 * and never held during the fdatasync itself.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "server/journal.h"

struct jsync {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* work arrived, stop asked, or an fdatasync ended */
    int fd;              /* the file to sync */
    int busy;            /* an fdatasync is running (on fd) */
    int stop;
    uint64_t want;       /* records written to fd */
    uint64_t done;       /* records synced */
    uint64_t last_ms;    /* wall-clock ms of the last good fdatasync */
    uint64_t syncs;
    int err;             /* errno of a failed fdatasync, until read */
    struct timespec last; /* monotonic time of the last fdatasync */
    void (*wake)(void);
};

/* The thread: wait for written records, wait out the rest of the second
 * since the last fdatasync, sync, report; until jsync_stop. */
static void *run(void *arg) {
    struct jsync *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        if (s->want <= s->done || s->err) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        /* at most once a second: wait out the rest of the second */
        struct timespec now, next = s->last;
        clock_gettime(CLOCK_MONOTONIC, &now);
        next.tv_sec += 1;
        if (now.tv_sec < next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec < next.tv_nsec)) {
            pthread_cond_timedwait(&s->cv, &s->mu, &next);
            continue;
        }
        int fd = s->fd;
        uint64_t target = s->want;
        s->busy = 1;
        pthread_mutex_unlock(&s->mu);
        int rc = fdatasync(fd);
        int e = errno;
        pthread_mutex_lock(&s->mu);
        s->busy = 0;
        clock_gettime(CLOCK_MONOTONIC, &s->last);
        if (rc == 0 && fd == s->fd) {
            if (target > s->done) s->done = target;
            s->last_ms = wall_ms();
            s->syncs++;
        } else if (rc != 0 && fd == s->fd) {
            s->err = e;
        }
        pthread_cond_broadcast(&s->cv);
        if (rc != 0 && s->wake) {
            pthread_mutex_unlock(&s->mu);
            s->wake();
            pthread_mutex_lock(&s->mu);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

struct jsync *jsync_start(int fd, void (*wake)(void)) {
    struct jsync *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->fd = fd;
    s->wake = wake;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    clock_gettime(CLOCK_MONOTONIC, &s->last);
    s->last_ms = wall_ms();
    /* the thread blocks every signal: SIGTERM, SIGCHLD and the rest are
     * the event loop's to handle */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_create(&s->thread, NULL, run, s)) abort();
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return s;
}

void jsync_request(struct jsync *s, uint64_t written) {
    pthread_mutex_lock(&s->mu);
    if (written > s->want) {
        /* wake the thread only when it waits for work: while it waits for
         * its next second it will see the new number anyway (a wake-up per
         * loop turn would cost two context switches each) */
        int idle = s->want <= s->done;
        s->want = written;
        if (idle) pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
}

void jsync_status(struct jsync *s, uint64_t *synced, uint64_t *last_ms, uint64_t *syncs, int *err) {
    pthread_mutex_lock(&s->mu);
    *synced = s->done;
    *last_ms = s->last_ms;
    *syncs = s->syncs;
    *err = s->err;
    s->err = 0;
    pthread_mutex_unlock(&s->mu);
}

void jsync_switch(struct jsync *s, int fd, uint64_t written) {
    pthread_mutex_lock(&s->mu);
    while (s->busy) pthread_cond_wait(&s->cv, &s->mu);
    s->fd = fd;
    s->want = s->done = written;
    s->err = 0;
    pthread_mutex_unlock(&s->mu);
}

void jsync_stop(struct jsync *s) {
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
