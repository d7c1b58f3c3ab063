/*
 * auth_worker.c — one thread that runs password checks (see
 * auth_worker.h).
 */
#include "server/auth_worker.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work;
    auth_job *todo_head, *todo_tail; /* submitted, not started */
    auth_job *done_head, *done_tail; /* finished, not collected */
    void (*notify)(void);
    pthread_t thread;
    int running, stopping;
} W = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, NULL, NULL, NULL, 0, 0, 0};

/* Append j to a list given by its head and tail. */
static void list_add(auth_job **head, auth_job **tail, auth_job *j) {
    j->next = NULL;
    if (*tail) (*tail)->next = j;
    else *head = j;
    *tail = j;
}

void auth_job_check(auth_job *j) {
    j->ok = pwhash_verify(j->hash, j->password, j->len);
    if (!j->ok && j->pad_iterations) {
        pwhash p = *j->pad;
        p.iterations = j->pad_iterations;
        (void)pwhash_verify(&p, j->password, j->len);
    }
}

static void *worker_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&W.lock);
    for (;;) {
        while (!W.todo_head && !W.stopping) pthread_cond_wait(&W.work, &W.lock);
        if (W.stopping) break;
        auth_job *j = W.todo_head;
        W.todo_head = j->next;
        if (!W.todo_head) W.todo_tail = NULL;
        pthread_mutex_unlock(&W.lock);
        auth_job_check(j);
        /* Free OpenSSL's state of this thread now: a snapshot child forked
         * later would otherwise inherit it as memory nothing points to
         * (valgrind: "definitely lost" in every bgsave child). */
        OPENSSL_thread_stop();
        pthread_mutex_lock(&W.lock);
        list_add(&W.done_head, &W.done_tail, j);
        pthread_mutex_unlock(&W.lock);
        W.notify(); /* outside the lock: it may take locks of its own */
        pthread_mutex_lock(&W.lock);
    }
    pthread_mutex_unlock(&W.lock);
    return NULL;
}

int auth_worker_start(void (*notify)(void)) {
    W.notify = notify;
    W.stopping = 0;
    if (!notify) return 0;
    /* signals (SIGTERM, SIGCHLD) belong to the loop's thread: the worker
     * is created with every signal blocked */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&W.thread, NULL, worker_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) return -1;
    W.running = 1;
    return 0;
}

void auth_worker_submit(auth_job *j) {
    if (!W.running) { /* no thread: check now */
        auth_job_check(j);
        /* Free OpenSSL's state of this thread now: a snapshot child forked
         * later would otherwise inherit it as memory nothing points to
         * (valgrind: "definitely lost" in every bgsave child). */
        OPENSSL_thread_stop();
        list_add(&W.done_head, &W.done_tail, j);
        return;
    }
    pthread_mutex_lock(&W.lock);
    list_add(&W.todo_head, &W.todo_tail, j);
    pthread_cond_signal(&W.work);
    pthread_mutex_unlock(&W.lock);
}

auth_job *auth_worker_done(void) {
    pthread_mutex_lock(&W.lock);
    auth_job *j = W.done_head;
    W.done_head = W.done_tail = NULL;
    pthread_mutex_unlock(&W.lock);
    return j;
}

void auth_worker_stop(void) {
    if (W.running) {
        pthread_mutex_lock(&W.lock);
        W.stopping = 1;
        pthread_cond_signal(&W.work);
        pthread_mutex_unlock(&W.lock);
        pthread_join(W.thread, NULL);
        W.running = 0;
    }
    pthread_mutex_lock(&W.lock);
    while (W.todo_head) { /* never started: handed back as failed */
        auth_job *j = W.todo_head;
        W.todo_head = j->next;
        j->ok = 0;
        list_add(&W.done_head, &W.done_tail, j);
    }
    W.todo_tail = NULL;
    pthread_mutex_unlock(&W.lock);
}
